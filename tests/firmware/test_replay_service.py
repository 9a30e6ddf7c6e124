"""A real recorded sequence replayed through the core into the real service."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from footfall.replay.command import replay

from .conftest import STORE_TIMEZONE, Service

# Each module starts the real service, which takes several seconds.
pytestmark = pytest.mark.slow

# 10:00 local time in the store's zone (Europe/Berlin, UTC+1 in March).
START = "2024-03-05T10:00:00+01:00"


def test_replay_posts_sequence_to_service(mot_dir: Path, service: Service) -> None:
    outcome = CliRunner().invoke(
        replay,
        [
            str(mot_dir / "PETS09-S2L1"),
            "--line",
            "0,0.5,1,0.5",
            "--inside",
            "0.5,1",
            "--min-score",
            "0.5",
            "--post",
            service.base_url,
            "--key",
            service.device_key,
            "--start",
            START,
            "--json",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.output.strip().splitlines()[-1])
    counted = result["entries"] + result["exits"]
    assert counted > 0
    assert result["posted"]["accepted"] == counted
    assert result["posted"]["rejected"] == 0

    start_s = dt.datetime.fromisoformat(START).timestamp()
    # PETS09-S2L1 lasts 795 frames at 7 fps, under two minutes.
    end_s = start_s + 795 / 7
    status, body = service.request(
        "GET", f"/getMovements/?date={end_s + 1:.0f}&count=1000&api_key={service.device_key}"
    )
    assert status == 200, body
    movements = body["movements"]
    assert len(movements) == counted
    assert sum(1 for item in movements if item["is_entry"]) == result["entries"]
    stored_times = sorted(item["timestamp"] for item in movements)
    assert stored_times == sorted(event["time"] for event in result["events"])
    assert all(start_s <= moment <= end_s for moment in stored_times)

    query = urllib.parse.urlencode(
        {
            "store": service.store,
            "start": "2024-03-05T00:00:00",
            "end": "2024-03-06T00:00:00",
            "tz": STORE_TIMEZONE,
        }
    )
    status, hourly = service.request(
        "GET", f"/api/v1/analytics/hourly?{query}", key=service.admin_key
    )
    assert status == 200, hourly
    assert hourly["zone"] == STORE_TIMEZONE
    assert len(hourly["buckets"]) == 24
    ten = hourly["buckets"][10]
    assert ten["offset"] == "+01:00"
    assert ten["watched"] is True
    assert ten["entries"] == result["entries"]
    assert ten["exits"] == result["exits"]
    others = [bucket for index, bucket in enumerate(hourly["buckets"]) if index != 10]
    assert all(bucket["entries"] == 0 and bucket["exits"] == 0 for bucket in others)
    profile_ten = next(row for row in hourly["profile"] if row["hour"] == 10)
    assert profile_ten["entries"] == result["entries"]


def test_second_replay_continues_numbering(mot_dir: Path, service: Service) -> None:
    arguments = [
        str(mot_dir / "TUD-Stadtmitte"),
        "--line",
        "0.5,0,0.5,1",
        "--inside",
        "1,0.5",
        "--min-score",
        "0.5",
        "--post",
        service.base_url,
        "--key",
        service.device_key,
        "--start",
        "2024-04-02T08:00:00+02:00",
        "--json",
    ]
    results = []
    for _ in range(2):
        outcome = CliRunner().invoke(replay, arguments)
        assert outcome.exit_code == 0, outcome.output
        results.append(json.loads(outcome.output.strip().splitlines()[-1]))

    counted = results[0]["entries"] + results[0]["exits"]
    assert counted > 0
    for result in results:
        assert result["posted"]["accepted"] == counted
        assert result["posted"]["duplicates"] == 0

    start_s = dt.datetime.fromisoformat("2024-04-02T08:00:00+02:00").timestamp()
    # TUD-Stadtmitte lasts 179 frames at 25 fps, about 7 s.
    end_s = start_s + 10
    status, body = service.request(
        "GET", f"/getMovements/?date={end_s:.0f}&count=1000&api_key={service.device_key}"
    )
    assert status == 200, body
    replayed = [item for item in body["movements"] if item["timestamp"] >= start_s]
    assert len(replayed) == 2 * counted


def test_replay_post_with_wrong_key(mot_dir: Path, service: Service) -> None:
    outcome = CliRunner().invoke(
        replay,
        [
            str(mot_dir / "TUD-Stadtmitte"),
            "--post",
            service.base_url,
            "--key",
            "not-a-valid-key-123",
        ],
    )
    assert outcome.exit_code == 1
    assert "HTTP 401" in outcome.output
    assert "check the device key" in outcome.output
