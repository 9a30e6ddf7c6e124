"""Wall-clock time in the units the database stores."""

from __future__ import annotations

import time

__all__ = ["now_ms"]


def now_ms() -> int:
    """Return the current time as epoch milliseconds."""
    return time.time_ns() // 1_000_000
