"""An analytic added by a plugin appears as a chart drawn from its chart hint."""

from __future__ import annotations

from typing import Any

from .helpers import chart_of, last_request, open_dashboard, record_requests
from .service import Service


def test_plugin_analytic_is_listed(service: Service) -> None:
    names = [analytic["name"] for analytic in service.get("/api/v1/analytics")["analytics"]]

    assert "day_length" in names


def test_plugin_chart_drawn_from_hint(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(
        page,
        service.url,
        service.admin_key,
        "store=Chicago&range=custom&from=2022-11-05&to=2022-11-07",
    )

    result = service.get_url(last_request(urls, "/api/v1/analytics/day_length"))
    chart = chart_of(page, "analytic-day_length")
    panel = page.locator("#panel-analytic-day_length")

    assert panel.get_by_role("heading").inner_text() == "Length of each day"
    assert chart["scale"] == "time"
    assert chart["datasets"]["Hours in the day"] == [
        {"x": row["start"], "y": row["hours"]} for row in result["days"]
    ]
    assert [row["hours"] for row in result["days"]] == [24, 25, 24]
    assert "America/Chicago" in panel.locator(".zone-note").inner_text()
