"""Daylight-saving days: one bar per wall-clock hour, each labelled once."""

from __future__ import annotations

from typing import Any

from .helpers import (
    FALL_BACK,
    SPRING_FORWARD,
    chart_of,
    last_request,
    open_dashboard,
    record_requests,
)
from .service import Service


def test_spring_forward_has_23_hours(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, SPRING_FORWARD)

    hourly = service.get_url(last_request(urls, "/api/v1/analytics/hourly"))
    labels = chart_of(page, "hourly")["labels"]

    assert len(hourly["buckets"]) == 23
    assert len(labels) == 23
    assert len(set(labels)) == 23
    # Europe/Berlin skips 02:00 to 03:00 on that day.
    assert "02:00" not in labels
    assert labels[:4] == ["00:00", "01:00", "03:00", "04:00"]
    assert labels[-1] == "23:00"


def test_fall_back_has_25_hours(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, FALL_BACK)

    hourly = service.get_url(last_request(urls, "/api/v1/analytics/hourly"))
    chart = chart_of(page, "hourly")
    labels = chart["labels"]

    assert len(hourly["buckets"]) == 25
    assert len(labels) == 25
    assert len(set(labels)) == 25
    # 01:00 occurs twice in America/Chicago: first in CDT (UTC-5), then in CST (UTC-6).
    assert labels[:4] == ["00:00", "01:00 (UTC-05:00)", "01:00 (UTC-06:00)", "02:00"]
    assert labels.count("00:00") == 1
    assert chart["datasets"]["Entries"][1] == hourly["buckets"][1]["entries"]
    assert chart["datasets"]["Entries"][2] == hourly["buckets"][2]["entries"]
    # The seed sends five entries in the second 01:00 and none from the regular visits.
    assert chart["datasets"]["Entries"][2] == 5


def test_fall_back_table_rows(service: Service, page: Any) -> None:
    open_dashboard(page, service.url, service.admin_key, FALL_BACK)

    page.locator("#panel-hourly details summary").click()
    page.wait_for_selector("#panel-hourly table tbody tr")
    table = page.locator("#panel-hourly table tbody tr th")

    assert table.count() == 25
    assert table.nth(1).inner_text() == "01:00 (UTC-05:00)"
    assert table.nth(2).inner_text() == "01:00 (UTC-06:00)"
