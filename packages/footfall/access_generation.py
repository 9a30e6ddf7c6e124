"""The access generation: when cached keys and devices must be looked up again.

Database triggers add one to ``access_generation.generation`` on every change that can alter
who an API key is or what it may do (see :class:`footfall.db.models.AccessGeneration`). Each
process reads the counter again once ``FOOTFALL_KEY_CACHE_S`` seconds have passed since its
last read, and its caches (:mod:`footfall.access_cache`) empty themselves when the number read
differs from the one they were filled under. A change committed through this process is
noticed at once instead: a listener on the engine detects the INSERT, UPDATE or DELETE and
makes the next look-up read the counter again.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, event, select

from footfall.db.engine import Database
from footfall.db.models import ACCESS_GENERATION_ROW, AccessGeneration

__all__ = [
    "ACCESS_COLUMNS",
    "INSERT_COUNTS",
    "AccessGenerationTracker",
    "changes_access",
    "tracker_for",
]

logger = logging.getLogger(__name__)

#: Per table, the columns whose update raises the generation. They match the triggers of the
#: migration ``0004_access_generation``, and a test checks every model column against both.
ACCESS_COLUMNS: dict[str, frozenset[str]] = {
    "api_keys": frozenset(
        {
            "id",
            "key_hash",
            "prefix",
            "role",
            "store_id",
            "device_id",
            "label",
            "created_ms",
            "revoked_ms",
        }
    ),
    "devices": frozenset({"id", "name", "store_id"}),
    "stores": frozenset(
        {"id", "name", "timezone", "day_reset_hour", "max_dwell_s", "created_ms"}
    ),
}

#: Tables whose inserts raise the generation. A new device or store changes no cached result,
#: because nothing caches the absence of a device. A new key can replace a cached "not found".
INSERT_COUNTS = frozenset({"api_keys"})

# The statement's verb and table. Compiled SQLAlchemy statements and hand-written SQL both
# start this way, with the table name quoted or not.
# NOTE: a statement that starts with WITH is not recognised, so a change made that way through
# this process reaches its caches only at the next timed read of the generation.
_DML = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+(?P<conflict>\w+)\s+)?INTO|(?P<update>UPDATE)|DELETE\s+FROM)'
    r'\s+"?(?P<table>\w+)"?(?P<rest>.*)',
    re.IGNORECASE | re.DOTALL,
)

# A column on the left of an assignment in a SET list. It may also match in a WHERE clause,
# which at worst costs an extra read of the generation.
_ASSIGNED = re.compile(r'(?:\bSET\s+|,\s*)(?:"?\w+"?\.)?"?(\w+)"?\s*=(?!=)', re.IGNORECASE)

_VERBS = ("INSERT", "UPDATE", "DELETE")

# Keys of ``Connection.info``, which lives as long as the pooled driver connection.
_PENDING = "footfall_access_change_pending"
_COMMITTED = "footfall_access_change_committed"


def changes_access(statement: str) -> bool:
    """Return whether the SQL statement fires one of the access generation's triggers."""
    if statement.lstrip()[:6].upper() not in _VERBS:
        return False
    match = _DML.match(statement)
    if match is None:
        return False

    table = match["table"].lower()
    watched = ACCESS_COLUMNS.get(table)
    if watched is None:
        return False

    rest = match["rest"]
    if match["update"] is None:
        if "DO UPDATE" in rest.upper():
            # An upsert updates the rows that already exist.
            return True
        if match["conflict"] is not None and match["conflict"].upper() == "REPLACE":
            # INSERT OR REPLACE deletes the row it replaces.
            return True
        is_insert = statement.lstrip()[:6].upper() == "INSERT"
        return table in INSERT_COUNTS if is_insert else True

    assigned = {column.lower() for column in _ASSIGNED.findall(rest)}
    return not assigned or bool(assigned & watched)


class AccessGenerationTracker:
    """The last access generation this process read, and a version that caches compare.

    ``version`` grows by one each time a read finds a different generation than the previous
    read. A cache stores the version it was filled under and empties itself when the version
    differs. Versions count reads in this process, so they are never compared with
    generations.
    """

    def __init__(self, db: Database) -> None:
        # A weak reference, because the tracker lives in a mapping keyed by the database.
        self._db = weakref.ref(db)
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._version = 0
        self._next_read = 0.0
        self._warned_missing_row = False
        self.clock: Callable[[], float] = time.monotonic
        """Seconds from an arbitrary start; tests replace it to step over the check interval."""

    @property
    def version(self) -> int:
        """The version as of the last read, without reading the database."""
        return self._version

    def current_version(self, max_age_s: float) -> int:
        """Return the version, reading the generation first when the last read is older than
        ``max_age_s`` seconds or a change was committed through this process since."""
        now = self.clock()
        with self._lock:
            if now < self._next_read:
                return self._version
            # Other threads go on with the current version while this one reads.
            self._next_read = now + max_age_s

        try:
            generation = self._read()
        except BaseException:
            with self._lock:
                self._next_read = 0.0
            raise

        with self._lock:
            if generation is None or generation != self._generation:
                self._generation = generation
                self._version += 1
            return self._version

    def expire(self) -> None:
        """Make the next :meth:`current_version` read the generation again."""
        with self._lock:
            self._next_read = 0.0

    def _read(self) -> int | None:
        db = self._db()
        if db is None:
            raise RuntimeError("the database of this access generation tracker was closed")
        with db.read() as connection:
            generation = connection.execute(
                select(AccessGeneration.generation).where(
                    AccessGeneration.id == ACCESS_GENERATION_ROW
                )
            ).scalar_one_or_none()
        if generation is None and not self._warned_missing_row:
            # Without the row the triggers count nothing, so every read counts as a change
            # and entries live for at most one check interval.
            self._warned_missing_row = True
            logger.error(
                "The access_generation table has no row with id %d, so cached API keys are "
                "dropped at every check; run `litestar footfall db upgrade` or insert the row",
                ACCESS_GENERATION_ROW,
            )
        return generation


_TRACKERS: weakref.WeakKeyDictionary[Database, AccessGenerationTracker] = (
    weakref.WeakKeyDictionary()
)
_TRACKERS_LOCK = threading.Lock()


def tracker_for(db: Database) -> AccessGenerationTracker:
    """Return the database's tracker, created with its engine listeners on first use."""
    with _TRACKERS_LOCK:
        tracker = _TRACKERS.get(db)
        if tracker is None:
            tracker = AccessGenerationTracker(db)
            _listen_for_changes(db, tracker)
            _TRACKERS[db] = tracker
    return tracker


def _listen_for_changes(db: Database, tracker: AccessGenerationTracker) -> None:
    # A statement marks its connection, and the mark survives only a commit. The tracker
    # expires when the connection goes back to the pool, after the commit, because a read
    # made between the statement and the commit would still find the old generation.
    engine = db.engine
    expire = weakref.WeakMethod(tracker.expire)

    def after_cursor_execute(
        connection: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if changes_access(statement):
            connection.info[_PENDING] = True

    def commit(connection: Connection) -> None:
        if connection.info.pop(_PENDING, False):
            connection.info[_COMMITTED] = True

    def rollback(connection: Connection) -> None:
        connection.info.pop(_PENDING, None)

    def checkin(_driver_connection: Any, record: Any) -> None:
        if record is None or not record.info.pop(_COMMITTED, False):
            return
        method = expire()
        if method is not None:
            method()

    event.listen(engine, "after_cursor_execute", after_cursor_execute)
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", rollback)
    event.listen(engine, "checkin", checkin)
