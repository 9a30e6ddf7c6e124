"""``GET /metrics`` in the Prometheus text format, and the request-latency middleware."""

from __future__ import annotations

import time

from litestar import Response, get
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from footfall.api.deps import ServiceDep
from footfall.metrics import CONTENT_TYPE_LATEST, DatabaseCollector, observe_request, render_metrics

__all__ = ["get_metrics", "latency_middleware"]


# NOTE: the route needs no key, like most Prometheus targets. It names every store and its
# traffic, so expose it only to the monitoring network (see docs/deployment.md).
@get(
    "/metrics", sync_to_thread=True, include_in_schema=False, opt={"public": True},
    summary="Prometheus metrics",
)
def get_metrics(service: ServiceDep) -> Response[bytes]:
    """Return the ingest, latency, outbox and database metrics."""
    sink_names = tuple(sink.name for sink in service.sinks.after_commit)
    body = render_metrics(DatabaseCollector(service.db, sink_names))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def latency_middleware(app: ASGIApp) -> ASGIApp:
    """Time each HTTP request from its arrival to the end of its response.

    The route label is the route's path template (``/api/v1/stores/{name:str}/occupancy``),
    never the requested path, so the number of series stays bounded. Requests that match no
    route never reach a route's middleware and are not counted.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        method = scope["method"]

        started = time.perf_counter()
        status = 500

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await app(scope, receive, send_and_watch)
        finally:
            route = str(scope.get("path_template") or "unmatched")
            observe_request(method, route, status, time.perf_counter() - started)

    return middleware
