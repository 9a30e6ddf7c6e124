"""``litestar footfall keys``: create, list and revoke API keys."""

from __future__ import annotations

from dataclasses import asdict

import click

from footfall.admin.keys import create_api_key, list_keys, revoke
from footfall.cli.group import FootfallGroup
from footfall.cli.output import echo_json, echo_table, format_ms
from footfall.cli.state import get_state

__all__ = ["keys_group"]


@click.group("keys", cls=FootfallGroup)
def keys_group() -> None:
    """Create, list and revoke API keys."""


@keys_group.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "viewer", "device"]),
    help="admin: everything; viewer: read one store; device: send one device's events.",
)
@click.option("--store", help="Store a viewer key may read (required for --role viewer).")
@click.option("--device", help="Device a device key belongs to (required for --role device).")
@click.option("--label", default="", help="Free text shown in `keys list`, such as its owner.")
@click.pass_context
def create_command(
    context: click.Context, role: str, store: str | None, device: str | None, label: str
) -> None:
    """Create an API key and print it alone on the last line of standard output.

    The key is shown only now: the database keeps its hash, so store the key safely.
    """
    db = get_state(context).database()
    with db.write() as conn:
        key, secret = create_api_key(conn, role=role, store=store, device=device, label=label)

    scope = f" for device {key.device!r}" if key.device else ""
    scope = scope or (f" for store {key.store!r}" if key.store else "")
    click.echo(
        f"Created {key.role} key {key.id} (prefix {key.prefix}){scope}. It is shown only "
        "once, on the next line:",
        err=True,
    )
    click.echo(secret)


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_command(context: click.Context, as_json: bool) -> None:
    """List the API keys (never their secrets), revoked ones included."""
    db = get_state(context).database()
    with db.read() as conn:
        keys = list_keys(conn)

    if as_json:
        echo_json({"keys": [asdict(key) for key in keys]})
        return
    echo_table(
        ["ID", "PREFIX", "ROLE", "STORE", "DEVICE", "CREATED", "LAST USED", "REVOKED", "LABEL"],
        [
            [
                k.id,
                k.prefix,
                k.role,
                k.store or "-",
                k.device or "-",
                format_ms(k.created_ms),
                format_ms(k.last_used_ms),
                format_ms(k.revoked_ms),
                k.label,
            ]
            for k in keys
        ],
    )


@keys_group.command("revoke")
@click.argument("key_id", metavar="ID", type=int)
@click.pass_context
def revoke_command(context: click.Context, key_id: int) -> None:
    """Revoke the key with this ID (see `keys list`); requests with it then get 401."""
    db = get_state(context).database()
    with db.write() as conn:
        key = revoke(conn, key_id)
    click.echo(f"Revoked {key.role} key {key.id} (prefix {key.prefix})")
