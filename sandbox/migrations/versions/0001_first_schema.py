"""The first schema: catalogue versions, devices, idempotency records, applications and their
events, payments, tickets, feedback, agents and their ledger.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('agent_number', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('pin_hash', sa.String(length=300), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('lock_count', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('agent_number')
    )
    op.create_table('catalogue_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version')
    )
    op.create_table('devices',
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.String(length=200), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('app_version', sa.String(length=40), nullable=True),
    sa.Column('device_states', sa.Text(), nullable=True),
    sa.Column('outbox_waiting', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('device_id'),
    sa.UniqueConstraint('token_sha256')
    )
    op.create_index('ix_devices_key_id', 'devices', ['key_id'], unique=False)
    op.create_table('idempotency_records',
    sa.Column('key', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('applications',
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('service_code', sa.String(length=16), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('agent_number', sa.String(length=16), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('applicant', sa.Text(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('payment', sa.String(length=8), nullable=False),
    sa.Column('payment_id', sa.String(length=64), nullable=True),
    sa.Column('service_name', sa.Text(), nullable=False),
    sa.Column('collection', sa.Text(), nullable=False),
    sa.Column('processing_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.device_id'], ),
    sa.PrimaryKeyConstraint('reference')
    )
    op.create_index('ix_applications_received_at', 'applications', ['received_at'], unique=False)
    op.create_table('feedback',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('service_code', sa.String(length=16), nullable=True),
    sa.Column('reference', sa.String(length=16), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.device_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('ledger_entries',
    sa.Column('entry_id', sa.String(length=36), nullable=False),
    sa.Column('agent_number', sa.String(length=16), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('debit', sa.String(length=16), nullable=False),
    sa.Column('credit', sa.String(length=16), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=True),
    sa.Column('service_code', sa.String(length=16), nullable=True),
    sa.Column('memo', sa.String(length=120), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_number'], ['agents.agent_number'], ),
    sa.ForeignKeyConstraint(['device_id'], ['devices.device_id'], ),
    sa.PrimaryKeyConstraint('entry_id')
    )
    op.create_index('ix_ledger_entries_agent_number', 'ledger_entries', ['agent_number'], unique=False)
    op.create_index('ix_ledger_entries_at', 'ledger_entries', ['at'], unique=False)
    op.create_table('payments',
    sa.Column('payment_id', sa.String(length=28), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('phone_last4', sa.String(length=4), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('result_code', sa.Integer(), nullable=False),
    sa.Column('mpesa_receipt', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('final_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.device_id'], ),
    sa.PrimaryKeyConstraint('payment_id')
    )
    op.create_index('ix_payments_reference', 'payments', ['reference'], unique=False)
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('counter_group', sa.String(length=1), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=True),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.device_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('counter_group', 'day', 'seq', name='uq_ticket_number')
    )
    op.create_index('ix_tickets_issued_at', 'tickets', ['issued_at'], unique=False)
    op.create_table('application_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['reference'], ['applications.reference'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference', 'seq', name='uq_event_reference_seq')
    )
    op.create_index('ix_application_events_reference', 'application_events', ['reference'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_application_events_reference', table_name='application_events')
    op.drop_table('application_events')
    op.drop_index('ix_tickets_issued_at', table_name='tickets')
    op.drop_table('tickets')
    op.drop_index('ix_payments_reference', table_name='payments')
    op.drop_table('payments')
    op.drop_index('ix_ledger_entries_at', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_agent_number', table_name='ledger_entries')
    op.drop_table('ledger_entries')
    op.drop_table('feedback')
    op.drop_index('ix_applications_received_at', table_name='applications')
    op.drop_table('applications')
    op.drop_table('idempotency_records')
    op.drop_index('ix_devices_key_id', table_name='devices')
    op.drop_table('devices')
    op.drop_table('catalogue_versions')
    op.drop_table('agents')
