"""Grouped write transactions: concurrent works share commits, and one failure stays its own."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import OperationalError

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from footfall.db.models import Store
from footfall.plugins import create_plugin_manager
from tests.helpers import run_coroutine

THREADS = 16
WORKS_PER_THREAD = 25


def _add_store(name: str, connection: Connection) -> str:
    connection.execute(
        text(
            "INSERT INTO stores (name, timezone, day_reset_hour, max_dwell_s, created_ms) "
            "VALUES (:name, 'UTC', 4, 14400, 0)"
        ),
        {"name": name},
    )
    return name


def _store_names(db: Database) -> set[str]:
    with db.read() as connection:
        return set(connection.execute(select(Store.name)).scalars())


def test_concurrent_works_all_committed(db: Database) -> None:
    results: list[str] = []
    barrier = threading.Barrier(THREADS)

    def post(thread: int) -> None:
        barrier.wait()
        for index in range(WORKS_PER_THREAD):
            name = f"store-{thread}-{index}"
            results.append(db.write_grouped(lambda c, name=name: _add_store(name, c)))

    threads = [threading.Thread(target=post, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    expected = {f"store-{t}-{i}" for t in range(THREADS) for i in range(WORKS_PER_THREAD)}
    assert sorted(results) == sorted(expected)
    assert _store_names(db) == expected


def test_failing_work_fails_alone(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("writes are grouped on SQLite only; PostgreSQL runs each on its own")
    db.write_grouped(lambda c: _add_store("taken", c))
    release = threading.Event()
    errors: list[BaseException] = []
    stored: list[str] = []

    started = threading.Event()

    def blocking(connection: Connection) -> str:
        started.set()
        release.wait(timeout=30)
        return _add_store("first", connection)

    def good() -> None:
        stored.append(db.write_grouped(lambda c: _add_store("fresh", c)))

    def bad() -> None:
        try:
            db.write_grouped(lambda c: _add_store("taken", c))
        except Exception as error:
            errors.append(error)

    # While the first work keeps the transaction open, the other two queue up, so they are
    # written as one group: the duplicate name fails that group's transaction.
    first = threading.Thread(target=lambda: stored.append(db.write_grouped(blocking)))
    first.start()
    assert started.wait(timeout=30)
    others = [threading.Thread(target=good), threading.Thread(target=bad)]
    for thread in others:
        thread.start()
    _wait_for_queue(db, 2)
    release.set()
    for thread in [first, *others]:
        thread.join()

    assert sorted(stored) == ["first", "fresh"]
    assert len(errors) == 1
    assert "UNIQUE" in str(errors[0]).upper()
    assert _store_names(db) == {"taken", "first", "fresh"}


def _wait_for_queue(db: Database, length: int) -> None:
    group = db._group  # the queue of works waiting for the next transaction
    assert group is not None
    for _ in range(3000):
        with group._wakeup:
            if len(group._queue) == length:
                return
        threading.Event().wait(0.01)
    raise AssertionError(f"the write queue never reached {length} works")


def test_work_error_reaches_caller(db: Database) -> None:
    def broken(connection: Connection) -> None:
        connection.execute(text("SELECT 1"))
        raise ValueError("work failed on purpose")

    with pytest.raises(ValueError, match="on purpose"):
        db.write_grouped(broken)

    db.write_grouped(lambda c: _add_store("after", c))
    with db.read() as connection:
        count = connection.execute(select(func.count()).select_from(Store)).scalar_one()
    assert count == 1


def test_async_callers_share_transactions(db: Database) -> None:
    names = [f"async-{index}" for index in range(200)]

    async def post_all() -> list[str]:
        return await asyncio.gather(
            *(db.write_grouped_async(lambda c, name=name: _add_store(name, c)) for name in names)
        )

    assert run_coroutine(post_all()) == names
    assert _store_names(db) == set(names)


def test_async_failure_reaches_only_its_caller(db: Database) -> None:
    db.write_grouped(lambda c: _add_store("taken", c))

    async def post_both() -> list[object]:
        return await asyncio.gather(
            db.write_grouped_async(lambda c: _add_store("taken", c)),
            db.write_grouped_async(lambda c: _add_store("other", c)),
            return_exceptions=True,
        )

    duplicate, other = run_coroutine(post_both())
    assert isinstance(duplicate, Exception)
    assert "UNIQUE" in str(duplicate).upper()
    assert other == "other"
    assert _store_names(db) == {"taken", "other"}


def test_cancelled_caller_leaves_the_writer_working(db: Database) -> None:
    release = threading.Event()
    started = threading.Event()

    def blocking(connection: Connection) -> str:
        started.set()
        release.wait(timeout=30)
        return _add_store("slow", connection)

    async def cancel_one() -> str:
        slow = asyncio.ensure_future(db.write_grouped_async(blocking))
        await asyncio.to_thread(started.wait, 30)
        slow.cancel()
        release.set()
        # The cancelled work was already running; it commits, and later works still run.
        return await db.write_grouped_async(lambda c: _add_store("later", c))

    assert run_coroutine(cancel_one()) == "later"
    assert _store_names(db) == {"slow", "later"}


def test_writes_go_on_after_dispose(db: Database) -> None:
    db.write_grouped(lambda c: _add_store("before", c))
    db.dispose()
    db.write_grouped(lambda c: _add_store("after", c))
    assert _store_names(db) == {"before", "after"}


def test_nested_grouped_write_is_refused(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("writes are grouped on SQLite only; PostgreSQL runs each on its own")

    def nested(connection: Connection) -> None:
        db.write_grouped(lambda c: _add_store("inner", c))

    with pytest.raises(RuntimeError, match="may not start another grouped write"):
        db.write_grouped(nested)
    assert _store_names(db) == set()


def test_culprit_answered_before_the_rest_rerun(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("writes are grouped on SQLite only; PostgreSQL runs each on its own")
    db.write_grouped(lambda c: _add_store("taken", c))
    first_started = threading.Event()
    release_first = threading.Event()
    release_rerun = threading.Event()
    duplicate_answered = threading.Event()
    slow_runs: list[int] = []
    errors: list[BaseException] = []

    def blocking(connection: Connection) -> str:
        first_started.set()
        release_first.wait(timeout=30)
        return _add_store("first", connection)

    def slow(connection: Connection) -> str:
        # Stands for a rerun that waits, as one does behind a lock held by another process.
        slow_runs.append(1)
        release_rerun.wait(timeout=30)
        return _add_store("slow", connection)

    def duplicate() -> None:
        try:
            db.write_grouped(lambda c: _add_store("taken", c))
        except Exception as error:
            errors.append(error)
        duplicate_answered.set()

    # The blocking work keeps the writer busy, so the duplicate and the slow work queue up
    # in this order and form the next group, which the duplicate fails.
    first = threading.Thread(target=lambda: db.write_grouped(blocking))
    first.start()
    assert first_started.wait(timeout=30)
    duplicate_thread = threading.Thread(target=duplicate)
    duplicate_thread.start()
    _wait_for_queue(db, 1)
    slow_thread = threading.Thread(target=lambda: db.write_grouped(slow))
    slow_thread.start()
    _wait_for_queue(db, 2)
    release_first.set()

    answered_while_slow_waits = duplicate_answered.wait(timeout=30)
    release_rerun.set()
    for thread in (first, duplicate_thread, slow_thread):
        thread.join()

    assert answered_while_slow_waits
    assert len(errors) == 1
    assert slow_runs == [1]
    assert _store_names(db) == {"taken", "first", "slow"}


class _LockedDatabase(Database):
    """A database whose write transactions fail to begin once ``locked`` is set."""

    locked = False
    begin_attempts = 0

    @contextmanager
    def write(self) -> Iterator[Connection]:
        if self.locked:
            self.begin_attempts += 1
            raise OperationalError(
                "BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")
            )
        with super().write() as connection:
            yield connection


def test_locked_database_fails_the_group_once(tmp_path: Path) -> None:
    db = _LockedDatabase(Settings(database_url=f"sqlite:///{tmp_path / 'locked.db'}"))
    upgrade(db, create_plugin_manager(db.settings))
    started = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []
    runs: list[str] = []

    def blocking(connection: Connection) -> str:
        started.set()
        release.wait(timeout=30)
        return _add_store("first", connection)

    def post(name: str) -> None:
        def work(connection: Connection) -> str:
            runs.append(name)
            return _add_store(name, connection)

        try:
            db.write_grouped(work)
        except OperationalError as error:
            errors.append(error)

    first = threading.Thread(target=lambda: db.write_grouped(blocking))
    first.start()
    assert started.wait(timeout=30)
    others = [threading.Thread(target=post, args=(f"store-{n}",)) for n in range(8)]
    for thread in others:
        thread.start()
    _wait_for_queue(db, 8)
    # From now on BEGIN fails, as it does when another process holds the lock too long.
    db.locked = True
    release.set()
    for thread in [first, *others]:
        thread.join()

    assert len(errors) == 8
    assert db.begin_attempts == 1
    assert runs == []
    db.locked = False
    assert _store_names(db) == {"first"}
    db.dispose()
