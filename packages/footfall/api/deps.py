"""Dependencies shared by the route modules: the service and the request's principal."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler

from footfall.auth import require_role
from footfall.plugin_types import Principal
from footfall.service import Service

__all__ = [
    "PrincipalDep",
    "ServiceDep",
    "admin_only",
    "dependencies",
    "get_service",
    "principal_of",
    "service_of",
]

#: Handler parameter types of the two dependencies, named explicitly as Litestar 2.23+ asks.
ServiceDep = NamedDependency[Service]
PrincipalDep = NamedDependency[Principal | None]


def service_of(state: State) -> Service:
    """Return the service stored on the application state at start-up."""
    service: Service = state["footfall"]
    return service


def get_service(state: State) -> Service:
    """Provide the service to handlers."""
    return service_of(state)


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """Return the connection's principal, authenticating it once per request."""
    state = connection.state
    if "principal" in state:
        cached: Principal | None = state["principal"]
        return cached
    principal = service_of(connection.app.state).authenticator.authenticate(connection)
    state["principal"] = principal
    if principal is not None and principal.device_id is not None:
        state["device_id"] = principal.device_id
    return principal


def get_principal(request: Request[Any, Any, Any]) -> Principal | None:
    """Provide the request's principal, or ``None`` for an anonymous request."""
    return principal_of(request)


def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: let only admin keys through, before the request body is read."""
    require_role(principal_of(connection), "admin")


dependencies = {
    "service": Provide(get_service, sync_to_thread=False),
    "principal": Provide(get_principal, sync_to_thread=False),
}
