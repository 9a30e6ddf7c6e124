"""``litestar footfall new-plugin``: the skeleton installs, loads and passes its own tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from footfall.scaffold import ScaffoldError, plugin_names, write_plugin
from tests.helpers import REPOSITORY


@pytest.mark.parametrize(
    ("name", "distribution", "module", "class_name"),
    [
        ("visits", "footfall-visits", "footfall_visits", "Visits"),
        ("visits-per-day", "footfall-visits-per-day", "footfall_visits_per_day", "VisitsPerDay"),
        ("footfall-queue_time", "footfall-queue-time", "footfall_queue_time", "QueueTime"),
        ("Busy2", "footfall-busy2", "footfall_busy2", "Busy2"),
    ],
)
def test_plugin_names(name: str, distribution: str, module: str, class_name: str) -> None:
    names = plugin_names(name)

    assert names.distribution == distribution
    assert names.module == module
    assert names.class_name == class_name
    assert names.entry_name == module.removeprefix("footfall_")


@pytest.mark.parametrize("name", ["", "2fast", "visits per day", "visits--day", "footfall",
                                  "café", "-visits"])
def test_invalid_names_are_rejected(name: str) -> None:
    with pytest.raises(ScaffoldError, match="plugin name"):
        plugin_names(name)


def test_non_empty_folder_is_kept(tmp_path: Path) -> None:
    existing = tmp_path / "footfall-visits"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")

    with pytest.raises(ScaffoldError, match="not empty"):
        write_plugin("visits", tmp_path)
    assert (existing / "notes.txt").read_text() == "mine"


def test_template_leaves_no_placeholder(tmp_path: Path) -> None:
    target = write_plugin("visits", tmp_path)

    files = [path for path in target.rglob("*") if path.is_file()]
    assert {path.name for path in files} >= {
        "pyproject.toml", "README.md", "__init__.py", "analytic.py", "table.py",
        "0001_footfall_visits_create_targets.py", "conftest.py", "test_footfall_visits.py",
    }
    for path in files:
        text = path.read_text()
        assert "{{" not in text, f"{path} keeps a placeholder"
        assert "MODULE" not in str(path.relative_to(target))


@pytest.mark.slow
def test_skeleton_installs_and_passes_its_tests(tmp_path: Path) -> None:
    pytest.importorskip("hatchling", reason="building the skeleton needs hatchling (test extra)")
    env = dict(os.environ, FOOTFALL_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")

    # The Litestar CLI finds the app from the repository root, as users run it.
    created = subprocess.run(
        [sys.executable, "-m", "litestar", "footfall", "new-plugin", "visits-per-day",
         "--directory", str(tmp_path)],
        cwd=REPOSITORY, env=env, capture_output=True, text=True, check=False,
    )
    assert created.returncode == 0, created.stderr
    package = Path(created.stdout.strip().splitlines()[-1])
    assert package == tmp_path / "footfall-visits-per-day"

    # A virtual environment of its own, so the plugin's entry point never reaches the
    # environment of the other tests; it sees this environment's packages through a .pth.
    venv = tmp_path / "venv"
    base_python = getattr(sys, "_base_executable", sys.executable)
    # With its own pip (from ensurepip, offline): an environment made by uv may have none.
    subprocess.run([base_python, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    venv_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )
    host_site = sysconfig.get_paths()["purelib"]
    (venv_site / "footfall_host.pth").write_text(f"import site; site.addsitedir({host_site!r})\n")

    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", str(package)],
        capture_output=True, text=True, check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    listed = subprocess.run(
        [str(python), "-c",
         "import json; from footfall.config import Settings; "
         "from footfall.plugins import create_plugin_manager, list_plugins; "
         "print(json.dumps([[p.name, p.distribution] for p in "
         "list_plugins(create_plugin_manager(Settings()))]))"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert ["visits_per_day", "footfall-visits-per-day"] in json.loads(listed.stdout)

    tested = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=package, capture_output=True, text=True, check=False,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "4 passed" in tested.stdout
