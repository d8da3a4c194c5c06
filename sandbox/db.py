"""The sandbox's database: typed SQLAlchemy 2 tables, the engine, and sessions.

SQLite by default, PostgreSQL by URL (``postgresql+psycopg://...``; a bare ``postgresql://``
is taken to mean psycopg 3 too); both are tested. The SQL stays portable (no JSON column
types, no upserts): bodies are stored as JSON text, times as naive UTC in ``timestamp without
time zone`` columns, so neither SQLite (which keeps no offset) nor PostgreSQL's session time
zone can shift them. Uniqueness that keeps a write from being applied twice lives in
constraints here, so two requests racing each other cannot both win (the loser's
``IntegrityError`` is answered as a replay by :mod:`sandbox.idempotency`).

On SQLite every transaction starts with ``BEGIN IMMEDIATE``: writers queue on the database
lock instead of failing with "database is locked" when two read-then-write transactions meet.
On PostgreSQL (read committed) they do not queue: a write that reads before it writes holds
what it read (``with_for_update``, or the ticket numbering's lock in :mod:`sandbox.queue`).

Blocking: every call here touches the database; FastAPI runs the handlers that use it on its
worker threads.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (BigInteger, DateTime, Engine, ForeignKey, Integer, String, Text,
                        TypeDecorator, UniqueConstraint, create_engine, event, make_url)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored as naive UTC (SQLite keeps no offset), read back as UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it an offset")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class CatalogueVersion(Base):
    """Each catalogue the sandbox has served; the newest ``loaded_at`` is current."""

    __tablename__ = "catalogue_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    """The Catalogue as JSON."""
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdempotencyRecord(Base):
    """The first answer to each ``Idempotency-Key``: replayed for the same body, refused
    (409) for another."""

    __tablename__ = "idempotency_records"
    key: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(200))
    body_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Device(Base):
    __tablename__ = "devices"
    device_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    location: Mapped[str] = mapped_column(String(120), default="")
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    app_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    device_states: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The last heartbeat's device statuses, as JSON."""
    outbox_waiting: Mapped[int] = mapped_column(BigInteger, default=0)


class ApplicationRecord(Base):
    """An application. The applicant's details stay in ``applicant`` (JSON) and are never
    served back: :class:`kiosk_app.contract.Application` carries no personal data."""

    __tablename__ = "applications"
    reference: Mapped[str] = mapped_column(String(16), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(16))
    device_id: Mapped[str] = mapped_column(String(32), ForeignKey("devices.device_id"))
    channel: Mapped[str] = mapped_column(String(8))
    agent_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    language: Mapped[str] = mapped_column(String(2))
    applicant: Mapped[str] = mapped_column(Text)
    answers: Mapped[str] = mapped_column(Text)
    attachments: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Photos of documents by field name (JSON: base64 JPEG), as personal as ``applicant``."""
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    payment: Mapped[str] = mapped_column(String(8))
    payment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    service_name: Mapped[str] = mapped_column(Text)
    """The service's name and collection words (JSON Text) as they were when it was made."""
    collection: Mapped[str] = mapped_column(Text)
    processing_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    """When the customer consented to an agent applying for them (agent channel only)."""


class StatusEventRecord(Base):
    __tablename__ = "application_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), ForeignKey("applications.reference"),
                                           index=True)
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (UniqueConstraint("reference", "seq", name="uq_event_reference_seq"),)


class PaymentRecord(Base):
    """An STK push. Its final state is fixed when it is made and shown from ``final_at`` on."""

    __tablename__ = "payments"
    payment_id: Mapped[str] = mapped_column(String(28), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), index=True)
    device_id: Mapped[str] = mapped_column(String(32), ForeignKey("devices.device_id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    phone_last4: Mapped[str] = mapped_column(String(4))
    """Only what chose the outcome: the sandbox keeps no phone number."""
    outcome: Mapped[str] = mapped_column(String(16))
    result_code: Mapped[int] = mapped_column(Integer)
    mpesa_receipt: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    final_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TicketRecord(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    counter_group: Mapped[str] = mapped_column(String(1))
    day: Mapped[str] = mapped_column(String(10))
    """The day in Nairobi, ``YYYY-MM-DD``: numbers start again at 1 each day."""
    seq: Mapped[int] = mapped_column(Integer)
    service_code: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    device_id: Mapped[str] = mapped_column(String(32), ForeignKey("devices.device_id"))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    __table_args__ = (UniqueConstraint("counter_group", "day", "seq", name="uq_ticket_number"),)


class FeedbackRecord(Base):
    __tablename__ = "feedback"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(32), ForeignKey("devices.device_id"))
    rating: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SmsRecord(Base):
    """A message the simulated SMS gateway took: the phone is kept only as its last four
    digits, as for payments."""

    __tablename__ = "sms_messages"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), ForeignKey("applications.reference"),
                                           index=True)
    device_id: Mapped[str] = mapped_column(String(32), ForeignKey("devices.device_id"))
    phone_last4: Mapped[str] = mapped_column(String(4))
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class AgentRecord(Base):
    __tablename__ = "agents"
    agent_number: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    pin_hash: Mapped[str] = mapped_column(String(300))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Wrong PINs since the last right one or the last lock."""
    lock_count: Mapped[int] = mapped_column(Integer, default=0)
    """How many times the agent has been locked since the last right PIN."""
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    id_number_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    """The agent's own ID number, hashed like the PIN, for sign-in with the ID card."""


class LedgerEntryRecord(Base):
    __tablename__ = "ledger_entries"
    entry_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_number: Mapped[str] = mapped_column(String(16), ForeignKey("agents.agent_number"),
                                              index=True)
    device_id: Mapped[str] = mapped_column(String(32), ForeignKey("devices.device_id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    debit: Mapped[str] = mapped_column(String(16))
    credit: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    service_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    memo: Mapped[str] = mapped_column(String(120), default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, say when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def shown_url(url: str) -> str:
    """The database URL as it may be printed: any password replaced by ``***``."""
    return make_url(url).render_as_string(hide_password=True)


def make_sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
