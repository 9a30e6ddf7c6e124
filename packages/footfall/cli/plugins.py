"""``litestar footfall plugins`` and ``rollups``: installed plugins and derived data."""

from __future__ import annotations

import importlib
from dataclasses import asdict

import click

from footfall.admin.stores import get_store
from footfall.cli.group import FootfallGroup
from footfall.cli.output import echo_json, echo_table
from footfall.cli.state import get_state
from footfall.plugins import list_plugins

__all__ = ["plugins_command", "rollups_group"]


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def plugins_command(context: click.Context, as_json: bool) -> None:
    """List the loaded plugins: name, distribution, version and the hooks they implement."""
    plugins = list_plugins(get_state(context).manager)

    if as_json:
        echo_json({"plugins": [asdict(plugin) for plugin in plugins]})
        return
    echo_table(
        ["NAME", "MODULE", "DISTRIBUTION", "VERSION", "HOOKS"],
        [
            [
                p.name,
                p.module,
                p.distribution or "-",
                p.version or "-",
                ", ".join(p.hooks) or "-",
            ]
            for p in plugins
        ],
    )


@click.group("rollups", cls=FootfallGroup)
def rollups_group() -> None:
    """Maintain the data that analytics derive from events."""


@rollups_group.command("rebuild")
@click.option("--store", help="Rebuild only this store's devices (default: every store).")
@click.pass_context
def rebuild_command(context: click.Context, store: str | None) -> None:
    """Recompute the quarter-hour counts from the stored events and heartbeats."""
    db = get_state(context).database()
    store_id = None
    if store is not None:
        with db.read() as conn:
            store_id = get_store(conn, store).id

    # Imported on use: the rollup module belongs to the analytics and may be absent from a
    # stripped installation, which must still run every other command.
    try:
        rollups = importlib.import_module("footfall.rollups")
    except ImportError as error:
        raise click.ClickException(
            f"rollup rebuilding is not available in this installation: {error}"
        ) from error

    written = rollups.rebuild_rollups(db, store_id)
    scope = f"store {store!r}" if store is not None else "every store"
    click.echo(f"Rebuilt the rollups of {scope}: {written} quarter-hour rows written")
