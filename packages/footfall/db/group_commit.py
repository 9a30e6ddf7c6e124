"""Group commit on SQLite: one writer thread runs the queued works of many callers together.

SQLite commits one transaction at a time, and with ``synchronous=FULL`` every commit waits
for an fsync. Requests that each commit alone therefore queue behind each other's fsyncs.
Here every write is a *work*, a function of the open connection. A single writer thread
takes all works queued while it was busy, runs them one after the other in one transaction
and commits once, so they share its BEGIN, COMMIT and fsync.

Callers wait in one of two ways. A thread calls :meth:`GroupCommit.run`, which blocks until
the commit. An ``async`` request handler awaits :meth:`GroupCommit.run_async`, which puts no
thread of the pool to wait: the writer wakes the event loop once per transaction and settles
every waiting future of that loop at the same time.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Connection

if TYPE_CHECKING:
    from footfall.db.engine import Database

__all__ = ["MAX_GROUP", "GroupCommit"]

_T = TypeVar("_T")

logger = logging.getLogger(__name__)

#: Maximum works in one transaction, so that the first caller of a group waits a bounded time.
MAX_GROUP = 256

#: Seconds the writer thread waits for work before it ends. The next work starts it again.
_IDLE_EXIT_S = 5.0


@dataclass(eq=False)
class _Work(Generic[_T]):
    run: Callable[[Connection], _T]
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future[_T] | None = None
    done: threading.Event | None = None
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    """A writer thread that commits the works of concurrent callers in shared transactions.

    When a work raises, the transaction rolls back, that work runs again alone and the
    others run again together (see :meth:`_write_group`), so one failing work never fails
    another. A work may therefore run twice and must touch nothing but its connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: deque[_Work[Any]] = deque()
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False

    def run(self, work: Callable[[Connection], _T]) -> _T:
        """Run ``work`` in the next shared transaction; return its result after the commit."""
        item: _Work[_T] = _Work(work, done=threading.Event())
        self._submit(item)
        assert item.done is not None
        item.done.wait()
        if item.error is not None:
            raise item.error
        return item.result  # type: ignore[no-any-return]

    async def run_async(self, work: Callable[[Connection], _T]) -> _T:
        """Like :meth:`run`, but wait on the running event loop instead of in a thread."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        self._submit(_Work(work, loop=loop, future=future))
        return await future

    def close(self) -> None:
        """Finish the queued works and stop the writer thread; a later work starts it again."""
        with self._wakeup:
            self._closing = True
            thread = self._thread
            self._wakeup.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        with self._wakeup:
            self._closing = False

    def _submit(self, item: _Work[Any]) -> None:
        with self._wakeup:
            if self._thread is not None and self._thread is threading.current_thread():
                raise RuntimeError("a grouped write may not start another grouped write")
            self._queue.append(item)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._write_loop, name="footfall-group-commit", daemon=True
                )
                self._thread.start()
            self._wakeup.notify()

    def _write_loop(self) -> None:
        while True:
            with self._wakeup:
                if not self._queue and not self._closing:
                    self._wakeup.wait(timeout=_IDLE_EXIT_S)
                if not self._queue:
                    # Idle or closing: end, and let the next work start a new thread.
                    self._thread = None
                    return
                count = min(len(self._queue), MAX_GROUP)
                group = [self._queue.popleft() for _ in range(count)]

            self._write_group(group)

    def _write_group(self, group: list[_Work[Any]]) -> None:
        """Commit the group's works together, setting aside each work that raises.

        A work that raises is the culprit: the transaction rolls back, the culprit runs
        again alone and its caller gets that outcome at once, and the other works run again
        together. A failure outside every work (BEGIN, COMMIT, a lock held too long by
        another process) concerns them all, so every caller gets it at once instead of
        each waiting again in a retry of its own.
        """
        pending = group
        while pending:
            culprit: _Work[Any] | None = None
            results: list[Any] = []
            try:
                with self._db.write() as connection:
                    for item in pending:
                        culprit = item
                        results.append(item.run(connection))
                    culprit = None
            except BaseException as error:
                if culprit is None:
                    for item in pending:
                        item.error = error
                    self._settle(pending)
                    return
                logger.debug(
                    "A work failed a grouped transaction of %d works: %s", len(pending), error
                )
                self._retry_alone(culprit, error)
                self._settle([culprit])
                pending = [item for item in pending if item is not culprit]
                continue

            for item, result in zip(pending, results, strict=True):
                item.result = result
            self._settle(pending)
            return

    def _retry_alone(self, item: _Work[Any], error: BaseException) -> None:
        if not isinstance(error, Exception):
            # SystemExit and the like are not retried: the caller gets them as they are.
            item.error = error
            return
        try:
            with self._db.write() as connection:
                item.result = item.run(connection)
        except BaseException as retry_error:
            # Handed to the work's caller, which raises it in its own thread or task.
            item.error = retry_error

    @staticmethod
    def _settle(group: list[_Work[Any]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[_Work[Any]]] = {}
        for item in group:
            if item.done is not None:
                item.done.set()
            elif item.loop is not None:
                by_loop.setdefault(item.loop, []).append(item)

        for loop, items in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle_futures, items)
            except RuntimeError:
                # The loop closed while its requests waited, so no caller receives the result.
                logger.warning(
                    "%d grouped writes finished after their event loop closed; results dropped",
                    len(items),
                )


def _settle_futures(items: list[_Work[Any]]) -> None:
    for item in items:
        future = item.future
        if future is None or future.done():
            # A cancelled request: its work was committed, but no caller waits for the result.
            continue
        if item.error is not None:
            future.set_exception(item.error)
        else:
            future.set_result(item.result)
