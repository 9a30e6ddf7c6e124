"""The start-up and shutdown hooks: when they are called, and what a failing plugin does."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from litestar.testing import TestClient

from footfall.app import create_app
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.service import Service
from tests.helpers import REPOSITORY
from tests.plugins.fixtures import lifecycle_plugin

LIFECYCLE = "tests.plugins.fixtures.lifecycle_plugin"
FAILING = "tests.plugins.fixtures.failing_startup_plugin"


def _service(app: object) -> Service:
    service = app.state.footfall  # type: ignore[attr-defined]
    assert isinstance(service, Service)
    return service


def _hook_names() -> list[str]:
    return [hook_name for hook_name, _ in lifecycle_plugin.CALLS]


def test_hook_footfall_startup(settings: Settings, db: Database) -> None:
    lifecycle_plugin.CALLS.clear()
    app = create_app(replace(settings, extra_plugins=(LIFECYCLE,)))
    service = _service(app)
    calls_after_build = list(lifecycle_plugin.CALLS)

    with TestClient(app=app) as client:
        calls_while_running = list(lifecycle_plugin.CALLS)
        live = client.get("/health/live")

    # Building the app, as every `litestar` command does, starts nothing.
    assert calls_after_build == []
    assert calls_while_running == [("footfall_startup", service)]
    assert live.status_code == 200


def test_hook_footfall_shutdown(settings: Settings, db: Database) -> None:
    lifecycle_plugin.CALLS.clear()
    app = create_app(replace(settings, extra_plugins=(LIFECYCLE,)))
    service = _service(app)

    with TestClient(app=app):
        pass
    calls_after_stop = list(lifecycle_plugin.CALLS)
    service.close()

    assert calls_after_stop == [("footfall_startup", service), ("footfall_shutdown", service)]
    # Closing a service again calls no plugin twice.
    assert _hook_names() == ["footfall_startup", "footfall_shutdown"]


def test_close_without_start_calls_no_shutdown(settings: Settings, db: Database) -> None:
    lifecycle_plugin.CALLS.clear()
    service = Service.create(replace(settings, extra_plugins=(LIFECYCLE,)))

    service.close()

    assert lifecycle_plugin.CALLS == []


# pluggy calls the last registered plugin first and the shutdown hooks run in reverse, so one
# order calls the failing plugin first at start-up and the other at shutdown.
@pytest.mark.parametrize("plugins", [(LIFECYCLE, FAILING), (FAILING, LIFECYCLE)])
def test_failing_plugin_is_logged_and_skipped(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture, plugins: tuple[str, str]
) -> None:
    lifecycle_plugin.CALLS.clear()
    app = create_app(replace(settings, extra_plugins=plugins))

    with caplog.at_level(logging.ERROR, logger="footfall.service"), TestClient(app=app) as client:
        live = client.get("/health/live")
        ready = client.get("/health/ready")

    errors = [record for record in caplog.records if record.name == "footfall.service"]
    messages = [record.getMessage() for record in errors]
    assert live.status_code == 200
    assert ready.status_code == 200
    assert _hook_names() == ["footfall_startup", "footfall_shutdown"]
    assert any(f"Plugin {FAILING} failed in footfall_startup" in text for text in messages)
    assert any(f"Plugin {FAILING} failed in footfall_shutdown" in text for text in messages)
    raised = [str(record.exc_info[1]) for record in errors if record.exc_info]
    assert "the example start-up failure" in raised
    assert "the example shutdown failure" in raised


def test_lifecycle_hooks_are_traced(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(replace(settings, extra_plugins=(LIFECYCLE,), trace_plugins=True))

    with caplog.at_level(logging.INFO, logger="footfall.plugins.trace"), TestClient(app=app):
        pass

    messages = [
        record.getMessage() for record in caplog.records if record.name == "footfall.plugins.trace"
    ]
    assert f"hook footfall_startup called on [{LIFECYCLE}] with ['service']" in messages
    assert f"hook footfall_shutdown called on [{LIFECYCLE}] with ['service']" in messages


def test_cli_command_calls_no_lifecycle_hook(tmp_path: Path) -> None:
    calls_file = tmp_path / "calls.txt"
    env = {
        **os.environ,
        "FOOTFALL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "FOOTFALL_EXTRA_PLUGINS": LIFECYCLE,
        lifecycle_plugin.FILE_VARIABLE: str(calls_file),
    }

    result = subprocess.run(
        [sys.executable, "-m", "litestar", "footfall", "plugins"],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert LIFECYCLE in result.stdout
    assert not calls_file.exists(), calls_file.read_text()
