"""The sync worker on a real outbox file, with delivery functions written here that answer as a
backend would (the real delivery to the live sandbox is in test_crash.py). Waits are on
threading.Event with generous limits; nothing is timed."""
from __future__ import annotations

import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk_app.backend.client import BackendError, BackendUnavailable
from kiosk_app.clock import ManualClock
from kiosk_app.outbox import Outbox, OutboxRow, OutboxStatus, OutboxSummary
from kiosk_app.outbox.sync import SyncCounts, SyncWorker, error_text, is_retryable, sync_once
from tests.kiosk_app.outbox.samples import application

WAIT_S = 30.0
"""How long a test waits for the worker's thread before it calls the run a failure."""


@pytest.fixture
def box(tmp_path: Path, clock: ManualClock) -> Outbox:
    outbox = Outbox(tmp_path / "outbox.sqlite3", clock=clock)
    yield outbox
    outbox.close()


class Backend:
    """A delivery function: each call is recorded; ``script`` says what the next calls do."""

    def __init__(self, script: list[BaseException | None] | None = None) -> None:
        self.script = list(script or [])
        self.calls: list[tuple[str, str]] = []
        self.delivered: list[str] = []
        self.changed = threading.Condition()

    def __call__(self, row: OutboxRow) -> None:
        with self.changed:
            self.calls.append((row.kind, row.idempotency_key))
            self.changed.notify_all()
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        assert row.status is OutboxStatus.SENDING
        if row.kind == "application":
            assert row.payload["applicant"]["surname"] == "WANJIKUMARKER"  # opened for sending
        with self.changed:
            self.delivered.append(row.idempotency_key)
            self.changed.notify_all()

    def wait_for(self, condition: Callable[[], bool]) -> None:
        with self.changed:
            assert self.changed.wait_for(condition, timeout=WAIT_S), "the worker did not get there"


def summaries(worker: SyncWorker) -> tuple[list[OutboxSummary], threading.Condition]:
    seen: list[OutboxSummary] = []
    changed = threading.Condition()

    def on_outbox_changed(summary: OutboxSummary) -> None:
        assert threading.current_thread().name == "outbox-sync"
        with changed:
            seen.append(summary)
            changed.notify_all()

    worker.add_listener(on_outbox_changed)
    return seen, changed


def test_the_worker_sends_every_kind_in_order_but_not_print_jobs(box: Outbox,
                                                                 clock: ManualClock) -> None:
    keys = [box.enqueue("application", application()),
            box.enqueue("feedback", {"rating": 4}),
            box.enqueue("print", {"job_id": "HK-1"}),
            box.enqueue("ticket", {"service_code": "GOOD_CONDUCT"})]
    backend = Backend()
    worker = SyncWorker(box, backend, clock=clock)
    seen, changed = summaries(worker)
    worker.start()
    try:
        with changed:
            assert changed.wait_for(lambda: seen and seen[-1].counts["sent"] == 3, WAIT_S)
        assert backend.delivered == [keys[0], keys[1], keys[3]]
        assert box.get(keys[2]).status is OutboxStatus.PENDING  # the spooler's
        late = box.enqueue("application", application())
        worker.wake()
        backend.wait_for(lambda: late in backend.delivered)
        with changed:
            assert changed.wait_for(lambda: seen[-1].counts["sent"] == 4, WAIT_S)
    finally:
        assert worker.stop(timeout=WAIT_S)
    assert seen[-1].counts == {"pending": 0, "sending": 0, "sent": 4, "failed": 0}
    assert seen[-1].oldest_waiting is None
    assert all(box.get(k).status is OutboxStatus.SENT for k in [*keys[:2], keys[3], late])


def test_retryable_failures_back_off_with_full_jitter_and_never_give_up(
        box: Outbox, clock: ManualClock) -> None:
    key = box.enqueue("application", application())
    failures = [BackendUnavailable("cannot connect to http://127.0.0.1:9"),
                BackendError("HTTP 503 from /v1/applications", 503),
                OSError(101, "Network is unreachable"),
                BackendError("HTTP 429 from /v1/applications", 429)] * 3
    backend = Backend(list(failures))
    slept: list[float] = []
    worker = SyncWorker(box, backend, clock=clock, base_s=0.5, cap_s=10.0,
                        rng=random.Random(7), sleep=slept.append)
    worker.start()
    try:
        backend.wait_for(lambda: backend.delivered == [key])
    finally:
        assert worker.stop(timeout=WAIT_S)
    # The same seed draws the same waits: uniform(0, min(cap, base * 2**n)), n = 0, 1, 2, ...
    same = random.Random(7)
    expected = [same.uniform(0, min(10.0, 0.5 * 2 ** n)) for n in range(len(failures))]
    assert slept == expected
    for n, delay in enumerate(slept):
        assert 0 <= delay <= min(10.0, 0.5 * 2 ** n)
    assert max(slept[6:]) > 0.5 * 2 ** 2  # the limit grew, and stopped at the cap
    assert worker.failures_in_a_row == 0  # a success starts again from the base
    row = box.get(key)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 13, None)


def test_the_back_off_limit_doubles_up_to_the_cap(box: Outbox) -> None:
    worker = SyncWorker(box, Backend(), base_s=1.0, cap_s=300.0)
    assert [worker.backoff_limit(n) for n in range(10)] == [
        1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert worker.backoff_limit(10_000) == 300.0
    with pytest.raises(ValueError):
        SyncWorker(box, Backend(), base_s=0)


def test_a_refused_row_is_set_aside_and_the_next_goes(box: Outbox, clock: ManualClock) -> None:
    refused = box.enqueue("application", application())
    after = box.enqueue("feedback", {"rating": 1})
    backend = Backend([BackendError("HTTP 422 from /v1/applications: service_code", 422)])
    slept: list[float] = []
    worker = SyncWorker(box, backend, clock=clock, sleep=slept.append)
    worker.start()
    try:
        backend.wait_for(lambda: backend.delivered == [after])
    finally:
        assert worker.stop(timeout=WAIT_S)
    row = box.get(refused)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert row.last_error == "BackendError: HTTP 422 from /v1/applications: service_code"
    assert slept == []  # a refusal is not a reason to wait
    assert [r.idempotency_key for r in box.rows(status=OutboxStatus.FAILED)] == [refused]


def test_an_unexpected_error_fails_the_row_without_keeping_its_words(box: Outbox,
                                                                     clock: ManualClock) -> None:
    key = box.enqueue("application", application())
    backend = Backend([ValueError("surname WANJIKUMARKER is not allowed")])
    worker = SyncWorker(box, backend, clock=clock, sleep=lambda s: None)
    seen, changed = summaries(worker)
    worker.start()
    try:
        with changed:
            assert changed.wait_for(lambda: seen and seen[-1].counts["failed"] == 1, WAIT_S)
    finally:
        assert worker.stop(timeout=WAIT_S)
    assert box.get(key).last_error == "ValueError (unexpected; see the log)"
    assert not is_retryable(ValueError("x")) and is_retryable(ConnectionResetError())
    assert error_text(BackendUnavailable("no answer within 5 s")) == (
        "BackendUnavailable: no answer within 5 s")


def test_wake_cuts_a_back_off_short(box: Outbox, clock: ManualClock) -> None:
    rng = random.Random(3)
    assert random.Random(3).uniform(0, 3600) > 600  # the first wait would be long
    key = box.enqueue("application", application())
    backend = Backend([BackendUnavailable("cannot connect")])
    worker = SyncWorker(box, backend, clock=clock, base_s=3600, cap_s=3600, rng=rng)
    worker.start()
    try:
        backend.wait_for(lambda: len(backend.calls) == 1)
        with backend.changed:  # not tried again on its own: it waits
            assert not backend.changed.wait_for(lambda: len(backend.calls) > 1, timeout=0.3)
        worker.wake()  # the network is back
        backend.wait_for(lambda: backend.delivered == [key])
    finally:
        assert worker.stop(timeout=WAIT_S)


def test_stop_ends_an_idle_worker_and_start_recovers_interrupted_rows(
        box: Outbox, clock: ManualClock) -> None:
    key = box.enqueue("application", application())
    assert box.claim("application").idempotency_key == key  # the process died while sending
    backend = Backend()
    worker = SyncWorker(box, backend, clock=clock, idle_s=3600)
    worker.start()
    try:
        backend.wait_for(lambda: backend.delivered == [key])
    finally:
        assert worker.stop(timeout=WAIT_S)  # from a one-hour idle wait
    assert not worker.running
    row = box.get(key)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 2, None)


def test_the_worker_purges_personal_data_past_its_retention(tmp_path: Path,
                                                            clock: ManualClock) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3", clock=clock, retention_h=1)
    key = box.enqueue("application", application())
    backend = Backend()
    worker = SyncWorker(box, backend, clock=clock, purge_every_s=0, idle_s=0.05)
    seen, changed = summaries(worker)
    worker.start()
    try:
        backend.wait_for(lambda: backend.delivered == [key])
        clock.advance(3601)
        purged = threading.Event()
        for _ in range(int(WAIT_S / 0.05)):
            if box.purged_count() == 1:
                purged.set()
                break
            purged.wait(0.05)
        assert purged.is_set()
    finally:
        assert worker.stop(timeout=WAIT_S)
        box.close()
    assert "applicant" not in box.get(key).payload and box.get(key).purged_at


def test_sync_once_stops_at_the_first_row_that_may_go_later(box: Outbox) -> None:
    keys = [box.enqueue("application", application()) for _ in range(5)]
    backend = Backend([None, BackendError("HTTP 422", 422), None,
                       BackendUnavailable("no answer within 5 s")])
    assert sync_once(box, backend) == SyncCounts(sent=2, failed=1, pending=2)
    assert backend.delivered == [keys[0], keys[2]]
    assert box.get(keys[3]).last_error == "BackendUnavailable: no answer within 5 s"
    assert sync_once(box, backend) == SyncCounts(sent=2, failed=0, pending=0)
    assert sync_once(box, backend) == SyncCounts(sent=0, failed=0, pending=0)


def test_a_listener_that_fails_does_not_stop_the_sending(box: Outbox, clock: ManualClock) -> None:
    keys = [box.enqueue("feedback", {"rating": n}) for n in (1, 2)]
    backend = Backend()
    worker = SyncWorker(box, backend, clock=clock)

    def broken(summary: OutboxSummary) -> None:
        raise RuntimeError("a listener's bug")

    worker.add_listener(broken)
    worker.start()
    try:
        backend.wait_for(lambda: backend.delivered == keys)
    finally:
        assert worker.stop(timeout=WAIT_S)
