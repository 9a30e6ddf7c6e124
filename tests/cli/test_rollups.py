"""``litestar footfall rollups rebuild`` recomputes the quarter-hour counts from events."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from sqlalchemy import delete, select, update

from footfall.db.engine import Database
from footfall.db.models import QuarterCount

RunCli = Callable[..., Result]

#: 2024-03-05T10:00:00Z, the start of a quarter hour.
T0 = 1_709_632_800


def _quarters(db: Database) -> list[tuple[int, int, int]]:
    with db.read() as conn:
        rows = conn.execute(
            select(QuarterCount.quarter, QuarterCount.entries, QuarterCount.exits)
            .order_by(QuarterCount.device_id, QuarterCount.quarter)
        ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def test_rebuild_restores_counts(run_cli: RunCli, db: Database, tmp_path: Path) -> None:
    run_cli("stores", "create", "North", "--timezone", "UTC")
    run_cli("stores", "create", "South", "--timezone", "UTC")
    run_cli("devices", "create", "n-1", "--store", "North")
    run_cli("devices", "create", "s-1", "--store", "South")
    source = tmp_path / "events.csv"
    source.write_text(
        "device,time,direction\n"
        f"n-1,{T0},entry\nn-1,{T0 + 60},entry\nn-1,{T0 + 900},exit\n"
        f"s-1,{T0},exit\n",
        encoding="utf-8",
    )
    assert run_cli("import", "csv", str(source)).exit_code == 0
    quarter = T0 // 900
    expected = [(quarter, 2, 0), (quarter + 1, 0, 1), (quarter, 0, 1)]
    assert _quarters(db) == expected

    with db.write() as conn:
        conn.execute(delete(QuarterCount))

    north = run_cli("rollups", "rebuild", "--store", "North")
    assert north.exit_code == 0, north.output
    assert "store 'North': 2 quarter-hour rows written" in north.stdout
    assert _quarters(db) == expected[:2]

    with db.write() as conn:
        conn.execute(update(QuarterCount).values(entries=99))
    every = run_cli("rollups", "rebuild")
    assert every.exit_code == 0, every.output
    assert _quarters(db) == expected


def test_rebuild_unknown_store(run_cli: RunCli) -> None:
    result = run_cli("rollups", "rebuild", "--store", "Nowhere")

    assert result.exit_code == 1
    assert "store 'Nowhere' not found" in result.output
