"""CSV download of the hourly chart: the numbers and hours the chart shows."""

from __future__ import annotations

import csv
import io
from typing import Any

from .helpers import FALL_BACK, SPRING_FORWARD, last_request, open_dashboard, record_requests
from .service import Service


def test_hourly_csv_matches_api(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, FALL_BACK)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download Entries and exits as CSV").click()
    download = download_info.value
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    hourly = service.get_url(last_request(urls, "/api/v1/analytics/hourly"))

    assert download.suggested_filename == "footfall_Chicago_2022-11-06_2022-11-06_hourly.csv"
    assert rows[0] == ["Start (America/Chicago)", "Entries", "Exits", "UTC offset", "Watched"]
    assert len(rows) == 1 + 25
    # Both 01:00 rows are there, distinguished by their offsets.
    assert rows[2][0] == "2022-11-06 01:00"
    assert rows[2][3] == "-05:00"
    assert rows[3][0] == "2022-11-06 01:00"
    assert rows[3][3] == "-06:00"
    for row, bucket in zip(rows[1:], hourly["buckets"], strict=True):
        assert row[3] == bucket["offset"]
        if bucket["watched"]:
            assert row[1:3] == [str(bucket["entries"]), str(bucket["exits"])]
            assert row[4] == "yes"
        else:
            # No data is an empty field, never 0.
            assert row[1:3] == ["", ""]
            assert row[4] == "no"


def test_dwell_csv_has_seconds_and_n(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, SPRING_FORWARD)

    with page.expect_download() as download_info:
        page.get_by_role(
            "button", name="Download Average dwell time by hour of entry as CSV"
        ).click()
    rows = list(csv.reader(io.StringIO(download_info.value.path().read_text(encoding="utf-8"))))
    dwell = service.get_url(last_request(urls, "/api/v1/analytics/dwell"))
    hours = sorted(dwell["hours"], key=lambda row: row["hour"])

    assert rows[0] == [
        "Hour of entry (Europe/Berlin)",
        "Smoothed mean (s)",
        "Raw mean (s)",
        "Visits (n)",
    ]
    assert len(rows) == 1 + 24
    for row, hour in zip(rows[1:], hours, strict=True):
        assert row[0] == f"{hour['hour']:02d}:00"
        assert row[3] == str(hour["n"])
        if hour["mean_s"] is None:
            assert row[2] == ""
        else:
            assert float(row[2]) == hour["mean_s"]
