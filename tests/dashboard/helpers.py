"""Page helpers of the dashboard tests: open the dashboard, wait for a load, read the charts."""

from __future__ import annotations

from typing import Any

__all__ = [
    "BROWSER_ZONE",
    "FALL_BACK",
    "SPRING_FORWARD",
    "chart_of",
    "custom_day",
    "last_request",
    "loads_of",
    "open_dashboard",
    "record_requests",
    "wait_for_load",
]

LOAD_TIMEOUT_MS = 30000

# Browser time zone of the tests. The zone-switch test needs it to differ from every
# store's zone. Asia/Tehran has a half-hour offset and, since 2022, no daylight saving
# time. Its name is the same in IANA and in the CLDR data that Chromium reports.
BROWSER_ZONE = "Asia/Tehran"


def loads_of(page: Any) -> int:
    """How many loads the dashboard has finished (its body's data-loads attribute)."""
    value = page.get_attribute("body", "data-loads")
    return int(value) if value else 0


def wait_for_load(page: Any, previous: int) -> None:
    """Wait until the dashboard has finished the load after ``previous`` loads, without errors."""
    page.wait_for_selector(
        f"body[data-loads='{previous + 1}']:is([data-state='ready'], [data-state='error'])",
        state="attached",
        timeout=LOAD_TIMEOUT_MS,
    )
    state = page.get_attribute("body", "data-state")
    assert state == "ready", (
        f"the dashboard load ended in state {state}: {page.inner_text('#status')}"
    )


def open_dashboard(page: Any, url: str, key: str, fragment: str = "") -> None:
    """Sign in with a key and open the dashboard's view given by a URL fragment."""
    # The first load shows the sign-in form; the reload finds the stored key.
    page.goto(f"{url}/dashboard/")
    page.wait_for_selector("body[data-state='signin']", state="attached", timeout=LOAD_TIMEOUT_MS)
    page.evaluate("key => localStorage.setItem('footfall.apiKey', key)", key)
    page.goto(f"{url}/dashboard/#{fragment}")
    page.reload()
    wait_for_load(page, 0)


def chart_of(page: Any, panel: str) -> dict[str, Any]:
    """The labels and dataset values that Chart.js draws in a panel."""
    result: dict[str, Any] = page.evaluate(
        """panel => {
            const canvas = document.querySelector(`#panel-${panel} canvas`);
            const chart = Chart.getChart(canvas);
            return {
                labels: chart.data.labels,
                scale: chart.scales.x.type,
                datasets: Object.fromEntries(
                    chart.data.datasets.map((set) => [set.label, set.data]),
                ),
            };
        }""",
        panel,
    )
    return result


def record_requests(page: Any) -> list[str]:
    """Start recording the URL of every request the page makes; returns the live list."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def last_request(urls: list[str], path: str) -> str:
    """The last recorded URL whose path is ``path``."""
    matching = [url for url in urls if url.split("?")[0].endswith(path)]
    assert matching, f"the dashboard made no request to {path}; it made {urls}"
    return matching[-1]


def custom_day(store: str, day: str) -> str:
    """URL fragment of a one-day custom range of a store."""
    return f"store={store}&range=custom&from={day}&to={day}"


# Europe/Berlin springs forward on this day and America/Chicago falls back on the other.
SPRING_FORWARD = custom_day("Berlin", "2025-03-30")
FALL_BACK = custom_day("Chicago", "2022-11-06")
