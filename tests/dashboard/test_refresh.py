"""Automatic refresh every 30 seconds, paused while the tab is hidden.

The browser's clock is Playwright's fake clock, so the test moves time on instead of
waiting for it.
"""

from __future__ import annotations

from typing import Any

from .helpers import loads_of, open_dashboard, wait_for_load
from .service import Service

# Make the page believe its tab is hidden or visible, as a browser does when the user
# switches tabs, and send the event that goes with it.
SET_VISIBILITY = """hidden => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    Object.defineProperty(document, "visibilityState", {
        configurable: true,
        get: () => (hidden ? "hidden" : "visible"),
    });
    document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_refresh_every_30_seconds(service: Service, page: Any) -> None:
    page.clock.install()
    open_dashboard(page, service.url, service.admin_key, "store=Berlin&range=today")

    page.clock.fast_forward(25_000)
    assert loads_of(page) == 1

    page.clock.fast_forward(10_000)
    wait_for_load(page, 1)
    assert loads_of(page) == 2


def test_refresh_paused_while_hidden(service: Service, page: Any) -> None:
    page.clock.install()
    open_dashboard(page, service.url, service.admin_key, "store=Berlin&range=today")

    page.evaluate(SET_VISIBILITY, True)
    page.clock.fast_forward(95_000)

    # A refresh would have set the state to loading at once, in the timer's callback.
    assert page.get_attribute("body", "data-state") == "ready"
    assert loads_of(page) == 1

    page.evaluate(SET_VISIBILITY, False)
    wait_for_load(page, 1)
    assert loads_of(page) == 2
