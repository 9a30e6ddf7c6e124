"""Peak occupancy per business day: an analytics plugin written only through the public hooks.

It is also the worked example of ``docs/plugin-guide.md``: an analytic with typed parameters
and result, a chart hint, and a table of its own created by its own Alembic migrations, which
the ``footfall_migration_locations`` hook hands to the core.
"""

from __future__ import annotations

from pathlib import Path

from footfall.config import Settings
from footfall.hookspecs import hookimpl
from footfall.plugin_types import Analytic
from footfall_peak_occupancy.analytic import (
    PeakDay,
    PeakOccupancy,
    PeakOccupancyParams,
    PeakOccupancyResult,
)

__all__ = [
    "PeakDay",
    "PeakOccupancy",
    "PeakOccupancyParams",
    "PeakOccupancyResult",
    "footfall_analytics",
    "footfall_migration_locations",
]

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def footfall_analytics(settings: Settings) -> list[Analytic]:
    """Return the peak occupancy analytic."""
    return [PeakOccupancy()]


@hookimpl
def footfall_migration_locations() -> list[str]:
    """Return the folder of the plugin's migrations (the ``peak_occupancy`` branch)."""
    return [str(MIGRATIONS)]
