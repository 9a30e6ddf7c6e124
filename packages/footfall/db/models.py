"""SQLAlchemy models of the service's schema.

Times are stored as epoch milliseconds in UTC (``*_ms`` columns), so that SQLite and
PostgreSQL hold the same integers and no driver converts time zones on the way.
The Alembic migrations in ``migrations/versions`` create exactly this schema; a test runs
autogenerate against a migrated database and expects no difference.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ACCESS_GENERATION_ROW",
    "NAMING_CONVENTION",
    "OUTBOX_STATES",
    "QUARTER_S",
    "ROLES",
    "AccessGeneration",
    "ApiKey",
    "Base",
    "Device",
    "Event",
    "Heartbeat",
    "OutboxEntry",
    "QuarterCount",
    "RejectedEvent",
    "Store",
]

#: Constraint names follow this convention so that batch migrations on SQLite can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Roles an API key can have.
ROLES = ("admin", "viewer", "device")

#: Width of a rollup bucket in seconds. Every UTC offset in use is a whole number of
#: quarter hours, so quarter-hour buckets add up to the local hours of any time zone.
QUARTER_S = 900


class Base(DeclarativeBase):
    """Declarative base with the project's naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Store(Base):
    """A shop: its time zone and the rules of its business day."""

    __tablename__ = "stores"
    __table_args__ = (
        CheckConstraint("day_reset_hour >= 0 AND day_reset_hour <= 23", name="reset_hour"),
        CheckConstraint("max_dwell_s > 0", name="max_dwell"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    day_reset_hour: Mapped[int] = mapped_column(Integer, default=4)
    max_dwell_s: Mapped[int] = mapped_column(Integer, default=4 * 3600)
    created_ms: Mapped[int] = mapped_column(BigInteger)


class Device(Base):
    """A counting camera above one door of a store."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    settings_json: Mapped[str] = mapped_column(Text)
    """Counting settings as the device receives them (line, band, confirm, mode, ...)."""
    settings_etag: Mapped[str] = mapped_column(String(64))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    last_event_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_heartbeat_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_status_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class ApiKey(Base):
    """An API key: only its SHA-256 hash is kept, never the key itself."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'viewer', 'device')", name="role"),
        CheckConstraint(
            "(role = 'admin' AND store_id IS NULL AND device_id IS NULL)"
            " OR (role = 'viewer' AND device_id IS NULL)"
            " OR (role = 'device' AND device_id IS NOT NULL)",
            name="scope",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    """First characters of the key, shown in listings so that an operator can tell keys apart."""
    role: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[int | None] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), nullable=True, index=True
    )
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), nullable=True, index=True
    )
    label: Mapped[str] = mapped_column(String(200), default="")
    created_ms: Mapped[int] = mapped_column(BigInteger)
    last_used_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Event(Base):
    """One entry or exit recorded by a device.

    ``seq`` is the device's sequence number (v1 protocol) and is NULL for events that came
    through the legacy protocol, which has none; NULLs never collide in the unique constraint.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("device_id", "seq"),
        Index("ix_events_device_id_time_ms", "device_id", "time_ms"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    is_entry: Mapped[bool] = mapped_column(Boolean)
    received_ms: Mapped[int] = mapped_column(BigInteger)


class RejectedEvent(Base):
    """An event that failed validation, kept with its raw JSON for inspection."""

    __tablename__ = "rejected_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), nullable=True, index=True
    )
    dialect: Mapped[str] = mapped_column(String(16))
    """Protocol the event came through: ``v1`` or ``legacy``."""
    batch_index: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    raw_json: Mapped[str] = mapped_column(Text)
    received_ms: Mapped[int] = mapped_column(BigInteger, index=True)


class Heartbeat(Base):
    """A device's periodic status report."""

    __tablename__ = "heartbeats"
    __table_args__ = (Index("ix_heartbeats_device_id_received_ms", "device_id", "received_ms"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    received_ms: Mapped[int] = mapped_column(BigInteger)
    boot_id: Mapped[str] = mapped_column(String(64))
    uptime_s: Mapped[int] = mapped_column(BigInteger)
    firmware: Mapped[str] = mapped_column(String(64))
    fps: Mapped[float] = mapped_column(Float)
    queue_depth: Mapped[int] = mapped_column(Integer)
    dropped: Mapped[int] = mapped_column(BigInteger)
    camera: Mapped[str] = mapped_column(String(16))
    rssi_dbm: Mapped[int] = mapped_column(Integer)
    free_heap: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)


class QuarterCount(Base):
    """Rollup: entries and exits of one device in one UTC quarter hour.

    A row exists for every quarter hour in which the device sent an event or a heartbeat, so
    its presence says the device was watching then. The ingest transaction keeps these rows
    up to date; ``litestar footfall rollups rebuild`` recomputes them from events and
    heartbeats.
    """

    __tablename__ = "quarter_counts"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    quarter: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    """Start of the quarter hour as epoch seconds divided by 900."""
    entries: Mapped[int] = mapped_column(Integer, default=0)
    exits: Mapped[int] = mapped_column(Integer, default=0)
    heartbeats: Mapped[int] = mapped_column(Integer, default=0)


#: ``id`` of the one row of ``access_generation``.
ACCESS_GENERATION_ROW = 1


class AccessGeneration(Base):
    """A counter that grows with every change to who an API key is or what it may do.

    Triggers created by the migration ``0004_access_generation`` add one to ``generation``
    on each insert, update or delete of an API key, on a device's rename, move or deletion,
    and on each update or deletion of a store. Updates of ``api_keys.last_used_ms`` and of
    a device's status and settings columns do not count. Each process keeps verified keys
    and devices cached until it reads a different number here
    (:mod:`footfall.access_generation`).
    """

    __tablename__ = "access_generation"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


#: States of an outbox row: ``pending`` rows are delivered when due, ``dead`` rows wait for
#: an operator's retry.
OUTBOX_STATES = ("pending", "dead")


class OutboxEntry(Base):
    """A batch waiting for delivery to one after-commit event sink.

    Rows are written in the ingest transaction, so a batch that was acknowledged reaches every
    sink at least once, across restarts. The delivery worker deletes a row once its sink
    accepted the batch.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'dead')", name="state"),
        Index("ix_outbox_state_next_attempt_ms", "state", "next_attempt_ms"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sink: Mapped[str] = mapped_column(String(100))
    """Name of the event sink that receives the batch."""
    batch_id: Mapped[str] = mapped_column(String(64), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    payload_json: Mapped[str] = mapped_column(Text)
    """The accepted events of the batch with the device and store names."""
    created_ms: Mapped[int] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger)
    """When the row is due; while a worker holds the row, the end of its lease."""
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """Worker that claimed the row last; only that worker may delete or reschedule it."""
    state: Mapped[str] = mapped_column(String(16), default="pending")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


# The dwell cache tables live with the analytics that own them; importing them here puts them
# on Base.metadata, which migrations and the schema check compare against.
import footfall.analytics.cache_tables  # noqa: E402, F401
