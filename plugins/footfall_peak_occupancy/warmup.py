"""Background fill of the stored peaks of every store's finished business days.

A request replays every finished day that the table lacks, so the first request for a year
after an import, a restore or months without a request replays a year of events. The
warm-up thread replays those days at server start-up, before a request needs them. It works
newest first, one week of one store at a time, because the dashboard requests the last day,
30 days or 365 days. Each week is read in one read transaction and written in one short write
transaction, with a pause after it, so ingest takes the write lock between weeks.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from footfall.day_warmup import DayWarmup, first_event_by_store
from footfall.db.engine import Database
from footfall.db.models import Store
from footfall_peak_occupancy.replay import (
    DAYS_PER_QUERY,
    DayPeak,
    business_days,
    replay_run,
    runs_of_days,
)
from footfall_peak_occupancy.stored import read_valid_days, write_days

__all__ = [
    "PAUSE_S",
    "WARMUP_VARIABLE",
    "PeakWarmup",
    "StoreDays",
    "finished_days",
    "warmup_enabled",
]

# A child of the service's ``footfall`` logger, so that the start and finish lines reach the
# server log at FOOTFALL_LOG_LEVEL like the core's, where this module's own name would not.
logger = logging.getLogger("footfall.peak_occupancy.warmup")

#: Environment variable that turns the start-up warm-up on (1, the default) or off (0).
WARMUP_VARIABLE = "FOOTFALL_PEAK_OCCUPANCY_WARMUP"

#: Pause after each week that needed a replay, in seconds, so that requests waiting for the
#: GIL or for the write lock get their turn between the warm-up's bursts of work.
PAUSE_S = 0.01


def warmup_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Read FOOTFALL_PEAK_OCCUPANCY_WARMUP: on when unset, empty, 1, true, yes or on.

    Raises :class:`ValueError` for any other value.
    """
    env = os.environ if environ is None else environ
    raw = env.get(WARMUP_VARIABLE, "").strip().lower()
    if raw in {"", "1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ValueError(
        f"{WARMUP_VARIABLE}={raw!r} is not a valid switch: set 1 to fill the stored peak "
        "occupancy days at start-up or 0 to leave them to requests"
    )


@dataclass(frozen=True, slots=True)
class StoreDays:
    """The finished business days of one store, as ``(start_ms, end_ms)`` in time order."""

    store_id: int
    device_ids: tuple[int, ...]
    days: tuple[tuple[int, int], ...]


def finished_days(db: Database, now_ms: int) -> list[StoreDays]:
    """List every store's finished business days, from the day of its first event on.

    A store without devices or events has no days. The bounds come from
    :func:`~footfall_peak_occupancy.replay.business_days`, as in a request, so the stored
    rows match the days a request checks.
    """
    with db.read() as connection:
        stores = connection.execute(
            select(Store.id, Store.timezone, Store.day_reset_hour).order_by(Store.id)
        ).all()
        devices, first_event_ms = first_event_by_store(connection)

    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    result = []
    for store_id, timezone, reset_hour in stores:
        first = first_event_ms.get(store_id)
        if first is None:
            continue
        start = datetime.fromtimestamp(first / 1000, UTC)
        days = business_days(ZoneInfo(timezone), reset_hour, start, now)
        # A day that has not ended yet may still get events, and requests never store it.
        finished = tuple(day for day in days if day[1] <= now_ms)
        if finished:
            result.append(StoreDays(store_id, tuple(devices[store_id]), finished))
    return result


class PeakWarmup(DayWarmup[StoreDays]):
    """Fills the stored peaks of every store's finished business days in a daemon thread."""

    title = "Peak occupancy"
    verb = "replayed"
    days_per_week = DAYS_PER_QUERY

    def __init__(self, db: Database, pause_s: float | None = None) -> None:
        super().__init__(db, PAUSE_S if pause_s is None else pause_s, logger)

    @property
    def days_replayed(self) -> int:
        """Business days replayed and stored so far."""
        return self.days_done

    def list_days(self) -> list[StoreDays]:
        """Return every store's finished business days."""
        return finished_days(self.db, _now_ms())

    def fill(self, store_days: StoreDays, week: list[tuple[int, int]]) -> bool:
        """Replay and store the week's days that lack a valid row, and return whether any did."""
        try:
            with self.db.read() as connection:
                valid = read_valid_days(
                    connection, store_days.store_id, store_days.device_ids, week
                )
                missing = [day for day in week if day[0] not in valid]
                if not missing:
                    return False
                replayed: list[DayPeak] = []
                for run in runs_of_days(missing):
                    replayed.extend(replay_run(connection, store_days.device_ids, run))
        except SQLAlchemyError as error:
            # The days stay unstored, and the first request that needs them replays them.
            logger.warning(
                "Peak occupancy warm-up failed to replay store %d from %d to %d (epoch ms): %s",
                store_days.store_id,
                week[0][0],
                week[-1][1],
                error,
            )
            return True

        if write_days(self.db, store_days.store_id, replayed, _now_ms()):
            self.days_done += len(replayed)
        return True


def _now_ms() -> int:
    # The analytic reads the same clock when it decides which days have ended.
    return int(time.time() * 1000)
