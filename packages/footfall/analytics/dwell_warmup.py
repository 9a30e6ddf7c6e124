"""Background fill of the dwell cache after the service starts.

A dwell request matches every finished business day that the cache lacks. So the first
request for a year whose days are not cached yet (after an import, a restore, or months of
ingest without a dwell request) matches a year of events, which takes seconds. The warm-up
thread matches those days before a request needs them. It works newest first, one week of
one store at a time: the dashboard asks for the last day, 30 days or 365 days, so the recent
weeks of every store are ready before the older history of any store. Each week is read in
its own read transaction and written in its own short write transaction, so ingest can take
the write lock between weeks and waits a few milliseconds at most for a warm-up write.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError

from footfall import clock
from footfall.analytics.cache_tables import DWELL_STORE_SCOPE
from footfall.analytics.dwell_cache import valid_cached_days, write_cached_days
from footfall.analytics.dwell_range import DAYS_PER_QUERY, match_run, runs_of_days
from footfall.analytics.zones import business_day_start, business_days
from footfall.db.engine import Database
from footfall.db.models import Device, Event, Store
from footfall.plugin_types import StoreRef

__all__ = ["PAUSE_S", "DwellWarmup", "StoreDays", "finished_days", "newest_runs_first"]

logger = logging.getLogger(__name__)

#: Default pause between two weeks, in seconds, so that requests waiting for the GIL or for
#: the write lock get their turn between the warm-up's bursts of work.
PAUSE_S = 0.01


@dataclass(frozen=True, slots=True)
class StoreDays:
    """The finished business days of one store, as ``(start_ms, end_ms)`` in time order."""

    store: StoreRef
    device_ids: tuple[int, ...]
    days: tuple[tuple[int, int], ...]


# Built once, because the warm-up runs it once per device: for a fleet of 10,000 devices,
# building it each time took seconds of CPU at start-up.
_FIRST_EVENT = select(func.min(Event.time_ms)).where(Event.device_id == bindparam("device_id"))


def finished_days(db: Database, now_ms: int) -> list[StoreDays]:
    """List every store's business days from its first event to the start of today's.

    A store without devices or events has no days. Days are in the store's own zone and
    reset hour, the same bounds :func:`~footfall.analytics.dwell_range.dwell_by_hour` caches.
    """
    with db.read() as connection:
        stores = [
            StoreRef(*row)
            for row in connection.execute(
                select(
                    Store.id, Store.name, Store.timezone, Store.day_reset_hour, Store.max_dwell_s
                ).order_by(Store.id)
            )
        ]
        devices: dict[int, list[int]] = {store.id: [] for store in stores}
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

    result = []
    for store in stores:
        first = first_event_ms.get(store.id)
        if first is None:
            continue
        zone = ZoneInfo(store.timezone)
        start_s = business_day_start(zone, store.day_reset_hour, first // 1000)
        end_s = business_day_start(zone, store.day_reset_hour, now_ms // 1000)
        if end_s <= start_s:
            continue
        days = tuple(
            (day_start * 1000, day_end * 1000)
            for day_start, day_end in business_days(zone, store.day_reset_hour, start_s, end_s)
        )
        result.append(StoreDays(store, tuple(devices[store.id]), days))
    return result


def newest_runs_first(stores: list[StoreDays]) -> list[tuple[StoreDays, list[tuple[int, int]]]]:
    """Cut every store's days into runs of up to a week and order them newest first.

    Each store's runs are cut backwards from its newest day. The runs of all stores are then
    merged by start, so every store's recent weeks come before any store's older ones.
    """
    per_store = []
    for store_days in stores:
        runs = []
        for end in range(len(store_days.days), 0, -DAYS_PER_QUERY):
            run = list(store_days.days[max(end - DAYS_PER_QUERY, 0) : end])
            runs.append((store_days, run))
        per_store.append(runs)
    return list(heapq.merge(*per_store, key=lambda item: -item[1][0][0]))


class DwellWarmup:
    """Fills the dwell cache of every store's finished days in a daemon thread.

    NOTE: each worker process of a server runs its own warm-up. Workers that start together
    match the same weeks at about the same time, so the work is done once per worker.
    """

    def __init__(self, db: Database, pause_s: float = PAUSE_S) -> None:
        self.db = db
        self.pause_s = pause_s
        """Seconds to wait between two weeks. :meth:`stop` ends the wait at once."""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.days_matched = 0
        """Business days matched and written so far. Days whose cached rows are still valid
        are skipped and not counted."""
        self.finished = threading.Event()
        """Set when the thread has gone through every store, or stopped early."""

    def start(self) -> None:
        """Start the warm-up thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="footfall-dwell-warmup", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the thread to stop after the week it is matching, and wait for it."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            logger.warning(
                "Dwell cache warm-up did not stop within %.0f s, so it ends with the process",
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
                "Dwell cache warm-up failed after matching %d business days, so dwell "
                "requests match the remaining days themselves",
                self.days_matched,
            )
        finally:
            self.finished.set()

    def _warm_up(self) -> None:
        began = time.monotonic()
        stores = finished_days(self.db, clock.now_ms())
        total_days = sum(len(store.days) for store in stores)
        logger.info(
            "Dwell cache warm-up started: %d business days of %d stores, newest first",
            total_days,
            len(stores),
        )
        for store_days, run in newest_runs_first(stores):
            if self._stopping.is_set():
                logger.info(
                    "Dwell cache warm-up stopped after matching %d business days in %.1f s",
                    self.days_matched,
                    time.monotonic() - began,
                )
                return
            if self._fill_run(store_days, run):
                # Checking a week that is cached already is one short query, with no pause.
                self._stopping.wait(self.pause_s)

        logger.info(
            "Dwell cache warm-up finished: matched %d of %d business days of %d stores in %.1f s",
            self.days_matched,
            total_days,
            len(stores),
            time.monotonic() - began,
        )

    def _fill_run(self, store_days: StoreDays, run: list[tuple[int, int]]) -> bool:
        """Match and store the run's days that the cache lacks; return whether any were."""
        store = store_days.store
        try:
            with self.db.read() as connection:
                _, valid = valid_cached_days(
                    connection,
                    store.id,
                    DWELL_STORE_SCOPE,
                    store_days.device_ids,
                    run,
                    store.max_dwell_s,
                )
                missing = [day for day in run if day[0] not in valid]
                if not missing:
                    return False
                matched = {}
                for piece in runs_of_days(missing):
                    matched.update(
                        match_run(
                            connection, store_days.device_ids, piece, store.max_dwell_s * 1000
                        )
                    )
        except SQLAlchemyError as error:
            # The days stay unmatched, and the first request that needs them matches them.
            logger.warning(
                "Dwell cache warm-up failed to match store %d from %d to %d (epoch ms): %s",
                store.id,
                run[0][0],
                run[-1][1],
                error,
            )
            return True

        if write_cached_days(self.db, store.id, DWELL_STORE_SCOPE, matched, store.max_dwell_s):
            self.days_matched += len(matched)
        return True
