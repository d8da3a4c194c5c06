"""A device's ``outbox_waiting`` is a BIGINT: the contract bounds it only below, and on
PostgreSQL an INTEGER (32 bits) refused counts SQLite keeps.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('devices') as batch_op:
        batch_op.alter_column('outbox_waiting', existing_type=sa.Integer(),
                              type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('devices') as batch_op:
        batch_op.alter_column('outbox_waiting', existing_type=sa.BigInteger(),
                              type_=sa.Integer(), existing_nullable=False)
