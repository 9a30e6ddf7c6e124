"""Local-time buckets: the wall-clock hours and days of a zone as spans of UTC seconds.

An hour bucket is one wall-clock hour: the spring-forward day has 23 of them and the
fall-back day 25, and the repeated hour appears twice with different UTC offsets. A day
bucket runs from one local midnight to the next (or from the first instant of the local date
where midnight falls into a gap).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from footfall.analytics.zones import OffsetSegment, offset_segments
from footfall.db.models import QUARTER_S

__all__ = ["BucketGrid", "HourBucket", "hour_buckets", "local_date_ordinal"]

_HOUR_S = 3600
_DAY_S = 86400

#: Margin around a requested range when buckets are generated, so that the buckets
#: containing the range's ends are complete.
_MARGIN_S = 2 * _DAY_S


@dataclass(frozen=True, slots=True)
class HourBucket:
    """One wall-clock hour of a zone: ``[start_s, end_s)`` in epoch seconds.

    ``local_hour`` counts whole local hours since 1970-01-01 00:00 local (it is the local
    wall-clock time divided by 3600), so ``local_hour % 24`` is the clock hour. A bucket is
    shorter than an hour only where a zone changes its offset by a fraction of an hour (for
    example Australia/Lord_Howe, which moves by 30 minutes).
    """

    start_s: int
    end_s: int
    offset_s: int
    local_hour: int

    @property
    def clock_hour(self) -> int:
        """The hour of the day, 0 to 23, on the wall clock."""
        return self.local_hour % 24

    @property
    def local_day(self) -> int:
        """Days since 1970-01-01 of the bucket's local date."""
        return self.local_hour // 24


@dataclass(frozen=True, slots=True)
class BucketGrid:
    """Consecutive hour buckets of one zone, with the lookups that queries need.

    Grids are cached per zone and range, so these lookups are built once per range rather
    than on every request.
    """

    buckets: tuple[HourBucket, ...]
    segments: tuple[OffsetSegment, ...]
    """The spans of constant UTC offset that the buckets cover, in order."""
    position: dict[tuple[int, int], int]
    """Index of each bucket by ``(offset_s, local_hour)``, the key that queries group by."""
    group_quarters: int
    """Quarters per UTC group that never straddles two buckets: 4 (whole UTC hours) where
    every bucket starts and ends on a UTC hour, 2 on half hours, else 1."""
    group_position: dict[int, int]
    """Index of the bucket that contains each UTC group (epoch seconds // (group_quarters *
    900)); empty when ``group_quarters`` is 1."""

    @classmethod
    def of(cls, buckets: tuple[HourBucket, ...]) -> BucketGrid:
        """Build the grid of consecutive buckets."""
        segments: list[OffsetSegment] = []
        for bucket in buckets:
            if segments and segments[-1].offset_s == bucket.offset_s:
                last = segments[-1]
                segments[-1] = OffsetSegment(last.start_s, bucket.end_s, last.offset_s)
            else:
                segments.append(OffsetSegment(bucket.start_s, bucket.end_s, bucket.offset_s))
        position = {(b.offset_s, b.local_hour): index for index, b in enumerate(buckets)}

        group_quarters = 1
        for quarters in (4, 2):
            width = quarters * QUARTER_S
            if all(b.start_s % width == 0 and b.end_s % width == 0 for b in buckets):
                group_quarters = quarters
                break
        group_position: dict[int, int] = {}
        if group_quarters > 1:
            width = group_quarters * QUARTER_S
            for index, bucket in enumerate(buckets):
                for group in range(bucket.start_s // width, bucket.end_s // width):
                    group_position[group] = index
        return cls(buckets, tuple(segments), position, group_quarters, group_position)


def local_date_ordinal(zone: ZoneInfo, epoch_s: int) -> int:
    """Return the local date of an instant as days since 1970-01-01."""
    local = datetime.fromtimestamp(epoch_s, zone)
    offset = local.utcoffset()
    assert offset is not None  # a ZoneInfo always has an offset
    return (epoch_s + int(offset.total_seconds())) // _DAY_S


@lru_cache(maxsize=128)
def _all_hour_buckets(zone_key: str, start_s: int, end_s: int) -> tuple[HourBucket, ...]:
    buckets: list[HourBucket] = []
    for segment in offset_segments(ZoneInfo(zone_key), start_s, end_s):
        offset = segment.offset_s
        bucket_start = segment.start_s
        while bucket_start < segment.end_s:
            local_hour = (bucket_start + offset) // _HOUR_S
            next_hour_start = (local_hour + 1) * _HOUR_S - offset
            bucket_end = min(next_hour_start, segment.end_s)
            buckets.append(HourBucket(bucket_start, bucket_end, offset, local_hour))
            bucket_start = bucket_end
    return tuple(buckets)


def hour_buckets(zone: ZoneInfo, start_s: int, end_s: int, whole_days: bool = False) -> BucketGrid:
    """Return the wall-clock hours of ``zone`` that intersect ``[start_s, end_s)``.

    The first and last buckets are whole, so the buckets may reach beyond the range. With
    ``whole_days`` the result covers the whole local days that the range intersects.
    """
    if end_s <= start_s:
        raise ValueError(f"the range end {end_s} must be after its start {start_s}")
    return _hour_buckets_cached(zone.key, start_s, end_s, whole_days)


@lru_cache(maxsize=128)
def _hour_buckets_cached(zone_key: str, start_s: int, end_s: int, whole_days: bool) -> BucketGrid:
    zone = ZoneInfo(zone_key)

    # Generate on a day-aligned grid around the range so that repeated requests for nearby
    # ranges hit the cache.
    grid_start = (start_s - _MARGIN_S) // _DAY_S * _DAY_S
    grid_end = (end_s + _MARGIN_S) // _DAY_S * _DAY_S + _DAY_S
    every = _all_hour_buckets(zone_key, grid_start, grid_end)

    if whole_days:
        first_day = local_date_ordinal(zone, start_s)
        last_day = local_date_ordinal(zone, end_s - 1)
        return BucketGrid.of(tuple(b for b in every if first_day <= b.local_day <= last_day))
    return BucketGrid.of(tuple(b for b in every if b.end_s > start_s and b.start_s < end_s))
