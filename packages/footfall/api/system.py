"""Health checks and the list of installed plugins."""

from __future__ import annotations

import msgspec
from litestar import Response, get

from footfall.api.deps import PrincipalDep, ServiceDep
from footfall.auth import require_role
from footfall.db.migrate import schema_status
from footfall.plugins import list_plugins

__all__ = ["get_plugins", "live", "ready"]


class PluginView(msgspec.Struct):
    """An installed plugin."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    hooks: list[str]


class PluginsAnswer(msgspec.Struct):
    """The installed plugins."""

    plugins: list[PluginView]


class Health(msgspec.Struct):
    """A health check's outcome."""

    status: str
    detail: str = ""


@get("/health/live", sync_to_thread=False, summary="Liveness", opt={"public": True})
def live() -> Health:
    """Return 200 while the process serves requests."""
    return Health(status="ok")


@get("/health/ready", sync_to_thread=True, summary="Readiness", opt={"public": True})
def ready(service: ServiceDep) -> Response[Health]:
    """Return 200 when the database answers and its schema is current, else 503."""
    try:
        status = schema_status(service.db, service.manager)
    except Exception as error:  # any database failure means "not ready"
        return Response(
            Health(
                status="unavailable", detail=f"the database did not answer: {type(error).__name__}"
            ),
            status_code=503,
        )
    if not status.up_to_date:
        return Response(
            Health(
                status="unavailable",
                detail="the database schema is out of date: run `litestar footfall db upgrade`",
            ),
            status_code=503,
        )
    return Response(Health(status="ok"))


@get("/api/v1/plugins", sync_to_thread=False, summary="List installed plugins")
def get_plugins(service: ServiceDep, principal: PrincipalDep) -> PluginsAnswer:
    """Return every loaded plugin with its distribution, version and hooks."""
    require_role(principal, "admin", "viewer")
    return PluginsAnswer(
        plugins=[
            PluginView(
                name=info.name,
                module=info.module,
                distribution=info.distribution,
                version=info.version,
                hooks=list(info.hooks),
            )
            for info in list_plugins(service.manager)
        ]
    )
