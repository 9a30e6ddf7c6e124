"""Storage: models, engine and schema migrations."""

from footfall.db.engine import Database

__all__ = ["Database"]
