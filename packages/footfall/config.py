"""Service settings, read from ``FOOTFALL_*`` environment variables.

Every field of :class:`Settings` maps to one variable: the field name in upper case with the
``FOOTFALL_`` prefix (``database_url`` is ``FOOTFALL_DATABASE_URL``). The README lists them
with their defaults and units; a test keeps that list and this class in step.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["ENV_PREFIX", "Settings", "SettingsError"]

ENV_PREFIX = "FOOTFALL_"

#: 2020-01-01T00:00:00Z: no event of a device installed with this service can be older.
_EARLIEST_EVENT_TIME = datetime(2020, 1, 1, tzinfo=UTC).timestamp()


class SettingsError(ValueError):
    """Raised when an environment variable contains a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Settings of one service process."""

    database_url: str = "sqlite:///footfall.db"
    """SQLAlchemy URL of the database; a relative SQLite path starts at the working directory."""

    auto_migrate: bool = True
    """Upgrade the schema at start-up; when off, start-up fails on an out-of-date schema."""

    plugins: tuple[str, ...] = ()
    """Names of the plugins to load (entry-point names); empty loads every installed plugin."""

    extra_plugins: tuple[str, ...] = ()
    """Importable modules registered as plugins in addition to the installed entry points."""

    trace_plugins: bool = False
    """Log every plugin hook call with its arguments and result at INFO level."""

    max_body_bytes: int = 1_048_576
    """Maximum request body, in bytes; a larger one is rejected with 413."""

    max_batch_events: int = 1000
    """Maximum events in one ingest request; a larger batch is rejected with 413."""

    earliest_event_time: float = _EARLIEST_EVENT_TIME
    """Oldest accepted event time, in epoch seconds (default 2020-01-01T00:00:00Z)."""

    max_future_s: float = 86_400.0
    """How far past the server's clock an event time may lie, in seconds."""

    sqlite_busy_timeout_ms: int = 10_000
    """How long a SQLite connection waits for the write lock before it fails, in milliseconds."""

    sqlite_synchronous: str = "FULL"
    """SQLite ``synchronous`` pragma: FULL survives power loss, NORMAL only a process crash."""

    log_level: str = "INFO"
    """Level of the ``footfall`` loggers (DEBUG, INFO, WARNING, ERROR)."""

    dashboard_dir: str = ""
    """Folder served at ``/dashboard/``; empty uses the ``dashboard`` folder of the installation."""

    cors_origins: tuple[str, ...] = ()
    """Origins allowed to call the API from a browser; empty sends no CORS headers."""

    ingest_rate_per_s: float = 50.0
    """Ingest requests allowed per key per second, on average; 0 turns the limit off."""

    ingest_burst: int = 200
    """Ingest requests a key may send at once before the rate limit applies."""

    auth_failure_rate_per_min: float = 30.0
    """Failed authentications allowed per client address per minute; 0 turns the limit off."""

    outbox_poll_s: float = 1.0
    """How often the outbox worker looks for due deliveries to after-commit sinks, in seconds."""

    outbox_max_attempts: int = 10
    """Failed deliveries of a batch to one sink before the outbox marks it dead."""

    outbox_backoff_s: float = 2.0
    """Delay before the first retry of a failed sink delivery, in seconds; doubles per attempt."""

    outbox_max_backoff_s: float = 600.0
    """Maximum delay between two delivery attempts to a sink, in seconds."""

    outbox_lease_s: float = 60.0
    """Lease of a claimed delivery: seconds before another process may take it over."""

    device_silent_after_s: int = 300
    """A device with no heartbeat or event for this many seconds is reported as silent."""

    key_cache_s: float = 2.0
    """How often a process checks the database for changed keys, devices and stores, in
    seconds. Verified keys stay cached until a check finds a change, and 0 turns caching off."""

    dwell_warmup: bool = True
    """At start-up, match every store's finished business days into the dwell cache in a
    background thread, newest first, so that the first dwell request need not."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from ``FOOTFALL_*`` variables, with defaults for the rest."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}

        for settings_field in dataclasses.fields(cls):
            name = ENV_PREFIX + settings_field.name.upper()
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                continue
            values[settings_field.name] = _parse(name, raw.strip(), settings_field)

        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Raise :class:`SettingsError` for a combination of values that cannot work."""
        if self.max_body_bytes < 1024:
            raise SettingsError(
                f"FOOTFALL_MAX_BODY_BYTES={self.max_body_bytes} is too small: "
                "use at least 1024 bytes"
            )
        if not 1 <= self.max_batch_events <= 5000:
            # A batch is one multi-row INSERT with five parameters an event, and SQLite
            # allows 32766 parameters a statement.
            raise SettingsError(
                f"FOOTFALL_MAX_BATCH_EVENTS={self.max_batch_events} must be from 1 to 5000"
            )
        if self.sqlite_synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise SettingsError(
                f"FOOTFALL_SQLITE_SYNCHRONOUS={self.sqlite_synchronous!r} is not a SQLite "
                "synchronous mode: use OFF, NORMAL, FULL or EXTRA"
            )
        if self.outbox_max_attempts < 1:
            raise SettingsError(
                f"FOOTFALL_OUTBOX_MAX_ATTEMPTS={self.outbox_max_attempts} must be at least 1"
            )
        if self.outbox_poll_s <= 0 or self.outbox_lease_s <= 0:
            raise SettingsError(
                f"FOOTFALL_OUTBOX_POLL_S={self.outbox_poll_s} and FOOTFALL_OUTBOX_LEASE_S="
                f"{self.outbox_lease_s} must be positive numbers of seconds"
            )
        if self.outbox_backoff_s < 0 or self.outbox_max_backoff_s < self.outbox_backoff_s:
            raise SettingsError(
                f"FOOTFALL_OUTBOX_BACKOFF_S={self.outbox_backoff_s} must be at least 0 and at "
                f"most FOOTFALL_OUTBOX_MAX_BACKOFF_S={self.outbox_max_backoff_s}"
            )
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError(
                f"FOOTFALL_LOG_LEVEL={self.log_level!r} is not a log level: "
                "use DEBUG, INFO, WARNING or ERROR"
            )

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is a SQLite file."""
        return self.database_url.startswith("sqlite")


def _parse(name: str, raw: str, settings_field: dataclasses.Field[Any]) -> Any:
    # The annotations are strings, since this module uses postponed evaluation.
    kind = str(settings_field.type)
    try:
        if kind == "bool":
            return _parse_bool(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "tuple[str, ...]":
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(
            f"{name}={raw!r} is not a valid {kind}: set a {_describe(kind)} or unset it "
            f"for the default ({settings_field.default!r})"
        ) from None
    return raw


def _parse_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


def _describe(kind: str) -> str:
    return {
        "bool": "boolean (1 or 0)",
        "int": "whole number",
        "float": "number",
    }.get(kind, "value")
