"""Fixtures of the command-line tests: the real ``footfall`` click group on a temp database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from footfall.cli import footfall_group
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from footfall.plugins import create_plugin_manager

RunCli = Callable[..., Result]


@pytest.fixture
def cli_env(settings: Settings, db: Database) -> dict[str, str]:
    """Environment of a command run: the test's migrated SQLite file, automatic migration."""
    # The plugins' tables too, as every command creates them.
    upgrade(db, create_plugin_manager(settings))
    return {"FOOTFALL_DATABASE_URL": settings.database_url, "FOOTFALL_AUTO_MIGRATE": "1"}


@pytest.fixture
def run_cli(cli_env: dict[str, str]) -> RunCli:
    """Run ``litestar footfall ARGS`` in-process and return the click result."""
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(footfall_group, list(args), env={**cli_env, **(env or {})})

    return run


@pytest.fixture
def database_file(settings: Settings) -> Path:
    """Path of the test's SQLite file."""
    if not settings.is_sqlite:
        pytest.skip("the test copies or inspects a SQLite file; the test database is PostgreSQL")
    return Path(settings.database_url.removeprefix("sqlite:///"))
