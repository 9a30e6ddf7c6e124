"""Schema migrations: upgrade, downgrade and the start-up schema check, through Alembic."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from footfall.db.engine import Database
from footfall.db.migration_lock import migration_lock
from footfall.paths import migrations_dir
from footfall.plugins import FootfallPluginManager

__all__ = [
    "MigrationError",
    "SchemaStatus",
    "alembic_config",
    "downgrade",
    "schema_status",
    "upgrade",
]

logger = logging.getLogger(__name__)


class MigrationError(RuntimeError):
    """Raised when a migration leaves the database inconsistent or cannot run."""


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """The database's revisions against the newest ones the installed code knows."""

    current: frozenset[str]
    heads: frozenset[str]

    @property
    def up_to_date(self) -> bool:
        """Whether the database is at every head revision."""
        return self.current == self.heads


def alembic_config(manager: FootfallPluginManager | None = None) -> Config:
    """Return an Alembic configuration with the core's and the plugins' version folders."""
    script_location = migrations_dir()
    locations = [str(script_location / "versions")]
    if manager is not None:
        for plugin_locations in manager.hook.footfall_migration_locations():
            locations.extend(str(location) for location in plugin_locations)

    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config


def schema_status(db: Database, manager: FootfallPluginManager | None = None) -> SchemaStatus:
    """Compare the database's revisions with the newest known ones."""
    script = ScriptDirectory.from_config(alembic_config(manager))
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return SchemaStatus(current=frozenset(current), heads=frozenset(script.get_heads()))


def upgrade(
    db: Database, manager: FootfallPluginManager | None = None, revision: str = "heads"
) -> SchemaStatus:
    """Upgrade the schema to ``revision`` (every head by default)."""
    with migration_lock(db):
        before = schema_status(db, manager)
        _run(db, manager, lambda config: command.upgrade(config, revision))
        after = schema_status(db, manager)
    if before.current != after.current:
        logger.info(
            "Database schema upgraded from %s to %s",
            ", ".join(sorted(before.current)) or "empty",
            ", ".join(sorted(after.current)),
        )
    return after


def downgrade(
    db: Database, manager: FootfallPluginManager | None = None, revision: str = "base"
) -> SchemaStatus:
    """Downgrade the schema to ``revision`` (``base`` removes every table)."""
    with migration_lock(db):
        _run(db, manager, lambda config: command.downgrade(config, revision))
        after = schema_status(db, manager)
    logger.info("Database schema downgraded to %s", ", ".join(sorted(after.current)) or "base")
    return after


def _run(db: Database, manager: FootfallPluginManager | None, step: object) -> None:
    config = alembic_config(manager)
    with db.engine.connect() as connection:
        if db.is_sqlite:
            # Batch migrations copy and rename tables, which foreign-key enforcement would
            # block or cascade through; it is turned off for the run and checked after.
            _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            config.attributes["connection"] = connection
            step(config)  # type: ignore[operator]
            connection.commit()
            if db.is_sqlite:
                _check_foreign_keys(connection)
        finally:
            if db.is_sqlite:
                _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    # The pragma has no effect inside a transaction, so it goes to the driver connection
    # directly instead of through SQLAlchemy, which would open one first.
    driver_connection = connection.connection.driver_connection
    if driver_connection is None:  # pragma: no cover - a pooled connection always has one
        raise MigrationError("the database connection is closed")
    driver_connection.execute(pragma)


def _check_foreign_keys(connection: Connection) -> None:
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    connection.commit()
    if violations:
        sample = ", ".join(f"{row[0]} row {row[1]} -> {row[2]}" for row in violations[:5])
        raise MigrationError(
            f"the migration left {len(violations)} rows whose foreign key points at no row "
            f"({sample}); restore the database from a backup and report the migration"
        )
