"""Time-zone arithmetic for analytics: UTC offset segments, local hours and business days.

Analytics turn UTC instants into local hours and days many thousands of times per request.
So the offsets of a zone are computed once per range, as a list of segments of constant UTC
offset, and everything else is integer arithmetic on epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "OffsetSegment",
    "business_day_start",
    "business_days",
    "format_offset",
    "offset_at",
    "offset_segments",
]

#: Step between two offset samples when looking for transitions. Two transitions of one zone
#: less than this far apart would be missed. No zone has them between 1973 and 2044 (every
#: zone of the system's IANA database sampled hourly, 2026 data).
_SAMPLE_STEP_S = 6 * 3600


@dataclass(frozen=True, slots=True)
class OffsetSegment:
    """A span ``[start_s, end_s)`` of epoch seconds during which a zone keeps one UTC offset."""

    start_s: int
    end_s: int
    offset_s: int


def offset_at(zone: ZoneInfo, epoch_s: int) -> int:
    """Return the zone's UTC offset in seconds at the instant ``epoch_s``."""
    offset = datetime.fromtimestamp(epoch_s, zone).utcoffset()
    assert offset is not None  # a ZoneInfo always has an offset
    return int(offset.total_seconds())


def _find_transition(zone: ZoneInfo, before_s: int, after_s: int) -> int:
    """Return the first second in ``(before_s, after_s]`` whose offset differs from before_s."""
    low, high = before_s, after_s
    offset_before = offset_at(zone, low)
    while high - low > 1:
        middle = (low + high) // 2
        if offset_at(zone, middle) == offset_before:
            low = middle
        else:
            high = middle
    return high


@lru_cache(maxsize=256)
def _segments_cached(zone_key: str, start_s: int, end_s: int) -> tuple[OffsetSegment, ...]:
    zone = ZoneInfo(zone_key)
    segments: list[OffsetSegment] = []
    segment_start = start_s
    segment_offset = offset_at(zone, start_s)
    sample = start_s

    while sample < end_s:
        next_sample = min(sample + _SAMPLE_STEP_S, end_s)
        next_offset = offset_at(zone, next_sample)
        if next_offset != segment_offset:
            transition = _find_transition(zone, sample, next_sample)
            if transition >= end_s:
                break
            segments.append(OffsetSegment(segment_start, transition, segment_offset))
            segment_start = transition
            segment_offset = offset_at(zone, transition)
        sample = next_sample

    segments.append(OffsetSegment(segment_start, end_s, segment_offset))
    return tuple(segments)


def offset_segments(zone: ZoneInfo, start_s: int, end_s: int) -> tuple[OffsetSegment, ...]:
    """Split ``[start_s, end_s)`` into segments of constant UTC offset of ``zone``.

    Results are cached per zone and range, because a dashboard requests the same ranges
    again and again.
    """
    if end_s <= start_s:
        raise ValueError(f"the range end {end_s} must be after its start {start_s}")
    return _segments_cached(zone.key, start_s, end_s)


def format_offset(offset_s: int) -> str:
    """Format a UTC offset the ISO 8601 way: ``+01:00``, ``-05:00``, ``+05:45``."""
    sign = "-" if offset_s < 0 else "+"
    minutes = abs(offset_s) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _local_time_to_utc(zone: ZoneInfo, day: date, hour: int) -> int:
    """Return the epoch seconds of ``hour``:00 local on ``day``, resolving gaps and folds.

    A local time that occurs twice (fall back) resolves to its first occurrence. A local time
    that does not exist (spring forward) resolves to the first valid instant after it, which
    is the end of the gap, so the transition instant itself.
    """
    local = datetime(day.year, day.month, day.day, hour, tzinfo=zone, fold=0)
    first = int(local.timestamp())

    # A nonexistent local time does not survive the round trip through UTC.
    round_trip = datetime.fromtimestamp(first, zone).replace(tzinfo=None)
    if round_trip == local.replace(tzinfo=None):
        return first

    # fold=0 reads the time with the offset before the gap and fold=1 with the one after
    # it, so the transition lies between the two readings.
    second = int(local.replace(fold=1).timestamp())
    low, high = min(first, second), max(first, second)
    return _find_transition(zone, low - 1, high)


def business_day_start(zone: ZoneInfo, reset_hour: int, epoch_s: int) -> int:
    """Return the start (epoch seconds) of the business day that contains ``epoch_s``."""
    local_day = datetime.fromtimestamp(epoch_s, zone).date()
    start = _local_time_to_utc(zone, local_day, reset_hour)
    if start > epoch_s:
        start = _local_time_to_utc(zone, local_day - timedelta(days=1), reset_hour)
    return start


@lru_cache(maxsize=256)
def _business_days_cached(
    zone_key: str, reset_hour: int, start_s: int, end_s: int
) -> tuple[tuple[int, int], ...]:
    zone = ZoneInfo(zone_key)
    first = business_day_start(zone, reset_hour, start_s)
    local_day = datetime.fromtimestamp(first, zone).date()
    # A business day that starts at the end of a gap may fall on the next local date. The
    # loop below steps from the date whose reset hour the first start belongs to.
    if _local_time_to_utc(zone, local_day, reset_hour) != first:
        local_day -= timedelta(days=1)

    days: list[tuple[int, int]] = []
    day_start = first
    while day_start < end_s:
        local_day += timedelta(days=1)
        day_end = _local_time_to_utc(zone, local_day, reset_hour)
        days.append((day_start, day_end))
        day_start = day_end
    return tuple(days)


def business_days(
    zone: ZoneInfo, reset_hour: int, start_s: int, end_s: int
) -> tuple[tuple[int, int], ...]:
    """List the business days ``(start_s, end_s)`` that intersect ``[start_s, end_s)``.

    A business day runs from the reset hour (local time in ``zone``) to the next day's reset
    hour, so it lasts 23 or 25 hours across a daylight-saving change.
    """
    if end_s <= start_s:
        raise ValueError(f"the range end {end_s} must be after its start {start_s}")
    return _business_days_cached(zone.key, reset_hour, start_s, end_s)
