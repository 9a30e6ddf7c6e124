"""``litestar footfall outbox``: list and retry batches waiting for after-commit event sinks."""

from __future__ import annotations

from dataclasses import asdict

import click

from footfall.cli.group import FootfallGroup
from footfall.cli.output import echo_json, echo_table, format_ms
from footfall.cli.state import get_state
from footfall.clock import now_ms
from footfall.db.models import OUTBOX_STATES
from footfall.outbox import list_outbox, retry_outbox

__all__ = ["outbox_group"]


@click.group("outbox", cls=FootfallGroup)
def outbox_group() -> None:
    """List and retry batches that wait for delivery to event sinks other than the database."""


@outbox_group.command("list")
@click.option(
    "--state",
    type=click.Choice(OUTBOX_STATES),
    help="Only rows in this state: pending (being retried) or dead (waiting for `retry`).",
)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="Maximum number of rows to print, oldest first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_command(context: click.Context, state: str | None, limit: int, as_json: bool) -> None:
    """List outbox rows with their sink, batch, attempts and last error."""
    db = get_state(context).database()
    with db.read() as connection:
        rows = list_outbox(connection, state, limit)

    if as_json:
        echo_json([asdict(row) for row in rows])
        return
    if not rows:
        click.echo("The outbox is empty: every batch has reached its sinks.")
        return
    echo_table(
        ["id", "state", "sink", "device", "batch", "events", "attempts", "next attempt",
         "last error"],
        [
            [row.id, row.state, row.sink, row.device, row.batch_id, row.events, row.attempts,
             format_ms(row.next_attempt_ms) if row.state == "pending" else "-",
             (row.last_error or "-")[:80]]
            for row in rows
        ],
    )


@outbox_group.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.pass_context
def retry_command(context: click.Context, ids: tuple[int, ...]) -> None:
    """Make outbox rows IDS due now, or every dead row when no id is given.

    A running service delivers them within FOOTFALL_OUTBOX_POLL_S seconds.
    """
    db = get_state(context).database()
    with db.write() as connection:
        retried = retry_outbox(connection, now_ms(), ids)

    if ids and retried < len(set(ids)):
        missing = len(set(ids)) - retried
        click.echo(f"{missing} of the given ids are not in the outbox (already delivered?)",
                   err=True)
    click.echo(f"Retried {retried} outbox rows")
