"""Add the access generation: a counter that triggers raise on each change to keys' access.

Every process caches verified API keys and device look-ups, and empties its caches when it
reads a different ``access_generation.generation``. The triggers raise the counter on every
insert, update or delete of ``api_keys`` except an update of ``last_used_ms`` alone, on an
update of a device's ``id``, ``name`` or ``store_id`` and on a device's deletion, and on every
update or deletion of a store. Ingest updates ``devices.last_event_ms`` and the heartbeat
columns with each request, so those columns are left out on purpose.

SQLite drops a table's triggers with the table, and Alembic's batch mode recreates a table to
alter it: a later migration that alters ``api_keys``, ``devices`` or ``stores`` in batch mode
must create these triggers again (``tests/db/test_access_generation.py`` checks them at head).

Revision ID: 0004_access_generation
Revises: 0003_dwell_cache
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_access_generation"
down_revision = "0003_dwell_cache"
branch_labels = None
depends_on = None

#: Table name to (whether inserts count, the columns whose update counts). The columns are
#: written out, not "all but the bookkeeping ones", because triggers can only list columns.
_WATCHED = {
    "api_keys": (
        True,
        "id, key_hash, prefix, role, store_id, device_id, label, created_ms, revoked_ms",
    ),
    "devices": (False, "id, name, store_id"),
    "stores": (False, "id, name, timezone, day_reset_hour, max_dwell_s, created_ms"),
}

_BUMP = "UPDATE access_generation SET generation = generation + 1"


def upgrade() -> None:
    op.create_table(
        "access_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_access_generation_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_generation")),
    )
    op.execute("INSERT INTO access_generation (id, generation) VALUES (1, 0)")

    if op.get_bind().dialect.name == "postgresql":
        _create_postgresql_triggers()
    else:
        _create_sqlite_triggers()


def _create_sqlite_triggers() -> None:
    # SQLite has row-level triggers only; each fires once per changed row.
    for table, (inserts_count, columns) in _WATCHED.items():
        events = [("update", f"UPDATE OF {columns}"), ("delete", "DELETE")]
        if inserts_count:
            events.insert(0, ("insert", "INSERT"))
        for suffix, event in events:
            op.execute(
                f"CREATE TRIGGER access_generation_{table}_{suffix} AFTER {event} ON {table} "
                f"BEGIN {_BUMP}; END"
            )


def _create_postgresql_triggers() -> None:
    op.execute(
        "CREATE FUNCTION footfall_bump_access_generation() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {_BUMP}; RETURN NULL; END $$"
    )
    # One bump per statement, not per row, so that an import of many keys takes the
    # counter's row lock once. A statement that changes no row still bumps it.
    for table, (inserts_count, columns) in _WATCHED.items():
        events = f"UPDATE OF {columns} OR DELETE OR TRUNCATE"
        if inserts_count:
            events = "INSERT OR " + events
        op.execute(
            f"CREATE TRIGGER access_generation_{table} AFTER {events} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION footfall_bump_access_generation()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _WATCHED:
            op.execute(f"DROP TRIGGER access_generation_{table} ON {table}")
        op.execute("DROP FUNCTION footfall_bump_access_generation()")
    else:
        for table in _WATCHED:
            for suffix in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS access_generation_{table}_{suffix}")

    op.drop_table("access_generation")
