"""Reject request paths and query parameters that contain NUL characters.

PostgreSQL text values cannot contain NUL, so a store or device name with one, looked up in the
database, fails in the driver instead of matching nothing. No valid name or parameter contains
NUL, so such a request gets a 400 that names the parameter before any handler runs.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

__all__ = ["NulGuardMiddleware"]


class NulGuardMiddleware:
    """ASGI middleware that rejects a NUL character in the path or a query parameter with 400."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            field = _field_with_nul(scope)
            if field is not None:
                await _send_400(send, field)
                return
        await self.app(scope, receive, send)


def _field_with_nul(scope: Scope) -> str | None:
    if "\x00" in scope["path"]:
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "")
    return None


async def _send_400(send: Send, field: str) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Bad request",
            "status": 400,
            "detail": f"the {field!r} value contains a NUL character: remove it",
            "errors": [{"field": field, "message": "contains a NUL character"}],
        }
    ).encode()
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 400,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)
