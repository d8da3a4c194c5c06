"""The outbox's store: SQLite in WAL mode with durable commits.

Each row carries its lifecycle (pending -> sending -> sent | failed), its attempts, the last
error and when each change happened. A write is committed (``synchronous=FULL``) before the
person is told it was accepted, and its idempotency key makes a second send of the same row
harmless at the backend.

The file is opened on first use, not when the object is made, so building the kiosk touches no
disk. Every method may block on the disk: call from a worker thread in the app.
"""
from __future__ import annotations

import enum
import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk_app.clock import Clock, SystemClock

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    payload          BLOB NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_status ON outbox (status, id);
"""


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxError(Exception):
    """The outbox's file cannot be used (missing folder, no space, not a database)."""


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[str, int]
    oldest_waiting: str | None
    """When the oldest row not yet sent was made (ISO 8601), or None."""

    @property
    def waiting(self) -> int:
        return sum(n for s, n in self.counts.items() if s != OutboxStatus.SENT.value)


@dataclass(frozen=True)
class OutboxRow:
    idempotency_key: str
    kind: str
    payload: dict[str, Any] = field(repr=False)
    status: OutboxStatus
    attempts: int
    last_error: str | None
    created_at: str
    updated_at: str


class Outbox:
    def __init__(self, path: str | Path, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or SystemClock()
        self._db: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    def _conn(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=5000")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise OutboxError(f"{self.path} was written by a newer version (schema {version})")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as err:
            raise OutboxError(f"{self.path}: {err}") from err
        except OSError as err:
            raise OutboxError(f"{self.path}: {err.strerror or err}") from err
        self._db = db
        return db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def enqueue(self, kind: str, payload: dict[str, Any], *,
                idempotency_key: str | None = None) -> str:
        """Store one write durably; returns its idempotency key. The same key twice is kept once."""
        key = idempotency_key or str(uuid.uuid4())
        now = self._clock.now().isoformat()
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        with self._lock:
            try:
                self._conn().execute(
                    "INSERT INTO outbox (idempotency_key, kind, payload, status, created_at,"
                    " updated_at) VALUES (?, ?, ?, 'pending', ?, ?)"
                    " ON CONFLICT (idempotency_key) DO NOTHING",
                    (key, kind, body, now, now),
                )
            except sqlite3.DatabaseError as err:
                raise OutboxError(str(err)) from err
        return key

    def summary(self) -> OutboxSummary:
        with self._lock:
            try:
                db = self._conn()
                rows = db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall()
                oldest = db.execute(
                    "SELECT min(created_at) FROM outbox WHERE status != 'sent'"
                ).fetchone()[0]
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
        counts = {s.value: 0 for s in OutboxStatus}
        counts.update(dict(rows))
        return OutboxSummary(counts, oldest)

    # -- a row's lifecycle: pending -> sending -> sent, or back to pending with the error -------
    def claim(self, kind: str) -> OutboxRow | None:
        """Take the oldest pending row of ``kind`` for sending (pending -> sending), or None.
        One transaction: two workers never claim the same row."""
        now = self._clock.now().isoformat()
        with self._lock:
            db = self._conn()
            try:
                db.execute("BEGIN IMMEDIATE")
                row = db.execute(
                    "SELECT idempotency_key FROM outbox WHERE kind = ? AND status = 'pending'"
                    " ORDER BY id LIMIT 1", (kind,)).fetchone()
                if row is None:
                    db.execute("COMMIT")
                    return None
                db.execute("UPDATE outbox SET status = 'sending', attempts = attempts + 1,"
                           " updated_at = ? WHERE idempotency_key = ?", (now, row[0]))
                db.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise OutboxError(str(err)) from err
        return self.get(row[0])

    def complete(self, key: str) -> None:
        """The far side has all of it (sending -> sent)."""
        self._move(key, OutboxStatus.SENT, None)

    def release(self, key: str, error: str) -> None:
        """It did not go: back to pending, with why (sending -> pending)."""
        self._move(key, OutboxStatus.PENDING, error)

    def fail(self, key: str, error: str) -> None:
        """It can never go as it is (sending -> failed); a person must look at it."""
        self._move(key, OutboxStatus.FAILED, error)

    def _move(self, key: str, status: OutboxStatus, error: str | None) -> None:
        now = self._clock.now().isoformat()
        with self._lock:
            try:
                cursor = self._conn().execute(
                    "UPDATE outbox SET status = ?, last_error = ?, updated_at = ?"
                    " WHERE idempotency_key = ? AND status = 'sending'",
                    (status.value, error, now, key))
            except sqlite3.DatabaseError as err:
                raise OutboxError(str(err)) from err
        if cursor.rowcount != 1:
            raise OutboxError(f"row {key} was not being sent")

    def recover(self) -> int:
        """After a crash or a power cut: rows left "sending" go back to pending. Returns how
        many. Call once at start, before any worker runs."""
        now = self._clock.now().isoformat()
        with self._lock:
            try:
                cursor = self._conn().execute(
                    "UPDATE outbox SET status = 'pending', updated_at = ?,"
                    " last_error = coalesce(last_error, 'interrupted') WHERE status = 'sending'",
                    (now,))
            except sqlite3.DatabaseError as err:
                raise OutboxError(str(err)) from err
        return cursor.rowcount

    def get(self, key: str) -> OutboxRow | None:
        with self._lock:
            try:
                row = self._conn().execute(
                    "SELECT idempotency_key, kind, payload, status, attempts, last_error,"
                    " created_at, updated_at FROM outbox WHERE idempotency_key = ?",
                    (key,)).fetchone()
            except sqlite3.DatabaseError as err:
                raise OutboxError(str(err)) from err
        if row is None:
            return None
        return OutboxRow(row[0], row[1], json.loads(row[2]), OutboxStatus(row[3]), row[4],
                         row[5], row[6], row[7])

    def rows(self, kind: str | None = None, status: OutboxStatus | None = None) -> list[OutboxRow]:
        query = "SELECT idempotency_key FROM outbox WHERE 1=1"
        params: list[str] = []
        if kind is not None:
            query += " AND kind = ?"
            params.append(kind)
        if status is not None:
            query += " AND status = ?"
            params.append(status.value)
        with self._lock:
            try:
                keys = [r[0] for r in self._conn().execute(query + " ORDER BY id", params)]
            except sqlite3.DatabaseError as err:
                raise OutboxError(str(err)) from err
        return [row for key in keys if (row := self.get(key)) is not None]

    def check(self) -> str:
        """SQLite's own integrity check of the file: ``ok`` or what is wrong."""
        with self._lock:
            try:
                return self._conn().execute("PRAGMA quick_check").fetchone()[0]
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
