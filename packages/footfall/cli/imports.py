"""``litestar footfall import``: load past events from a CSV file or the earlier system."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click._termui_impl import ProgressBar

from footfall.cli.group import FootfallGroup
from footfall.cli.state import CliState, get_state
from footfall.importers import (
    ImportPlan,
    LegacyColumns,
    plan_csv_import,
    plan_legacy_import,
    run_import,
)

__all__ = ["import_group"]

#: Number of rejected rows listed one by one in the summary. The rest are only counted.
_REASONS_SHOWN = 10

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)

_DRY_RUN = click.option(
    "--dry-run",
    is_flag=True,
    help="Check the source and count what would be stored, but write nothing.",
)


@click.group("import", cls=FootfallGroup)
def import_group() -> None:
    """Import past events through the same validation and storage as device uploads.

    Importing the same source again stores nothing twice. The command exits with code 1
    when any row was rejected, but the other rows are stored all the same.
    """


@import_group.command("csv")
@click.argument("file", type=_FILE)
@click.option("--device", help="Device of rows without a device column or with an empty cell.")
@_DRY_RUN
@click.pass_context
def csv_command(context: click.Context, file: Path, device: str | None, dry_run: bool) -> None:
    """Import FILE, a CSV with the header device,time,direction and an optional seq column.

    time is epoch seconds or ISO 8601 (without an offset it is read in the store's time
    zone); direction is entry or exit. The devices must exist.
    """
    state = get_state(context)
    db = state.database()
    try:
        plan = plan_csv_import(db, state.settings, file, default_device=device)
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{file} could not be read: {error}") from error
    _store(context, state, plan, str(file), dry_run)


@import_group.command("legacy-db")
@click.argument("path", type=_FILE)
@click.option("--store", required=True, help="Store that the devices of the old keys join.")
@click.option("--table", default="movements", show_default=True, help="Table of movements.")
@click.option("--key-column", default="apikey", show_default=True, help="Column of API keys.")
@click.option(
    "--time-column", default="timestamp", show_default=True, help="Column of epoch seconds."
)
@click.option(
    "--entry-column", default="is_entry", show_default=True, help="Column of 1 (entry) / 0 (exit)."
)
@_DRY_RUN
@click.pass_context
def legacy_db_command(
    context: click.Context,
    *,
    path: Path,
    store: str,
    table: str,
    key_column: str,
    time_column: str,
    entry_column: str,
    dry_run: bool,
) -> None:
    """Import the movements of the earlier Retail Analytics server's SQLite file PATH.

    Each old API key becomes a device named legacy-<first 8 hex digits of the key's
    SHA-256>, with the old key registered as its device key, so devices still running the
    old firmware keep sending to this service unchanged.
    """
    state = get_state(context)
    db = state.database()
    columns = LegacyColumns(table=table, key=key_column, time=time_column, entry=entry_column)
    try:
        plan = plan_legacy_import(db, state.settings, path, store, columns, dry_run=dry_run)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    _store(context, state, plan, str(path), dry_run)


def _store(
    context: click.Context, state: CliState, plan: ImportPlan, source: str, dry_run: bool
) -> None:
    for name in plan.created_devices:
        action = "Would create" if dry_run else "Created"
        click.echo(f"{action} device {name!r}", err=True)

    bar: ProgressBar[int]
    with click.progressbar(
        length=plan.event_count,
        label=f"Importing {source}",
        file=sys.stderr,
    ) as bar:
        summary = run_import(
            state.database(migrate=False),
            state.settings,
            state.manager,
            plan,
            bar.update,
            dry_run=dry_run,
        )

    if dry_run:
        click.echo("Dry run: nothing was stored. Without --dry-run the import would store:")
    click.echo(
        f"{summary.rows} rows: {summary.accepted} accepted, {summary.duplicates} duplicate, "
        f"{len(summary.rejected)} rejected"
    )
    for note in summary.notes:
        click.echo(f"Note: {note}")
    for rejection in summary.rejected[:_REASONS_SHOWN]:
        click.echo(f"  row {rejection.row}: {rejection.reason}")
    if len(summary.rejected) > _REASONS_SHOWN:
        click.echo(f"  ... and {len(summary.rejected) - _REASONS_SHOWN} more rejected rows")
    if summary.rejected:
        context.exit(1)
