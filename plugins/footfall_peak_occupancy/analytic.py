"""Peak occupancy per business day: the most people inside at once, and when."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import msgspec

from footfall.plugin_types import AnalyticParams, AnalyticQuery, ChartHint, ChartSeries
from footfall_peak_occupancy.replay import DayPeak, business_days, replay_run, runs_of_days
from footfall_peak_occupancy.stored import read_valid_days, write_days

__all__ = [
    "PeakDay",
    "PeakOccupancy",
    "PeakOccupancyParams",
    "PeakOccupancyResult",
    "business_days",
]


class PeakOccupancyParams(AnalyticParams, kw_only=True, forbid_unknown_fields=True):
    """The analytic has no parameters beyond the common ones."""


class PeakDay(msgspec.Struct, frozen=True, kw_only=True):
    """One business day of the store."""

    start: int
    """Start of the business day (the store's reset hour), epoch milliseconds."""
    peak: int
    """Largest count of people inside: entries minus exits since the day's start, at least 0."""
    peak_at: int | None
    """When the peak was first reached, epoch milliseconds; ``None`` on a day without entries."""
    entries: int
    exits: int


class PeakOccupancyResult(msgspec.Struct, frozen=True, kw_only=True):
    """The business days that overlap the range, oldest first."""

    zone: str
    days: list[PeakDay]


class PeakOccupancy:
    """Replays each business day's events in time order and keeps the highest occupancy."""

    name = "peak_occupancy"
    title = "Peak occupancy per day"
    description = (
        "The most people inside the store at once on each business day, and when that was. "
        "The count starts at zero at the store's day reset hour."
    )
    parameters: type[AnalyticParams] = PeakOccupancyParams
    result: type[msgspec.Struct] = PeakOccupancyResult
    chart = ChartHint(
        rows="days",
        x="start",
        x_type="time",
        y_label="People inside",
        series=(ChartSeries(field="peak", label="Peak occupancy", type="bar"),),
    )

    def compute(self, query: AnalyticQuery, params: PeakOccupancyParams) -> PeakOccupancyResult:
        """Return each business day's peak, replaying only the days not validly stored."""
        now_ms = int(time.time() * 1000)
        store_zone = ZoneInfo(query.store.timezone)
        days = business_days(store_zone, query.store.day_reset_hour, query.start, query.end)

        # Stored peaks cover every device of the store, so a one-device request replays all
        # its days. A day that has not ended yet may still get events and is never stored.
        storable = [day for day in days if day[1] <= now_ms] if query.device is None else []

        peaks: dict[int, DayPeak] = {}
        with query.db.read() as connection:
            peaks.update(
                read_valid_days(connection, query.store.id, query.device_ids, storable)
            )
            missing = [day for day in days if day[0] not in peaks]
            for run in runs_of_days(missing):
                for day in replay_run(connection, query.device_ids, run):
                    peaks[day.start_ms] = day

        storable_starts = {day_start for day_start, _ in storable}
        replayed = [
            peaks[day_start]
            for day_start, _ in missing
            if day_start in storable_starts
        ]
        if replayed:
            write_days(query.db, query.store.id, replayed, now_ms)

        return PeakOccupancyResult(
            zone=query.zone.key,
            days=[
                PeakDay(
                    start=peak.start_ms,
                    peak=peak.peak,
                    peak_at=peak.peak_ms,
                    entries=peak.entries,
                    exits=peak.exits,
                )
                for peak in (peaks[day_start] for day_start, _ in days)
            ],
        )
