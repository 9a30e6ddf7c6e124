"""Where the service finds its migrations and dashboard files."""

from __future__ import annotations

from pathlib import Path

__all__ = ["dashboard_dir", "migrations_dir", "repository_root"]

_PACKAGE = Path(__file__).resolve().parent


def repository_root() -> Path | None:
    """Return the source checkout this package runs from (editable install), if any."""
    root = _PACKAGE.parents[1]
    if (root / "pyproject.toml").is_file() and (root / "migrations").is_dir():
        return root
    return None


def migrations_dir() -> Path:
    """Return the Alembic environment folder: the checkout's, else the one in the wheel."""
    root = repository_root()
    if root is not None:
        return root / "migrations"
    return _PACKAGE / "_bundled" / "migrations"


def dashboard_dir(configured: str = "") -> Path:
    """Return the folder served at ``/dashboard/``."""
    if configured:
        return Path(configured)
    root = repository_root()
    if root is not None:
        return root / "dashboard"
    return _PACKAGE / "_bundled" / "dashboard"
