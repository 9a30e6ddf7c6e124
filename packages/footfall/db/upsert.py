"""INSERT statements with ON CONFLICT clauses for the dialect of a connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["dialect_insert"]


def dialect_insert(connection: Connection, table: Any) -> Any:
    """Return an INSERT for ``table`` that supports ``on_conflict_do_*`` on this connection."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(
        f"database dialect {connection.dialect.name!r} is not supported: use SQLite or PostgreSQL"
    )
