"""The ``dwell`` analytic: time spent in the store per hour of entry, with smoothing.

Exits are paired with entries first in, first out, per business day; see
``docs/analytics.md`` for the definitions and what happens at the range's ends.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from footfall import clock
from footfall.analytics.dwell_range import DwellByHour, dwell_by_hour
from footfall.config import Settings
from footfall.hookspecs import hookimpl
from footfall.plugin_types import Analytic, AnalyticParams, AnalyticQuery, ChartHint, ChartSeries

__all__ = [
    "DwellAnalytic",
    "DwellHour",
    "DwellParams",
    "DwellResult",
    "footfall_analytics",
    "smooth_hours",
]

_MS_PER_S = 1000.0


class DwellParams(AnalyticParams, kw_only=True, forbid_unknown_fields=True):
    """Parameters of ``dwell``."""

    k: Annotated[float, msgspec.Meta(ge=0, le=1_000_000)] = 5.0
    """Prior strength: how many samples' worth of weight the overall mean gets in each hour."""


class DwellHour(msgspec.Struct, kw_only=True):
    """Dwell of the visitors who entered during one clock hour."""

    hour: int
    n: int
    """Number of dwell samples."""
    mean_s: float | None
    """Mean dwell in seconds; null when the hour has no sample."""
    smoothed_s: float | None
    """``(n * mean_s + k * overall_mean_s) / (n + k)``; the overall mean when n is 0, and
    null when the whole range has no sample."""


class DwellResult(msgspec.Struct, kw_only=True):
    """Result of ``dwell``."""

    zone: str
    k: float
    overall_mean_s: float | None
    """Mean of every sample of the range in seconds; null when there is none."""
    n: int
    excluded_long: int
    """Pairs longer than the store's maximum dwell, left out of the means."""
    unmatched_entries: int
    """Entries still open at the end of their business day (or of the range)."""
    unmatched_exits: int
    """Exits with no open entry before them in their business day (or in the range)."""
    hours: list[DwellHour]


def smooth_hours(dwell: DwellByHour, k: float) -> tuple[float | None, list[DwellHour]]:
    """Compute the overall mean and each hour's raw and smoothed mean, in seconds."""
    n_total = sum(dwell.samples)
    overall_s = sum(dwell.total_ms) / n_total / _MS_PER_S if n_total else None

    hours = []
    for hour in range(24):
        n = dwell.samples[hour]
        total_s = dwell.total_ms[hour] / _MS_PER_S
        mean_s = total_s / n if n else None
        if overall_s is None:
            smoothed_s = mean_s
        elif n + k == 0:
            # k = 0 and no sample: the formula is 0/0, and the overall mean is the best guess.
            smoothed_s = overall_s
        else:
            smoothed_s = (total_s + k * overall_s) / (n + k)
        hours.append(DwellHour(hour=hour, n=n, mean_s=mean_s, smoothed_s=smoothed_s))
    return overall_s, hours


class DwellAnalytic:
    """Mean time in the store per clock hour of entry, shrunk toward the overall mean."""

    name: str = "dwell"
    title: str = "Time in store"
    description: str = (
        "Dwell time per clock hour of entry: exits are paired with the oldest open entry of "
        "the same business day. mean_s is the hour's raw mean, smoothed_s shrinks it toward "
        "the overall mean with prior strength k. Unpaired events are counted as drift."
    )
    parameters: type[AnalyticParams] = DwellParams
    result: type[msgspec.Struct] = DwellResult
    chart: ChartHint = ChartHint(
        rows="hours",
        x="hour",
        x_type="hour",
        y_label="Seconds",
        series=(
            ChartSeries(field="smoothed_s", label="Smoothed mean", type="line"),
            ChartSeries(field="mean_s", label="Mean", type="points"),
        ),
    )

    def compute(self, query: AnalyticQuery, params: DwellParams) -> DwellResult:
        """Match the range's events per business day and average them per hour of entry."""
        start_ms = round(query.start.timestamp() * 1000)
        end_ms = round(query.end.timestamp() * 1000)
        dwell = dwell_by_hour(
            query.db,
            query.store,
            query.device_ids,
            start_ms,
            end_ms,
            query.zone,
            now_ms=clock.now_ms(),
            whole_store=query.device is None,
        )

        overall_s, hours = smooth_hours(dwell, params.k)
        return DwellResult(
            zone=query.zone.key,
            k=params.k,
            overall_mean_s=overall_s,
            n=sum(dwell.samples),
            excluded_long=dwell.excluded_long,
            unmatched_entries=dwell.unmatched_entries,
            unmatched_exits=dwell.unmatched_exits,
            hours=hours,
        )


@hookimpl
def footfall_analytics(settings: Settings) -> list[Analytic]:
    """Provide the ``dwell`` analytic."""
    return [DwellAnalytic()]
