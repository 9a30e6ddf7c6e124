"""Hook specifications of the ``footfall`` plugin system.

Each hook is documented in full, with its exact signature, in ``docs/plugins.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from footfall.config import Settings
    from footfall.plugin_types import Analytic, AuthScheme, EventSink
    from footfall.service import Service

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("footfall")
hookimpl = pluggy.HookimplMarker("footfall")


@hookspec
def footfall_auth_schemes(settings: Settings) -> list[AuthScheme]:  # type: ignore[empty-body]
    """Return auth schemes that turn a request into a principal or decline it."""


@hookspec
def footfall_event_sinks(settings: Settings) -> list[EventSink]:  # type: ignore[empty-body]
    """Return event sinks that receive each ingested batch."""


@hookspec
def footfall_analytics(settings: Settings) -> list[Analytic]:  # type: ignore[empty-body]
    """Return analytics: named computations with typed parameters, result and chart hint."""


@hookspec
def footfall_migration_locations() -> list[str]:  # type: ignore[empty-body]
    """Return folders of Alembic versions for tables that the plugin owns."""


@hookspec
def footfall_cli_commands() -> list[click.Command]:  # type: ignore[empty-body]
    """Return click commands to add to the ``litestar footfall`` command group."""


@hookspec
def footfall_startup(service: Service) -> None:
    """Start the plugin's background work once the server has checked the database schema."""


@hookspec
def footfall_shutdown(service: Service) -> None:
    """Stop what ``footfall_startup`` started, before the server closes the database."""
