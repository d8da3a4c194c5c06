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
from dataclasses import dataclass
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

    def check(self) -> str:
        """SQLite's own integrity check of the file: ``ok`` or what is wrong."""
        with self._lock:
            try:
                return self._conn().execute("PRAGMA quick_check").fetchone()[0]
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
