"""The ``hourly`` analytic: entries and exits per wall-clock hour or local day.

Counts come from the quarter-hour rollups (``quarter_counts``), never from the raw events, so
the cost of a request grows with the length of the range, not with the number of events. See
``docs/analytics.md`` for the definitions.
"""

from __future__ import annotations

import math
from typing import Literal

import msgspec

from footfall.analytics.buckets import HourBucket, hour_buckets
from footfall.analytics.rollup_read import HourCounts, read_hour_counts
from footfall.analytics.zones import format_offset
from footfall.config import Settings
from footfall.hookspecs import hookimpl
from footfall.plugin_types import Analytic, AnalyticParams, AnalyticQuery, ChartHint, ChartSeries

__all__ = [
    "AUTO_DAY_THRESHOLD_S",
    "HourlyAnalytic",
    "HourlyBucket",
    "HourlyParams",
    "HourlyResult",
    "ProfileHour",
    "footfall_analytics",
]

#: With ``resolution=auto``, ranges longer than this many seconds (31 days) come in days.
AUTO_DAY_THRESHOLD_S = 31 * 86400

_MS = 1000


class HourlyParams(AnalyticParams, kw_only=True, forbid_unknown_fields=True):
    """Parameters of ``hourly``."""

    resolution: Literal["auto", "hour", "day"] = "auto"
    """Bucket size; ``auto`` is ``day`` for ranges over 31 days and ``hour`` otherwise."""


class HourlyBucket(msgspec.Struct, kw_only=True):
    """Entries and exits in one wall-clock hour or local day."""

    start: int
    """Start of the bucket, epoch milliseconds."""
    offset: str
    """UTC offset of the zone at the start of the bucket, such as ``+01:00``."""
    entries: int
    exits: int
    watched: bool
    """False when no device of the store sent an event or a heartbeat during the bucket:
    its counts are unknown, not zero."""


class ProfileHour(msgspec.Struct, kw_only=True):
    """Counts of one clock hour summed over the range."""

    hour: int
    entries: int
    exits: int
    hours_observed: int
    """How many watched buckets of this clock hour the range has; the divisor of an average."""


class HourlyResult(msgspec.Struct, kw_only=True):
    """Result of ``hourly``."""

    zone: str
    resolution: Literal["hour", "day"]
    buckets: list[HourlyBucket]
    profile: list[ProfileHour]


def _resolve_resolution(requested: str, start_s: int, end_s: int) -> Literal["hour", "day"]:
    if requested == "hour":
        return "hour"
    if requested == "day":
        return "day"
    return "day" if end_s - start_s > AUTO_DAY_THRESHOLD_S else "hour"


def _hour_rows(buckets: tuple[HourBucket, ...], counts: HourCounts) -> list[HourlyBucket]:
    offsets: dict[int, str] = {}
    rows = []
    for bucket, entries, exits, watched in zip(
        buckets, counts.entries, counts.exits, counts.watched, strict=True
    ):
        offset = offsets.get(bucket.offset_s)
        if offset is None:
            offset = offsets[bucket.offset_s] = format_offset(bucket.offset_s)
        rows.append(
            HourlyBucket(
                start=bucket.start_s * _MS,
                offset=offset,
                entries=entries,
                exits=exits,
                watched=watched,
            )
        )
    return rows


def _day_rows(buckets: tuple[HourBucket, ...], counts: HourCounts) -> list[HourlyBucket]:
    rows: list[HourlyBucket] = []
    day: HourlyBucket | None = None
    current_day: int | None = None
    for bucket, entries, exits, watched in zip(
        buckets, counts.entries, counts.exits, counts.watched, strict=True
    ):
        if day is None or bucket.local_day != current_day:
            # A day starts with its first hour bucket: local midnight, or the first valid
            # instant of the date where midnight falls into a daylight-saving gap.
            current_day = bucket.local_day
            day = HourlyBucket(
                start=bucket.start_s * _MS,
                offset=format_offset(bucket.offset_s),
                entries=0,
                exits=0,
                watched=False,
            )
            rows.append(day)
        day.entries += entries
        day.exits += exits
        day.watched = day.watched or watched
    return rows


def _profile(buckets: tuple[HourBucket, ...], counts: HourCounts) -> list[ProfileHour]:
    entries_by_hour = [0] * 24
    exits_by_hour = [0] * 24
    observed = [0] * 24
    for bucket, entries, exits, watched in zip(
        buckets, counts.entries, counts.exits, counts.watched, strict=True
    ):
        if watched:
            hour = bucket.local_hour % 24
            entries_by_hour[hour] += entries
            exits_by_hour[hour] += exits
            observed[hour] += 1
    return [
        ProfileHour(
            hour=hour,
            entries=entries_by_hour[hour],
            exits=exits_by_hour[hour],
            hours_observed=observed[hour],
        )
        for hour in range(24)
    ]


class HourlyAnalytic:
    """Entries and exits per wall-clock hour or local day, with an hour-of-day profile."""

    name: str = "hourly"
    title: str = "Entries and exits per hour"
    description: str = (
        "Entries and exits per wall-clock hour (or local day) of the presentation zone, read "
        "from quarter-hour rollups. Buckets in which no device was watching are marked "
        "watched=false. The profile sums each clock hour over the range."
    )
    parameters: type[AnalyticParams] = HourlyParams
    result: type[msgspec.Struct] = HourlyResult
    chart: ChartHint = ChartHint(
        rows="buckets",
        x="start",
        x_type="time",
        y_label="People",
        series=(
            ChartSeries(field="entries", label="Entries", type="bar"),
            ChartSeries(field="exits", label="Exits", type="bar"),
        ),
    )

    def compute(self, query: AnalyticQuery, params: HourlyParams) -> HourlyResult:
        """Count entries and exits per bucket of the range, widened to whole buckets."""
        start_s = math.floor(query.start.timestamp())
        end_s = math.ceil(query.end.timestamp())
        resolution = _resolve_resolution(params.resolution, start_s, end_s)

        grid = hour_buckets(query.zone, start_s, end_s, whole_days=resolution == "day")
        with query.db.read() as connection:
            counts = read_hour_counts(connection, query.device_ids, grid)

        buckets = grid.buckets
        rows = _hour_rows(buckets, counts) if resolution == "hour" else _day_rows(buckets, counts)
        return HourlyResult(
            zone=query.zone.key,
            resolution=resolution,
            buckets=rows,
            profile=_profile(buckets, counts),
        )


@hookimpl
def footfall_analytics(settings: Settings) -> list[Analytic]:
    """Provide the ``hourly`` analytic."""
    return [HourlyAnalytic()]
