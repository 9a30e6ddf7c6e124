"""Background warm-ups that fill a per-day store of results, newest week first.

An analytic that stores one result per finished business day (the dwell cache, the peak
occupancy plugin's days) computes the days a request lacks on the request. A warm-up thread
computes them at start-up instead, before a dashboard requests a year. It goes newest week
first, across every store, because the dashboard requests the last day, 30 days or 365
days. It pauses after each week it computed, so that ingest gets the GIL and the write lock
between the weeks.

A subclass says which days each store has (:meth:`DayWarmup.list_days`) and fills one week
of one store (:meth:`DayWarmup.fill`); this module runs the thread, logs its progress and
stops it.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

from sqlalchemy import Connection, bindparam, func, select

from footfall.db.engine import Database
from footfall.db.models import Device, Event

__all__ = ["DayWarmup", "StoreWithDays", "first_event_by_store", "newest_weeks_first"]

#: One business day as ``(start_ms, end_ms)``.
Day = tuple[int, int]


class StoreWithDays(Protocol):
    """A store's finished business days, in time order."""

    @property
    def days(self) -> Sequence[Day]:
        """The days, oldest first."""
        ...


S = TypeVar("S", bound=StoreWithDays)

# Built once, because a warm-up runs it once per device of the fleet.
_FIRST_EVENT = select(func.min(Event.time_ms)).where(Event.device_id == bindparam("device_id"))


def first_event_by_store(
    connection: Connection, store_id: int | None = None
) -> tuple[dict[int, list[int]], dict[int, int]]:
    """Return each store's device ids, and the time of each store's first event (epoch ms).

    Covers every store, or only ``store_id``. A store without devices is missing from the
    first map, and one without events from the second.
    """
    statement = select(Device.id, Device.store_id).order_by(Device.id)
    if store_id is not None:
        statement = statement.where(Device.store_id == store_id)

    devices: dict[int, list[int]] = {}
    first_event_ms: dict[int, int] = {}
    for device_id, device_store_id in connection.execute(statement):
        devices.setdefault(device_store_id, []).append(device_id)
        # One index look-up per device, because a min() over an IN list may scan every event.
        first = connection.execute(_FIRST_EVENT, {"device_id": device_id}).scalar()
        if first is not None:
            known = first_event_ms.get(device_store_id)
            first_event_ms[device_store_id] = first if known is None else min(known, first)
    return devices, first_event_ms


def newest_weeks_first(stores: Sequence[S], days_per_week: int) -> list[tuple[S, list[Day]]]:
    """Cut every store's days into runs of ``days_per_week`` and order them newest first.

    Each store's runs are cut backwards from its newest day. The runs of all stores are then
    merged by start, so every store's recent weeks come before any store's older ones.
    """
    per_store = []
    for store in stores:
        weeks = []
        for end in range(len(store.days), 0, -days_per_week):
            weeks.append((store, list(store.days[max(end - days_per_week, 0) : end])))
        per_store.append(weeks)
    return list(heapq.merge(*per_store, key=lambda item: -item[1][0][0]))


class DayWarmup(ABC, Generic[S]):
    """Runs a warm-up in a daemon thread: every store's weeks, newest first, then it ends.

    NOTE: each worker process of a server runs its own warm-up. Workers that start together
    compute the same weeks at about the same time, so the work is done once per worker.
    """

    #: Name of the warm-up in the log lines, such as "Dwell cache".
    title: str
    #: Past-tense verb for the work done on a day in the log lines, such as "matched".
    verb: str
    #: Days in one run: one read transaction, one write transaction, then a pause.
    days_per_week: int

    def __init__(self, db: Database, pause_s: float, logger: logging.Logger) -> None:
        self.db = db
        self.pause_s = pause_s
        """Seconds to wait after a week that needed work. :meth:`stop` ends the wait."""
        self.logger = logger
        self.days_done = 0
        """Business days computed and stored so far. Days whose stored rows are still valid
        are skipped and not counted."""
        self.finished = threading.Event()
        """Set when the thread has gone through every store, or stopped early."""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def list_days(self) -> list[S]:
        """Return every store's finished business days."""

    @abstractmethod
    def fill(self, store: S, week: list[Day]) -> bool:
        """Compute and store the week's days that lack a valid row; return whether any did."""

    def start(self) -> None:
        """Start the warm-up thread (once)."""
        if self._thread is not None:
            return
        name = "footfall-" + self.title.lower().replace(" ", "-") + "-warmup"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the thread to stop after the week it is on, and wait for it."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self.logger.warning(
                "%s warm-up did not stop within %.0f s, so it ends with the process",
                self.title,
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
            self.logger.exception(
                "%s warm-up failed after %s %d business days, so requests compute the "
                "remaining days themselves",
                self.title,
                self.verb,
                self.days_done,
            )
        finally:
            self.finished.set()

    def _warm_up(self) -> None:
        began = time.monotonic()
        stores = self.list_days()
        total_days = sum(len(store.days) for store in stores)
        self.logger.info(
            "%s warm-up started: %d business days of %d stores, newest first",
            self.title,
            total_days,
            len(stores),
        )

        for store, week in newest_weeks_first(stores, self.days_per_week):
            if self._stopping.is_set():
                self.logger.info(
                    "%s warm-up stopped after %s %d business days in %.1f s",
                    self.title,
                    self.verb,
                    self.days_done,
                    time.monotonic() - began,
                )
                return
            if self.fill(store, week):
                # Checking a week that is stored already is one short query, with no pause.
                self._stopping.wait(self.pause_s)

        self.logger.info(
            "%s warm-up finished: %s %d of %d business days of %d stores in %.1f s",
            self.title,
            self.verb,
            self.days_done,
            total_days,
            len(stores),
            time.monotonic() - began,
        )
