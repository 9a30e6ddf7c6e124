"""``litestar footfall devices``: create, list, move and configure devices."""

from __future__ import annotations

from typing import Any

import click

from footfall.admin.devices import (
    DeviceRow,
    create_device,
    get_device,
    list_devices,
    move_device,
    rename_device,
    update_device_settings,
)
from footfall.cli.group import FootfallGroup
from footfall.cli.output import echo_json, echo_table, format_ms
from footfall.cli.state import get_state

__all__ = ["devices_group"]


@click.group("devices", cls=FootfallGroup)
def devices_group() -> None:
    """Create, list, move and configure devices."""


@devices_group.command("create")
@click.argument("name")
@click.option("--store", required=True, help="Name of the store the device counts for.")
@click.pass_context
def create_command(context: click.Context, name: str, store: str) -> None:
    """Create the device NAME with the default counting settings."""
    db = get_state(context).database()
    with db.write() as conn:
        device = create_device(conn, name=name, store=store)
    click.echo(f"Created device {device.name!r} (id {device.id}) in store {device.store_name!r}")
    click.echo(
        "Create its key with: litestar footfall keys create --role device "
        f"--device {device.name!r}"
    )


@devices_group.command("list")
@click.option("--store", help="List only the devices of this store.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_command(context: click.Context, store: str | None, as_json: bool) -> None:
    """List the devices with their last event and heartbeat times (UTC)."""
    db = get_state(context).database()
    with db.read() as conn:
        devices = list_devices(conn, store)

    if as_json:
        echo_json({"devices": [_device_json(device) for device in devices]})
        return
    echo_table(
        ["ID", "NAME", "STORE", "LAST EVENT", "LAST HEARTBEAT", "FIRMWARE"],
        [
            [
                d.id,
                d.name,
                d.store_name,
                format_ms(d.last_event_ms),
                format_ms(d.last_heartbeat_ms),
                (d.status or {}).get("firmware", "-"),
            ]
            for d in devices
        ],
    )


@devices_group.command("move")
@click.argument("name")
@click.option("--store", required=True, help="Name of the store to move the device to.")
@click.pass_context
def move_command(context: click.Context, name: str, store: str) -> None:
    """Move the device NAME, with its past events, to another store."""
    db = get_state(context).database()
    with db.write() as conn:
        device = move_device(conn, name, store)
    click.echo(f"Moved device {device.name!r} to store {device.store_name!r}")


@devices_group.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.pass_context
def rename_command(context: click.Context, name: str, new_name: str) -> None:
    """Rename the device NAME to NEW_NAME; its key stays valid."""
    db = get_state(context).database()
    with db.write() as conn:
        device = rename_device(conn, name, new_name)
    click.echo(f"Renamed device {name!r} to {device.name!r}")


@devices_group.command("settings")
@click.argument("name")
@click.option("--line", metavar="X1,Y1,X2,Y2", help="Counting line from start to end point.")
@click.option("--inside", metavar="X,Y", help="Any point on the inside side of the line.")
@click.option("--band", type=float, help="Half-width of the no-side band around the line.")
@click.option("--confirm", type=int, help="Observations beyond the band that confirm a crossing.")
@click.option("--mode", type=click.Choice(["immediate", "deferred"]), help="Counting mode.")
@click.option("--anchor", type=click.Choice(["center", "bottom_center"]), help="Box anchor point.")
@click.option("--min-score", type=float, help="Lowest detector score (0-1) that makes a track.")
@click.option("--batch-interval", type=int, help="Seconds between event uploads.")
@click.option("--heartbeat-interval", type=int, help="Seconds between heartbeats.")
@click.pass_context
def settings_command(
    context: click.Context,
    *,
    name: str,
    line: str | None,
    inside: str | None,
    band: float | None,
    confirm: int | None,
    mode: str | None,
    anchor: str | None,
    min_score: float | None,
    batch_interval: int | None,
    heartbeat_interval: int | None,
) -> None:
    """Show the counting settings of the device NAME, or change them with the options.

    Coordinates are fractions of the frame from 0 to 1, with y pointing down. The device
    fetches changed settings on its next poll.
    """
    changes: dict[str, Any] = {}
    line_changes: dict[str, list[float]] = {}
    if line is not None:
        numbers = _parse_numbers(line, 4, "--line")
        line_changes["start"] = numbers[:2]
        line_changes["end"] = numbers[2:]
    if inside is not None:
        line_changes["inside"] = _parse_numbers(inside, 2, "--inside")
    if line_changes:
        changes["line"] = line_changes

    optional = {
        "band": band,
        "confirm": confirm,
        "mode": mode,
        "anchor": anchor,
        "min_score": min_score,
        "batch_interval_s": batch_interval,
        "heartbeat_interval_s": heartbeat_interval,
    }
    changes.update({key: value for key, value in optional.items() if value is not None})

    db = get_state(context).database()
    if changes:
        with db.write() as conn:
            device = update_device_settings(conn, name, changes)
        click.echo(f"Updated the settings of device {device.name!r}:", err=True)
    else:
        with db.read() as conn:
            device = get_device(conn, name)
    echo_json(device.settings)


def _parse_numbers(text: str, count: int, option: str) -> list[float]:
    parts = [part.strip() for part in text.split(",")]
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) != count:
        raise click.BadParameter(
            f"{text!r} is not {count} comma-separated numbers", param_hint=option
        )
    return numbers


def _device_json(device: DeviceRow) -> dict[str, Any]:
    return {
        "id": device.id,
        "name": device.name,
        "store": device.store_name,
        "settings": device.settings,
        "settings_etag": device.settings_etag,
        "last_event_ms": device.last_event_ms,
        "last_heartbeat_ms": device.last_heartbeat_ms,
        "status": device.status,
    }
