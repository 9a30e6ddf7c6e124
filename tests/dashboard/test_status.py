"""Device status: the table and the alerts at the top of the page."""

from __future__ import annotations

from typing import Any

from .helpers import chart_of, last_request, open_dashboard, record_requests
from .seed import send_heartbeat
from .service import Service


def test_faulty_and_silent_doors_flagged(service: Service, page: Any) -> None:
    # A fresh heartbeat, so "north" is flagged for its camera only, however long the
    # session has run since seeding.
    send_heartbeat(service.url, service.devices["north"], camera="fault")
    open_dashboard(page, service.url, service.admin_key, "store=Hamburg&range=today")

    alerts = page.locator("#alerts .alert").all_inner_texts()

    assert len(alerts) == 2
    assert any('"north" reports a camera fault' in alert for alert in alerts)
    assert any('"south" has never reported' in alert for alert in alerts)
    assert page.locator("#devices tbody tr.flagged").count() == 2


def test_healthy_doors_not_flagged(service: Service, page: Any) -> None:
    # Fresh heartbeats: a door silent for five minutes is flagged, and the session may
    # have run that long since seeding.
    for door in ("front", "back"):
        send_heartbeat(service.url, service.devices[door], camera="ok")
    open_dashboard(page, service.url, service.admin_key, "store=Berlin&range=today")

    rows = page.locator("#devices tbody tr")

    assert page.locator("#alerts .alert").count() == 0
    assert rows.count() == 2
    assert page.locator("#devices tbody tr.flagged").count() == 0
    first = rows.nth(0).locator("td").all_inner_texts()
    assert first[2] == "ok"
    assert first[3] == "2"
    assert first[4] == "1"
    assert first[5] == "1.2.3"


def test_door_selector_filters_device(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, "store=Berlin&device=back&range=7d")

    request = last_request(urls, "/api/v1/analytics/hourly")
    hourly = service.get_url(request)
    chart = chart_of(page, "hourly")

    assert page.locator("#device-field").is_visible()
    assert page.get_by_label("Door").input_value() == "back"
    assert "device=back" in request
    assert chart["datasets"]["Entries"] == [
        bucket["entries"] if bucket["watched"] else None for bucket in hourly["buckets"]
    ]
