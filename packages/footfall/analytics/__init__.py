"""Helpers shared by the analytics: local-time buckets, rollups, business days and dwell.

The analytics themselves are plugins (``footfall_hourly``, ``footfall_dwell``); occupancy is
a core route that uses :func:`footfall.analytics.occupancy.current_occupancy`. This package
imports nothing on its own, so that :mod:`footfall.db.models` can register the dwell cache
tables without an import cycle.
"""

from __future__ import annotations

__all__: list[str] = []
