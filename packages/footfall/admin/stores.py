"""Stores: create, look up, list and change a shop's time zone and business-day rules."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Row, Select, insert, select, update

from footfall.admin.errors import AdminError, check_name
from footfall.clock import now_ms
from footfall.db.models import Store
from footfall.timezones import zone_names

__all__ = [
    "MAX_DWELL_LIMIT_S",
    "StoreRow",
    "create_store",
    "get_store",
    "list_stores",
    "update_store",
]

#: Largest accepted maximum dwell. Dwell pairs are matched within one business day, so a
#: limit above a day could never exclude anything.
MAX_DWELL_LIMIT_S = 86_400


@dataclass(frozen=True, slots=True)
class StoreRow:
    """A stored shop."""

    id: int
    name: str
    timezone: str
    day_reset_hour: int
    max_dwell_s: int


def create_store(
    conn: Connection,
    *,
    name: str,
    timezone: str = "UTC",
    day_reset_hour: int = 4,
    max_dwell_s: int = 14_400,
) -> StoreRow:
    """Insert a store; raise :class:`AdminError` (409) when the name is taken."""
    check_name(name, field="name", kind="store")
    _check_timezone(timezone)
    _check_reset_hour(day_reset_hour)
    _check_max_dwell(max_dwell_s)
    _check_name_free(conn, name)

    result = conn.execute(
        insert(Store).values(
            name=name,
            timezone=timezone,
            day_reset_hour=day_reset_hour,
            max_dwell_s=max_dwell_s,
            created_ms=now_ms(),
        )
    )
    store_id = int(result.inserted_primary_key[0]) if result.inserted_primary_key else None
    if store_id is None:  # pragma: no cover - every supported driver returns the primary key
        raise RuntimeError("the database returned no id for the new store")
    return StoreRow(store_id, name, timezone, day_reset_hour, max_dwell_s)


def get_store(conn: Connection, name: str) -> StoreRow:
    """Return the store called ``name``; raise :class:`AdminError` (404) when there is none."""
    row = conn.execute(_select_stores().where(Store.name == name)).first()
    if row is None:
        raise AdminError(
            f"store {name!r} not found: check the name with `litestar footfall stores list`",
            field="store",
            status=404,
        )
    return _to_store_row(row)


def list_stores(conn: Connection, store_ids: frozenset[int] | None = None) -> list[StoreRow]:
    """Return the stores ordered by name, limited to ``store_ids`` unless it is ``None``."""
    query = _select_stores().order_by(Store.name)
    if store_ids is not None:
        query = query.where(Store.id.in_(sorted(store_ids)))
    return [_to_store_row(row) for row in conn.execute(query)]


def update_store(
    conn: Connection,
    name: str,
    *,
    timezone: str | None = None,
    day_reset_hour: int | None = None,
    max_dwell_s: int | None = None,
    new_name: str | None = None,
) -> StoreRow:
    """Change the given fields of a store and return it as stored; ``None`` keeps a field."""
    store = get_store(conn, name)
    values: dict[str, object] = {}

    if new_name is not None and new_name != store.name:
        check_name(new_name, field="new_name", kind="store")
        _check_name_free(conn, new_name)
        values["name"] = new_name
    if timezone is not None:
        _check_timezone(timezone)
        values["timezone"] = timezone
    if day_reset_hour is not None:
        _check_reset_hour(day_reset_hour)
        values["day_reset_hour"] = day_reset_hour
    if max_dwell_s is not None:
        _check_max_dwell(max_dwell_s)
        values["max_dwell_s"] = max_dwell_s

    if values:
        conn.execute(update(Store).where(Store.id == store.id).values(**values))
    return get_store(conn, str(values.get("name", store.name)))


def _select_stores() -> Select[tuple[int, str, str, int, int]]:
    return select(Store.id, Store.name, Store.timezone, Store.day_reset_hour, Store.max_dwell_s)


def _to_store_row(row: Row[tuple[int, str, str, int, int]]) -> StoreRow:
    return StoreRow(
        id=row[0], name=row[1], timezone=row[2], day_reset_hour=row[3], max_dwell_s=row[4]
    )


def _check_name_free(conn: Connection, name: str) -> None:
    if conn.execute(select(Store.id).where(Store.name == name)).first() is not None:
        raise AdminError(
            f"a store called {name!r} already exists: choose another name", field="name",
            status=409,
        )


def _check_timezone(timezone: object) -> None:
    # The same list the analytics accept for their ``tz`` parameter: zoneinfo alone would
    # also open file paths such as "../etc" and tz database files such as "posixrules".
    if not isinstance(timezone, str) or timezone not in zone_names():
        raise AdminError(
            f"time zone {timezone!r} is not an IANA time zone name: use a name such as "
            "'Europe/Berlin' or 'UTC'",
            field="timezone",
        )


def _check_reset_hour(day_reset_hour: object) -> None:
    if (
        not isinstance(day_reset_hour, int)
        or isinstance(day_reset_hour, bool)
        or not 0 <= day_reset_hour <= 23
    ):
        raise AdminError(
            f"day reset hour {day_reset_hour!r} is not an hour of the day: use a whole number "
            "from 0 to 23 (local time at which occupancy and dwell start a new day)",
            field="day_reset_hour",
        )


def _check_max_dwell(max_dwell_s: object) -> None:
    if (
        not isinstance(max_dwell_s, int)
        or isinstance(max_dwell_s, bool)
        or not 0 < max_dwell_s <= MAX_DWELL_LIMIT_S
    ):
        raise AdminError(
            f"maximum dwell {max_dwell_s!r} s is out of range: use a whole number of seconds "
            f"from 1 to {MAX_DWELL_LIMIT_S}",
            field="max_dwell_s",
        )
