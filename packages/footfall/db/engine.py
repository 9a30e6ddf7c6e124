"""Database engine: connection settings for SQLite and PostgreSQL, read and write transactions."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from footfall.config import Settings

__all__ = ["Database"]

_T = TypeVar("_T")

logger = logging.getLogger(__name__)

_WRITE_OPTION = "footfall_write"


class Database:
    """The service's database: one engine, with explicit read and write transactions.

    On SQLite a write transaction starts with ``BEGIN IMMEDIATE``, so it takes the write lock
    before its first statement. Two devices posting at the same instant then queue on the
    busy timeout, instead of one of them failing with "database is locked" when it upgrades a
    read lock. Read transactions start with a plain ``BEGIN`` and never block writers (WAL).

    Writers of one process also queue on a thread lock before they ask SQLite for its write
    lock. SQLite's busy handler polls with sleeps of up to 100 ms, so threads that wait inside
    it add that sleep to every request under load; a thread lock wakes the next writer as soon
    as the previous one commits. Writers in other processes still meet on the busy timeout.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = make_url(settings.database_url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine: Engine = self._create_engine()
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._group = _GroupCommit(self) if self.is_sqlite else None

    def _create_engine(self) -> Engine:
        if not self.is_sqlite:
            return create_engine(self.url, pool_pre_ping=True, pool_size=10, max_overflow=20)

        engine = create_engine(
            self.url,
            pool_size=8,
            max_overflow=16,
            connect_args={
                "timeout": self.settings.sqlite_busy_timeout_ms / 1000,
                "check_same_thread": False,
            },
        )
        busy_timeout_ms = self.settings.sqlite_busy_timeout_ms
        synchronous = self.settings.sqlite_synchronous.upper()

        @event.listens_for(engine, "connect")
        def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
            # The sqlite3 module's own transaction handling issues a deferred BEGIN lazily;
            # turn it off so that the "begin" listener below decides how each one starts.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_sqlite(connection: Connection) -> None:
            if connection.get_execution_options().get(_WRITE_OPTION):
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.exec_driver_sql("BEGIN")

        return engine

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """Open a write transaction that commits when the block ends without an exception."""
        if self._write_lock is None:
            with self._write_transaction() as connection:
                yield connection
            return

        with self._write_lock, self._write_transaction() as connection:
            yield connection

    @contextmanager
    def _write_transaction(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            connection.execution_options(**{_WRITE_OPTION: True})
            with connection.begin():
                yield connection

    def write_grouped(self, work: Callable[[Connection], _T]) -> _T:
        """Run ``work`` in a write transaction that may be shared with concurrent callers.

        On SQLite the works that arrive while another transaction commits are run one after
        the other in the next transaction, so they share its BEGIN, COMMIT and fsync. Each
        caller returns only after that commit. When a work raises, the shared transaction is
        rolled back and every work of it runs again in its own transaction, so one failing
        work never fails another; ``work`` must therefore touch nothing but the connection.
        """
        if self._group is None:
            with self.write() as connection:
                return work(connection)
        return self._group.run(work)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Open a read transaction, so that every query of the block reads one snapshot."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


#: Maximum works that share one transaction, so the first caller of a group waits for a bounded
#: amount of work.
_MAX_GROUP = 128


@dataclass(eq=False)
class _Work(Generic[_T]):
    run: Callable[[Connection], _T]
    state: str = "queued"
    """``queued``, then ``lead`` (its caller writes the next group) or ``done``."""
    wake: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class _GroupCommit:
    """Leader and followers: one waiting caller commits the works of everyone who waits.

    A caller queues its work. If no group is being written, it becomes the leader: it takes
    the queued works, its own first, runs them in one write transaction, commits, and wakes
    their callers. If works arrived meanwhile, the caller of the oldest becomes the next
    leader, so every caller waits for at most the group ahead of its own.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._mutex = threading.Lock()
        self._queue: list[_Work[Any]] = []
        self._writing = False

    def run(self, work: Callable[[Connection], _T]) -> _T:
        item: _Work[_T] = _Work(work)
        with self._mutex:
            self._queue.append(item)
            if not self._writing:
                self._writing = True
                item.state = "lead"

        while item.state != "done":
            if item.state == "lead":
                # The queue was empty or this work is the oldest, so the group contains it.
                self._lead()
                continue
            item.wake.wait()
            item.wake.clear()

        if item.error is not None:
            raise item.error
        return item.result  # type: ignore[no-any-return]

    def _lead(self) -> None:
        with self._mutex:
            group = self._queue[:_MAX_GROUP]
            del self._queue[:_MAX_GROUP]

        try:
            self._write_together(group)
        except Exception:
            for item in group:
                self._write_alone(item)
        except BaseException as error:
            # An interrupt: fail every caller of the group instead of leaving them waiting.
            for item in group:
                item.error = error
            raise
        finally:
            self._hand_over(group)

    def _hand_over(self, group: list[_Work[Any]]) -> None:
        with self._mutex:
            for item in group:
                item.state = "done"
            successor = self._queue[0] if self._queue else None
            if successor is None:
                self._writing = False
            else:
                successor.state = "lead"

        for item in group:
            item.wake.set()
        if successor is not None:
            successor.wake.set()

    def _write_together(self, group: list[_Work[Any]]) -> None:
        with self._db.write() as connection:
            results = [item.run(connection) for item in group]
        for item, result in zip(group, results, strict=True):
            item.result = result

    def _write_alone(self, item: _Work[Any]) -> None:
        try:
            with self._db.write() as connection:
                item.result = item.run(connection)
        except Exception as error:
            # Handed to the work's caller, which raises it in its own thread.
            item.error = error
