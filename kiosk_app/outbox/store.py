"""The outbox's store: SQLite in WAL mode with durable commits, personal fields sealed at rest.

Each row carries its lifecycle (pending -> sending -> sent | failed), its attempts, the last
error and when each change happened. A write is committed (``synchronous=FULL``) before the
person is told it was accepted, and its idempotency key makes a second send of the same row
harmless at the backend.

Personal data is sealed: ``enqueue(kind, payload, personal=("applicant", "answers"))`` keeps
the named top-level fields of the payload in a separate column, encrypted with this device's
outbox key (:mod:`kiosk_app.outbox.sealing`, AES-256-GCM bound to the row's idempotency key and
kind); the rest stays plain JSON, so counts, lists and references need no key. ``get`` and
``rows`` give the whole payload back (opened) unless asked for the plain part only. Once a row
has been sent for longer than the retention, :meth:`Outbox.purge` drops its sealed data and
marks it purged; the row itself (reference, kind, times) stays, for counts and the books.
``secure_delete`` is on and a purge checkpoints the write-ahead log, so purged data does not
linger in free pages or old log frames.

The key lives beside the outbox file (``outbox.key``) unless another path is given, and is made
on the first write that needs it. When the file is missing but rows still hold sealed data, or
the key is not the one that sealed them, the outbox refuses with :class:`OutboxError` (naming
files and rows, never the data) instead of making a new key.

Schema versions: 1 had no sealing; a version-1 file is migrated in place when first opened
(new columns; personal fields of kinds known to carry them are sealed then).

The file is opened on first use, not when the object is made, so building the kiosk touches no
disk. Every method may block on the disk: call from a worker thread in the app.
"""
from __future__ import annotations

import enum
import json
import sqlite3
import threading
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk_app.clock import Clock, SystemClock
from kiosk_app.outbox.sealing import OUTBOX_KEY_FILE, OutboxKey, SealingError

SCHEMA_VERSION = 2

DEFAULT_RETENTION_H = 72.0
"""Hours the personal data of a sent row is kept before :meth:`Outbox.purge` drops it."""

PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "application": ("applicant", "answers", "attachments"),
    "sms": ("phone",)}
"""The top-level payload fields sealed by default, per kind (when ``enqueue`` is not told)."""

_COLUMNS = ("idempotency_key, kind, payload, status, attempts, last_error, created_at,"
            " updated_at, sealed, sent_at, purged_at")

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
    updated_at       TEXT NOT NULL,
    sealed           BLOB,
    sent_at          TEXT,
    purged_at        TEXT
);
CREATE INDEX IF NOT EXISTS outbox_status ON outbox (status, id);
"""

_MIGRATE_1_TO_2 = (
    "ALTER TABLE outbox ADD COLUMN sealed BLOB",
    "ALTER TABLE outbox ADD COLUMN sent_at TEXT",
    "ALTER TABLE outbox ADD COLUMN purged_at TEXT",
    "UPDATE outbox SET sent_at = updated_at WHERE status = 'sent'",
)


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxError(Exception):
    """The outbox cannot be used (missing folder, no space, not a database, a missing or wrong
    outbox key). The message, in English, names files and rows, never personal data."""


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[str, int]
    oldest_waiting: str | None
    """When the oldest row not yet sent was made (ISO 8601), or None."""

    @property
    def waiting(self) -> int:
        return sum(n for s, n in self.counts.items() if s != OutboxStatus.SENT.value)


@dataclass(frozen=True)
class NewRow:
    """One write for :meth:`Outbox.enqueue_many`: the arguments of :meth:`Outbox.enqueue`."""

    kind: str
    payload: dict[str, Any] = field(repr=False)
    idempotency_key: str | None = None
    personal: Iterable[str] | None = None


@dataclass(frozen=True)
class OutboxRow:
    idempotency_key: str
    kind: str
    payload: dict[str, Any] = field(repr=False)
    """The whole payload when opened; only its plain (non-personal) fields otherwise, or once
    the personal data has been purged."""
    status: OutboxStatus
    attempts: int
    last_error: str | None
    created_at: str
    updated_at: str
    sent_at: str | None = None
    purged_at: str | None = None
    """When its personal data was dropped (retention), or None."""
    sealed: bool = False
    """Whether sealed personal data is still stored for it."""


KindFilter = str | Collection[str] | None
"""One kind, several, or None for every kind."""


def _kind_clause(kinds: KindFilter) -> tuple[str, list[str]]:
    if kinds is None:
        return "", []
    if isinstance(kinds, str):
        return " AND kind = ?", [kinds]
    names = sorted(set(kinds))
    if not names:
        return " AND 0", []
    return f" AND kind IN ({', '.join('?' for _ in names)})", names


def _split(payload: dict[str, Any], personal: Iterable[str]) -> tuple[dict[str, Any],
                                                                        dict[str, Any]]:
    names = set(personal)
    secret = {k: v for k, v in payload.items() if k in names}
    plain = {k: v for k, v in payload.items() if k not in names}
    return plain, secret


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


class Outbox:
    def __init__(self, path: str | Path, *, clock: Clock | None = None,
                 key_path: str | Path | None = None,
                 retention_h: float = DEFAULT_RETENTION_H) -> None:
        self.path = Path(path)
        self.key_path = Path(key_path) if key_path is not None else self.path.with_name(
            OUTBOX_KEY_FILE)
        self.retention = timedelta(hours=retention_h)
        self._clock = clock or SystemClock()
        self._db: sqlite3.Connection | None = None
        self._key: OutboxKey | None = None
        self._lock = threading.RLock()

    def _now(self) -> str:
        return self._clock.now().isoformat()

    # -- opening, schema and key --------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA secure_delete=ON")
            db.execute("PRAGMA busy_timeout=5000")
            self._prepare(db)
        except sqlite3.DatabaseError as err:
            if db is not None:
                db.close()
            raise OutboxError(f"{self.path}: {err}") from err
        except OSError as err:
            if db is not None:
                db.close()
            raise OutboxError(f"{self.path}: {err.strerror or err}") from err
        except BaseException:
            if db is not None:
                db.close()
            raise
        self._db = db
        return db

    def _prepare(self, db: sqlite3.Connection) -> None:
        """Create the schema, or bring an older file up to this version, in one transaction."""
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise OutboxError(f"{self.path} was written by a newer version (schema {version})")
            columns = {r[1] for r in db.execute("PRAGMA table_info(outbox)")}
            migrated = bool(columns) and "sealed" not in columns
            if migrated:
                self._migrate_1_to_2(db)
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    db.execute(statement)
            if version != SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if migrated:  # the fields sealed now were plain in the old pages: overwrite them
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    def _migrate_1_to_2(self, db: sqlite3.Connection) -> None:
        for statement in _MIGRATE_1_TO_2:
            db.execute(statement)
        clause, params = _kind_clause(PERSONAL_FIELDS.keys())
        rows = db.execute("SELECT id, idempotency_key, kind, payload FROM outbox"
                          " WHERE status != 'sent'" + clause, params).fetchall()
        for row_id, key, kind, body in rows:
            plain, secret = _split(json.loads(body), PERSONAL_FIELDS[kind])
            if secret:
                sealed = self._sealing_key(db).seal(_json(secret), idempotency_key=key, kind=kind)
                db.execute("UPDATE outbox SET payload = ?, sealed = ? WHERE id = ?",
                           (_json(plain), sealed, row_id))

    def _sealing_key(self, db: sqlite3.Connection) -> OutboxKey:
        """The outbox key, made if there is none and nothing sealed waits for the old one."""
        if self._key is not None:
            return self._key
        try:
            if not self.key_path.exists():
                waiting = db.execute(
                    "SELECT count(*) FROM outbox WHERE sealed IS NOT NULL").fetchone()[0]
                if waiting:
                    raise OutboxError(
                        f"The outbox key {self.key_path} is missing, but {waiting} rows of "
                        f"{self.path} hold personal data sealed with it. Restore the key from "
                        "this device's backup; a new key could not open them, so none was made.")
                self._key = OutboxKey.load_or_create(self.key_path)
            else:
                self._key = OutboxKey.load(self.key_path)
        except SealingError as err:
            raise OutboxError(str(err)) from err
        return self._key

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- writing ------------------------------------------------------------------------------
    def enqueue(self, kind: str, payload: dict[str, Any], *,
                idempotency_key: str | None = None,
                personal: Iterable[str] | None = None) -> str:
        """Store one write durably; returns its idempotency key. The same key twice is kept once.

        ``personal`` names the top-level fields of ``payload`` that are personal data: they are
        sealed. None means the kind's default (:data:`PERSONAL_FIELDS`); ``()`` seals nothing."""
        return self.enqueue_many([NewRow(kind, payload, idempotency_key, personal)])[0]

    def enqueue_many(self, rows: Iterable[NewRow]) -> list[str]:
        """Store several writes durably in one transaction: all of them, or none (an agent's
        application and the ledger entries it brings). Returns their idempotency keys, in
        order; a key already stored is kept once, as with :meth:`enqueue`. Rows are sent in
        the order given."""
        rows = list(rows)
        now = self._now()
        keys: list[str] = []
        with self._lock:
            db = self._conn()
            try:
                db.execute("BEGIN IMMEDIATE")
                for row in rows:
                    key = row.idempotency_key or str(uuid.uuid4())
                    names = (PERSONAL_FIELDS.get(row.kind, ()) if row.personal is None
                             else tuple(row.personal))
                    plain, secret = _split(row.payload, names)
                    sealed = (self._sealing_key(db).seal(_json(secret), idempotency_key=key,
                                                         kind=row.kind) if secret else None)
                    db.execute(
                        "INSERT INTO outbox (idempotency_key, kind, payload, sealed, status,"
                        " created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)"
                        " ON CONFLICT (idempotency_key) DO NOTHING",
                        (key, row.kind, _json(plain), sealed, now, now),
                    )
                    keys.append(key)
                db.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise OutboxError(f"{self.path}: {err}") from err
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return keys

    # -- reading ------------------------------------------------------------------------------
    def summary(self, kinds: KindFilter = None) -> OutboxSummary:
        """Counts by status and the oldest row not yet sent, of ``kinds`` (None: every kind)."""
        clause, params = _kind_clause(kinds)
        with self._lock:
            try:
                db = self._conn()
                rows = db.execute("SELECT status, count(*) FROM outbox WHERE 1=1" + clause +
                                  " GROUP BY status", params).fetchall()
                oldest = db.execute(
                    "SELECT min(created_at) FROM outbox WHERE status != 'sent'" + clause, params
                ).fetchone()[0]
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
        counts = {s.value: 0 for s in OutboxStatus}
        counts.update(dict(rows))
        return OutboxSummary(counts, oldest)

    def _row(self, record: tuple[Any, ...], *, opened: bool) -> OutboxRow:
        key, kind, body, status, attempts, error, created, updated, sealed, sent, purged = record
        payload = json.loads(body)
        if opened and sealed is not None:
            try:
                secret = self._sealing_key(self._conn()).open(sealed, idempotency_key=key,
                                                              kind=kind)
            except SealingError as err:
                raise OutboxError(str(err)) from None
            payload.update(json.loads(secret))
        return OutboxRow(key, kind, payload, OutboxStatus(status), attempts, error, created,
                         updated, sent, purged, sealed is not None)

    def get(self, key: str, *, opened: bool = True) -> OutboxRow | None:
        """The row with this idempotency key, or None. ``opened=False``: without its personal
        fields (needs no key)."""
        with self._lock:
            try:
                record = self._conn().execute(
                    f"SELECT {_COLUMNS} FROM outbox WHERE idempotency_key = ?", (key,)).fetchone()
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
            return None if record is None else self._row(record, opened=opened)

    def rows(self, kind: KindFilter = None, status: OutboxStatus | None = None, *,
             opened: bool = True, limit: int | None = None) -> list[OutboxRow]:
        """Rows in the order they were made, filtered by kind(s) and status."""
        clause, params = _kind_clause(kind)
        query = f"SELECT {_COLUMNS} FROM outbox WHERE 1=1" + clause
        if status is not None:
            query += " AND status = ?"
            params.append(status.value)
        query += " ORDER BY id"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self._lock:
            try:
                records = self._conn().execute(query, params).fetchall()
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
            return [self._row(r, opened=opened) for r in records]

    def last_error(self, kinds: KindFilter = None) -> OutboxRow | None:
        """The row not yet sent whose error is the most recent (plain part only), or None."""
        clause, params = _kind_clause(kinds)
        with self._lock:
            try:
                record = self._conn().execute(
                    f"SELECT {_COLUMNS} FROM outbox WHERE status != 'sent'"
                    " AND last_error IS NOT NULL" + clause +
                    " ORDER BY updated_at DESC, id DESC LIMIT 1", params).fetchone()
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
            return None if record is None else self._row(record, opened=False)

    def counts_by_kind(self) -> dict[str, dict[str, int]]:
        """For each kind, its rows by status (every status present, zeros included)."""
        with self._lock:
            try:
                records = self._conn().execute(
                    "SELECT kind, status, count(*) FROM outbox GROUP BY kind, status").fetchall()
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
        counts: dict[str, dict[str, int]] = {}
        for kind, status, n in records:
            counts.setdefault(kind, {s.value: 0 for s in OutboxStatus})[status] = n
        return dict(sorted(counts.items()))

    def purged_count(self) -> int:
        with self._lock:
            try:
                return self._conn().execute(
                    "SELECT count(*) FROM outbox WHERE purged_at IS NOT NULL").fetchone()[0]
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err

    # -- a row's lifecycle: pending -> sending -> sent, or back to pending with the error -------
    def claim(self, kind: KindFilter = None) -> OutboxRow | None:
        """Take the oldest pending row of ``kind`` (one kind, several, or None for any) for
        sending (pending -> sending), opened, or None. One transaction: two workers never claim
        the same row; a row whose sealed data cannot be opened stays pending (OutboxError)."""
        clause, params = _kind_clause(kind)
        now = self._now()
        with self._lock:
            db = self._conn()
            try:
                db.execute("BEGIN IMMEDIATE")
                record = db.execute(
                    f"SELECT {_COLUMNS} FROM outbox WHERE status = 'pending'" + clause +
                    " ORDER BY id LIMIT 1", params).fetchone()
                if record is None:
                    db.execute("COMMIT")
                    return None
                row = self._row(record, opened=True)
                db.execute("UPDATE outbox SET status = 'sending', attempts = attempts + 1,"
                           " updated_at = ? WHERE idempotency_key = ?", (now, row.idempotency_key))
                db.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise OutboxError(f"{self.path}: {err}") from err
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return OutboxRow(row.idempotency_key, row.kind, row.payload, OutboxStatus.SENDING,
                         row.attempts + 1, row.last_error, row.created_at, now, row.sent_at,
                         row.purged_at, row.sealed)

    def complete(self, key: str) -> None:
        """The far side has all of it (sending -> sent)."""
        self._move(key, OutboxStatus.SENT, None)

    def release(self, key: str, error: str) -> None:
        """It did not go: back to pending, with why (sending -> pending)."""
        self._move(key, OutboxStatus.PENDING, error)

    def fail(self, key: str, error: str) -> None:
        """It can never go as it is (sending -> failed); a person must look at it."""
        self._move(key, OutboxStatus.FAILED, error)

    def withdraw(self, key: str) -> bool:
        """Drop a row that is still only waiting (pending): it will never be sent, on purpose.
        False when it is being sent or already went (then it is too late), or is not there."""
        with self._lock:
            try:
                cursor = self._conn().execute(
                    "DELETE FROM outbox WHERE idempotency_key = ? AND status = 'pending'", (key,))
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
        return cursor.rowcount == 1

    def _move(self, key: str, status: OutboxStatus, error: str | None) -> None:
        now = self._now()
        sent_at = now if status is OutboxStatus.SENT else None
        with self._lock:
            try:
                cursor = self._conn().execute(
                    "UPDATE outbox SET status = ?, last_error = ?, updated_at = ?, sent_at = ?"
                    " WHERE idempotency_key = ? AND status = 'sending'",
                    (status.value, error, now, sent_at, key))
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
        if cursor.rowcount != 1:
            raise OutboxError(f"row {key} was not being sent")

    def recover(self, kinds: KindFilter = None) -> int:
        """After a crash or a power cut: rows of ``kinds`` (None: all) left "sending" go back to
        pending. Returns how many. Call once at start, before any worker of those kinds runs."""
        clause, params = _kind_clause(kinds)
        with self._lock:
            try:
                cursor = self._conn().execute(
                    "UPDATE outbox SET status = 'pending', updated_at = ?,"
                    " last_error = coalesce(last_error, 'interrupted') WHERE status = 'sending'"
                    + clause, [self._now(), *params])
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
        return cursor.rowcount

    # -- retention ----------------------------------------------------------------------------
    def purge(self, now: datetime | None = None) -> int:
        """Drop the sealed personal data of rows sent longer ago than the retention; the rows
        stay, marked ``purged_at``. Returns how many rows were purged."""
        now = now or self._clock.now()
        cutoff = now - self.retention
        stamp = now.isoformat()
        with self._lock:
            db = self._conn()
            try:
                db.execute("BEGIN IMMEDIATE")
                due = [row_id for row_id, sent_at in db.execute(
                    "SELECT id, sent_at FROM outbox WHERE status = 'sent' AND sealed IS NOT NULL")
                    if sent_at is not None and datetime.fromisoformat(sent_at) <= cutoff]
                for start in range(0, len(due), 500):
                    chunk = due[start:start + 500]
                    db.execute("UPDATE outbox SET sealed = NULL, purged_at = ? WHERE id IN ("
                               + ", ".join("?" for _ in chunk) + ")", [stamp, *chunk])
                db.execute("COMMIT")
                if due:
                    # Old copies of the pages live on in the log until it is checkpointed; a
                    # reader in another process may hold some back until the next purge.
                    db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.DatabaseError as err:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise OutboxError(f"{self.path}: {err}") from err
        return len(due)

    def check(self) -> str:
        """SQLite's own integrity check of the file: ``ok`` or what is wrong."""
        with self._lock:
            try:
                return self._conn().execute("PRAGMA quick_check").fetchone()[0]
            except sqlite3.DatabaseError as err:
                raise OutboxError(f"{self.path}: {err}") from err
