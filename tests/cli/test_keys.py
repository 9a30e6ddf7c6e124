"""``litestar footfall keys``: in-process through click and as a real ``litestar`` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from sqlalchemy import select

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.models import ApiKey
from footfall.keys import find_key, hash_key

RunCli = Callable[..., Result]

REPOSITORY = Path(__file__).resolve().parents[2]


def _setup_device(run_cli: RunCli) -> None:
    assert run_cli("stores", "create", "North", "--timezone", "UTC").exit_code == 0
    assert run_cli("devices", "create", "door-1", "--store", "North").exit_code == 0


def test_keys_create_prints_key_last(run_cli: RunCli, db: Database) -> None:
    _setup_device(run_cli)

    result = run_cli("keys", "create", "--role", "device", "--store", "North",
                     "--device", "door-1", "--label", "front door")
    assert result.exit_code == 0, result.output
    key = result.stdout.splitlines()[-1]
    assert key.startswith("ff_")
    assert result.stdout.strip() == key
    assert "shown only once" in result.stderr
    assert key not in result.stderr

    with db.read() as conn:
        record = find_key(conn, key)
    assert record is not None
    assert record.role == "device"
    assert not record.revoked


def test_keys_list_and_revoke(run_cli: RunCli, db: Database) -> None:
    _setup_device(run_cli)
    admin_key = run_cli("keys", "create", "--role", "admin").stdout.splitlines()[-1]
    run_cli("keys", "create", "--role", "viewer", "--store", "North")

    listed = run_cli("keys", "list", "--json")
    assert listed.exit_code == 0, listed.output
    keys = json.loads(listed.stdout)["keys"]
    assert [(k["id"], k["role"], k["store"]) for k in keys] == [
        (1, "admin", None),
        (2, "viewer", "North"),
    ]
    assert admin_key not in listed.stdout
    assert admin_key[:8] in listed.stdout

    revoked = run_cli("keys", "revoke", "1")
    assert revoked.exit_code == 0, revoked.output
    with db.read() as conn:
        record = find_key(conn, admin_key)
    assert record is not None
    assert record.revoked

    again = run_cli("keys", "revoke", "1")
    assert again.exit_code == 1
    assert "already revoked" in again.output

    missing = run_cli("keys", "revoke", "42")
    assert missing.exit_code == 1
    assert "API key 42 not found" in missing.output

    table = run_cli("keys", "list")
    assert table.stdout.splitlines()[0].split()[:3] == ["ID", "PREFIX", "ROLE"]


def test_keys_create_errors(run_cli: RunCli, db: Database) -> None:
    _setup_device(run_cli)
    cases = [
        (["--role", "viewer"], 1, "a viewer key needs the store"),
        (["--role", "device"], 1, "a device key needs the device"),
        (["--role", "admin", "--store", "North"], 1, "an admin key sees every store"),
        (["--role", "device", "--device", "door-9"], 1, "device 'door-9' not found"),
        (["--role", "device", "--device", "door-1", "--store", "South"], 1,
         "belongs to store 'North'"),
        (["--role", "root"], 2, "'root' is not one of"),
    ]
    for args, exit_code, message in cases:
        result = run_cli("keys", "create", *args)
        assert result.exit_code == exit_code, (args, result.output)
        assert message in result.output, (args, result.output)

    with db.read() as conn:
        assert conn.execute(select(ApiKey.id)).all() == []


def test_keys_create_as_litestar_process(tmp_path: Path) -> None:
    database = tmp_path / "process.db"
    env = dict(os.environ)
    env["FOOTFALL_DATABASE_URL"] = f"sqlite:///{database}"
    env.pop("FOOTFALL_AUTO_MIGRATE", None)

    completed = subprocess.run(
        [sys.executable, "-m", "litestar", "footfall", "keys", "create", "--role", "admin"],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    key = completed.stdout.splitlines()[-1]
    assert key.startswith("ff_")

    settings = Settings(database_url=env["FOOTFALL_DATABASE_URL"])
    db = Database(settings)
    with db.read() as conn:
        rows = conn.execute(select(ApiKey.key_hash, ApiKey.role)).all()
    db.dispose()
    assert [(row[0], row[1]) for row in rows] == [(hash_key(key), "admin")]


def test_error_as_litestar_process_is_one_line(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["FOOTFALL_DATABASE_URL"] = f"sqlite:///{tmp_path / 'process.db'}"

    completed = subprocess.run(
        [sys.executable, "-m", "litestar", "footfall", "devices", "create", "door-1",
         "--store", "Nowhere"],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1
    assert "store 'Nowhere' not found" in completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr


def test_upgrade_from_repository_root_with_auto_migrate_off(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["FOOTFALL_DATABASE_URL"] = f"sqlite:///{tmp_path / 'old.db'}"
    env["FOOTFALL_AUTO_MIGRATE"] = "0"

    completed = subprocess.run(
        [sys.executable, "-m", "litestar", "footfall", "db", "upgrade"],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Upgraded from" in completed.stdout
