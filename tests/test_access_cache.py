"""The access cache: its size bound, its eviction order, and when it empties itself."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from footfall.access_cache import AccessCache
from footfall.access_generation import AccessGenerationTracker, tracker_for
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.models import AccessGeneration


class FakeClock:
    """A monotonic clock that advances only when a test advances it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tracker(db: Database, clock: FakeClock) -> AccessGenerationTracker:
    tracker = tracker_for(db)
    tracker.clock = clock
    return tracker


def _bump_elsewhere(settings: Settings) -> None:
    other = Database(settings)
    with other.write() as connection:
        connection.execute(
            update(AccessGeneration).values(generation=AccessGeneration.generation + 1)
        )
    other.dispose()


def test_full_cache_evicts_least_recent(tracker: AccessGenerationTracker) -> None:
    cache: AccessCache[str, int] = AccessCache(tracker, 2.0, max_entries=3)
    version = cache.current_version()
    for number, key in enumerate(("a", "b", "c")):
        cache.put(key, number, version)

    cache.get("a")
    cache.put("d", 3, version)

    assert len(cache) == 3
    assert cache.get("b") is None
    assert cache.get("a") == 0
    assert cache.get("c") == 2
    assert cache.get("d") == 3


def test_overflow_keeps_most_entries(tracker: AccessGenerationTracker) -> None:
    cache: AccessCache[int, int] = AccessCache(tracker, 2.0, max_entries=100)
    version = cache.current_version()

    for key in range(150):
        cache.put(key, key, version)

    assert len(cache) == 100
    assert cache.get(49) is None
    assert cache.get(50) == 50
    assert cache.get(149) == 149


def test_entries_outlive_interval(
    tracker: AccessGenerationTracker, clock: FakeClock
) -> None:
    cache: AccessCache[str, int] = AccessCache(tracker, 2.0)
    cache.put("key", 1, cache.current_version())

    clock.now += 3600.0
    cache.current_version()

    assert cache.get("key") == 1


def test_generation_change_empties(
    tracker: AccessGenerationTracker, clock: FakeClock, settings: Settings
) -> None:
    cache: AccessCache[str, int] = AccessCache(tracker, 2.0)
    cache.put("key", 1, cache.current_version())

    _bump_elsewhere(settings)
    cache.current_version()
    within_interval = cache.get("key")
    clock.now += 2.0
    cache.current_version()

    assert within_interval == 1
    assert cache.get("key") is None
    assert len(cache) == 0


def test_value_read_before_change_dropped(
    tracker: AccessGenerationTracker, clock: FakeClock, settings: Settings
) -> None:
    cache: AccessCache[str, int] = AccessCache(tracker, 2.0)
    version_at_read = cache.current_version()

    # The generation changes while the value is being read from the database.
    _bump_elsewhere(settings)
    clock.now += 2.0
    cache.current_version()
    cache.put("key", 1, version_at_read)

    assert cache.get("key") is None


def test_tracker_ahead_of_cache_drops_put(
    tracker: AccessGenerationTracker, clock: FakeClock, settings: Settings
) -> None:
    cache: AccessCache[str, int] = AccessCache(tracker, 2.0)
    other: AccessCache[str, int] = AccessCache(tracker, 2.0)
    version_at_read = cache.current_version()

    # Another cache on the same tracker saw the change first.
    _bump_elsewhere(settings)
    clock.now += 2.0
    other.current_version()
    cache.put("key", 1, version_at_read)

    assert cache.get("key") is None


def test_zero_interval_keeps_nothing(tracker: AccessGenerationTracker) -> None:
    cache: AccessCache[str, int] = AccessCache(tracker, 0.0)

    cache.put("key", 1, cache.current_version())

    assert not cache.enabled
    assert cache.get("key") is None


def test_size_below_one_rejected(tracker: AccessGenerationTracker) -> None:
    with pytest.raises(ValueError, match="at least 1, got 0"):
        AccessCache(tracker, 2.0, max_entries=0)
