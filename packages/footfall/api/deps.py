"""Dependencies shared by the route modules: the service and the request's principal."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from footfall.plugin_types import Principal
from footfall.service import Service

__all__ = ["PrincipalDep", "ServiceDep", "dependencies", "get_service", "service_of"]

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


def get_principal(request: Request[Any, Any, Any]) -> Principal | None:
    """Provide the request's principal, or ``None`` for an anonymous request."""
    principal = service_of(request.app.state).authenticator.authenticate(request)
    if principal is not None and principal.device_id is not None:
        request.state.device_id = principal.device_id
    return principal


dependencies = {
    "service": Provide(get_service, sync_to_thread=False),
    "principal": Provide(get_principal, sync_to_thread=False),
}
