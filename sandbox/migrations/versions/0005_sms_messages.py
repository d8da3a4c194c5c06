"""The simulated SMS gateway's messages: an application's reference sent to a phone when the
receipt could not print (``sms_messages``; the phone only as its last four digits).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sms_messages',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('reference', sa.String(length=16), nullable=False),
        sa.Column('device_id', sa.String(length=32), nullable=False),
        sa.Column('phone_last4', sa.String(length=4), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['devices.device_id']),
        sa.ForeignKeyConstraint(['reference'], ['applications.reference']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sms_messages_reference', 'sms_messages', ['reference'])
    op.create_index('ix_sms_messages_sent_at', 'sms_messages', ['sent_at'])


def downgrade() -> None:
    op.drop_index('ix_sms_messages_sent_at', table_name='sms_messages')
    op.drop_index('ix_sms_messages_reference', table_name='sms_messages')
    op.drop_table('sms_messages')
