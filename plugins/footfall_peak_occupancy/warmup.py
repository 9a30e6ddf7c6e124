"""Background fill of the stored peaks of every store's finished business days.

A request replays every finished day that the table lacks, so the first request for a year
after an import, a restore or months without a request replays a year of events. The
warm-up thread replays those days at server start-up, before a request needs them. It works
newest first, one week of one store at a time, because the dashboard requests the last day,
30 days or 365 days. Each week is read in one read transaction and written in one short write
transaction, with a pause after it, so ingest takes the write lock between weeks.
"""

from __future__ import annotations

import heapq
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError

from footfall.db.engine import Database
from footfall.db.models import Device, Event, Store
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
    "newest_weeks_first",
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


# Built once, because the warm-up runs it once per device.
_FIRST_EVENT = select(func.min(Event.time_ms)).where(Event.device_id == bindparam("device_id"))


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
        devices: dict[int, list[int]] = {}
        first_event_ms: dict[int, int] = {}
        for device_id, store_id in connection.execute(
            select(Device.id, Device.store_id).order_by(Device.id)
        ):
            devices.setdefault(store_id, []).append(device_id)
            # One index look-up per device, because a min() over an IN list may scan every event.
            first = connection.execute(_FIRST_EVENT, {"device_id": device_id}).scalar()
            if first is not None:
                known = first_event_ms.get(store_id)
                first_event_ms[store_id] = first if known is None else min(known, first)

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


def newest_weeks_first(stores: list[StoreDays]) -> list[tuple[StoreDays, list[tuple[int, int]]]]:
    """Cut every store's days into weeks and order them newest first.

    Each store's weeks are cut backwards from its newest day. The weeks of all stores are
    then merged by start, so every store's recent weeks come before any store's older ones.
    """
    per_store = []
    for store_days in stores:
        weeks = []
        for end in range(len(store_days.days), 0, -DAYS_PER_QUERY):
            week = list(store_days.days[max(end - DAYS_PER_QUERY, 0) : end])
            weeks.append((store_days, week))
        per_store.append(weeks)
    return list(heapq.merge(*per_store, key=lambda item: -item[1][0][0]))


class PeakWarmup:
    """Fills the stored peaks of every store's finished business days in a daemon thread.

    NOTE: each worker process of a server runs its own warm-up. Workers that start together
    replay the same weeks at about the same time, so the work is done once per worker.
    """

    def __init__(self, db: Database, pause_s: float | None = None) -> None:
        self.db = db
        self.pause_s = PAUSE_S if pause_s is None else pause_s
        """Seconds to wait after a week that needed a replay. :meth:`stop` ends the wait."""
        self.days_replayed = 0
        """Business days replayed and stored so far. Days whose stored rows are still valid
        are skipped and not counted."""
        self.finished = threading.Event()
        """Set when the thread has gone through every store, or stopped early."""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the warm-up thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="footfall-peak-occupancy-warmup", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the thread to stop after the week it is replaying, and wait for it."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            logger.warning(
                "Peak occupancy warm-up did not stop within %.0f s, so it ends with the process",
                timeout_s,
            )
            return
        self._thread = None

    @property
    def running(self) -> bool:
        """Whether the warm-up thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._warm_up()
        except Exception:
            # A thread that dies takes its traceback to stderr only, so log it here.
            logger.exception(
                "Peak occupancy warm-up failed after replaying %d business days, so requests "
                "replay the remaining days themselves",
                self.days_replayed,
            )
        finally:
            self.finished.set()

    def _warm_up(self) -> None:
        began = time.monotonic()
        stores = finished_days(self.db, _now_ms())
        total_days = sum(len(store.days) for store in stores)
        logger.info(
            "Peak occupancy warm-up started: %d business days of %d stores, newest first",
            total_days,
            len(stores),
        )
        for store_days, week in newest_weeks_first(stores):
            if self._stopping.is_set():
                logger.info(
                    "Peak occupancy warm-up stopped after replaying %d business days in %.1f s",
                    self.days_replayed,
                    time.monotonic() - began,
                )
                return
            if self._fill_week(store_days, week):
                # Checking a week that is stored already is one short query, with no pause.
                self._stopping.wait(self.pause_s)

        logger.info(
            "Peak occupancy warm-up finished: replayed %d of %d business days of %d stores "
            "in %.1f s",
            self.days_replayed,
            total_days,
            len(stores),
            time.monotonic() - began,
        )

    def _fill_week(self, store_days: StoreDays, week: list[tuple[int, int]]) -> bool:
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
            self.days_replayed += len(replayed)
        return True


def _now_ms() -> int:
    # The analytic reads the same clock when it decides which days have ended.
    return int(time.time() * 1000)
