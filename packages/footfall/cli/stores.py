"""``litestar footfall stores``: create, list and change stores."""

from __future__ import annotations

from dataclasses import asdict

import click

from footfall.admin.stores import create_store, list_stores, update_store
from footfall.cli.group import FootfallGroup
from footfall.cli.output import echo_json, echo_table
from footfall.cli.state import get_state

__all__ = ["stores_group"]

_RESET_HOUR = click.IntRange(0, 23)
_MINUTES = click.IntRange(1, 24 * 60)


@click.group("stores", cls=FootfallGroup)
def stores_group() -> None:
    """Create, list and change stores."""


@stores_group.command("create")
@click.argument("name")
@click.option(
    "--timezone",
    required=True,
    help="IANA time zone of the store, such as Europe/Berlin; hourly analytics use it.",
)
@click.option(
    "--reset-hour",
    type=_RESET_HOUR,
    default=4,
    show_default=True,
    help="Local hour (0-23) at which occupancy and dwell start a new business day.",
)
@click.option(
    "--max-dwell-minutes",
    type=_MINUTES,
    default=240,
    show_default=True,
    help="Maximum visit length counted as dwell, in minutes. Longer pairs are excluded.",
)
@click.pass_context
def create_command(
    context: click.Context, name: str, timezone: str, reset_hour: int, max_dwell_minutes: int
) -> None:
    """Create the store NAME."""
    db = get_state(context).database()
    with db.write() as conn:
        store = create_store(
            conn,
            name=name,
            timezone=timezone,
            day_reset_hour=reset_hour,
            max_dwell_s=max_dwell_minutes * 60,
        )
    click.echo(f"Created store {store.name!r} (id {store.id}, time zone {store.timezone})")


@stores_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_command(context: click.Context, as_json: bool) -> None:
    """List the stores."""
    db = get_state(context).database()
    with db.read() as conn:
        stores = list_stores(conn)

    if as_json:
        echo_json({"stores": [asdict(store) for store in stores]})
        return
    echo_table(
        ["ID", "NAME", "TIME ZONE", "RESET HOUR", "MAX DWELL (MIN)"],
        [
            [s.id, s.name, s.timezone, s.day_reset_hour, s.max_dwell_s // 60]
            for s in stores
        ],
    )


@stores_group.command("update")
@click.argument("name")
@click.option("--timezone", help="New IANA time zone, such as Europe/Berlin.")
@click.option("--reset-hour", type=_RESET_HOUR, help="New business-day reset hour (0-23).")
@click.option("--max-dwell-minutes", type=_MINUTES, help="New longest dwell, in minutes.")
@click.option("--rename", "new_name", help="New name of the store.")
@click.pass_context
def update_command(
    context: click.Context,
    *,
    name: str,
    timezone: str | None,
    reset_hour: int | None,
    max_dwell_minutes: int | None,
    new_name: str | None,
) -> None:
    """Change the store NAME; options left out keep their value."""
    if timezone is None and reset_hour is None and max_dwell_minutes is None and new_name is None:
        raise click.UsageError(
            "nothing to change: give --timezone, --reset-hour, --max-dwell-minutes or --rename"
        )

    db = get_state(context).database()
    with db.write() as conn:
        store = update_store(
            conn,
            name,
            timezone=timezone,
            day_reset_hour=reset_hour,
            max_dwell_s=None if max_dwell_minutes is None else max_dwell_minutes * 60,
            new_name=new_name,
        )
    click.echo(
        f"Updated store {store.name!r}: time zone {store.timezone}, reset hour "
        f"{store.day_reset_hour}, maximum dwell {store.max_dwell_s // 60} min"
    )
