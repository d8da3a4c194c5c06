"""The outbox's store on real SQLite files: personal fields sealed at rest, the key made once and
refused when wrong, the migration from schema 1, retention purges."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk_app.clock import ManualClock
from kiosk_app.outbox import Outbox, OutboxError, OutboxStatus
from kiosk_app.outbox.sealing import OUTBOX_KEY_FILE, OutboxKey
from tests.kiosk_app.outbox.samples import PERSONAL_MARKERS, application


@pytest.fixture
def box(tmp_path: Path, clock: ManualClock) -> Outbox:
    outbox = Outbox(tmp_path / "outbox.sqlite3", clock=clock)
    yield outbox
    outbox.close()


def file_bytes(path: Path) -> bytes:
    """The main database file and its write-ahead log, as they are on disk now."""
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def raw(path: Path, query: str, *params: object) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(query, params).fetchall()
    finally:
        db.close()


def test_personal_fields_are_sealed_on_disk_and_the_rest_is_plain(box: Outbox) -> None:
    body = application()
    key = box.enqueue("application", body, personal=("applicant", "answers"))
    # Still open: the row is in the write-ahead log, not yet in the main file.
    on_disk = file_bytes(box.path)
    assert box.path.with_name("outbox.sqlite3-wal").stat().st_size > 0
    for marker in PERSONAL_MARKERS:
        assert marker not in on_disk, marker
    assert body["reference"].encode() in on_disk and b"GOOD_CONDUCT" in on_disk
    assert key.encode() in on_disk
    assert box.get(key).payload == body  # opened: the whole payload
    plain = box.get(key, opened=False)
    assert plain.payload == {k: v for k, v in body.items() if k not in ("applicant", "answers")}
    assert plain.sealed and plain.purged_at is None
    box.close()  # the log is checkpointed into the main file
    on_disk = file_bytes(box.path)
    for marker in PERSONAL_MARKERS:
        assert marker not in on_disk, marker
    assert body["reference"].encode() in on_disk


def test_an_application_is_sealed_by_default_and_other_kinds_when_told(box: Outbox) -> None:
    key = box.enqueue("application", application())
    assert box.get(key, opened=False).sealed
    assert "applicant" not in json.loads(raw(box.path, "SELECT payload FROM outbox")[0][0])
    other = box.enqueue("note", {"secret": "MARKERX", "topic": "t"}, personal=["secret"])
    assert box.get(other).payload == {"secret": "MARKERX", "topic": "t"}
    assert box.get(other, opened=False).payload == {"topic": "t"}
    plain = box.enqueue("print", {"job_id": "HK-1"})
    assert not box.get(plain, opened=False).sealed


def test_photos_of_documents_are_sealed_by_default(box: Outbox) -> None:
    from kiosk_app import contract

    photo = contract.JPEG_START + b"PHOTOMARKER" * 20
    body = application()
    body["attachments"] = {"title_deed_photo": contract.encode_attachment(photo)}
    key = box.enqueue("application", body)
    on_disk = file_bytes(box.path)
    assert body["attachments"]["title_deed_photo"].encode() not in on_disk
    assert "attachments" not in box.get(key, opened=False).payload
    assert box.get(key).payload == body


def test_the_key_is_made_once_owner_only_and_kept(tmp_path: Path, box: Outbox) -> None:
    assert not (tmp_path / OUTBOX_KEY_FILE).exists()  # opening alone makes no key
    box.summary()
    assert not (tmp_path / OUTBOX_KEY_FILE).exists()
    box.enqueue("application", application())
    key_file = tmp_path / OUTBOX_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and key_file.stat().st_size == 32
    first = key_file.read_bytes()
    box.close()
    again = Outbox(box.path)
    again.enqueue("application", application())
    assert key_file.read_bytes() == first
    assert all(r.payload["applicant"]["surname"] == "WANJIKUMARKER" for r in again.rows())
    again.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_missing_key_is_refused_and_none_is_made(tmp_path: Path, box: Outbox) -> None:
    key = box.enqueue("application", application())
    box.close()
    (tmp_path / OUTBOX_KEY_FILE).unlink()
    again = Outbox(box.path)
    with pytest.raises(OutboxError) as info:
        again.get(key)
    message = str(info.value)
    assert "missing" in message and str(tmp_path / OUTBOX_KEY_FILE) in message
    assert not any(m.decode() in message for m in PERSONAL_MARKERS)
    with pytest.raises(OutboxError):
        again.enqueue("application", application())
    assert not (tmp_path / OUTBOX_KEY_FILE).exists()
    # What needs no key still works: counts and the plain part of each row.
    assert again.summary().counts["pending"] == 1
    assert again.rows(opened=False)[0].idempotency_key == key
    again.close()


def test_a_wrong_key_is_refused_and_the_row_stays_pending(tmp_path: Path, box: Outbox) -> None:
    key = box.enqueue("application", application())
    box.close()
    (tmp_path / OUTBOX_KEY_FILE).write_bytes(os.urandom(32))
    again = Outbox(box.path)
    with pytest.raises(OutboxError) as info:
        again.claim("application")
    assert "cannot be opened" in str(info.value) and key in str(info.value)
    assert not any(m.decode() in str(info.value) for m in PERSONAL_MARKERS)
    row = again.get(key, opened=False)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    again.close()


def test_a_damaged_key_file_is_refused_and_left_as_it_is(tmp_path: Path, box: Outbox) -> None:
    box.enqueue("application", application())
    box.close()
    (tmp_path / OUTBOX_KEY_FILE).write_bytes(b"short")
    again = Outbox(box.path)
    with pytest.raises(OutboxError, match="damaged: it holds 5 bytes"):
        again.rows()
    assert (tmp_path / OUTBOX_KEY_FILE).read_bytes() == b"short"
    again.close()


def test_sealed_data_moved_to_another_row_does_not_open(box: Outbox) -> None:
    first = box.enqueue("application", application(surname="FIRSTMARKER"))
    second = box.enqueue("application", application(surname="SECONDMARKER"))
    box.close()
    db = sqlite3.connect(box.path)
    db.execute("UPDATE outbox SET sealed = (SELECT sealed FROM outbox WHERE idempotency_key = ?)"
               " WHERE idempotency_key = ?", (first, second))
    db.commit()
    db.close()
    with pytest.raises(OutboxError, match="cannot be opened"):
        box.get(second)
    assert box.get(first).payload["applicant"]["surname"] == "FIRSTMARKER"


def test_sealing_binds_the_kind_and_key(tmp_path: Path) -> None:
    key = OutboxKey.load_or_create(tmp_path / OUTBOX_KEY_FILE)
    blob = key.seal(b"{}", idempotency_key="k1", kind="application")
    assert key.open(blob, idempotency_key="k1", kind="application") == b"{}"
    assert blob != key.seal(b"{}", idempotency_key="k1", kind="application")  # fresh nonce
    for other in ({"idempotency_key": "k2", "kind": "application"},
                  {"idempotency_key": "k1", "kind": "feedback"}):
        with pytest.raises(Exception, match="cannot be opened"):
            key.open(blob, **other)
    assert "key" not in repr(key).lower().replace("outboxkey", "").replace(OUTBOX_KEY_FILE, "")


def test_purge_drops_personal_data_after_retention_and_keeps_the_row(
        tmp_path: Path, clock: ManualClock) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", clock=clock, retention_h=72)
    failed = box.enqueue("application", application(surname="FAILEDMARKER"))
    old = box.enqueue("application", application(surname="OLDMARKER"))
    waiting = box.enqueue("application", application(surname="WAITINGMARKER"))
    sealed_old = raw(box.path, "SELECT sealed FROM outbox WHERE idempotency_key = ?", old)[0][0]
    assert box.claim("application").idempotency_key == failed
    box.fail(failed, "BackendError: HTTP 422")
    clock.advance(3600)
    assert box.claim("application").idempotency_key == old
    box.complete(old)
    assert box.get(old).sent_at == clock.now().isoformat()
    assert sealed_old in file_bytes(box.path)

    clock.advance(72 * 3600 - 1)  # not yet: sent 72 h minus a second ago
    assert box.purge() == 0
    clock.advance(1)
    assert box.purge(clock.now()) == 1
    row = box.get(old)
    assert row.status is OutboxStatus.SENT and row.purged_at == clock.now().isoformat()
    assert "applicant" not in row.payload and row.payload["reference"]
    assert not row.sealed and box.purged_count() == 1
    # What is not sent keeps its data: it still has to go, or a person has to look at it.
    assert box.get(waiting).payload["applicant"]["surname"] == "WAITINGMARKER"
    assert box.get(failed).payload["applicant"]["surname"] == "FAILEDMARKER"
    assert box.purge() == 0
    assert box.summary().counts == {"pending": 1, "sending": 0, "sent": 1, "failed": 1}
    # The purged ciphertext is gone from the file and its log, not left in free pages.
    assert sealed_old not in file_bytes(box.path)
    box.close()
    assert sealed_old not in file_bytes(box.path)


V1_SCHEMA = """
CREATE TABLE outbox (
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
CREATE INDEX outbox_status ON outbox (status, id);
PRAGMA user_version=1;
"""


def test_a_version_1_file_is_migrated_and_its_personal_fields_sealed(
        tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "outbox.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(V1_SCHEMA)
    body = application()
    db.execute("INSERT INTO outbox (idempotency_key, kind, payload, status, created_at,"
               " updated_at) VALUES ('a1', 'application', ?, 'pending', 't0', 't0')",
               (json.dumps(body).encode(),))
    db.execute("INSERT INTO outbox (idempotency_key, kind, payload, status, attempts, created_at,"
               " updated_at) VALUES ('p1', 'print', '{\"job_id\": \"HK-1\"}', 'sent', 1, 't0',"
               " 't1')")
    db.commit()
    db.close()
    assert b"WANJIKUMARKER" in file_bytes(path)

    box = Outbox(path, clock=clock)
    assert box.get("a1").payload == body
    assert box.get("a1", opened=False).sealed
    printed = box.get("p1")
    assert (printed.status, printed.sent_at, printed.payload) == (
        OutboxStatus.SENT, "t1", {"job_id": "HK-1"})
    assert raw(path, "PRAGMA user_version") == [(2,)]
    for marker in PERSONAL_MARKERS:
        assert marker not in file_bytes(path), marker
    box.close()
    for marker in PERSONAL_MARKERS:
        assert marker not in file_bytes(path), marker
    again = Outbox(path, clock=clock)  # opening a version 2 file changes nothing
    assert again.get("a1").payload == body and again.summary().counts["pending"] == 1
    again.close()


def test_a_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=3")
    db.close()
    with pytest.raises(OutboxError, match="newer version"):
        Outbox(path).summary()


def test_claim_of_several_kinds_takes_the_oldest_and_recover_by_kind(box: Outbox) -> None:
    printed = box.enqueue("print", {"job_id": "HK-1"})
    feedback = box.enqueue("feedback", {"rating": 5})
    applied = box.enqueue("application", application())
    assert box.claim(["application", "feedback"]).idempotency_key == feedback
    claimed = box.claim()
    assert claimed.idempotency_key == printed and claimed.status is OutboxStatus.SENDING
    assert claimed.attempts == 1
    assert box.recover(["application", "feedback"]) == 1  # the print job is the spooler's
    assert box.get(printed).status is OutboxStatus.SENDING
    assert box.get(feedback).last_error == "interrupted"
    assert box.summary(["application"]).counts == {"pending": 1, "sending": 0, "sent": 0,
                                                   "failed": 0}
    box.claim("application")
    box.release(applied, "BackendUnavailable: cannot connect")
    latest = box.last_error(["application", "feedback"])
    assert latest.idempotency_key in (applied, feedback)
    assert box.last_error("application").last_error == "BackendUnavailable: cannot connect"
    assert "applicant" not in box.last_error("application").payload


def test_sealed_data_survives_a_round_trip_through_the_key_file(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", clock=ManualClock())
    key = box.enqueue("application", application())
    box.close()
    other = Outbox(tmp_path / "elsewhere.sqlite3", key_path=tmp_path / OUTBOX_KEY_FILE)
    assert other.key_path == box.key_path
    other.close()
    again = Outbox(tmp_path / "outbox.sqlite3")
    assert again.get(key).payload["applicant"]["phone"] == "254712345678"
    assert again.retention == timedelta(hours=72)
    again.close()


def test_several_rows_go_in_one_transaction_all_or_none(box: Outbox, tmp_path: Path) -> None:
    from kiosk_app.outbox import NewRow

    body = application()
    entry = {"agent_number": "BA-0001", "entry": {"entry_id": "e1", "amount_cents": 100}}
    keys = box.enqueue_many([NewRow("application", body, "app-1", ("applicant", "answers")),
                             NewRow("ledger_entry", entry, "entry-1", ())])
    assert keys == ["app-1", "entry-1"]
    assert [(r.idempotency_key, r.kind, r.status) for r in box.rows()] == [
        ("app-1", "application", OutboxStatus.PENDING),
        ("entry-1", "ledger_entry", OutboxStatus.PENDING)]
    assert box.get("app-1").payload == body and box.get("app-1", opened=False).sealed
    assert box.get("entry-1").payload == entry and not box.get("entry-1").sealed
    for marker in PERSONAL_MARKERS:
        assert marker not in file_bytes(box.path), marker

    # A row that cannot be stored (its payload is not JSON) takes the rows before it along:
    # nothing of the batch is kept.
    with pytest.raises(TypeError):
        box.enqueue_many([NewRow("application", application(), "app-2"),
                          NewRow("ledger_entry", {"entry": object()}, "entry-2", ())])
    assert [r.idempotency_key for r in box.rows()] == ["app-1", "entry-1"]
    # The same batch again is kept once; the store still takes new rows afterwards.
    assert box.enqueue_many([NewRow("application", body, "app-1"),
                             NewRow("ledger_entry", entry, "entry-1", ())]) == ["app-1", "entry-1"]
    box.enqueue("feedback", {"rating": 5}, idempotency_key="fb-1")
    assert [r.idempotency_key for r in box.rows()] == ["app-1", "entry-1", "fb-1"]
    assert raw(box.path, "SELECT count(*) FROM outbox")[0][0] == 3
