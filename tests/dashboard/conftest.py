"""Fixtures of the dashboard tests: a real service on 127.0.0.1, seeded through its own
command line and ingest API, and the real dashboard in Debian's headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import BROWSER_ZONE
from .service import Service, running_service

CHROMIUM = os.environ.get("FOOTFALL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A real service on 127.0.0.1 with a fresh SQLite database, seeded once."""
    with running_service(tmp_path_factory.mktemp("dashboard-service")) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: install Debian's chromium package")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )

    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile in the test's browser zone, at desktop size."""
    created = browser.new_context(
        viewport={"width": 1280, "height": 900},
        timezone_id=BROWSER_ZONE,
        locale="en-GB",
        accept_downloads=True,
    )
    yield created
    created.close()


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    """A page that fails its test on a script error or a Content-Security-Policy violation."""
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield opened
    assert problems == [], "the dashboard page reported errors"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder as a browser test."""
    folder = Path(__file__).resolve().parent
    for item in items:
        if folder in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
