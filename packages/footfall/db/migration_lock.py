"""A lock that lets one process at a time migrate a database.

Several worker processes start at once and each upgrades the schema when
``FOOTFALL_AUTO_MIGRATE`` is on. Without the lock, two of them run the same DDL together:
on SQLite one fails with "database is locked" when its read transaction tries to write, and
on PostgreSQL one can fail creating a table that the other just created. With it, the first
process migrates and the others wait, then find the schema current and do nothing.
"""

from __future__ import annotations

import fcntl
import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from footfall.db.engine import Database

__all__ = ["migration_lock"]

logger = logging.getLogger(__name__)

#: Key of the PostgreSQL advisory lock, the same in every process of every version.
_ADVISORY_KEY = zlib.crc32(b"footfall schema migration")


@contextmanager
def migration_lock(db: Database) -> Iterator[None]:
    """Hold the database's migration lock for the block, waiting for it if needed.

    SQLite files are locked with ``flock`` on a ``.migrate-lock`` file next to the database,
    which stays there afterwards. PostgreSQL uses a session advisory lock on a connection of
    its own. An in-memory SQLite database belongs to one process and needs no lock.
    """
    if db.is_sqlite:
        database = db.url.database
        if not database or database == ":memory:":
            yield
            return
        lock_path = Path(database + ".migrate-lock")
        if not lock_path.parent.is_dir():
            # Opening the database fails the same way, with the error that callers report.
            yield
            return
        with _file_lock(lock_path):
            yield
        return

    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
            connection.commit()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("Waiting for another process to finish migrating %s", path.stem)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
