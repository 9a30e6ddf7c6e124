"""``litestar footfall plugins`` and commands that plugins add to the group."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable, Iterator

import click
import pytest
from click.testing import CliRunner, Result

from footfall.cli import footfall_group, register_plugin_commands
from footfall.config import Settings
from footfall.hookspecs import hookimpl
from footfall.plugins import create_plugin_manager

RunCli = Callable[..., Result]


def test_plugins_lists_default_plugins(run_cli: RunCli) -> None:
    result = run_cli("plugins", "--json")

    assert result.exit_code == 0, result.output
    plugins = {plugin["name"]: plugin for plugin in json.loads(result.stdout)["plugins"]}
    assert {"apikey", "dbsink"} <= set(plugins)
    assert plugins["apikey"]["distribution"] == "footfall"
    assert plugins["apikey"]["module"] == "footfall_apikey"
    assert "footfall_auth_schemes" in plugins["apikey"]["hooks"]
    assert "footfall_event_sinks" in plugins["dbsink"]["hooks"]

    table = run_cli("plugins")
    assert table.stdout.splitlines()[0].split() == [
        "NAME", "MODULE", "DISTRIBUTION", "VERSION", "HOOKS",
    ]


def test_plugins_unknown_name_reported(run_cli: RunCli) -> None:
    result = run_cli("plugins", env={"FOOTFALL_PLUGINS": "apikey,nonesuch"})

    assert result.exit_code == 1
    assert "not installed: nonesuch" in result.output


@click.command("hello")
def _hello_command() -> None:
    """Print a greeting."""
    click.echo("hello from a plugin")


@click.command("stores")
def _clashing_command() -> None:
    """Would replace the built-in stores group."""
    click.echo("clash")


@pytest.fixture
def plugin_module() -> Iterator[str]:
    module = types.ModuleType("footfall_test_cli_plugin")

    @hookimpl
    def footfall_cli_commands() -> list[click.Command]:
        return [_hello_command, _clashing_command]

    module.footfall_cli_commands = footfall_cli_commands  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]


def test_register_adds_plugin_commands(plugin_module: str) -> None:
    group = click.Group("copy", commands=dict(footfall_group.commands))
    manager = create_plugin_manager(Settings(extra_plugins=(plugin_module,)))

    added = register_plugin_commands(group, manager)

    assert added == ["hello"]
    assert group.commands["stores"] is footfall_group.commands["stores"]
    result = CliRunner().invoke(group, ["hello"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "hello from a plugin\n"

    assert register_plugin_commands(group, manager) == []


@pytest.fixture
def restored_group() -> Iterator[None]:
    """Undo what a test's plugin adds to the module-level ``footfall_group``."""
    commands = dict(footfall_group.commands)
    yield
    footfall_group.commands.clear()
    footfall_group.commands.update(commands)
    footfall_group._footfall_plugin_commands_loaded = False  # type: ignore[attr-defined]


@pytest.mark.usefixtures("restored_group")
def test_plugin_commands_load_lazily(plugin_module: str) -> None:
    result = CliRunner().invoke(
        footfall_group, ["hello"], env={"FOOTFALL_EXTRA_PLUGINS": plugin_module}
    )

    assert result.exit_code == 0, result.output
    assert "hello from a plugin" in result.stdout


@pytest.fixture
def broken_module() -> Iterator[str]:
    module = types.ModuleType("footfall_test_broken_plugin")

    @hookimpl
    def footfall_cli_commands() -> list[click.Command]:
        raise RuntimeError("plugin bug")

    module.footfall_cli_commands = footfall_cli_commands  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]


def test_broken_plugin_keeps_help_working(broken_module: str) -> None:
    group = click.Group("copy", commands=dict(footfall_group.commands))
    manager = create_plugin_manager(Settings(extra_plugins=(broken_module,)))

    assert register_plugin_commands(group, manager) == []

    result = CliRunner().invoke(group, ["--help"])
    assert result.exit_code == 0, result.output
    assert "stores" in result.stdout


@pytest.mark.usefixtures("restored_group")
def test_help_with_invalid_settings() -> None:
    result = CliRunner().invoke(footfall_group, ["--help"], env={"FOOTFALL_PLUGINS": "nonesuch"})

    assert result.exit_code == 0, result.output
    assert "keys" in result.stdout
