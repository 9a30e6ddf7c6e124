"""``litestar footfall import``: CSV files and the earlier system's ``entries.db``."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from footfall.db.engine import Database
from footfall.db.models import Device, Event, QuarterCount
from footfall.keys import find_key

RunCli = Callable[..., Result]

#: 2024-03-05T10:00:00Z, a time every validation accepts.
T0 = 1_709_632_800


def _events(db: Database, device: str) -> list[tuple[int | None, int, bool]]:
    with db.read() as conn:
        rows = conn.execute(
            select(Event.seq, Event.time_ms, Event.is_entry)
            .join(Device, Device.id == Event.device_id)
            .where(Device.name == device)
            .order_by(Event.time_ms, Event.id)
        ).all()
    return [(row[0], row[1], bool(row[2])) for row in rows]


@pytest.fixture
def door(run_cli: RunCli) -> str:
    assert run_cli("stores", "create", "Main St", "--timezone", "Europe/Berlin").exit_code == 0
    assert run_cli("devices", "create", "door-1", "--store", "Main St").exit_code == 0
    return "door-1"


def test_csv_import_stores_valid_rows(
    run_cli: RunCli, db: Database, door: str, tmp_path: Path
) -> None:
    source = tmp_path / "events.csv"
    source.write_text(
        "Device,Time,Direction\n"
        f"door-1,{T0},entry\n"
        f"door-1,{T0}.5,EXIT\n"
        "door-1,2024-03-05T10:00:02Z,entry\n"
        # No offset: read in the store's zone, Europe/Berlin (UTC+1 in March).
        "door-1,2024-03-05T11:00:03,exit\n"
        "door-1,yesterday,entry\n"
        f"door-1,{T0},sideways\n"
        "door-1,2019-12-31T23:59:59Z,entry\n"
        f"door-9,{T0},entry\n"
        "\n",
        encoding="utf-8",
    )

    result = run_cli("import", "csv", str(source))

    assert result.exit_code == 1, result.output
    assert "8 rows: 4 accepted, 0 duplicate, 4 rejected" in result.stdout
    assert "row 6: time 'yesterday' is neither epoch seconds nor an ISO 8601 time" in result.stdout
    assert "row 7: direction must be 'entry' or 'exit'" in result.stdout
    assert "row 8: time" in result.stdout
    assert "row 9: device 'door-9' not found" in result.stdout
    assert _events(db, door) == [
        (None, T0 * 1000, True),
        (None, T0 * 1000 + 500, False),
        (None, (T0 + 2) * 1000, True),
        (None, (T0 + 3) * 1000, False),
    ]

    with db.read() as conn:
        entries, exits = conn.execute(
            select(func.sum(QuarterCount.entries), func.sum(QuarterCount.exits))
        ).one()
    assert (entries, exits) == (2, 2)


def test_csv_reimport_adds_nothing(
    run_cli: RunCli, db: Database, door: str, tmp_path: Path
) -> None:
    source = tmp_path / "events.csv"
    # Two visitors in the same second are two events, on every run.
    source.write_text(
        f"device,time,direction\ndoor-1,{T0},entry\ndoor-1,{T0},entry\ndoor-1,{T0 + 60},exit\n",
        encoding="utf-8",
    )

    first = run_cli("import", "csv", str(source))
    assert first.exit_code == 0, first.output
    assert "3 rows: 3 accepted, 0 duplicate, 0 rejected" in first.stdout

    second = run_cli("import", "csv", str(source))
    assert second.exit_code == 0, second.output
    assert "3 rows: 0 accepted, 3 duplicate, 0 rejected" in second.stdout

    source.write_text(
        f"device,time,direction\ndoor-1,{T0},entry\ndoor-1,{T0},entry\ndoor-1,{T0},entry\n",
        encoding="utf-8",
    )
    third = run_cli("import", "csv", str(source))
    assert "3 rows: 1 accepted, 2 duplicate, 0 rejected" in third.stdout
    assert len(_events(db, door)) == 4


def test_csv_with_seq_and_default_device(
    run_cli: RunCli, db: Database, door: str, tmp_path: Path
) -> None:
    source = tmp_path / "events.csv"
    source.write_text(
        f"time,direction,seq\n{T0},entry,7\n{T0 + 1},exit,8\n{T0 + 2},exit,x\n{T0 + 3},entry,\n",
        encoding="utf-8",
    )

    first = run_cli("import", "csv", str(source), "--device", door)
    assert first.exit_code == 1, first.output
    assert "4 rows: 3 accepted, 0 duplicate, 1 rejected" in first.stdout
    assert "row 4: seq must be an integer" in first.stdout

    second = run_cli("import", "csv", str(source), "--device", door)
    assert "4 rows: 0 accepted, 3 duplicate, 1 rejected" in second.stdout
    assert _events(db, door) == [
        (7, T0 * 1000, True),
        (8, (T0 + 1) * 1000, False),
        (None, (T0 + 3) * 1000, True),
    ]


def test_csv_out_of_range_values(
    run_cli: RunCli, db: Database, door: str, tmp_path: Path
) -> None:
    source = tmp_path / "events.csv"
    source.write_text(
        "device,time,direction,seq\n"
        "door-1,1e400,entry,1\n"
        f"door-1,{T0},entry,-1\n"
        f"door-1,{T0},entry,{2**53}\n"
        f"door-1,{T0},exit,{2**53 - 1}\n",
        encoding="utf-8",
    )

    result = run_cli("import", "csv", str(source))

    assert result.exit_code == 1, result.output
    assert "4 rows: 1 accepted, 0 duplicate, 3 rejected" in result.stdout
    assert "row 2: time '1e400' is not a finite number of epoch seconds" in result.stdout
    assert "row 3: seq must be an integer from 0 to 2^53-1, got -1" in result.stdout
    assert f"row 4: seq must be an integer from 0 to 2^53-1, got {2**53}" in result.stdout
    assert _events(db, door) == [(2**53 - 1, T0 * 1000, False)]


def test_csv_rejections_listed_by_row(run_cli: RunCli, door: str, tmp_path: Path) -> None:
    run_cli("devices", "create", "door-0", "--store", "Main St")
    source = tmp_path / "events.csv"
    source.write_text(
        f"device,time,direction\ndoor-1,{T0},in\ndoor-0,{T0},out\ndoor-1,{T0},up\n",
        encoding="utf-8",
    )

    result = run_cli("import", "csv", str(source))

    listed = [line.split(":")[0].strip() for line in result.stdout.splitlines()[1:]]
    assert listed == ["row 2", "row 3", "row 4"]


def test_csv_header_errors(run_cli: RunCli, door: str, tmp_path: Path) -> None:
    no_device = tmp_path / "no_device.csv"
    no_device.write_text(f"time,direction\n{T0},entry\n", encoding="utf-8")
    result = run_cli("import", "csv", str(no_device))
    assert result.exit_code == 1
    assert "has no device column (or pass --device)" in result.output

    no_header = tmp_path / "no_header.csv"
    no_header.write_text(f"door-1,{T0},entry\n", encoding="utf-8")
    result = run_cli("import", "csv", str(no_header))
    assert result.exit_code == 1
    assert "the first line must be a header" in result.output

    missing = run_cli("import", "csv", str(tmp_path / "absent.csv"))
    assert missing.exit_code == 2
    assert "does not exist" in missing.output


def _legacy_db(path: Path, rows: list[tuple[float | str | None, object, str | None]]) -> None:
    """Write a database with the earlier server's schema and the given movements."""
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE movements (id INTEGER PRIMARY KEY, timestamp INTEGER, "
        "is_entry INTEGER, apikey TEXT)"
    )
    connection.executemany(
        "INSERT INTO movements (timestamp, is_entry, apikey) VALUES (?, ?, ?)", rows
    )
    connection.commit()
    connection.close()


def _legacy_name(key: str) -> str:
    return "legacy-" + hashlib.sha256(key.encode()).hexdigest()[:8]


def test_legacy_import_creates_devices_and_keys(
    run_cli: RunCli, db: Database, door: str, tmp_path: Path, client: TestClient[Litestar]
) -> None:
    key_a = str(uuid.uuid4())
    key_b = str(uuid.uuid4())
    source = tmp_path / "entries.db"
    _legacy_db(
        source,
        [
            (T0, 1, key_a),
            (T0, 1, key_a),
            (T0 + 30, 0, key_a),
            (T0 + 5, 1, key_b),
            (1_500_000_000, 1, key_b),
            (T0 + 6, 5, key_b),
            (T0 + 7, 0, None),
            (float("inf"), 1, key_b),
        ],
    )

    result = run_cli("import", "legacy-db", str(source), "--store", "Main St")

    assert result.exit_code == 1, result.output
    assert "8 rows: 4 accepted, 0 duplicate, 4 rejected" in result.stdout
    assert "row 5: time 1500000000" in result.stdout
    assert "row 6: is_entry is 5: expected 1 (entry) or 0 (exit)" in result.stdout
    assert "row 7: the apikey cell is empty" in result.stdout
    assert "row 8: timestamp is inf, not a finite number" in result.stdout
    assert key_a not in result.output
    assert key_b not in result.output

    name_a, name_b = _legacy_name(key_a), _legacy_name(key_b)
    assert _events(db, name_a) == [
        (None, T0 * 1000, True),
        (None, T0 * 1000, True),
        (None, (T0 + 30) * 1000, False),
    ]
    assert _events(db, name_b) == [(None, (T0 + 5) * 1000, True)]

    with db.read() as conn:
        record = find_key(conn, key_a)
        device_id = conn.execute(select(Device.id).where(Device.name == name_a)).scalar_one()
    assert record is not None
    assert record.role == "device"
    assert record.device_id == device_id

    # The old firmware's request shape, with the old key, is accepted by the new service.
    now_s = int(datetime.now(tz=UTC).timestamp())
    response = client.post(f"/movements/?api_key={key_a}", json=[{"time": now_s, "form": True}])
    assert response.status_code == 200, response.text
    assert len(_events(db, name_a)) == 4

    again = run_cli("import", "legacy-db", str(source), "--store", "Main St")
    assert "8 rows: 0 accepted, 4 duplicate, 4 rejected" in again.stdout
    assert "Created device" not in again.output


def test_legacy_import_custom_columns(
    run_cli: RunCli, db: Database, door: str, tmp_path: Path
) -> None:
    key = "a-long-enough-legacy-key"
    source = tmp_path / "entries.db"
    connection = sqlite3.connect(source)
    connection.execute("CREATE TABLE entries (api_key TEXT, ts REAL, inward TEXT)")
    connection.executemany(
        "INSERT INTO entries VALUES (?, ?, ?)",
        [(key, float(T0), "true"), (key, T0 + 1.25, "0")],
    )
    connection.commit()
    connection.close()

    result = run_cli("import", "legacy-db", str(source), "--store", "Main St",
                     "--table", "entries", "--key-column", "api_key",
                     "--time-column", "ts", "--entry-column", "inward")

    assert result.exit_code == 0, result.output
    assert _events(db, _legacy_name(key)) == [
        (None, T0 * 1000, True),
        (None, T0 * 1000 + 1250, False),
    ]


def test_legacy_import_errors(run_cli: RunCli, door: str, tmp_path: Path) -> None:
    source = tmp_path / "entries.db"
    _legacy_db(source, [(T0, 1, str(uuid.uuid4()))])

    wrong_table = run_cli("import", "legacy-db", str(source), "--store", "Main St",
                          "--table", "visits")
    assert wrong_table.exit_code == 1
    assert "has no table 'visits'; its tables are movements" in wrong_table.output

    wrong_column = run_cli("import", "legacy-db", str(source), "--store", "Main St",
                           "--key-column", "token")
    assert wrong_column.exit_code == 1
    assert "has no column 'token'" in wrong_column.output
    assert "--key-column" in wrong_column.output

    wrong_store = run_cli("import", "legacy-db", str(source), "--store", "Nowhere")
    assert wrong_store.exit_code == 1
    assert "store 'Nowhere' not found" in wrong_store.output

    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("not a database", encoding="utf-8")
    result = run_cli("import", "legacy-db", str(not_sqlite), "--store", "Main St")
    assert result.exit_code == 1
    assert "could not be read as SQLite" in result.output


def test_legacy_admin_key_not_imported(
    run_cli: RunCli, db: Database, door: str, tmp_path: Path
) -> None:
    admin_key = run_cli("keys", "create", "--role", "admin").stdout.splitlines()[-1]
    source = tmp_path / "entries.db"
    _legacy_db(source, [(T0, 1, admin_key)])

    result = run_cli("import", "legacy-db", str(source), "--store", "Main St")

    assert result.exit_code == 1
    assert "registered as a admin key, not a device key" in result.stdout
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(Event)).scalar_one() == 0


def test_csv_dry_run_stores_nothing(
    run_cli: RunCli, db: Database, door: str, tmp_path: Path
) -> None:
    source = tmp_path / "events.csv"
    source.write_text(
        f"device,time,direction,seq\ndoor-1,{T0},entry,1\ndoor-1,{T0},entry,1\n"
        f"door-1,{T0 + 1},exit,\ndoor-1,{T0 + 1},exit,\ndoor-1,later,exit,\n",
        encoding="utf-8",
    )

    dry = run_cli("import", "csv", str(source), "--dry-run")
    assert dry.exit_code == 1, dry.output
    assert "Dry run: nothing was stored" in dry.stdout
    assert "5 rows: 3 accepted, 1 duplicate, 1 rejected" in dry.stdout
    assert _events(db, door) == []

    real = run_cli("import", "csv", str(source))
    assert "5 rows: 3 accepted, 1 duplicate, 1 rejected" in real.stdout

    after = run_cli("import", "csv", str(source), "--dry-run")
    assert "5 rows: 0 accepted, 4 duplicate, 1 rejected" in after.stdout
    assert len(_events(db, door)) == 3


def test_legacy_dry_run_creates_nothing(
    run_cli: RunCli, db: Database, door: str, tmp_path: Path
) -> None:
    key = str(uuid.uuid4())
    source = tmp_path / "entries.db"
    _legacy_db(source, [(T0, 1, key), (T0 + 1, 0, key)])

    dry = run_cli("import", "legacy-db", str(source), "--store", "Main St", "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert f"Would create device '{_legacy_name(key)}'" in dry.stderr
    assert "2 rows: 2 accepted, 0 duplicate, 0 rejected" in dry.stdout
    with db.read() as conn:
        assert find_key(conn, key) is None
        assert conn.execute(select(Device.name).where(Device.name == _legacy_name(key))).all() == []

    missing_store = run_cli("import", "legacy-db", str(source), "--store", "West", "--dry-run")
    assert missing_store.exit_code == 1
    assert "store 'West' not found" in missing_store.output


def test_legacy_reimport_of_short_key(
    run_cli: RunCli, db: Database, door: str, tmp_path: Path
) -> None:
    # The earlier system took keys of any length; one too short to register as a key here
    # still gets its device, and a second import finds that device again.
    source = tmp_path / "entries.db"
    _legacy_db(source, [(T0, 1, "shortkey"), (T0 + 60, 0, "shortkey")])

    first = run_cli("import", "legacy-db", str(source), "--store", "Main St")
    second = run_cli("import", "legacy-db", str(source), "--store", "Main St")

    assert "2 rows: 2 accepted, 0 duplicate, 0 rejected" in first.stdout
    assert "2 rows: 0 accepted, 2 duplicate, 0 rejected" in second.stdout
    assert len(_events(db, _legacy_name("shortkey"))) == 2
