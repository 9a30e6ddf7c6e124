"""The Litestar application: ``litestar run`` starts it (see ``.env``)."""

from __future__ import annotations

import gc
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from litestar import Litestar, Response, get
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import MutableScopeHeaders, State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.types import Message, Scope

from footfall import __version__
from footfall.api import admin, device, legacy, metrics, read, system
from footfall.api.analytics import analytics_routes
from footfall.api.deps import dependencies
from footfall.config import Settings
from footfall.paths import dashboard_dir
from footfall.problems import exception_handlers
from footfall.ratelimit import RateLimitMiddleware, RateLimits
from footfall.request_guard import NulGuardMiddleware
from footfall.service import Service

__all__ = ["create_app"]

logger = logging.getLogger("footfall")

#: Sent with every answer. The dashboard loads scripts, styles and data from its own origin
#: only, and has no inline script, so the policy forbids everything else.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


_SECURITY_HEADER_LIST = [
    (name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
]


async def _add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    present = {name.lower() for name, _ in message.get("headers", ())}
    if present.isdisjoint(name for name, _ in _SECURITY_HEADER_LIST):
        # The usual case, and a plain append: setting each header through
        # MutableScopeHeaders searched the whole list once per header.
        message["headers"] = [*message.get("headers", ()), *_SECURITY_HEADER_LIST]
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value


@get("/", include_in_schema=False, sync_to_thread=False)
def index() -> Response[Any]:
    """Send a browser at the root to the dashboard."""
    return Response(None, status_code=302, headers={"Location": "/dashboard/"})


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application: load plugins, check the schema and mount every route."""
    settings = settings or Settings.from_env()
    _configure_logging(settings)
    service = Service.create(settings)

    route_handlers: list[Any] = [
        index,
        device.post_events,
        device.post_status,
        device.get_config,
        legacy.post_movements,
        legacy.get_movements,
        legacy.create_api_key,
        read.get_me,
        read.get_stores,
        read.get_occupancy,
        system.live,
        system.ready,
        system.get_plugins,
        metrics.get_metrics,
        *analytics_routes(service),
    ]
    route_handlers.extend(admin.routes)

    static_root = dashboard_dir(settings.dashboard_dir)
    if static_root.is_dir():
        route_handlers.append(
            create_static_files_router(
                path="/dashboard",
                directories=[static_root],
                html_mode=True,
                include_in_schema=False,
                name="dashboard",
            )
        )
    else:
        logger.warning("Dashboard folder %s not found; /dashboard/ is not served", static_root)

    def on_startup() -> None:
        service.prepare()
        service.outbox.start()
        if service.settings.dwell_warmup:
            service.dwell_warmup.start()
        service.start_plugins()
        logger.info(
            "Footfall %s started: database %s, plugins %s",
            __version__,
            service.db.url.render_as_string(hide_password=True),
            ", ".join(name for name, _ in service.manager.list_name_plugin()),
        )
        # The objects built so far (modules, the app, the plugins) live as long as the
        # process. Frozen, they drop out of the garbage collector's full collections, which
        # otherwise walked all of them and stalled every request for about 45 ms, once a
        # second or so, under ingest load.
        gc.collect()
        gc.freeze()

    def on_shutdown() -> None:
        service.close()
        # Handed back to the collector, for a process that builds another app (the tests).
        gc.unfreeze()
        logger.info("Footfall stopped")

    return Litestar(
        route_handlers=route_handlers,
        dependencies=dependencies,
        exception_handlers=exception_handlers,
        state=State({"footfall": service}),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        before_send=[_add_security_headers],
        middleware=[
            metrics.latency_middleware,
            DefineMiddleware(RateLimitMiddleware, limits=RateLimits(settings)),
            NulGuardMiddleware,
        ],
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins))
        if settings.cors_origins
        else None,
        openapi_config=OpenAPIConfig(title="Footfall", version=__version__),
        # Analytics responses over a year run to hundreds of kilobytes of JSON; gzip cuts them
        # about tenfold. Device routes return a few bytes, so they skip the middleware. Each
        # response is compressed on every request: level 4 took 2.7 ms for the 707 kB year
        # by hour, against 4.3 ms at level 6, and sent 57.2 kB instead of 54.6 kB.
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=1024,
            gzip_compress_level=4,
            exclude=["^/api/v1/events", "^/api/v1/devices/", "^/movements/"],
        ),
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,
        debug=False,
    )


class _RedactQueryKeys(logging.Filter):
    """Hide the value of every ``api_key`` query parameter in access-log lines.

    Legacy devices send their key in the query string. The parameter name is compared after
    percent-decoding, in any case and without separators, so ``api%5Fkey=``, ``API_KEY=``
    and ``api+key=`` are hidden too, whether or not the service accepted them as a key.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_query_keys(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = redact_query_keys(record.msg)
        return True


_QUERY = re.compile(r"\?([^\s\"]*)")


def redact_query_keys(text: str) -> str:
    """Return ``text`` with the values of its URLs' API-key query parameters hidden."""

    def redact(match: re.Match[str]) -> str:
        parts = []
        for part in match.group(1).split("&"):
            name = re.sub(r"[^a-z0-9]", "", unquote_plus(part.split("=", 1)[0]).lower())
            parts.append(f"{part.split('=', 1)[0]}=[redacted]" if name == "apikey" else part)
        return "?" + "&".join(parts)

    return _QUERY.sub(redact, text) if "?" in text else text


def _configure_logging(settings: Settings) -> None:
    access_logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(item, _RedactQueryKeys) for item in access_logger.filters):
        access_logger.addFilter(_RedactQueryKeys())

    footfall_logger = logging.getLogger("footfall")
    footfall_logger.setLevel(settings.log_level.upper())
    if not logging.getLogger().handlers and not footfall_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        footfall_logger.addHandler(handler)
        footfall_logger.propagate = False
