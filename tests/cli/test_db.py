"""``litestar footfall db``: schema status, upgrade, downgrade and online SQLite backups."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import SchemaStatus, schema_status
from footfall.plugins import create_plugin_manager

RunCli = Callable[..., Result]


def _status(db: Database) -> SchemaStatus:
    # The plugins' migration folders count too, as they do for the CLI.
    return schema_status(db, create_plugin_manager(db.settings))


def _heads(db: Database) -> frozenset[str]:
    return _status(db).heads


def test_status_on_migrated_database(run_cli: RunCli, db: Database) -> None:
    result = run_cli("db", "status", "--check")

    assert result.exit_code == 0, result.output
    assert "The schema is up to date." in result.stdout
    for head in _heads(db):
        assert head in result.stdout


def test_status_check_fails_on_empty_database(run_cli: RunCli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"

    plain = run_cli("db", "status", env={"FOOTFALL_DATABASE_URL": url})
    assert plain.exit_code == 0, plain.output
    assert "current:  empty (no tables)" in plain.stdout

    checked = run_cli("db", "status", "--check", env={"FOOTFALL_DATABASE_URL": url})
    assert checked.exit_code == 1
    assert "run `litestar footfall db upgrade`" in checked.stdout


def test_downgrade_and_upgrade(run_cli: RunCli, db: Database) -> None:
    heads = _heads(db)

    if len(heads) > 1:
        ambiguous = run_cli("db", "downgrade")
        assert ambiguous.exit_code == 2
        assert "several head revisions" in ambiguous.output
        assert _status(db).current == heads

    branch = sorted(heads)[-1]
    down = run_cli("db", "downgrade", f"{branch}@-1")
    assert down.exit_code == 0, down.output
    assert branch not in _status(db).current

    off = run_cli("stores", "list", env={"FOOTFALL_AUTO_MIGRATE": "0"})
    assert off.exit_code == 1
    assert "FOOTFALL_AUTO_MIGRATE is off" in off.output
    assert "db upgrade" in off.output

    up = run_cli("db", "upgrade")
    assert up.exit_code == 0, up.output
    assert "Upgraded from" in up.stdout
    assert _status(db).current == heads

    again = run_cli("db", "upgrade")
    assert "Already at the newest revision" in again.stdout


def test_downgrade_to_base_needs_yes(run_cli: RunCli, db: Database) -> None:
    refused = run_cli("db", "downgrade", "base")
    assert refused.exit_code == 2
    assert "--yes" in refused.output
    assert _status(db).up_to_date

    done = run_cli("db", "downgrade", "base", "--yes")
    assert done.exit_code == 0, done.output
    assert _status(db).current == frozenset()


def test_downgrade_unknown_revision(run_cli: RunCli) -> None:
    result = run_cli("db", "downgrade", "no_such_revision")

    assert result.exit_code == 1
    assert "the downgrade to 'no_such_revision' failed" in result.output


def test_auto_migrate_off_on_current_schema(run_cli: RunCli) -> None:
    result = run_cli("stores", "list", env={"FOOTFALL_AUTO_MIGRATE": "0"})

    assert result.exit_code == 0, result.output


def test_backup_copies_committed_rows(
    run_cli: RunCli, database_file: Path, tmp_path: Path
) -> None:
    assert run_cli("stores", "create", "Kept", "--timezone", "UTC").exit_code == 0

    # A writer holds an open transaction during the backup: its row must not be copied,
    # and the backup must not wait for it (WAL readers never block on a writer).
    writer = sqlite3.connect(database_file, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO stores (name, timezone, day_reset_hour, max_dwell_s, created_ms) "
        "VALUES ('Uncommitted', 'UTC', 4, 60, 0)"
    )
    try:
        target = tmp_path / "backup.db"
        result = run_cli("db", "backup", str(target))
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    try:
        names = [row[0] for row in copy.execute("SELECT name FROM stores")]
        journal = copy.execute("PRAGMA journal_mode").fetchone()[0]
        integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
    assert names == ["Kept"]
    assert journal == "delete"
    assert integrity == "ok"
    assert not (tmp_path / "backup.db.partial").exists()


def test_backup_refuses_existing_file(run_cli: RunCli, database_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "exists.db"
    target.write_bytes(b"keep me")

    refused = run_cli("db", "backup", str(target))
    assert refused.exit_code == 1
    assert "already exists" in refused.output
    assert target.read_bytes() == b"keep me"

    forced = run_cli("db", "backup", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_bytes()[:15] == b"SQLite format 3"

    itself = run_cli("db", "backup", str(database_file), "--force")
    assert itself.exit_code == 2
    assert "is the database itself" in itself.output

    no_folder = run_cli("db", "backup", str(tmp_path / "missing" / "b.db"))
    assert no_folder.exit_code == 1
    assert "does not exist" in no_folder.output


def test_backup_of_postgres_points_to_pg_dump(run_cli: RunCli, tmp_path: Path) -> None:
    url = "postgresql+psycopg://user:secret@127.0.0.1:1/footfall"
    result = run_cli("db", "backup", str(tmp_path / "b.sql"), env={"FOOTFALL_DATABASE_URL": url})

    assert result.exit_code == 1
    assert "pg_dump" in result.output
    assert "secret" not in result.output


def test_invalid_setting_reported(run_cli: RunCli) -> None:
    result = run_cli("stores", "list", env={"FOOTFALL_AUTO_MIGRATE": "maybe"})

    assert result.exit_code == 1
    assert "FOOTFALL_AUTO_MIGRATE='maybe'" in result.output


def test_missing_database_folder_reported(run_cli: RunCli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'absent' / 'f.db'}"
    result = run_cli("stores", "list", env={"FOOTFALL_DATABASE_URL": url})

    assert result.exit_code == 1
    assert "could not be opened or migrated" in result.output
    assert "Traceback" not in result.output


def test_settings_fixture_is_sqlite(settings: Settings) -> None:
    if os.environ.get("FOOTFALL_TEST_POSTGRES_URL"):
        pytest.skip("FOOTFALL_TEST_POSTGRES_URL makes every test database a PostgreSQL one")
    assert settings.is_sqlite
