"""Take the dashboard screenshot of the docs: a week of seeded data in a desktop window.

    python -m tests.dashboard.screenshot [docs/dashboard.png]

Runs the same seeded service as the browser tests, without the test-only plugin, and opens
Berlin's last 7 days in headless Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from .conftest import CHROMIUM, CHROMIUM_ARGS
from .helpers import open_dashboard
from .service import REPO, running_service

__all__ = ["main"]


def main() -> None:
    """Write the screenshot to the path given, by default docs/dashboard.png."""
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "dashboard.png"

    with (
        tempfile.TemporaryDirectory() as tmp,
        running_service(Path(tmp), example_plugin=False) as service,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(
            viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London"
        )
        open_dashboard(page, service.url, service.viewer_key, "store=Berlin&range=7d")
        page.screenshot(path=str(target), full_page=True)
        browser.close()
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
