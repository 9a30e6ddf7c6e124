"""Add the dwell cache: matched business days and their samples per entry quarter.

Revision ID: 0003_dwell_cache
Revises: 0002_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_dwell_cache"
down_revision = "0002_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dwell_days",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Integer(), nullable=False),
        sa.Column("day_start_ms", sa.BigInteger(), nullable=False),
        sa.Column("day_end_ms", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("excluded_long", sa.Integer(), nullable=False),
        sa.Column("unmatched_entries", sa.Integer(), nullable=False),
        sa.Column("unmatched_exits", sa.Integer(), nullable=False),
        sa.Column("max_dwell_s", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"],
            name=op.f("fk_dwell_days_store_id_stores"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "scope", "day_start_ms", name=op.f("pk_dwell_days")),
    )
    op.create_table(
        "dwell_quarters",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Integer(), nullable=False),
        sa.Column("day_start_ms", sa.BigInteger(), nullable=False),
        sa.Column("quarter", sa.BigInteger(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("total_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"],
            name=op.f("fk_dwell_quarters_store_id_stores"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "scope", "day_start_ms", "quarter", name=op.f("pk_dwell_quarters")
        ),
    )


def downgrade() -> None:
    op.drop_table("dwell_quarters")
    op.drop_table("dwell_days")
