"""The background thread that delivers outbox rows to the after-commit event sinks.

One worker runs in each service process. It wakes when an ingest transaction has written
outbox rows, and every ``FOOTFALL_OUTBOX_POLL_S`` seconds otherwise, so that rows written by
another process or left by a crash are delivered too. A sink that fails is retried with
exponential backoff and jitter; after ``FOOTFALL_OUTBOX_MAX_ATTEMPTS`` failures its row is
marked dead until an operator retries it (``litestar footfall outbox retry``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping, Sequence

from footfall.clock import now_ms
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.outbox import (
    ClaimedDelivery,
    backoff_ms,
    claim_due,
    find_due,
    mark_delivered,
    mark_failed,
    release,
)
from footfall.plugin_types import EventSink

__all__ = ["OutboxWorker"]

logger = logging.getLogger(__name__)

#: Rows claimed per round; a round that claims this many starts the next one at once.
CLAIM_LIMIT = 100


class OutboxWorker:
    """Delivers due outbox rows in a daemon thread, from :meth:`start` until :meth:`stop`."""

    def __init__(
        self,
        db: Database,
        sinks: Sequence[EventSink],
        settings: Settings,
        wake_event: threading.Event | None = None,
    ) -> None:
        self.db = db
        self.sinks: Mapping[str, EventSink] = {sink.name: sink for sink in sinks}
        self.settings = settings
        self.owner = f"worker-{uuid.uuid4().hex[:16]}"
        self.wake_event = wake_event if wake_event is not None else threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the delivery thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="footfall-outbox", daemon=True
        )
        self._thread.start()
        logger.info(
            "Outbox worker %s started for sinks: %s",
            self.owner,
            ", ".join(sorted(self.sinks)) or "none",
        )

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the thread to stop and wait for the delivery in progress to end."""
        if self._thread is None:
            return
        self._stopping.set()
        self.wake_event.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            # NOTE: a sink that hangs keeps its row leased; another process takes the row
            # over once FOOTFALL_OUTBOX_LEASE_S has passed.
            logger.warning(
                "Outbox worker %s did not stop within %.0f s: a sink delivery is still running",
                self.owner,
                timeout_s,
            )
            return
        logger.info("Outbox worker %s stopped", self.owner)
        self._thread = None
        # A stopped worker can still deliver when called directly, as tests do.
        self._stopping.clear()

    def wake(self) -> None:
        """Make the thread look for due rows now instead of at its next poll."""
        self.wake_event.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                claimed = self.deliver_due()
            except Exception:
                # The database may be briefly unavailable; the rows stay in the outbox.
                logger.exception("Outbox worker %s failed to read the outbox", self.owner)
                claimed = 0
            if claimed >= CLAIM_LIMIT:
                continue
            self.wake_event.wait(self.settings.outbox_poll_s)
            self.wake_event.clear()

    def deliver_due(self) -> int:
        """Claim the due rows, deliver each to its sink and record the outcome.

        Return the number of due rows found. Tests call this directly to deliver
        synchronously.
        """
        now = now_ms()
        # Looking first in a read transaction keeps an idle worker off the write lock.
        with self.db.read() as connection:
            candidates = find_due(connection, now, CLAIM_LIMIT)
        if not candidates:
            return 0

        lease_ms = int(self.settings.outbox_lease_s * 1000)
        with self.db.write() as connection:
            claimed = claim_due(connection, candidates, self.owner, now, lease_ms)

        for index, delivery in enumerate(claimed):
            if self._stopping.is_set():
                # Hand the undelivered rest back, so that the next start need not wait for
                # the lease to end.
                with self.db.write() as connection:
                    release(connection, [row.id for row in claimed[index:]], self.owner, now)
                break
            self._deliver(delivery)
        return len(candidates)

    def _deliver(self, delivery: ClaimedDelivery) -> None:
        sink = self.sinks.get(delivery.sink)
        error: str | None = None
        if sink is None:
            error = (
                f"no event sink named {delivery.sink!r} is loaded: install its plugin or allow "
                "it in FOOTFALL_PLUGINS, then retry the row"
            )
        else:
            try:
                sink.write(delivery.batch, None)
            except Exception as exception:
                error = f"{type(exception).__name__}: {exception}"

        if error is None:
            with self.db.write() as connection:
                mark_delivered(connection, delivery.id, self.owner)
            logger.debug(
                "Delivered batch %s to sink %s (outbox row %d)",
                delivery.batch.batch_id,
                delivery.sink,
                delivery.id,
            )
            return

        self._record_failure(delivery, error)

    def _record_failure(self, delivery: ClaimedDelivery, error: str) -> None:
        attempts = delivery.attempts + 1
        dead = attempts >= self.settings.outbox_max_attempts
        next_attempt = None
        if not dead:
            next_attempt = now_ms() + backoff_ms(
                attempts, self.settings.outbox_backoff_s, self.settings.outbox_max_backoff_s
            )
        with self.db.write() as connection:
            mark_failed(connection, delivery.id, self.owner, error, next_attempt)

        batch = delivery.batch
        if dead:
            logger.error(
                "Event sink %s failed on batch %s from device %s %d times; outbox row %d is "
                "dead until retried with `litestar footfall outbox retry %d`: %s",
                delivery.sink,
                batch.batch_id,
                batch.device.name,
                attempts,
                delivery.id,
                delivery.id,
                error,
            )
        else:
            logger.warning(
                "Event sink %s failed on batch %s from device %s (attempt %d of %d, outbox "
                "row %d), retrying in %.1f s: %s",
                delivery.sink,
                batch.batch_id,
                batch.device.name,
                attempts,
                self.settings.outbox_max_attempts,
                delivery.id,
                ((next_attempt or 0) - now_ms()) / 1000,
                error,
            )
