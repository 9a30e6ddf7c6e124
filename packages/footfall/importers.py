"""Import past events: from a CSV file, or from the earlier system's SQLite ``entries.db``.

Imported events take the ingest path: the v1 or legacy validation of :mod:`footfall.ingest`
and :func:`footfall.ingest.store_batch`, so the storage sink writes them and the rollups
with them, exactly as if a device had sent them.

Re-importing a file stores nothing twice. Rows with a ``seq`` are deduplicated by
``(device, seq)`` like v1 uploads. Rows without one carry nothing that identifies them.
For each ``(device, time, direction)`` an import therefore stores only as many events as
the source has beyond those already stored. So two visitors in the same second stay two,
and a second run of the same file adds none.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from footfall.admin.devices import DeviceRow, create_device, get_device
from footfall.admin.errors import AdminError
from footfall.admin.keys import create_api_key
from footfall.admin.stores import get_store
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.models import Device, Event
from footfall.ingest import parse_legacy_events, parse_v1_events, store_batch
from footfall.keys import find_key
from footfall.plugin_types import DeviceRef, IngestEvent
from footfall.plugins import FootfallPluginManager
from footfall.service import collect_sinks

__all__ = [
    "ImportPlan",
    "ImportSummary",
    "LegacyColumns",
    "RowRejection",
    "legacy_device_name",
    "parse_time",
    "plan_csv_import",
    "plan_legacy_import",
    "run_import",
]

_T = TypeVar("_T")

#: Maximum number of events stored in one transaction. The ingest path takes batches of up
#: to FOOTFALL_MAX_BATCH_EVENTS, and a larger one would hold the write lock longer.
_MAX_CHUNK = 1000

_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True, slots=True)
class RowRejection:
    """A source row that was not imported, and why."""

    row: int
    """CSV line number (the header is line 1), or the row id in the legacy table."""
    reason: str


@dataclass(frozen=True, slots=True)
class _DeviceEvents:
    device: DeviceRef | None
    """``None`` for a device that a dry run would create."""
    events: list[IngestEvent]


@dataclass
class ImportPlan:
    """Validated events grouped by device, ready for :func:`run_import`."""

    rows: int = 0
    groups: list[_DeviceEvents] = field(default_factory=list)
    rejected: list[RowRejection] = field(default_factory=list)
    created_devices: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def event_count(self) -> int:
        """Number of valid events to store."""
        return sum(len(group.events) for group in self.groups)


@dataclass
class ImportSummary:
    """Counts of an import's stored, duplicate and rejected rows, with notes."""

    rows: int
    accepted: int
    duplicates: int
    rejected: list[RowRejection]
    created_devices: list[str]
    notes: list[str]


@dataclass(frozen=True, slots=True)
class LegacyColumns:
    """Table and column names of the movements in the earlier system's database.

    The defaults are the schema that the earlier server creates. It has the table
    ``movements`` with the columns ``apikey``, ``timestamp`` (epoch seconds) and
    ``is_entry`` (1 entry, 0 exit).
    """

    table: str = "movements"
    key: str = "apikey"
    time: str = "timestamp"
    entry: str = "is_entry"


def legacy_device_name(key: str) -> str:
    """Return the name of the device created for an old key, which never contains the key."""
    return "legacy-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


def parse_time(text: str, zone: ZoneInfo) -> float:
    """Parse epoch seconds or an ISO 8601 time; a time without an offset is read in ``zone``.

    A local time that occurs twice (when clocks go back) is read as its first occurrence.
    Raise ``ValueError`` for anything else.
    """
    text = text.strip()
    if _NUMBER.fullmatch(text):
        return float(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.timestamp()


# --- CSV --------------------------------------------------------------------------------


def plan_csv_import(
    db: Database, settings: Settings, path: Path, default_device: str | None = None
) -> ImportPlan:
    """Read and validate a CSV file with a header: ``device``, ``time``, ``direction``.

    ``time`` is epoch seconds or ISO 8601, ``direction`` is ``entry`` or ``exit``; an
    optional ``seq`` column gives v1 sequence numbers. ``default_device`` replaces a
    missing ``device`` column or an empty cell. The devices must exist.
    """
    plan = ImportPlan()
    parsed: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)

    with path.open(newline="", encoding="utf-8-sig") as source:
        reader = csv.reader(source)
        header = [name.strip().lower() for name in next(reader, [])]
        columns = _csv_columns(header, default_device, path)

        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            plan.rows += 1
            line = reader.line_num
            cells = {
                name: record[index].strip() if index < len(record) else ""
                for name, index in columns.items()
            }
            device = cells.get("device") or default_device
            if not device:
                plan.rejected.append(RowRejection(line, "the device cell is empty"))
                continue
            parsed[device].append((line, cells))

    with db.read() as conn:
        devices = {name: _find_device(conn, name) for name in parsed}

    now_s = time.time()
    for name, rows in parsed.items():
        found = devices[name]
        if found is None:
            reason = (
                f"device {name!r} not found: create it with `litestar footfall devices create`"
            )
            plan.rejected.extend(RowRejection(line, reason) for line, _ in rows)
            continue
        device_row, zone = found
        candidates = [(line, _csv_event(cells, zone)) for line, cells in rows]
        events = _validate_v1(candidates, settings, now_s, plan.rejected)
        plan.groups.append(_DeviceEvents(_device_ref(device_row), events))

    plan.rejected.sort(key=lambda rejection: rejection.row)
    return plan


def _csv_columns(header: list[str], default_device: str | None, path: Path) -> dict[str, int]:
    columns = {name: index for index, name in enumerate(header) if name}
    required = ["time", "direction"] + ([] if default_device else ["device"])
    missing = [name for name in required if name not in columns]
    if missing:
        found = ", ".join(header) or "nothing"
        hint = "" if default_device or "device" not in missing else " (or pass --device)"
        raise ValueError(
            f"{path} has no {', '.join(missing)} column{hint}: the first line must be a header "
            f"such as device,time,direction[,seq]; found {found}"
        )
    known = ("device", "time", "direction", "seq")
    return {name: columns[name] for name in known if name in columns}


def _csv_event(cells: dict[str, str], zone: ZoneInfo) -> tuple[dict[str, Any], bool] | str:
    text = cells["time"]
    try:
        seconds = parse_time(text, zone)
    except (ValueError, OverflowError):
        return f"time {text!r} is neither epoch seconds nor an ISO 8601 time"
    if not math.isfinite(seconds):
        return f"time {text!r} is not a finite number of epoch seconds"

    seq_text = cells.get("seq", "")
    seq: Any = None
    if seq_text:
        # Whole numbers go to validation as integers, so that it can check their range.
        seq = int(seq_text) if _INTEGER.fullmatch(seq_text) else seq_text
    # A row without a seq is checked by the v1 rules with a stand-in seq of 0, dropped again
    # afterwards, so that both kinds of row get the same time and direction checks.
    event = {
        "seq": 0 if seq is None else seq,
        "time": seconds,
        "direction": cells["direction"].lower(),
    }
    return event, seq is not None


def _validate_v1(
    candidates: list[tuple[int, tuple[dict[str, Any], bool] | str]],
    settings: Settings,
    now_s: float,
    rejected: list[RowRejection],
) -> list[IngestEvent]:
    pending: list[tuple[int, dict[str, Any], bool]] = []
    for line, candidate in candidates:
        if isinstance(candidate, str):
            rejected.append(RowRejection(line, candidate))
        else:
            pending.append((line, candidate[0], candidate[1]))

    valid: list[IngestEvent] = []
    for chunk in _chunks(pending, settings.max_batch_events):
        body = json.dumps({"events": [event for _, event, _ in chunk]}).encode("utf-8")
        events, rejections = parse_v1_events(body, settings, now_s)
        reasons = {rejection.index: rejection.reason for rejection in rejections}

        for index, ((line, _, has_seq), event) in enumerate(zip(chunk, events, strict=True)):
            if event is None:
                rejected.append(RowRejection(line, reasons[index]))
            elif has_seq:
                valid.append(event)
            else:
                valid.append(IngestEvent(seq=None, time_ms=event.time_ms, is_entry=event.is_entry))
    return valid


# --- Legacy entries.db ------------------------------------------------------------------


def plan_legacy_import(
    db: Database,
    settings: Settings,
    path: Path,
    store: str,
    columns: LegacyColumns | None = None,
    *,
    dry_run: bool = False,
) -> ImportPlan:
    """Read and validate the movements of the earlier system's SQLite database.

    Each distinct old key becomes a device of ``store`` named by :func:`legacy_device_name`,
    and the old key is registered as that device's key, so a device still running the old
    firmware keeps working. A key that is already a device key imports into its device.
    With ``dry_run`` the devices and keys are checked but not created.
    """
    columns = columns or LegacyColumns()
    plan = ImportPlan()
    by_key: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)

    for row_id, key, timestamp, flag in _read_legacy_rows(path, columns):
        plan.rows += 1
        if not isinstance(key, str) or key == "":
            plan.rejected.append(RowRejection(row_id, f"the {columns.key} cell is empty"))
            continue
        form = _entry_flag(flag)
        if form is None:
            plan.rejected.append(
                RowRejection(
                    row_id, f"{columns.entry} is {flag!r}: expected 1 (entry) or 0 (exit)"
                )
            )
            continue
        seconds = _number(timestamp)
        if isinstance(seconds, float) and not math.isfinite(seconds):
            plan.rejected.append(
                RowRejection(row_id, f"{columns.time} is {timestamp!r}, not a finite number")
            )
            continue
        by_key[key].append((row_id, {"time": seconds, "form": form}))

    now_s = time.time()
    for key, rows in by_key.items():
        with db.write() as conn:
            device = _device_for_legacy_key(conn, key, store, plan, dry_run=dry_run)
        if isinstance(device, str):
            plan.rejected.extend(RowRejection(row_id, device) for row_id, _ in rows)
            continue
        events = _validate_legacy(rows, settings, now_s, plan.rejected)
        device_ref = None if device is None else _device_ref(device)
        plan.groups.append(_DeviceEvents(device_ref, events))

    plan.rejected.sort(key=lambda rejection: rejection.row)
    return plan


def _read_legacy_rows(path: Path, columns: LegacyColumns) -> Iterable[tuple[int, Any, Any, Any]]:
    if not path.is_file():
        raise ValueError(f"{path} does not exist or is not a file: give the entries.db path")
    try:
        source = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise ValueError(f"{path} could not be opened as SQLite: {error}") from error

    try:
        listing = source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = [row[0] for row in listing]
        if columns.table not in tables:
            raise ValueError(
                f"{path} has no table {columns.table!r}; its tables are "
                f"{', '.join(tables) or 'none'}: give the right one with --table"
            )
        table_info = source.execute(f"PRAGMA table_info({_quote(columns.table)})")
        table_columns = [row[1] for row in table_info]
        options = (
            ("--key-column", columns.key),
            ("--time-column", columns.time),
            ("--entry-column", columns.entry),
        )
        for option, name in options:
            if name not in table_columns:
                raise ValueError(
                    f"table {columns.table!r} has no column {name!r}; its columns are "
                    f"{', '.join(table_columns)}: give the right one with {option}"
                )

        # The identifiers were checked against the table's own columns above and are quoted.
        query = (
            f"SELECT rowid, {_quote(columns.key)}, {_quote(columns.time)}, "  # noqa: S608
            f"{_quote(columns.entry)} FROM {_quote(columns.table)} ORDER BY rowid"
        )
        return [(row[0], row[1], row[2], row[3]) for row in source.execute(query)]
    except sqlite3.DatabaseError as error:
        raise ValueError(f"{path} could not be read as SQLite: {error}") from error
    finally:
        source.close()


def _device_for_legacy_key(
    conn: Connection, key: str, store: str, plan: ImportPlan, *, dry_run: bool
) -> DeviceRow | str | None:
    """Return the device of an old key, creating it and registering the key if new.

    Return a reason string when the key cannot be used for a device. A dry run creates the
    device and key in a savepoint that it rolls back, so that it reports the same problems,
    and returns ``None`` for a device that it would create.
    """
    name = legacy_device_name(key)
    record = find_key(conn, key)
    if record is not None:
        if record.role != "device" or record.device_id is None:
            return (
                f"the key of these rows (device name {name}) is registered as a {record.role} "
                "key, not a device key: revoke it or import these rows as CSV with --device"
            )
        device_name = conn.execute(
            select(Device.name).where(Device.id == record.device_id)
        ).scalar_one()
        if record.revoked:
            plan.notes.append(
                f"the key of device {device_name!r} is revoked; its rows are imported anyway"
            )
        return get_device(conn, device_name)

    # A key too short to register (the earlier system accepted any) has no key row, so an
    # earlier import of it is found by the device name derived from the key.
    existing = conn.execute(select(Device.name).where(Device.name == name)).scalar()
    if existing is not None:
        return get_device(conn, existing)

    if not dry_run:
        return _create_legacy_device(conn, key, name, store, plan)

    savepoint = conn.begin_nested()
    try:
        created = _create_legacy_device(conn, key, name, store, plan)
    finally:
        savepoint.rollback()
    return created if isinstance(created, str) else None


def _create_legacy_device(
    conn: Connection, key: str, name: str, store: str, plan: ImportPlan
) -> DeviceRow | str:
    try:
        device = create_device(conn, name=name, store=store)
    except AdminError as error:
        if error.status == 404:
            raise
        return f"device {name} could not be created: {error.message}"
    plan.created_devices.append(device.name)

    try:
        create_api_key(
            conn, role="device", device=device.name, key=key, label="key of the earlier system"
        )
    except AdminError as error:
        plan.notes.append(
            f"the old key of device {device.name!r} was not registered ({error.message}); "
            "give the device a new key with `litestar footfall keys create --role device`"
        )
    return device


def _validate_legacy(
    rows: list[tuple[int, dict[str, Any]]],
    settings: Settings,
    now_s: float,
    rejected: list[RowRejection],
) -> list[IngestEvent]:
    valid: list[IngestEvent] = []
    for chunk in _chunks(rows, settings.max_batch_events):
        body = json.dumps([movement for _, movement in chunk]).encode("utf-8")
        events, rejections = parse_legacy_events(body, settings, now_s)
        reasons = {rejection.index: rejection.reason for rejection in rejections}
        for index, ((row_id, _), event) in enumerate(zip(chunk, events, strict=True)):
            if event is None:
                rejected.append(RowRejection(row_id, reasons[index]))
            else:
                valid.append(event)
    return valid


def _entry_flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false"):
        return value.strip().lower() in ("1", "true")
    return None


def _number(value: Any) -> Any:
    # The earlier server stored INTEGER seconds, but SQLite stores any type in any column.
    # Numeric text is read as a number, and validation rejects anything else.
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return float(value)
    if isinstance(value, bytes):
        return repr(value)
    return value


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# --- Storing ----------------------------------------------------------------------------


def run_import(
    db: Database,
    settings: Settings,
    manager: FootfallPluginManager,
    plan: ImportPlan,
    progress: Callable[[int], None] | None = None,
    *,
    dry_run: bool = False,
) -> ImportSummary:
    """Store the plan's events through the ingest path; ``progress`` gets events handled.

    With ``dry_run`` nothing is written, and the summary counts what would be stored.
    """
    sinks = None if dry_run else collect_sinks(manager, settings)
    chunk_size = min(_MAX_CHUNK, settings.max_batch_events)
    accepted = 0
    duplicates = 0

    for group in plan.groups:
        sequenced = [event for event in group.events if event.seq is not None]
        unsequenced = sorted(
            (event for event in group.events if event.seq is None),
            key=lambda event: (event.time_ms, event.is_entry),
        )

        seen_seqs: set[int] = set()
        for chunk in _chunks(sequenced, chunk_size):
            if sinks is not None and group.device is not None:
                outcome = store_batch(db, sinks, group.device, chunk, "v1")
                stored = len(outcome.accepted)
            else:
                stored = _count_new_seqs(db, group.device, chunk, seen_seqs)
            accepted += stored
            duplicates += len(chunk) - stored
            if progress is not None:
                progress(len(chunk))

        for chunk in _chunks_at_time_boundaries(unsequenced, chunk_size):
            new = chunk if group.device is None else _not_yet_stored(db, group.device.id, chunk)
            stored = len(new)
            if new and sinks is not None and group.device is not None:
                outcome = store_batch(db, sinks, group.device, new, "legacy")
                stored = len(outcome.accepted)
            accepted += stored
            duplicates += len(chunk) - stored
            if progress is not None:
                progress(len(chunk))

    return ImportSummary(
        rows=plan.rows,
        accepted=accepted,
        duplicates=duplicates,
        rejected=plan.rejected,
        created_devices=plan.created_devices,
        notes=plan.notes,
    )


def _count_new_seqs(
    db: Database, device: DeviceRef | None, chunk: list[IngestEvent], seen: set[int]
) -> int:
    """Count the events of a chunk whose seq is neither stored nor earlier in the source."""
    seqs = [event.seq for event in chunk if event.seq is not None]
    stored: set[int] = set()
    if device is not None:
        with db.read() as conn:
            found = conn.execute(
                select(Event.seq).where(Event.device_id == device.id, Event.seq.in_(seqs))
            ).scalars()
            stored = {seq for seq in found if seq is not None}

    new = 0
    for seq in seqs:
        if seq not in stored and seq not in seen:
            new += 1
        seen.add(seq)
    return new


def _not_yet_stored(db: Database, device_id: int, chunk: list[IngestEvent]) -> list[IngestEvent]:
    """Drop from a time-sorted chunk as many events per (time, direction) as are stored.

    NOTE: the count and the insert run in two transactions, so an event that a device sends
    for the same millisecond in between is counted as already imported.
    """
    with db.read() as conn:
        rows = conn.execute(
            select(Event.time_ms, Event.is_entry, func.count())
            .where(
                Event.device_id == device_id,
                Event.time_ms >= chunk[0].time_ms,
                Event.time_ms <= chunk[-1].time_ms,
            )
            .group_by(Event.time_ms, Event.is_entry)
        ).all()
    stored: Counter[tuple[int, bool]] = Counter(
        {(int(time_ms), bool(is_entry)): int(count) for time_ms, is_entry, count in rows}
    )

    new = []
    for event in chunk:
        slot = (event.time_ms, event.is_entry)
        if stored[slot] > 0:
            stored[slot] -= 1
        else:
            new.append(event)
    return new


def _chunks_at_time_boundaries(
    events: list[IngestEvent], size: int
) -> Iterable[list[IngestEvent]]:
    # A chunk never splits the events of one millisecond, so that the stored count of a
    # (time, direction) is compared with all of the source's events of that slot at once.
    chunk: list[IngestEvent] = []
    for event in events:
        if len(chunk) >= size and chunk[-1].time_ms != event.time_ms:
            yield chunk
            chunk = []
        chunk.append(event)
    if chunk:
        yield chunk


def _chunks(items: Sequence[_T], size: int) -> Iterable[list[_T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _find_device(conn: Connection, name: str) -> tuple[DeviceRow, ZoneInfo] | None:
    try:
        device = get_device(conn, name)
    except AdminError:
        return None
    timezone = get_store(conn, device.store_name).timezone
    return device, ZoneInfo(timezone)


def _device_ref(device: DeviceRow) -> DeviceRef:
    return DeviceRef(
        id=device.id, name=device.name, store_id=device.store_id, store_name=device.store_name
    )
