"""The agent's own file, ``<data dir>/agent.sqlite3``: PIN locks, shifts, and the books as this
device knows them.

    store = AgentStore(config.data_dir / AGENT_FILE, clock=clock)
    store.add_entries([...]); store.entries("BA-0001", since, until)

The outbox is the record of what must reach the backend: an application and its ledger entries
go into it in one transaction (:meth:`kiosk_app.outbox.Outbox.enqueue_many`). This file is
this device's index of the same books, for the day's reports, reconciliation and the Z-report:
written right after the outbox, and caught up from the outbox when it is opened
(:meth:`agent_mode.ledger.Books.catch_up`), so a crash between the two loses nothing. It holds
no personal data: agent numbers, references, service codes, amounts and times.

SQLite in WAL mode, ``synchronous=FULL``; times are kept as UTC ISO 8601 with microseconds, so
that they sort as text. The file is opened on first use, never when the object is made.

Blocking (disk): every method; call from a worker thread in the app. Thread-safe.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from kiosk_app import contract
from kiosk_app.clock import Clock, SystemClock
from kiosk_app.contract import LedgerAccount

AGENT_FILE = "agent.sqlite3"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lockouts (
    agent_number     TEXT PRIMARY KEY,
    failed_attempts  INTEGER NOT NULL,
    lock_count       INTEGER NOT NULL,
    locked_until     TEXT
);
CREATE TABLE IF NOT EXISTS shifts (
    shift_id         TEXT PRIMARY KEY,
    agent_number     TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    opening_cents    INTEGER NOT NULL CHECK (opening_cents >= 0),
    ended_at         TEXT,
    closing_cents    INTEGER,
    expected_cents   INTEGER
);
CREATE INDEX IF NOT EXISTS shifts_by_agent ON shifts (agent_number, started_at);
CREATE TABLE IF NOT EXISTS entries (
    entry_id         TEXT PRIMARY KEY,
    agent_number     TEXT NOT NULL,
    at               TEXT NOT NULL,
    debit            TEXT NOT NULL,
    credit           TEXT NOT NULL CHECK (credit != debit),
    amount_cents     INTEGER NOT NULL CHECK (amount_cents > 0),
    reference        TEXT,
    service_code     TEXT,
    memo             TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_agent ON entries (agent_number, at);
CREATE TABLE IF NOT EXISTS transactions (
    reference        TEXT PRIMARY KEY,
    agent_number     TEXT NOT NULL,
    at               TEXT NOT NULL,
    service_code     TEXT NOT NULL,
    payment          TEXT NOT NULL,
    amount_cents     INTEGER NOT NULL,
    consent_at       TEXT
);
CREATE INDEX IF NOT EXISTS transactions_by_agent ON transactions (agent_number, at);
"""


class AgentStoreError(Exception):
    """The agent's file cannot be used (a missing folder, no space, not a database)."""


def stamp(moment: datetime) -> str:
    """A time as this file keeps it: UTC, microseconds, so that text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime cannot be kept: give it an offset")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def unstamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class BookEntry:
    """One ledger entry as this device keeps it: the contract's entry and whose books."""

    agent_number: str
    entry: contract.LedgerEntryIn

    @property
    def entry_id(self) -> str:
        return self.entry.entry_id


@dataclass(frozen=True)
class Transaction:
    """An application an agent made for a customer (no personal data)."""

    reference: str
    agent_number: str
    at: datetime
    service_code: str
    payment: str
    """``cash``, ``mpesa`` or ``none``."""
    amount_cents: int
    consent_at: datetime | None


@dataclass(frozen=True)
class LockRecord:
    failed_attempts: int = 0
    """Wrong PINs since the last right one or the last lock."""
    lock_count: int = 0
    """Locks since the last right PIN (each lasts twice as long as the one before)."""
    locked_until: datetime | None = None


@dataclass(frozen=True)
class ShiftRecord:
    shift_id: str
    agent_number: str
    started_at: datetime
    opening_cents: int
    ended_at: datetime | None = None
    closing_cents: int | None = None
    expected_cents: int | None = None


class AgentStore:
    def __init__(self, path: str | Path, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or SystemClock()
        self._db: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    def _conn(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=5000")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise AgentStoreError(f"{self.path} was written by a newer version "
                                      f"(schema {version})")
            db.executescript("BEGIN IMMEDIATE;" + _SCHEMA +
                             f"PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
        except (sqlite3.DatabaseError, OSError) as err:
            if db is not None:
                db.close()
            raise AgentStoreError(f"{self.path}: {err}") from err
        self._db = db
        return db

    def _run(self, sql: str, params: Iterable[object] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn().execute(sql, tuple(params)).fetchall()
            except sqlite3.DatabaseError as err:
                raise AgentStoreError(f"{self.path}: {err}") from err

    def _many(self, sql: str, rows: list[tuple]) -> int:
        """One transaction; how many rows were written."""
        with self._lock:
            db = self._conn()
            try:
                db.execute("BEGIN IMMEDIATE")
                written = 0
                for row in rows:
                    written += db.execute(sql, row).rowcount
                db.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise AgentStoreError(f"{self.path}: {err}") from err
            return written

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- PIN locks ----------------------------------------------------------------------------
    def lock_record(self, agent_number: str) -> LockRecord:
        rows = self._run("SELECT failed_attempts, lock_count, locked_until FROM lockouts"
                         " WHERE agent_number = ?", (agent_number,))
        if not rows:
            return LockRecord()
        failed, count, until = rows[0]
        return LockRecord(failed, count, unstamp(until) if until else None)

    def save_lock_record(self, agent_number: str, record: LockRecord) -> None:
        self._run("INSERT INTO lockouts (agent_number, failed_attempts, lock_count, locked_until)"
                  " VALUES (?, ?, ?, ?) ON CONFLICT (agent_number) DO UPDATE SET"
                  " failed_attempts = excluded.failed_attempts, lock_count = excluded.lock_count,"
                  " locked_until = excluded.locked_until",
                  (agent_number, record.failed_attempts, record.lock_count,
                   stamp(record.locked_until) if record.locked_until else None))

    # -- shifts -------------------------------------------------------------------------------
    _SHIFT_COLUMNS = ("shift_id, agent_number, started_at, opening_cents, ended_at, closing_cents,"
                      " expected_cents")

    @staticmethod
    def _shift(row: tuple) -> ShiftRecord:
        shift_id, agent, started, opening, ended, closing, expected = row
        return ShiftRecord(shift_id, agent, unstamp(started), opening,
                           unstamp(ended) if ended else None, closing, expected)

    def open_shift(self, agent_number: str) -> ShiftRecord | None:
        rows = self._run(f"SELECT {self._SHIFT_COLUMNS} FROM shifts WHERE agent_number = ?"
                         " AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1", (agent_number,))
        return self._shift(rows[0]) if rows else None

    def shift(self, shift_id: str) -> ShiftRecord | None:
        rows = self._run(f"SELECT {self._SHIFT_COLUMNS} FROM shifts WHERE shift_id = ?",
                         (shift_id,))
        return self._shift(rows[0]) if rows else None

    def add_shift(self, record: ShiftRecord) -> bool:
        """Keep a new shift unless the agent has one open; False when one is open."""
        with self._lock:
            db = self._conn()
            try:
                db.execute("BEGIN IMMEDIATE")
                if db.execute("SELECT 1 FROM shifts WHERE agent_number = ? AND ended_at IS NULL",
                              (record.agent_number,)).fetchone():
                    db.execute("ROLLBACK")
                    return False
                db.execute(f"INSERT INTO shifts ({self._SHIFT_COLUMNS}) VALUES (?, ?, ?, ?,"
                           " NULL, NULL, NULL)", (record.shift_id, record.agent_number,
                                                  stamp(record.started_at), record.opening_cents))
                db.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise AgentStoreError(f"{self.path}: {err}") from err
        return True

    def close_shift(self, shift_id: str, ended_at: datetime, closing_cents: int,
                    expected_cents: int) -> bool:
        """Close an open shift; False when it was not open."""
        return self._many("UPDATE shifts SET ended_at = ?, closing_cents = ?, expected_cents = ?"
                          " WHERE shift_id = ? AND ended_at IS NULL",
                          [(stamp(ended_at), closing_cents, expected_cents, shift_id)]) == 1

    def shifts_between(self, agent_number: str, since: datetime,
                       until: datetime) -> list[ShiftRecord]:
        """Shifts that began in ``[since, until)``, oldest first."""
        rows = self._run(f"SELECT {self._SHIFT_COLUMNS} FROM shifts WHERE agent_number = ?"
                         " AND started_at >= ? AND started_at < ? ORDER BY started_at",
                         (agent_number, stamp(since), stamp(until)))
        return [self._shift(row) for row in rows]

    # -- the books ----------------------------------------------------------------------------
    def add_entries(self, entries: Iterable[BookEntry]) -> int:
        """Keep entries not kept yet (by entry id); how many were new."""
        rows = [(e.agent_number, e.entry.entry_id, stamp(e.entry.at), e.entry.debit.value,
                 e.entry.credit.value, e.entry.amount_cents, e.entry.reference,
                 e.entry.service_code, e.entry.memo) for e in entries]
        return self._many("INSERT INTO entries (agent_number, entry_id, at, debit, credit,"
                          " amount_cents, reference, service_code, memo) VALUES"
                          " (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO NOTHING", rows)

    def entry_ids(self) -> set[str]:
        return {row[0] for row in self._run("SELECT entry_id FROM entries")}

    def entries(self, agent_number: str, since: datetime, until: datetime) -> list[BookEntry]:
        """An agent's entries with ``since <= at < until``, in time order (then by id, as the
        backend orders them)."""
        rows = self._run("SELECT agent_number, entry_id, at, debit, credit, amount_cents,"
                         " reference, service_code, memo FROM entries WHERE agent_number = ?"
                         " AND at >= ? AND at < ? ORDER BY at, entry_id",
                         (agent_number, stamp(since), stamp(until)))
        return [BookEntry(agent, contract.LedgerEntryIn(
            entry_id=entry_id, at=unstamp(at), debit=LedgerAccount(debit),
            credit=LedgerAccount(credit), amount_cents=amount, reference=reference,
            service_code=service, memo=memo))
            for agent, entry_id, at, debit, credit, amount, reference, service, memo in rows]

    def add_transactions(self, transactions: Iterable[Transaction]) -> int:
        rows = [(t.reference, t.agent_number, stamp(t.at), t.service_code, t.payment,
                 t.amount_cents, stamp(t.consent_at) if t.consent_at else None)
                for t in transactions]
        return self._many("INSERT INTO transactions (reference, agent_number, at, service_code,"
                          " payment, amount_cents, consent_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                          " ON CONFLICT (reference) DO NOTHING", rows)

    def transaction_references(self) -> set[str]:
        return {row[0] for row in self._run("SELECT reference FROM transactions")}

    def transactions(self, agent_number: str, since: datetime,
                     until: datetime) -> list[Transaction]:
        rows = self._run("SELECT reference, agent_number, at, service_code, payment, amount_cents,"
                         " consent_at FROM transactions WHERE agent_number = ? AND at >= ?"
                         " AND at < ? ORDER BY at, reference",
                         (agent_number, stamp(since), stamp(until)))
        return [Transaction(reference, agent, unstamp(at), service, payment, amount,
                            unstamp(consent) if consent else None)
                for reference, agent, at, service, payment, amount, consent in rows]
