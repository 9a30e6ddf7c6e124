"""The objects that plugins return from their hooks, and what the core hands to them.

A plugin author imports from here (or from :mod:`footfall.plugin_api`, which re-exports the
public names): these are the small protocols through which the core uses auth schemes, event
sinks and analytics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import msgspec

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from footfall.db.engine import Database

__all__ = [
    "Analytic",
    "AnalyticParams",
    "AnalyticQuery",
    "AuthFailure",
    "AuthRequest",
    "AuthScheme",
    "Batch",
    "ChartHint",
    "ChartSeries",
    "DeviceRef",
    "EventSink",
    "IngestEvent",
    "Principal",
    "Role",
    "StoreOutcome",
    "StoreRef",
]

Role = Literal["admin", "viewer", "device"]


# --- Auth -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Principal:
    """The identity a request acts for: a role and the stores or device it is limited to."""

    role: Role
    scheme: str
    key_id: int | None = None
    store_ids: frozenset[int] | None = None
    """Stores a viewer may read; ``None`` for an admin, who may read every store."""
    device_id: int | None = None
    """The device of a device key."""

    def can_view_store(self, store_id: int) -> bool:
        """Return whether this principal may read the numbers of the store."""
        if self.role == "admin":
            return True
        if self.role == "viewer":
            return self.store_ids is None or store_id in self.store_ids
        return False


class AuthFailure(Exception):
    """Raised by an auth scheme that recognises a credential as invalid or revoked.

    The request ends with 401 and ``reason`` as the problem detail, so the reason must never
    contain the credential itself.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """The parts of an HTTP request that an auth scheme may look at."""

    method: str
    path: str
    headers: Mapping[str, str]
    """Header values by lower-case name, decoded as Latin-1 the way ASGI delivers them."""
    query: Mapping[str, str]
    allow_query_key: bool
    """True on the legacy routes, whose devices send their key as ``?api_key=``."""
    client: str


@runtime_checkable
class AuthScheme(Protocol):
    """Turns a request into a :class:`Principal`, or declines it by returning ``None``."""

    name: str

    def authenticate(self, request: AuthRequest, db: Database) -> Principal | None:
        """Return the principal, ``None`` to decline, or raise :class:`AuthFailure`."""
        ...


# --- Ingest -----------------------------------------------------------------------------


class IngestEvent(msgspec.Struct, frozen=True, gc=False):
    """One validated event of a batch.

    A msgspec struct rather than a dataclass: ingest creates one per event, and a struct is
    built about ten times faster. It holds no references, so the garbage collector need not
    track it (``gc=False``).
    """

    seq: int | None
    """Device sequence number; ``None`` for legacy events, which have none."""
    time_ms: int
    is_entry: bool

    @property
    def direction(self) -> str:
        """``entry`` or ``exit``."""
        return "entry" if self.is_entry else "exit"


@dataclass(frozen=True, slots=True)
class DeviceRef:
    """The device that sent a batch."""

    id: int
    name: str
    store_id: int
    store_name: str


@dataclass(frozen=True, slots=True)
class Batch:
    """The valid events of one ingest request."""

    batch_id: str
    device: DeviceRef
    events: tuple[IngestEvent, ...]
    received_ms: int
    dialect: Literal["v1", "legacy"]


@dataclass(frozen=True, slots=True)
class StoreOutcome:
    """The storage sink's outcome for a batch."""

    accepted: tuple[IngestEvent, ...]
    duplicates: int
    last_seq: int | None


@runtime_checkable
class EventSink(Protocol):
    """Receives each batch.

    A sink with ``in_transaction`` true is called inside the ingest transaction with its
    connection; if it raises, the transaction rolls back and the request fails. The storage
    sink is such a sink and returns a :class:`StoreOutcome`. Every other sink is called by the
    outbox worker after the commit, with the accepted events only and ``connection=None``.
    Its failures are logged and retried, and never fail the request.
    """

    name: str
    in_transaction: bool

    def write(self, batch: Batch, connection: Connection | None) -> StoreOutcome | None:
        """Deliver the batch; the storage sink returns what it stored."""
        ...


# --- Analytics --------------------------------------------------------------------------


class AnalyticParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of an analytic's own parameters; every field needs a default.

    The common parameters (``store``, ``start``, ``end``, ``device``, ``tz``) are parsed by
    the core and arrive in :class:`AnalyticQuery`; subclasses add only their own.
    """


class ChartSeries(msgspec.Struct, frozen=True, kw_only=True):
    """One drawn series of a chart: a field of each row."""

    field: str
    label: str
    type: Literal["bar", "line", "points"] = "bar"


class ChartHint(msgspec.Struct, frozen=True, kw_only=True):
    """Drawing instructions that let the dashboard chart an analytic without code of its own.

    ``rows`` names the list field of the result, ``x`` the field of a row on the horizontal
    axis. ``x_type`` ``time`` means epoch milliseconds shown in the result's ``zone``,
    ``hour`` an hour of the day from 0 to 23.
    """

    rows: str
    x: str
    series: tuple[ChartSeries, ...]
    x_type: Literal["time", "hour", "category"] = "category"
    y_label: str = ""


@dataclass(frozen=True, slots=True)
class StoreRef:
    """A store as analytics see it."""

    id: int
    name: str
    timezone: str
    day_reset_hour: int
    max_dwell_s: int


@dataclass(frozen=True, slots=True)
class AnalyticQuery:
    """The common, validated parameters of an analytics request."""

    store: StoreRef
    device_ids: tuple[int, ...]
    """The devices to count: every device of the store, or the one asked for."""
    device: str | None
    start: datetime
    """Start of the range, inclusive, as an aware UTC datetime."""
    end: datetime
    """End of the range, exclusive, as an aware UTC datetime."""
    zone: ZoneInfo
    """Presentation time zone: the ``tz`` parameter, else the store's zone."""
    db: Database
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Analytic(Protocol):
    """A named computation over a store's events."""

    name: str
    title: str
    description: str
    parameters: type[AnalyticParams]
    result: type[msgspec.Struct]
    chart: ChartHint

    def compute(self, query: AnalyticQuery, params: Any) -> msgspec.Struct:
        """Compute the result for the query; ``params`` is an instance of ``parameters``."""
        ...
