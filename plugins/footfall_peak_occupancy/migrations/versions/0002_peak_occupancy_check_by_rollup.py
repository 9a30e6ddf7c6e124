"""Check stored peaks against the quarter-hour rollup instead of an event fingerprint.

Revision ID: 0002_peak_occupancy
Revises: 0001_peak_occupancy
Create Date: 2026-12-04 23:50:00

A stored day is now valid while its entries and exits equal the day's sums in
``quarter_counts``, which one query checks for a whole year. The event count and the
highest event id, which took two queries of the events per day, are dropped. The table holds
derived data only, so it is recreated empty in both directions and refilled on request.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_peak_occupancy"
down_revision = "0001_peak_occupancy"
branch_labels = None
depends_on = None


def _create_table(with_fingerprint: bool) -> None:
    fingerprint = (
        [
            sa.Column("event_count", sa.Integer(), nullable=False),
            sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        ]
        if with_fingerprint
        else []
    )
    op.create_table(
        "peak_occupancy_days",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("day_start_ms", sa.BigInteger(), nullable=False),
        sa.Column("day_end_ms", sa.BigInteger(), nullable=False),
        sa.Column("peak", sa.Integer(), nullable=False),
        sa.Column("peak_ms", sa.BigInteger(), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("exits", sa.Integer(), nullable=False),
        *fingerprint,
        sa.Column("computed_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_peak_occupancy_days_store_id_stores",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "day_start_ms", name="pk_peak_occupancy_days"),
    )


def upgrade() -> None:
    op.drop_table("peak_occupancy_days")
    _create_table(with_fingerprint=False)


def downgrade() -> None:
    op.drop_table("peak_occupancy_days")
    _create_table(with_fingerprint=True)
