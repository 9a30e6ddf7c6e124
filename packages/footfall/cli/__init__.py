"""The ``litestar footfall`` command line: database, stores, devices, keys, plugins, import.

``pyproject.toml`` registers :data:`footfall_group` under the ``litestar.commands`` entry
point, so the Litestar CLI adds it as ``litestar footfall``. Every command reads the
``FOOTFALL_*`` settings and prepares the database schema the same way service start-up does.
"""

from __future__ import annotations

import logging

import click

from footfall.cli.db import db_group
from footfall.cli.devices import devices_group
from footfall.cli.group import FootfallGroup
from footfall.cli.imports import import_group
from footfall.cli.keys import keys_group
from footfall.cli.new_plugin import new_plugin_command
from footfall.cli.outbox import outbox_group
from footfall.cli.plugins import plugins_command, rollups_group
from footfall.cli.stores import stores_group
from footfall.config import Settings, SettingsError
from footfall.plugins import FootfallPluginManager, PluginLoadError, create_plugin_manager
from footfall.replay.command import replay

__all__ = ["footfall_group", "register_plugin_commands"]

logger = logging.getLogger(__name__)

_PLUGIN_COMMANDS_LOADED = "_footfall_plugin_commands_loaded"


class _PluginCommandGroup(FootfallGroup):
    """The top-level group: adds the plugins' commands the first time a command is looked up.

    Loading them on first use, not at import, keeps ``import footfall.cli`` free of plugin
    imports, which the Litestar CLI does for every ``litestar`` command.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        register_plugin_commands(self)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            register_plugin_commands(self)
        return super().get_command(ctx, cmd_name)


@click.group("footfall", cls=_PluginCommandGroup)
def footfall_group() -> None:
    """Manage the Footfall service: database, stores, devices, API keys, plugins and imports.

    Settings come from FOOTFALL_* environment variables, such as FOOTFALL_DATABASE_URL
    (default sqlite:///footfall.db in the working directory).
    """


footfall_group.add_command(db_group)
footfall_group.add_command(stores_group)
footfall_group.add_command(devices_group)
footfall_group.add_command(keys_group)
footfall_group.add_command(plugins_command)
footfall_group.add_command(rollups_group)
footfall_group.add_command(import_group)
footfall_group.add_command(outbox_group)
footfall_group.add_command(replay)
footfall_group.add_command(new_plugin_command)


def register_plugin_commands(
    group: click.Group, manager: FootfallPluginManager | None = None
) -> list[str]:
    """Add the commands of the plugins' ``footfall_cli_commands`` hook to ``group``.

    Return the names added. The group is handled once, so later calls add nothing. A plugin
    that fails to load, and a command whose name is taken, are logged and skipped, so that
    ``--help`` and the built-in commands keep working.
    """
    if getattr(group, _PLUGIN_COMMANDS_LOADED, False):
        return []
    setattr(group, _PLUGIN_COMMANDS_LOADED, True)

    if manager is None:
        try:
            manager = create_plugin_manager(Settings.from_env())
        except (SettingsError, PluginLoadError) as error:
            logger.warning("Plugin commands are not available: %s", error)
            return []

    try:
        command_lists = manager.hook.footfall_cli_commands()
    except Exception:
        # A broken plugin must not take the built-in commands down with it.
        logger.exception("A plugin's footfall_cli_commands hook failed; its commands are skipped")
        return []

    added = []
    for commands in command_lists:
        for command in commands or []:
            name = command.name
            if name is None or name in group.commands:
                if group.commands.get(name or "") is not command:
                    logger.warning(
                        "Plugin command %r is skipped: a command of that name exists", name
                    )
                continue
            group.add_command(command)
            added.append(name)
    return added
