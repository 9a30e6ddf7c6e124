"""Dwell matching: pairing exits with entries first in, first out, per business day.

Visitors are anonymous, so an exit is paired with the oldest entry still open in the same
business day. The pairs of a day are kept per UTC quarter hour of their entry, which is fine
enough to attribute them to the local hour of any zone later, and small enough to cache.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from footfall.db.models import QUARTER_S

__all__ = ["DaySummary", "EntryQuarter", "match_day"]

_QUARTER_MS = QUARTER_S * 1000


@dataclass(slots=True)
class EntryQuarter:
    """Dwell samples whose entry falls in one UTC quarter hour."""

    samples: int = 0
    total_ms: int = 0


@dataclass(slots=True)
class DaySummary:
    """Outcome of matching the events of one business day (or of part of one).

    Every event is counted once: each entry is a sample, an excluded pair or still open at
    day end (``unmatched_entries``), and each exit is a sample, an excluded pair or
    ``unmatched_exits``.
    """

    events: int = 0
    excluded_long: int = 0
    unmatched_entries: int = 0
    unmatched_exits: int = 0
    quarters: dict[int, EntryQuarter] = field(default_factory=dict)
    """Dwell samples by the entry's quarter (epoch seconds divided by 900)."""

    @property
    def samples(self) -> int:
        """Number of dwell samples (matched pairs within the maximum dwell)."""
        return sum(quarter.samples for quarter in self.quarters.values())


def match_day(events: Sequence[tuple[int, bool]], max_dwell_ms: int) -> DaySummary:
    """Pair the exits of one business day with its entries, first in, first out.

    ``events`` are ``(time_ms, is_entry)`` in time order, with entries before exits at the
    same millisecond, so an entry and an exit recorded together can pair with a zero dwell.
    A pair longer than ``max_dwell_ms`` is excluded: it is more likely a missed exit followed
    by someone else's exit than a real visit.
    """
    open_entries: deque[int] = deque()
    open_entry = open_entries.append
    oldest_entry = open_entries.popleft
    quarters: dict[int, EntryQuarter] = {}
    excluded_long = 0
    unmatched_exits = 0

    # This loop runs once per event of a year when the dwell cache is filled, so it keeps
    # its counters in local variables and looks up each method once.
    for time_ms, is_entry in events:
        if is_entry:
            open_entry(time_ms)
            continue
        if not open_entries:
            unmatched_exits += 1
            continue

        entry_ms = oldest_entry()
        dwell_ms = time_ms - entry_ms
        if dwell_ms > max_dwell_ms:
            excluded_long += 1
            continue
        quarter = quarters.get(entry_ms // _QUARTER_MS)
        if quarter is None:
            quarter = quarters[entry_ms // _QUARTER_MS] = EntryQuarter()
        quarter.samples += 1
        quarter.total_ms += dwell_ms

    return DaySummary(
        events=len(events),
        excluded_long=excluded_long,
        unmatched_entries=len(open_entries),
        unmatched_exits=unmatched_exits,
        quarters=quarters,
    )
