"""Create the table of computed daily peaks of the peak occupancy plugin.

Revision ID: 0001_peak_occupancy
Revises:
Create Date: 2026-12-04 21:00:00

The plugin's migrations are a branch of their own (label ``peak_occupancy``) that depends on
the core's first revision, which creates the ``stores`` table it refers to.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_peak_occupancy"
down_revision = None
branch_labels = ("peak_occupancy",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "peak_occupancy_days",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("day_start_ms", sa.BigInteger(), nullable=False),
        sa.Column("day_end_ms", sa.BigInteger(), nullable=False),
        sa.Column("peak", sa.Integer(), nullable=False),
        sa.Column("peak_ms", sa.BigInteger(), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("exits", sa.Integer(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("computed_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_peak_occupancy_days_store_id_stores",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "day_start_ms", name="pk_peak_occupancy_days"),
    )


def downgrade() -> None:
    op.drop_table("peak_occupancy_days")
