"""Create the core schema: stores, devices, keys, events, heartbeats and rollups.

Revision ID: 0001_core
Revises:
Create Date: 2026-12-04 20:33:19.961199
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001_core'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('day_reset_hour', sa.Integer(), nullable=False),
    sa.Column('max_dwell_s', sa.Integer(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('day_reset_hour >= 0 AND day_reset_hour <= 23', name=op.f('ck_stores_reset_hour')),
    sa.CheckConstraint('max_dwell_s > 0', name=op.f('ck_stores_max_dwell')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores')),
    sa.UniqueConstraint('name', name=op.f('uq_stores_name'))
    )
    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('settings_json', sa.Text(), nullable=False),
    sa.Column('settings_etag', sa.String(length=64), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('last_event_ms', sa.BigInteger(), nullable=True),
    sa.Column('last_heartbeat_ms', sa.BigInteger(), nullable=True),
    sa.Column('last_status_json', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_devices_store_id_stores'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('name', name=op.f('uq_devices_name'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_store_id'), ['store_id'], unique=False)

    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('last_used_ms', sa.BigInteger(), nullable=True),
    sa.Column('revoked_ms', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("(role = 'admin' AND store_id IS NULL AND device_id IS NULL) OR (role = 'viewer' AND device_id IS NULL) OR (role = 'device' AND device_id IS NOT NULL)", name=op.f('ck_api_keys_scope')),
    sa.CheckConstraint("role IN ('admin', 'viewer', 'device')", name=op.f('ck_api_keys_role')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_api_keys_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_api_keys_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_keys_store_id'), ['store_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=True),
    sa.Column('time_ms', sa.BigInteger(), nullable=False),
    sa.Column('is_entry', sa.Boolean(), nullable=False),
    sa.Column('received_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_events_device_id_devices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('device_id', 'seq', name=op.f('uq_events_device_id_seq'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_device_id_time_ms', ['device_id', 'time_ms'], unique=False)

    op.create_table('heartbeats',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('received_ms', sa.BigInteger(), nullable=False),
    sa.Column('boot_id', sa.String(length=64), nullable=False),
    sa.Column('uptime_s', sa.BigInteger(), nullable=False),
    sa.Column('firmware', sa.String(length=64), nullable=False),
    sa.Column('fps', sa.Float(), nullable=False),
    sa.Column('queue_depth', sa.Integer(), nullable=False),
    sa.Column('dropped', sa.BigInteger(), nullable=False),
    sa.Column('camera', sa.String(length=16), nullable=False),
    sa.Column('rssi_dbm', sa.Integer(), nullable=False),
    sa.Column('free_heap', sa.BigInteger(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_heartbeats_device_id_devices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_heartbeats'))
    )
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.create_index('ix_heartbeats_device_id_received_ms', ['device_id', 'received_ms'], unique=False)

    op.create_table('quarter_counts',
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.BigInteger(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('exits', sa.Integer(), nullable=False),
    sa.Column('heartbeats', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_quarter_counts_device_id_devices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_id', 'quarter', name=op.f('pk_quarter_counts'))
    )
    op.create_table('rejected_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('dialect', sa.String(length=16), nullable=False),
    sa.Column('batch_index', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw_json', sa.Text(), nullable=False),
    sa.Column('received_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_rejected_events_device_id_devices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejected_events'))
    )
    with op.batch_alter_table('rejected_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rejected_events_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rejected_events_received_ms'), ['received_ms'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rejected_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rejected_events_received_ms'))
        batch_op.drop_index(batch_op.f('ix_rejected_events_device_id'))

    op.drop_table('rejected_events')
    op.drop_table('quarter_counts')
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.drop_index('ix_heartbeats_device_id_received_ms')

    op.drop_table('heartbeats')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_device_id_time_ms')

    op.drop_table('events')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_store_id'))
        batch_op.drop_index(batch_op.f('ix_api_keys_device_id'))

    op.drop_table('api_keys')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_store_id'))

    op.drop_table('devices')
    op.drop_table('stores')
