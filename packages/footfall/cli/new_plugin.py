"""``litestar footfall new-plugin NAME``: write the skeleton of an analytics plugin."""

from __future__ import annotations

from pathlib import Path

import click

from footfall.scaffold import ScaffoldError, write_plugin

__all__ = ["new_plugin_command"]


@click.command("new-plugin")
@click.argument("name")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder in which the plugin's folder is created.",
)
def new_plugin_command(name: str, directory: Path) -> None:
    """Write an analytics plugin package called footfall-NAME, ready to install and test.

    The package has an analytic with typed parameters, result and chart hint, a table of its
    own with an Alembic migration, and tests that use Footfall's fixtures. Install it with
    `pip install -e 'footfall-NAME[test]'` and run `pytest` in its folder.
    """
    try:
        target = write_plugin(name, directory)
    except ScaffoldError as error:
        raise click.UsageError(str(error)) from error
    click.echo(f"Wrote the plugin package {target}")
    click.echo(f"Next: pip install -e '{target}[test]' && (cd {target} && pytest)")
    click.echo(str(target))
