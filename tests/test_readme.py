"""The README lists every setting with its default, and opens with the two commands."""

from __future__ import annotations

import dataclasses
import re

from footfall.config import ENV_PREFIX, Settings
from tests.helpers import REPOSITORY

README = (REPOSITORY / "README.md").read_text(encoding="utf-8")


def test_every_setting_listed() -> None:
    listed = set(re.findall(r"^\| `(FOOTFALL_[A-Z0-9_]+)` \|", README, re.MULTILINE))
    names = {ENV_PREFIX + field.name.upper() for field in dataclasses.fields(Settings)}

    assert names - listed == set()
    assert listed - names == set()


def _first_block_after(heading: str) -> str:
    section = README.split(f"\n## {heading}\n", 1)[1]
    block = re.search(r"```console\n(.*?)```", section, re.DOTALL)
    assert block is not None, heading
    return block.group(1).strip()


def test_two_commands_in_code_blocks() -> None:
    assert _first_block_after("Run the service").endswith("pip install -e . && litestar run")
    assert _first_block_after("Run the tests") == "python3 -m nox"


def test_ci_runs_the_readme_test_command() -> None:
    script = (REPOSITORY / ".ci" / "run").read_text(encoding="utf-8")
    last_command = [line for line in script.splitlines() if line and not line.startswith("#")][-1]

    assert last_command == "python3 -m nox"
