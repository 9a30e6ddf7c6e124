"""Every hook is specified with a one-line docstring, documented in full, and tested."""

from __future__ import annotations

import inspect
import re

from footfall import hookspecs
from tests.helpers import REPOSITORY

HOOKS = sorted(name for name in vars(hookspecs) if name.startswith("footfall_"))
DOCS = (REPOSITORY / "docs" / "plugins.md").read_text(encoding="utf-8")


def _signature(name: str) -> str:
    function = getattr(hookspecs, name)
    parameters = ", ".join(
        f"{parameter.name}: {parameter.annotation}"
        for parameter in inspect.signature(function).parameters.values()
    )
    return f"def {name}({parameters}) -> {inspect.signature(function).return_annotation}"


def test_hooks_exist() -> None:
    assert HOOKS == [
        "footfall_analytics",
        "footfall_auth_schemes",
        "footfall_cli_commands",
        "footfall_event_sinks",
        "footfall_migration_locations",
        "footfall_shutdown",
        "footfall_startup",
    ]


def test_hookspecs_have_one_line_docstrings() -> None:
    for name in HOOKS:
        docstring = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert docstring, name
        assert "\n" not in docstring, name


def test_every_hook_is_documented_with_its_signature() -> None:
    for name in HOOKS:
        assert f"### `{name}`" in DOCS, name
        assert _signature(name) in DOCS, _signature(name)


def test_every_hook_has_its_own_test() -> None:
    test_sources = "\n".join(
        path.read_text(encoding="utf-8") for path in (REPOSITORY / "tests").rglob("test_*.py")
    )
    for name in HOOKS:
        assert re.search(rf"^def test_hook_{name}\(", test_sources, re.MULTILINE), name
