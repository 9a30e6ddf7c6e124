"""The numbers that the dashboard draws equal the analytics API's for the same request."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import (
    SPRING_FORWARD,
    chart_of,
    last_request,
    loads_of,
    open_dashboard,
    record_requests,
    wait_for_load,
)
from .service import Service


def test_hourly_bars_match_api(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, SPRING_FORWARD)

    hourly = service.get_url(last_request(urls, "/api/v1/analytics/hourly"))
    chart = chart_of(page, "hourly")
    expected_entries = [b["entries"] if b["watched"] else None for b in hourly["buckets"]]
    expected_exits = [b["exits"] if b["watched"] else None for b in hourly["buckets"]]

    assert len(chart["labels"]) == len(hourly["buckets"])
    assert chart["datasets"]["Entries"] == expected_entries
    assert chart["datasets"]["Exits"] == expected_exits
    assert sum(value or 0 for value in expected_entries) > 0, "the seeded day has entries"


def test_unwatched_hours_are_gaps(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, SPRING_FORWARD)

    hourly = service.get_url(last_request(urls, "/api/v1/analytics/hourly"))
    unwatched = [index for index, bucket in enumerate(hourly["buckets"]) if not bucket["watched"]]
    chart = chart_of(page, "hourly")

    # No device sent anything before 08:00 on that day, so those hours have no data.
    assert unwatched, "the service marks hours without events or heartbeats as unwatched"
    for index in unwatched:
        assert chart["datasets"]["Entries"][index] is None
        assert chart["datasets"]["Exits"][index] is None


def test_profile_matches_api(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, "store=Berlin&range=7d")

    hourly = service.get_url(last_request(urls, "/api/v1/analytics/hourly"))
    profile = sorted(hourly["profile"], key=lambda row: row["hour"])
    chart = chart_of(page, "profile")

    assert chart["labels"] == [f"{row['hour']:02d}:00" for row in profile]
    for index, row in enumerate(profile):
        drawn = chart["datasets"]["Entries per hour"][index]
        if row["hours_observed"] == 0:
            assert drawn is None
        else:
            assert drawn == pytest.approx(row["entries"] / row["hours_observed"])


def test_dwell_matches_api(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, SPRING_FORWARD)

    dwell = service.get_url(last_request(urls, "/api/v1/analytics/dwell"))
    hours = sorted(dwell["hours"], key=lambda row: row["hour"])
    chart = chart_of(page, "dwell")
    smoothed = chart["datasets"][f"Smoothed mean (k = {dwell['k']:g})"]
    raw = chart["datasets"]["Raw mean"]

    assert dwell["n"] > 0, "the seeded day has matched visits"
    for index, row in enumerate(hours):
        expected_smoothed = (
            None if row["smoothed_s"] is None else pytest.approx(row["smoothed_s"] / 60)
        )
        expected_raw = None if row["mean_s"] is None else pytest.approx(row["mean_s"] / 60)
        assert smoothed[index] == expected_smoothed
        assert raw[index] == expected_raw


def test_dwell_prior_strength_control(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, SPRING_FORWARD)

    before = loads_of(page)
    page.get_by_label("Prior strength k").fill("20")
    page.get_by_label("Prior strength k").press("Enter")
    wait_for_load(page, before)

    request = last_request(urls, "/api/v1/analytics/dwell")
    dwell = service.get_url(request)
    chart = chart_of(page, "dwell")
    hours = sorted(dwell["hours"], key=lambda row: row["hour"])

    assert "k=20" in request
    assert "Smoothed mean (k = 20)" in chart["datasets"]
    for index, row in enumerate(hours):
        drawn = chart["datasets"]["Smoothed mean (k = 20)"][index]
        assert drawn == (
            None if row["smoothed_s"] is None else pytest.approx(row["smoothed_s"] / 60)
        )

    page.locator("#panel-dwell details summary").click()
    page.wait_for_selector("#panel-dwell table tbody tr")
    headers = page.locator("#panel-dwell table thead th").all_inner_texts()
    visits = page.locator("#panel-dwell table tbody tr td:last-child").all_inner_texts()
    assert headers[-1] == "Visits (n)"
    assert visits == [str(row["n"]) for row in hours]


def test_summary_matches_api(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, SPRING_FORWARD)

    hourly = service.get_url(last_request(urls, "/api/v1/analytics/hourly"))
    occupancy = service.get_url(last_request(urls, "/api/v1/stores/Berlin/occupancy"))
    entries = sum(bucket["entries"] for bucket in hourly["buckets"] if bucket["watched"])
    exits = sum(bucket["exits"] for bucket in hourly["buckets"] if bucket["watched"])

    def figure(name: str) -> str:
        return page.inner_text(f"[data-figure='{name}'] .value").replace(",", "")

    assert figure("entries") == str(entries)
    assert figure("exits") == str(exits)
    assert figure("events") == str(entries + exits)
    assert figure("occupancy") == str(occupancy["displayed"])
    assert f"drift {occupancy['drift']}" in page.inner_text("[data-figure='occupancy'] .note")
    assert figure("peak") != "none"


def test_week_before_comparison(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, SPRING_FORWARD)

    before = loads_of(page)
    page.get_by_label("Compare with the week before").check()
    wait_for_load(page, before)

    hourly_urls = [url for url in urls if "/api/v1/analytics/hourly" in url]
    current = service.get_url([url for url in hourly_urls if "start=2025-03-30" in url][-1])
    earlier = service.get_url([url for url in hourly_urls if "start=2025-03-23" in url][-1])
    chart = chart_of(page, "hourly")
    by_local_hour = {_local_hour(bucket): bucket for bucket in earlier["buckets"]}

    expected = []
    for bucket in current["buckets"]:
        match = by_local_hour.get(_local_hour(bucket))
        expected.append(match["entries"] if match and match["watched"] else None)
    assert chart["datasets"]["Entries, week before"] == expected
    assert any(value for value in expected), "the week before has seeded entries"


def _local_hour(bucket: dict[str, Any]) -> int:
    """Local clock hour of a bucket, from its start and UTC offset."""
    sign = -1 if bucket["offset"].startswith("-") else 1
    hours, minutes = bucket["offset"][1:].split(":")
    local_ms = bucket["start"] + sign * (int(hours) * 60 + int(minutes)) * 60000
    return (local_ms // 3600000) % 24
