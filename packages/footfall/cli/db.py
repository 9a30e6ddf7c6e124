"""``litestar footfall db``: schema upgrade, downgrade and status, and online backups."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from alembic.util.exc import CommandError

from footfall.cli.group import FootfallGroup
from footfall.cli.state import get_state
from footfall.db.engine import Database
from footfall.db.migrate import MigrationError, SchemaStatus, downgrade, schema_status, upgrade

__all__ = ["db_group"]


@click.group("db", cls=FootfallGroup)
def db_group() -> None:
    """Upgrade, downgrade, check and back up the database."""


@db_group.command("upgrade")
@click.pass_context
def upgrade_command(context: click.Context) -> None:
    """Upgrade the schema to the newest revision of the core and the plugins."""
    state = get_state(context)
    db = state.database(migrate=False)
    before = schema_status(db, state.manager)
    try:
        after = upgrade(db, state.manager)
    except (CommandError, MigrationError) as error:
        raise click.ClickException(f"the upgrade failed: {error}") from error

    if before.current == after.current:
        click.echo(f"Already at the newest revision: {_revisions(after.current)}")
    else:
        click.echo(f"Upgraded from {_revisions(before.current)} to {_revisions(after.current)}")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
@click.option("--yes", is_flag=True, help="Confirm a downgrade to base, which drops every table.")
@click.pass_context
def downgrade_command(context: click.Context, revision: str, yes: bool) -> None:
    """Downgrade the schema to REVISION (default -1: one step back).

    Where plugins add their own migration branches, name the branch to step back, such as
    0002_outbox@-1.

    A downgrade drops what the newer revisions added, data included; back up first.
    """
    if revision == "base" and not yes:
        raise click.UsageError(
            "downgrading to base drops every table and all data: add --yes if that is intended"
        )

    state = get_state(context)
    db = state.database(migrate=False)
    current = schema_status(db, state.manager).current
    if revision.startswith("-") and len(current) > 1:
        # Alembic would pick one branch on its own; the operator must say which.
        example = sorted(current)[0]
        raise click.UsageError(
            f"the database has several head revisions ({_revisions(current)}), so a relative "
            f"step is ambiguous: name the branch, such as {example}@{revision}"
        )
    try:
        after = downgrade(db, state.manager, revision)
    except (CommandError, MigrationError) as error:
        raise click.ClickException(
            f"the downgrade to {revision!r} failed: {error}. Give a revision listed by "
            "`litestar footfall db status`, a relative step such as -1, or base"
        ) from error
    click.echo(f"Downgraded to {_revisions(after.current)}")


@db_group.command("status")
@click.option("--check", is_flag=True, help="Exit with code 1 when the schema is out of date.")
@click.pass_context
def status_command(context: click.Context, check: bool) -> None:
    """Show the database's schema revision and the newest one of the installed code."""
    state = get_state(context)
    db = state.database(migrate=False)
    status: SchemaStatus = schema_status(db, state.manager)

    click.echo(f"database: {db.url.render_as_string(hide_password=True)}")
    click.echo(f"current:  {_revisions(status.current)}")
    click.echo(f"newest:   {_revisions(status.heads)}")
    if status.up_to_date:
        click.echo("The schema is up to date.")
        return

    click.echo("The schema is out of date: run `litestar footfall db upgrade`.")
    if check:
        context.exit(1)


@db_group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@click.pass_context
def backup_command(context: click.Context, path: Path, force: bool) -> None:
    """Write a consistent copy of the SQLite database to PATH, also while the service runs.

    The copy uses SQLite's online backup API, so writes that happen meanwhile wait or are
    left out, never half copied. For PostgreSQL use pg_dump instead.
    """
    db = get_state(context).database(migrate=False)
    source_path = _sqlite_file(db)

    if path.exists() and path.resolve() == source_path.resolve():
        raise click.BadParameter(
            f"{path} is the database itself: give another file", param_hint="PATH"
        )
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists: remove it or add --force")
    if not path.parent.is_dir():
        raise click.ClickException(f"folder {path.parent} does not exist: create it first")

    # The copy goes to a temporary name first, so that a failed backup never leaves a
    # truncated file under the name of a good one.
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        pages = _copy_sqlite(source_path, partial, db.settings.sqlite_busy_timeout_ms)
        partial.replace(path)
    except (sqlite3.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"the backup to {path} failed: {error}") from error

    click.echo(f"Backed up {source_path} to {path} ({pages} pages)")


def _sqlite_file(db: Database) -> Path:
    if not db.is_sqlite:
        raise click.ClickException(
            f"`db backup` copies SQLite files only, and the database is "
            f"{db.url.get_backend_name()}: use pg_dump for PostgreSQL"
        )
    database = db.url.database
    if not database or database == ":memory:":
        raise click.ClickException(
            "the database is in memory and has no file to back up: set FOOTFALL_DATABASE_URL "
            "to a SQLite file"
        )
    source = Path(database)
    if not source.is_file():
        raise click.ClickException(
            f"the database file {source} does not exist: check FOOTFALL_DATABASE_URL"
        )
    return source


def _copy_sqlite(source_path: Path, target_path: Path, busy_timeout_ms: int) -> int:
    source = sqlite3.connect(source_path, timeout=busy_timeout_ms / 1000)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
        # The copy keeps the source's WAL mode; a single file is easier to move, so the
        # backup is switched to a rollback journal.
        target.execute("PRAGMA journal_mode=DELETE")
        pages = int(target.execute("PRAGMA page_count").fetchone()[0])
    finally:
        target.close()
        source.close()
    return pages


def _revisions(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "empty (no tables)"
