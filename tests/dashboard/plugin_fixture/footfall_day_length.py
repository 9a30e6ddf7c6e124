"""Analytic plugin used by the dashboard tests: the length of each local day in hours.

It needs no events, so its expected result is exact: 23 on a spring-forward day, 25 on
a fall-back day, 24 otherwise. The dashboard has no code for it and must draw it from its
chart hint, on a time axis in the result's zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from footfall.hookspecs import hookimpl
from footfall.plugin_types import (
    Analytic,
    AnalyticParams,
    AnalyticQuery,
    ChartHint,
    ChartSeries,
)

__all__ = ["DayLength", "DayLengthResult", "footfall_analytics"]


class DayLengthParams(AnalyticParams, kw_only=True, forbid_unknown_fields=True):
    """The analytic takes no parameters of its own."""


class DayLengthRow(msgspec.Struct, frozen=True, kw_only=True):
    """One local day: its start (epoch ms) and its length in hours."""

    start: int
    hours: float


class DayLengthResult(msgspec.Struct, frozen=True, kw_only=True):
    """The local days that overlap the range."""

    zone: str
    days: list[DayLengthRow]


class DayLength:
    """Hours in each local day of the range, in the presentation zone."""

    name: str = "day_length"
    title: str = "Length of each day"
    description: str = "Hours in each local day of the range: 23 or 25 on daylight-saving days."
    parameters: type[AnalyticParams] = DayLengthParams
    result: type[msgspec.Struct] = DayLengthResult
    chart: ChartHint = ChartHint(
        rows="days",
        x="start",
        x_type="time",
        y_label="Hours",
        series=(ChartSeries(field="hours", label="Hours in the day", type="bar"),),
    )

    def compute(self, query: AnalyticQuery, params: DayLengthParams) -> DayLengthResult:
        """List each local day from the one containing the range's start to the range's end."""
        zone = query.zone
        day = query.start.astimezone(zone).date()
        rows: list[DayLengthRow] = []

        while True:
            start = datetime(day.year, day.month, day.day, tzinfo=zone)
            if start >= query.end:
                break
            next_day = day + timedelta(days=1)
            end = datetime(next_day.year, next_day.month, next_day.day, tzinfo=zone)
            hours = (end.timestamp() - start.timestamp()) / 3600
            rows.append(DayLengthRow(start=int(start.timestamp() * 1000), hours=hours))
            day = next_day

        return DayLengthResult(zone=zone.key, days=rows)


@hookimpl
def footfall_analytics(settings: object) -> list[Analytic]:
    """Register the day-length analytic."""
    return [DayLength()]
