"""Every check a developer or CI runs.

``nox`` runs the default set that CI runs; ``nox -s bench`` runs the benchmarks.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "typecheck", "firmware", "tests", "postgres"]

ROOT = Path(__file__).parent
PYTHON = "3.11"


def _install(session: nox.Session, *extras: str) -> None:
    wanted = ",".join(("test", *extras))
    session.install("-e", f".[{wanted}]")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Check style and common mistakes with ruff."""
    session.install("ruff==0.17.6")
    session.run("ruff", "check", "packages", "plugins", "tests", "migrations", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Type-check the service packages and plugins with mypy in strict mode."""
    _install(session, "postgres", "mqtt")
    session.install("mypy==2.4.1")
    session.run("mypy")


@nox.session(python=False)
def firmware(session: nox.Session) -> None:
    """Build the firmware core on the host and run its tests, also under sanitizers."""
    session.run("bash", "firmware/test/run_host_tests.sh", external=True)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the service, firmware-replay and dashboard tests on SQLite."""
    _install(session, "mqtt", "postgres")
    session.run("npm", "--prefix", "dashboard", "test", external=True)
    session.run("pytest", *session.posargs, env={"FOOTFALL_CHROMIUM": _chromium()})


@nox.session(python=PYTHON)
def postgres(session: nox.Session) -> None:
    """Run the database tests against a PostgreSQL server that the session starts."""
    _install(session, "postgres", "mqtt")
    session.run("bash", "tests/postgres/run_postgres_tests.sh", *session.posargs, external=True)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run every benchmark and write the results to docs/benchmarks.md."""
    _install(session, "postgres")
    session.run("python", "benchmarks/run_all.py", *session.posargs)


def _chromium() -> str:
    return os.environ.get("FOOTFALL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
