"""Settings, plugin manager and database shared by the ``litestar footfall`` commands.

Each is created on first use, so that ``--help`` and commands that need no database work
even when the database cannot be opened.
"""

from __future__ import annotations

import click
from sqlalchemy.exc import SQLAlchemyError

from footfall.config import Settings, SettingsError
from footfall.db.engine import Database
from footfall.db.migrate import MigrationError, schema_status, upgrade
from footfall.plugins import FootfallPluginManager, PluginLoadError, create_plugin_manager

__all__ = ["CliState", "get_state"]

_STATE_KEY = "footfall.cli.state"


class CliState:
    """Lazily created settings, plugin manager and database of one command run."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._manager: FootfallPluginManager | None = None
        self._database: Database | None = None

    @property
    def settings(self) -> Settings:
        """The ``FOOTFALL_*`` settings of the environment."""
        if self._settings is None:
            try:
                self._settings = Settings.from_env()
            except SettingsError as error:
                raise click.ClickException(str(error)) from error
        return self._settings

    @property
    def manager(self) -> FootfallPluginManager:
        """The plugin manager, with the plugins that FOOTFALL_PLUGINS allows."""
        if self._manager is None:
            try:
                self._manager = create_plugin_manager(self.settings)
            except PluginLoadError as error:
                raise click.ClickException(str(error)) from error
        return self._manager

    def database(self, *, migrate: bool = True) -> Database:
        """Open the database and, with ``migrate``, bring its schema up to date.

        The schema is handled as at service start-up: upgraded when FOOTFALL_AUTO_MIGRATE
        is on (the default), else checked, so that no command writes to an old schema.
        """
        if self._database is None:
            self._database = Database(self.settings)
        if migrate:
            self._prepare_schema(self._database)
        return self._database

    def close(self) -> None:
        """Close the database's pooled connections."""
        if self._database is not None:
            self._database.dispose()
            self._database = None

    def _prepare_schema(self, database: Database) -> None:
        try:
            if self.settings.auto_migrate:
                upgrade(database, self.manager)
                return
            status = schema_status(database, self.manager)
        except (MigrationError, SQLAlchemyError) as error:
            raise click.ClickException(
                f"the database at {database.url.render_as_string(hide_password=True)} could "
                f"not be opened or migrated: {error}"
            ) from error

        if not status.up_to_date:
            current = ", ".join(sorted(status.current)) or "empty"
            heads = ", ".join(sorted(status.heads))
            raise click.ClickException(
                f"the database schema is at {current} but this version needs {heads}, and "
                "FOOTFALL_AUTO_MIGRATE is off: run `litestar footfall db upgrade` first"
            )


def get_state(context: click.Context) -> CliState:
    """Return the state of this command run, creating it on first use."""
    state = context.meta.get(_STATE_KEY)
    if not isinstance(state, CliState):
        state = CliState()
        context.meta[_STATE_KEY] = state
        context.call_on_close(state.close)
    return state
