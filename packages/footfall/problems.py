"""Problem details (RFC 9457): the one JSON shape of every error response."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

__all__ = ["PROBLEM_MEDIA_TYPE", "ProblemError", "exception_handlers", "problem_response"]

logger = logging.getLogger("footfall.requests")

PROBLEM_MEDIA_TYPE = "application/problem+json"

_FOR_PATH = re.compile(r" for path .*$", re.DOTALL)
_MISSING = re.compile(r"Missing required (\w+) parameter '([^']*)'")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]*)`")

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemError(HTTPException):
    """An error response: a status, a one-line detail and the faulty fields."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Sequence[tuple[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail=detail, status_code=status, headers=headers)
        self.errors = [{"field": field, "message": message} for field, message in errors]


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    """Build a problem-details response and log it when the client was at fault."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    if 400 <= status < 500:
        device = getattr(request.state, "device_name", None)
        # The path only: legacy devices put their key in the query string.
        logger.warning(
            "Rejected %s %s with %d: %s%s",
            request.method,
            request.url.path,
            status,
            detail,
            f" (device {device})" if device else "",
        )
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ProblemError):
        return problem_response(request, exc.status_code, exc.detail, exc.errors, exc.headers)

    if isinstance(exc, ValidationException):
        errors = []
        for item in exc.extra if isinstance(exc.extra, list) else []:
            if isinstance(item, dict):
                field = str(item.get("key") or item.get("source") or "")
                # Litestar calls the request body "data", after the handler's parameter.
                field = "body" if field == "data" else field
                message = str(item.get("message", ""))
                # msgspec reports an unknown body field against the whole body ("data");
                # the field itself is what the client has to fix.
                unknown = _UNKNOWN_FIELD.search(message)
                if field in ("data", "body") and unknown:
                    field = unknown.group(1)
                errors.append({"field": field, "message": message})
        missing = _MISSING.match(exc.detail or "")
        if not errors and missing:
            errors.append({"field": missing.group(2), "message": "missing"})
        detail = _validation_detail(exc, errors)
        return problem_response(request, 400, detail, errors)

    status = exc.status_code
    detail = exc.detail
    if isinstance(exc, NotAuthorizedException) and not detail:
        detail = "an API key is required: send it as 'Authorization: Bearer KEY'"
    if isinstance(exc, PermissionDeniedException) and not detail:
        detail = "this key may not use this route"
    body_errors: list[dict[str, str]] | None = None
    if status == 413:
        detail = (
            "the request body is larger than the limit (FOOTFALL_MAX_BODY_BYTES): "
            "send fewer events per request"
        )
        body_errors = [{"field": "body", "message": "too large"}]
    elif status == 400:
        body_errors = [{"field": "body", "message": detail}]
    return problem_response(request, status, detail, body_errors, exc.headers)


def _validation_detail(exc: ValidationException, errors: list[dict[str, str]]) -> str:
    if errors:
        first = errors[0]
        name = first["field"] or "request"
        return f"invalid parameter {name!r}: {first['message']}"
    # Litestar appends "for path <path and query>" to this message; the query string of a
    # legacy request contains its key, so that part is dropped.
    return _FOR_PATH.sub("", exc.detail or "the request is invalid")


#: The detail of Litestar's InternalServerException when the body ends before its length.
_CLIENT_GONE = "client disconnected prematurely"


def _handle_internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, HTTPException) and exc.detail == _CLIENT_GONE:
        # A device on a weak link that drops mid-upload: nothing was stored, it sends the
        # batch again, and no client is left to read this response. A stack trace would only
        # bury real errors in the log.
        logger.info(
            "Client %s disconnected before sending the whole body of %s %s; nothing stored",
            request.client.host if request.client else "unknown",
            request.method,
            request.url.path,
        )
        return problem_response(
            request, 400, "the request body was cut off before its Content-Length: send it again"
        )
    logger.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "the service failed to handle the request; it has been logged, try again later",
    )


def _handle_recursion(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    # msgspec raises RecursionError, not a DecodeError, on a JSON body nested thousands of
    # levels deep, while Litestar parses a handler's ``data``. It is logged with its stack in
    # case a handler itself recursed without end.
    logger.warning("RecursionError on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        400,
        "the request body is JSON nested too deeply: send the documented shape",
        [{"field": "body", "message": "nested too deeply"}],
    )


exception_handlers: dict[type[Exception] | int, Any] = {
    HTTPException: _handle_http,
    RecursionError: _handle_recursion,
    HTTP_500_INTERNAL_SERVER_ERROR: _handle_internal,
}
