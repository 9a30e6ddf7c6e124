"""Database engine: connection settings for SQLite and PostgreSQL, read and write transactions."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from footfall.config import Settings
from footfall.db.group_commit import GroupCommit

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
        self._group = GroupCommit(self) if self.is_sqlite else None

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
        the other in the next transaction, so they share its BEGIN, COMMIT and fsync (see
        :mod:`footfall.db.group_commit`). Each caller returns only after that commit. A work
        may run twice, alone the second time, when another work of its group fails, so
        ``work`` must touch nothing but the connection.
        """
        if self._group is None:
            with self.write() as connection:
                return work(connection)
        return self._group.run(work)

    async def write_grouped_async(self, work: Callable[[Connection], _T]) -> _T:
        """Await :meth:`write_grouped` from an event loop without holding a worker thread.

        PostgreSQL commits concurrent transactions side by side, so there each work runs in
        a transaction of its own on a worker thread.
        """
        if self._group is None:
            return await anyio.to_thread.run_sync(partial(self.write_grouped, work))
        return await self._group.run_async(work)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Open a read transaction, so that every query of the block reads one snapshot."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def dispose(self) -> None:
        """Finish the grouped writes and close every pooled connection."""
        if self._group is not None:
            self._group.close()
        self.engine.dispose()
