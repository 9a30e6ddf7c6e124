"""The error that the administration functions raise for input they cannot store."""

from __future__ import annotations

__all__ = ["AdminError", "check_name"]

#: Maximum length of a store or device name, set by the ``VARCHAR(200)`` name columns.
MAX_NAME_LENGTH = 200


class AdminError(ValueError):
    """Invalid input, a missing row or a conflict, with the HTTP status it maps to.

    ``status`` is 400 for invalid input, 404 when the named store, device or key does not
    exist, and 409 when the change conflicts with a stored row (a name already in use).
    ``field`` names the input at fault, or is ``None`` when no single field is.
    """

    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def check_name(value: object, *, field: str, kind: str) -> str:
    """Return ``value`` if it can name a store or device, else raise :class:`AdminError`.

    Names appear as path segments of API URLs (``/api/v1/stores/{name}``), so a slash is
    rejected along with control characters and surrounding spaces.
    """
    if not isinstance(value, str) or value == "":
        raise AdminError(f"the {kind} name is missing: give a non-empty name", field=field)

    if len(value) > MAX_NAME_LENGTH:
        raise AdminError(
            f"the {kind} name {value[:40]!r}... is {len(value)} characters long: "
            f"use at most {MAX_NAME_LENGTH}",
            field=field,
        )

    if value != value.strip():
        raise AdminError(
            f"the {kind} name {value!r} starts or ends with a space: remove it", field=field
        )

    # "." and ".." are path segments that browsers and proxies resolve away.
    if not value.isprintable() or "/" in value or value in {".", ".."}:
        raise AdminError(
            f"the {kind} name {value!r} is '.' or '..', or contains a slash or a control "
            "character: use letters, digits, spaces and punctuation other than '/'",
            field=field,
        )
    return value
