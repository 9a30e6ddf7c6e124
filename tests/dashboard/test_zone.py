"""Time zone of the charts: the store's by default, the browser's on request."""

from __future__ import annotations

from typing import Any

from .helpers import (
    BROWSER_ZONE,
    FALL_BACK,
    SPRING_FORWARD,
    chart_of,
    last_request,
    loads_of,
    open_dashboard,
    record_requests,
    wait_for_load,
)
from .service import Service


def test_store_zone_by_default(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, FALL_BACK)

    request = last_request(urls, "/api/v1/analytics/hourly")

    assert "tz=America%2FChicago" in request
    assert "America/Chicago" in page.inner_text("#panel-hourly .zone-note")
    assert "store's time zone" in page.inner_text("#panel-hourly .zone-note")


def test_switch_to_browser_zone(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, SPRING_FORWARD)

    before = loads_of(page)
    page.get_by_label(f"This device: {BROWSER_ZONE}").check()
    wait_for_load(page, before)

    request = last_request(urls, "/api/v1/analytics/hourly")
    hourly = service.get_url(request)
    chart = chart_of(page, "hourly")

    assert "tz=Asia%2FTehran" in request
    assert hourly["zone"] == BROWSER_ZONE
    assert f"Times in {BROWSER_ZONE}" in page.inner_text("#panel-hourly .zone-note")
    assert "this device's time zone" in page.inner_text("#panel-hourly .zone-note")
    # Asia/Tehran has no daylight saving time: the same date has 24 hours there.
    assert len(chart["labels"]) == 24
    assert chart["labels"][0] == "00:00"
    assert all(bucket["offset"] == "+03:30" for bucket in hourly["buckets"])
    assert chart["datasets"]["Entries"] == [
        b["entries"] if b["watched"] else None for b in hourly["buckets"]
    ]
    assert "zone=browser" in page.url
