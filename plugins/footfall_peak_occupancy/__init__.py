"""Peak occupancy per business day: an analytics plugin written only through the public hooks.

It is also the worked example of ``docs/plugin-guide.md``: an analytic with typed parameters
and result, a chart hint, and a table of its own created by its own Alembic migrations, which
the ``footfall_migration_locations`` hook hands to the core. Its ``footfall_startup`` and
``footfall_shutdown`` hooks run a background thread that fills that table at server start-up
(see :mod:`footfall_peak_occupancy.warmup`); ``FOOTFALL_PEAK_OCCUPANCY_WARMUP=0`` turns it off.
"""

from __future__ import annotations

import logging
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from footfall.config import Settings
from footfall.hookspecs import hookimpl
from footfall.plugin_types import Analytic
from footfall_peak_occupancy.analytic import (
    PeakDay,
    PeakOccupancy,
    PeakOccupancyParams,
    PeakOccupancyResult,
)
from footfall_peak_occupancy.warmup import WARMUP_VARIABLE, PeakWarmup, warmup_enabled

if TYPE_CHECKING:
    from footfall.service import Service

__all__ = [
    "PeakDay",
    "PeakOccupancy",
    "PeakOccupancyParams",
    "PeakOccupancyResult",
    "footfall_analytics",
    "footfall_migration_locations",
    "footfall_shutdown",
    "footfall_startup",
    "warmup_of",
]

logger = logging.getLogger("footfall.peak_occupancy")

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

# The warm-up of each running service. The hooks are module functions and one process may
# run several services (the tests do), so the shutdown hook finds its thread here.
_warmups: weakref.WeakKeyDictionary[Service, PeakWarmup] = weakref.WeakKeyDictionary()


@hookimpl
def footfall_analytics(settings: Settings) -> list[Analytic]:
    """Return the peak occupancy analytic."""
    return [PeakOccupancy()]


@hookimpl
def footfall_migration_locations() -> list[str]:
    """Return the folder of the plugin's migrations (the ``peak_occupancy`` branch)."""
    return [str(MIGRATIONS)]


@hookimpl
def footfall_startup(service: Service) -> None:
    """Start filling the stored peaks of every store's finished days in a daemon thread.

    Raises :class:`ValueError` when FOOTFALL_PEAK_OCCUPANCY_WARMUP is not a valid switch.
    """
    if not warmup_enabled():
        logger.info("Peak occupancy warm-up is off (%s=0)", WARMUP_VARIABLE)
        return
    warmup = PeakWarmup(service.db)
    _warmups[service] = warmup
    warmup.start()


@hookimpl
def footfall_shutdown(service: Service) -> None:
    """Stop the service's warm-up thread after the week it is replaying."""
    warmup = _warmups.pop(service, None)
    if warmup is not None:
        warmup.stop()


def warmup_of(service: Service) -> PeakWarmup | None:
    """Return the warm-up that ``footfall_startup`` started for ``service``, if it did."""
    return _warmups.get(service)
