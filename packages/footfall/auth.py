"""Authentication: ask each auth scheme in turn, and check a principal's role and scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar.connection import ASGIConnection

from footfall.db.engine import Database
from footfall.plugin_types import AuthFailure, AuthRequest, AuthScheme, Principal, Role
from footfall.problems import ProblemError

__all__ = ["Authenticator", "require_role", "require_store"]

#: Route option that lets the legacy routes read the key from ``?api_key=``.
LEGACY_QUERY_KEY = "legacy_query_key"


class Authenticator:
    """Turns a request into a principal with the installed auth schemes.

    The first scheme that recognises the request decides. A scheme that recognises a
    credential as invalid or revoked ends the request with 401, and a request that no scheme
    recognises is anonymous (``None``).
    """

    def __init__(self, schemes: Sequence[AuthScheme], db: Database) -> None:
        self.schemes = tuple(schemes)
        self.db = db

    def authenticate(self, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
        """Return the request's principal, ``None`` when anonymous, or raise a 401."""
        route_opt = connection.route_handler.opt if connection.scope.get("route_handler") else {}
        allow_query_key = bool(route_opt.get(LEGACY_QUERY_KEY, False))
        _reject_several_keys(connection, allow_query_key)
        request = AuthRequest(
            method=str(connection.scope.get("method", "GET")),
            path=connection.scope["path"],
            headers=connection.headers,
            query={key: value for key, value in connection.query_params.items()},
            allow_query_key=allow_query_key,
            client=connection.client.host if connection.client else "",
        )
        for scheme in self.schemes:
            try:
                principal = scheme.authenticate(request, self.db)
            except AuthFailure as failure:
                raise ProblemError(
                    401, failure.reason, headers={"WWW-Authenticate": "Bearer"}
                ) from None
            if principal is not None:
                return principal
        return None


def _reject_several_keys(
    connection: ASGIConnection[Any, Any, Any, Any], allow_query_key: bool
) -> None:
    # With two keys, which one counts would depend on which header a component reads first
    # (the rate limiter, a proxy, the auth scheme), so such a request is refused outright.
    # Repeated headers may also arrive folded into one, separated by commas.
    keys = sum(
        value.lower().count("bearer") for value in connection.headers.getall("authorization", [])
    )
    keys += sum(len(value.split(",")) for value in connection.headers.getall("x-api-key", []))
    if allow_query_key:
        keys += len(connection.query_params.getall("api_key", []))
    if keys > 1:
        raise ProblemError(
            401,
            "the request carries more than one API key: send exactly one, in "
            "'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
            headers={"WWW-Authenticate": "Bearer"},
        )


def require_role(principal: Principal | None, *roles: Role) -> Principal:
    """Return the principal if it has one of the roles; raise 401 or 403 otherwise."""
    if principal is None:
        raise ProblemError(
            401,
            "an API key is required: send it as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if principal.role not in roles:
        expected = " or ".join(roles)
        raise ProblemError(
            403,
            f"this route needs a key with the {expected} role; this key is a {principal.role} key",
        )
    return principal


def require_store(principal: Principal, store_id: int, store_name: str) -> None:
    """Raise 403 unless the principal may read the store's numbers."""
    if not principal.can_view_store(store_id):
        raise ProblemError(
            403, f"this key may not read store {store_name!r}: use a key of that store"
        )
