"""Example third-party analytic: entries per hour of the day, and the busiest hour.

It uses only the public plugin interface: the ``footfall_analytics`` hook, a parameter and a
result Struct, a chart hint, and the quarter-hour rollups that every store has.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec
from sqlalchemy import func, select

from footfall.config import Settings
from footfall.db.models import QUARTER_S, QuarterCount
from footfall.hookspecs import hookimpl
from footfall.plugin_types import (
    Analytic,
    AnalyticParams,
    AnalyticQuery,
    ChartHint,
    ChartSeries,
)

__all__ = ["PeakHour", "footfall_analytics"]


class PeakHourParams(AnalyticParams):
    """Parameters of the peak-hour analytic."""

    min_entries: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 1
    """Hours with fewer entries than this are not candidates for the peak."""


class HourEntries(msgspec.Struct):
    """Entries in one hour of the day, summed over the range."""

    hour: int
    entries: int


class PeakHourResult(msgspec.Struct):
    """Entries by hour of the day and the busiest hour (``null`` when none qualifies)."""

    zone: str
    peak_hour: int | None
    hours: list[HourEntries]


class PeakHour:
    """Entries summed by local hour of the day."""

    name = "peak_hour"
    title = "Peak hour"
    description = "Entries by hour of the day over the range, and the busiest hour."
    parameters = PeakHourParams
    result = PeakHourResult
    chart = ChartHint(
        rows="hours",
        x="hour",
        x_type="hour",
        y_label="Entries",
        series=(ChartSeries(field="entries", label="Entries", type="bar"),),
    )

    def compute(self, query: AnalyticQuery, params: PeakHourParams) -> PeakHourResult:
        """Sum the quarter-hour rollups of the range into the 24 local hours."""
        first = int(query.start.timestamp()) // QUARTER_S
        last = -(-int(query.end.timestamp()) // QUARTER_S)
        with query.db.read() as connection:
            rows = connection.execute(
                select(QuarterCount.quarter, func.sum(QuarterCount.entries))
                .where(
                    QuarterCount.device_id.in_(query.device_ids),
                    QuarterCount.quarter >= first,
                    QuarterCount.quarter < last,
                )
                .group_by(QuarterCount.quarter)
            ).all()

        totals = [0] * 24
        for quarter, entries in rows:
            start = datetime.fromtimestamp(quarter * QUARTER_S, tz=UTC)
            totals[start.astimezone(query.zone).hour] += int(entries or 0)

        candidates = [hour for hour in range(24) if totals[hour] >= params.min_entries]
        peak = max(candidates, key=lambda hour: totals[hour]) if candidates else None
        return PeakHourResult(
            zone=str(query.zone),
            peak_hour=peak,
            hours=[HourEntries(hour=hour, entries=totals[hour]) for hour in range(24)],
        )


@hookimpl
def footfall_analytics(settings: Settings) -> list[Analytic]:
    """Return the peak-hour analytic."""
    return [PeakHour()]
