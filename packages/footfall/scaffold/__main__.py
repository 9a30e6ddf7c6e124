"""``python -m footfall.scaffold NAME``: the new-plugin command without the Litestar CLI."""

from footfall.cli.new_plugin import new_plugin_command

new_plugin_command(prog_name="python -m footfall.scaffold")
