"""Agents sign in with their ID card too (``agents.id_number_hash``), and an application an
agent makes records when the customer consented (``applications.consent_at``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agents') as batch_op:
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=300), nullable=True))
    with op.batch_alter_table('applications') as batch_op:
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('applications') as batch_op:
        batch_op.drop_column('consent_at')
    with op.batch_alter_table('agents') as batch_op:
        batch_op.drop_column('id_number_hash')
