"""Writes the skeleton of a Footfall analytics plugin package from the files in ``template/``.

The skeleton installs with pip, loads through the ``footfall`` entry point, creates its own
table with its own Alembic migration and passes its own tests unchanged; ``litestar footfall
new-plugin NAME`` (or ``python -m footfall.scaffold NAME``) writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from footfall import __version__

__all__ = ["PluginNames", "ScaffoldError", "plugin_names", "write_plugin"]

TEMPLATE = Path(__file__).parent / "template"
_SUFFIX = ".tmpl"
_NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")


class ScaffoldError(ValueError):
    """Raised for a plugin name that cannot be used or a target folder that is not empty."""


@dataclass(frozen=True, slots=True)
class PluginNames:
    """The names that one plugin name turns into."""

    distribution: str
    """The package name on PyPI and for pip: ``footfall-visits``."""
    module: str
    """The importable module: ``footfall_visits``."""
    entry_name: str
    """The plugin's name in FOOTFALL_PLUGINS and ``/api/v1/plugins``: ``visits``."""
    analytic_name: str
    """The analytic's name in ``/api/v1/analytics/{name}``: ``visits``."""
    class_name: str
    """The analytic's class: ``Visits``."""
    title: str
    """The analytic's title in the dashboard: ``Visits``."""


def plugin_names(name: str) -> PluginNames:
    """Derive the package, module, entry point and class names from a plugin name."""
    lowered = name.strip().lower()
    if not _NAME.fullmatch(lowered):
        raise ScaffoldError(
            f"plugin name {name!r} is invalid: use lower-case letters and digits, words "
            "separated by '-' or '_', starting with a letter (for example 'visits-per-day')"
        )
    words = [word for word in re.split(r"[-_]", lowered) if word]
    if words[0] == "footfall":
        words = words[1:]
    if not words:
        raise ScaffoldError(
            f"plugin name {name!r} is only the prefix 'footfall': add a word after it"
        )
    return PluginNames(
        distribution="footfall-" + "-".join(words),
        module="footfall_" + "_".join(words),
        entry_name="_".join(words),
        analytic_name="_".join(words),
        class_name="".join(word.capitalize() for word in words),
        title=" ".join(words).capitalize(),
    )


def write_plugin(name: str, parent: Path) -> Path:
    """Write the plugin package into ``parent/<distribution>``; return that folder."""
    names = plugin_names(name)
    target = parent / names.distribution
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(
            f"folder {target} already exists and is not empty: choose another name or "
            "another --directory, or remove the folder"
        )

    values = {
        "distribution": names.distribution,
        "module": names.module,
        "entry_name": names.entry_name,
        "analytic_name": names.analytic_name,
        "class_name": names.class_name,
        "title": names.title,
        "footfall_version": __version__,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }
    for source in sorted(TEMPLATE.rglob("*" + _SUFFIX)):
        relative = source.relative_to(TEMPLATE).as_posix().removesuffix(_SUFFIX)
        destination = target / relative.replace("MODULE", names.module)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(_render(source.read_text(encoding="utf-8"), values),
                               encoding="utf-8")
    return target


def _render(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    leftover = re.search(r"\{\{(\w+)\}\}", text)
    if leftover:  # pragma: no cover - a template error, caught by the scaffold test
        raise ScaffoldError(f"the template uses an unknown placeholder {leftover.group(0)}")
    return text
