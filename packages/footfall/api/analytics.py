"""Analytics routes: the list of installed analytics and one route per analytic.

Each analytic gets its own route, built from its parameter Struct, so that its parameters
appear in the OpenAPI schema and are validated before it runs.
"""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from litestar import get
from litestar.handlers import HTTPRouteHandler
from litestar.params import QueryParameter
from sqlalchemy import select

from footfall.api.deps import PrincipalDep, ServiceDep
from footfall.api.read import load_store
from footfall.auth import require_role
from footfall.db.models import Device
from footfall.plugin_types import Analytic, AnalyticQuery, StoreRef
from footfall.problems import ProblemError
from footfall.timezones import zone_names

__all__ = ["analytics_routes", "parse_instant", "parse_zone"]

#: Years an analytics range may lie in: no event is older than 2020, and the limits keep
#: every date arithmetic of the analytics far from the ends of Python's datetime.
MIN_YEAR = 2000
MAX_YEAR = 2200

#: Maximum range of one analytics request.
MAX_RANGE = timedelta(days=3660)


class AnalyticInfo(msgspec.Struct):
    """An installed analytic: its parameters, result and chart hint."""

    name: str
    title: str
    description: str
    parameters: dict[str, Any]
    result: dict[str, Any]
    chart: dict[str, Any]


class AnalyticsList(msgspec.Struct):
    """The installed analytics."""

    analytics: list[AnalyticInfo]


_COMMON_PARAMETERS = {
    "store": {"type": "string", "description": "Store name"},
    "start": {
        "type": "string",
        "format": "date-time",
        "description": "Start of the range, inclusive (ISO 8601; no offset: local time)",
    },
    "end": {
        "type": "string",
        "format": "date-time",
        "description": "End of the range, exclusive (ISO 8601; no offset: local time)",
    },
    "device": {"type": "string", "description": "Only this device of the store"},
    "tz": {"type": "string", "description": "IANA time zone of the result (default: the store's)"},
}


def _schema(kind: type) -> dict[str, Any]:
    schema = msgspec.json.schema(kind)
    definitions = schema.get("$defs", {})
    reference = schema.get("$ref", "")
    if reference.startswith("#/$defs/"):
        resolved = dict(definitions.get(reference.removeprefix("#/$defs/"), {}))
        if len(definitions) > 1:
            resolved["$defs"] = definitions
        return resolved
    return schema


def describe(analytic: Analytic) -> AnalyticInfo:
    """Describe an analytic for ``GET /api/v1/analytics``."""
    parameters = _schema(analytic.parameters)
    properties = dict(_COMMON_PARAMETERS)
    properties.update(parameters.get("properties", {}))
    parameters["properties"] = properties
    parameters["required"] = ["store", "start", "end", *parameters.get("required", [])]
    return AnalyticInfo(
        name=analytic.name,
        title=analytic.title,
        description=analytic.description,
        parameters=parameters,
        result=_schema(analytic.result),
        chart=msgspec.to_builtins(analytic.chart),
    )


def parse_zone(name: str, field: str = "tz") -> ZoneInfo:
    """Return the IANA zone, or raise 400 naming the field."""
    try:
        if name not in zone_names():
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ProblemError(
            400,
            f"{field} {name[:60]!r} is not an IANA time zone: use a name such as "
            "'Europe/Berlin' or 'UTC'",
            errors=[(field, "unknown time zone")],
        ) from None


def parse_instant(value: str, zone: ZoneInfo, field: str) -> datetime:
    """Parse an ISO 8601 date or time; one without an offset is read in ``zone``."""
    text = value.strip()
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time(0))
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ProblemError(
            400,
            f"{field} {value[:60]!r} is not an ISO 8601 date or time: use for example "
            "2025-03-30 or 2025-03-30T08:00:00+02:00",
            errors=[(field, "not ISO 8601")],
        ) from None
    if not MIN_YEAR <= parsed.year < MAX_YEAR:
        raise ProblemError(
            400,
            f"{field} {value[:60]!r} is outside the supported years {MIN_YEAR} to {MAX_YEAR - 1}",
            errors=[(field, "year out of range")],
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _device_ids(service: ServiceDep, store: StoreRef, device: str | None) -> tuple[int, ...]:
    query = select(Device.id, Device.name).where(Device.store_id == store.id)
    with service.db.read() as connection:
        rows = connection.execute(query).all()
    if device is None:
        return tuple(row[0] for row in rows)
    for device_id, name in rows:
        if name == device:
            return (device_id,)
    raise ProblemError(
        404,
        f"device {device[:60]!r} is not a device of store {store.name!r}",
        errors=[("device", "not found in the store")],
    )


def _run(
    service: ServiceDep, analytic: Analytic, principal: PrincipalDep, values: dict[str, Any]
) -> msgspec.Struct:
    principal = require_role(principal, "admin", "viewer")
    store = load_store(service, principal, values.pop("store"))
    tz_name = values.pop("tz")
    zone = parse_zone(tz_name) if tz_name else parse_zone(store.timezone, "store time zone")
    start = parse_instant(values.pop("start"), zone, "start")
    end = parse_instant(values.pop("end"), zone, "end")
    if end <= start:
        raise ProblemError(400, "end must be after start", errors=[("end", "not after start")])
    if end - start > MAX_RANGE:
        raise ProblemError(
            400,
            f"the range is longer than {MAX_RANGE.days} days: ask for less",
            errors=[("end", "range too long")],
        )
    device = values.pop("device")

    own = {name: value for name, value in values.items() if value is not None}
    try:
        params = msgspec.convert(own, analytic.parameters, strict=False)
    except msgspec.ValidationError as error:
        field = str(error).rsplit("`$.", 1)[-1].rstrip("`") if "`$." in str(error) else ""
        raise ProblemError(
            400, f"invalid parameter: {error}", errors=[(field, str(error))]
        ) from None

    query = AnalyticQuery(
        store=store,
        device_ids=_device_ids(service, store, device),
        device=device,
        start=start,
        end=end,
        zone=zone,
        db=service.db,
    )
    return analytic.compute(query, params)


def _make_route(analytic: Analytic) -> HTTPRouteHandler:
    own_fields = msgspec.structs.fields(analytic.parameters)

    def handler(service: ServiceDep, principal: PrincipalDep, **values: Any) -> Any:
        return _run(service, analytic, principal, values)

    parameters = [
        inspect.Parameter("service", inspect.Parameter.KEYWORD_ONLY, annotation=ServiceDep),
        inspect.Parameter("principal", inspect.Parameter.KEYWORD_ONLY, annotation=PrincipalDep),
    ]
    for name, spec in _COMMON_PARAMETERS.items():
        description = QueryParameter(description=spec["description"])
        if name in {"store", "start", "end"}:
            parameters.append(
                inspect.Parameter(
                    name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[str, description]
                )
            )
        else:
            parameters.append(
                inspect.Parameter(
                    name,
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=Annotated[str | None, description],
                    default=None,
                )
            )
    for field in own_fields:
        if field.name in _COMMON_PARAMETERS or field.name in {"service", "principal"}:
            raise RuntimeError(
                f"analytic {analytic.name!r} declares parameter {field.name!r}, a name the core "
                "reserves: rename it"
            )
        # The analytic's own defaults apply when msgspec builds its parameter Struct, so a
        # parameter the request leaves out arrives here as None.
        parameters.append(
            inspect.Parameter(
                field.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[field.type | None, QueryParameter()],
                default=None,
            )
        )

    handler.__signature__ = inspect.Signature(parameters, return_annotation=analytic.result)  # type: ignore[attr-defined]
    handler.__annotations__ = {p.name: p.annotation for p in parameters}
    handler.__annotations__["return"] = analytic.result
    handler.__name__ = f"analytic_{analytic.name}"
    handler.__doc__ = analytic.description

    return get(
        f"/api/v1/analytics/{analytic.name}",
        sync_to_thread=True,
        name=f"analytic-{analytic.name}",
        summary=analytic.title,
        description=analytic.description,
        tags=["analytics"],
    )(handler)


@get(
    "/api/v1/analytics",
    sync_to_thread=False,
    summary="List installed analytics",
    tags=["analytics"],
)
def list_analytics(service: ServiceDep, principal: PrincipalDep) -> AnalyticsList:
    """Return every installed analytic with its parameter schema, result schema and chart hint."""
    require_role(principal, "admin", "viewer")
    return AnalyticsList(analytics=[describe(analytic) for analytic in service.analytics.values()])


@get("/api/v1/analytics/{name:str}", sync_to_thread=False, include_in_schema=False)
def unknown_analytic(service: ServiceDep, principal: PrincipalDep, name: str) -> None:
    """Reject with 404 a request for an analytic that is not installed."""
    require_role(principal, "admin", "viewer")
    installed = ", ".join(service.analytics) or "none"
    raise ProblemError(
        404,
        f"analytic {name[:60]!r} is not installed; installed: {installed}",
        errors=[("name", "not installed")],
    )


def analytics_routes(service: ServiceDep) -> list[HTTPRouteHandler]:
    """Return the list route, one route per installed analytic, and the fallback."""
    routes: list[HTTPRouteHandler] = [list_analytics, unknown_analytic]
    routes.extend(_make_route(analytic) for analytic in service.analytics.values())
    return routes
