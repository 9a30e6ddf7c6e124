"""Background fill of the dwell cache after the service starts.

A dwell request matches every finished business day that the cache lacks. So the first
request for a year whose days are not cached yet (after an import, a restore, or months of
ingest without a dwell request) matches a year of events, which takes seconds. The warm-up
thread matches those days before a request needs them. It works newest first, one week of
one store at a time: the dashboard requests the last day, 30 days or 365 days, so the recent
weeks of every store are ready before the older history of any store. Each week is read in
its own read transaction and written in its own short write transaction, so ingest can take
the write lock between weeks and waits a few milliseconds at most for a warm-up write.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from footfall import clock
from footfall.analytics.cache_tables import DWELL_STORE_SCOPE
from footfall.analytics.dwell_cache import valid_cached_days, write_cached_days
from footfall.analytics.dwell_range import DAYS_PER_QUERY, match_run, runs_of_days
from footfall.analytics.zones import business_day_start, business_days
from footfall.day_warmup import DayWarmup, first_event_by_store, newest_weeks_first
from footfall.db.engine import Database
from footfall.db.models import Store
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


def finished_days(db: Database, now_ms: int, store_id: int | None = None) -> list[StoreDays]:
    """List each store's business days from its first event to the start of today's.

    Covers every store, or only ``store_id``. A store without devices or events has no days.
    Days are in the store's own zone and reset hour, the same bounds
    :func:`~footfall.analytics.dwell_range.dwell_by_hour` caches.
    """
    statement = select(
        Store.id, Store.name, Store.timezone, Store.day_reset_hour, Store.max_dwell_s
    ).order_by(Store.id)
    if store_id is not None:
        statement = statement.where(Store.id == store_id)
    with db.read() as connection:
        stores = [StoreRef(*row) for row in connection.execute(statement)]
        devices, first_event_ms = first_event_by_store(connection, store_id)

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
        result.append(StoreDays(store, tuple(devices.get(store.id, ())), days))
    return result


def newest_runs_first(stores: list[StoreDays]) -> list[tuple[StoreDays, list[tuple[int, int]]]]:
    """Cut every store's days into runs of up to a week and order them newest first."""
    return newest_weeks_first(stores, DAYS_PER_QUERY)


class DwellWarmup(DayWarmup[StoreDays]):
    """Fills the dwell cache of every store's finished days in a daemon thread."""

    title = "Dwell cache"
    verb = "matched"
    days_per_week = DAYS_PER_QUERY

    def __init__(self, db: Database, pause_s: float = PAUSE_S) -> None:
        super().__init__(db, pause_s, logger)

    @property
    def days_matched(self) -> int:
        """Business days matched and written so far."""
        return self.days_done

    def list_days(self) -> list[StoreDays]:
        """Return every store's finished business days."""
        return finished_days(self.db, clock.now_ms())

    def fill(self, store_days: StoreDays, run: list[tuple[int, int]]) -> bool:
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
            self.days_done += len(matched)
        return True
