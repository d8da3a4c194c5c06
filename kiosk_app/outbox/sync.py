"""The sync worker: sends what waits in the outbox to the backend, oldest first, for ever.

    worker = SyncWorker(outbox, make_delivery(config), base_s=1, cap_s=300)
    worker.add_listener(on_outbox_changed)     # called on the worker's thread
    worker.start()                             # recovers rows a crash left "sending", then runs
    ...
    outbox.enqueue("application", body); worker.wake()
    worker.stop(timeout=5)

For each row, ``deliver(row)`` is called (:func:`kiosk_app.backend.delivery.make_delivery`):

- it returns: the row is sent;
- it raises an error whose ``retryable`` is True (no answer, a busy or broken backend), or an
  ``OSError``: the row goes back to pending with the error, and the worker waits before trying
  again (full-jitter exponential back-off: a random wait in ``[0, min(cap_s, base_s * 2**n)]``,
  where ``n`` is the number of failures in a row before this one, so the first wait is at most
  ``base_s``; a success starts ``n`` again from 0). It never gives up;
- it raises anything else (the backend refused the body: it would refuse it for ever): the row
  is set aside as failed, for a person to look at (``huduma-kiosk outbox list --status failed``),
  and the worker goes on with the next.

``wake()`` cuts a wait short: call it after an enqueue and when the network comes back. While it
runs, the worker also purges personal data past its retention (:meth:`Outbox.purge`) now and
then. Only the kinds the backend takes are claimed (print jobs in the same outbox are the
spooler's).

:func:`sync_once` is one pass, without waiting, for the ``outbox sync --once`` command.

Threads: the worker has its own daemon thread, on which ``deliver`` and the listeners run;
``start``, ``stop``, ``wake`` and ``add_listener`` may be called from any thread. ``sync_once``
blocks (disk, network) on the caller's thread.
"""
from __future__ import annotations

import enum
import logging
import random
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

from kiosk_app.clock import Clock, SystemClock
from kiosk_app.outbox.store import Outbox, OutboxError, OutboxRow, OutboxSummary

log = logging.getLogger(__name__)

SYNC_KINDS: tuple[str, ...] = ("application", "feedback", "ticket", "ledger_entry", "sms")
"""The kinds of row the backend takes (see :mod:`kiosk_app.backend.delivery`)."""

Deliver = Callable[[OutboxRow], None]
Listener = Callable[[OutboxSummary], None]
_MAX_ERROR_CHARS = 500


class Outcome(enum.Enum):
    SENT = "sent"
    FAILED = "failed"
    """Set aside for a person: sending again would not help."""
    RETRY = "retry"
    """Back to pending: it may go later."""


@dataclass(frozen=True)
class SyncCounts:
    sent: int
    failed: int
    pending: int
    """Rows still waiting to be sent after the pass (pending or left sending)."""


def is_retryable(err: BaseException) -> bool:
    """Whether sending the same row again may help: the error says so (``retryable``, as the
    backend client's errors do), or it is an ``OSError`` (the network, the disk)."""
    flag = getattr(err, "retryable", None)
    if isinstance(flag, bool):
        return flag
    return isinstance(err, OSError)


def error_text(err: BaseException) -> str:
    """What is kept as the row's last error. Only errors written to be kept (ours, which carry
    ``retryable``, and ``OSError``) give their message; of anything else only the type is kept,
    since its message may quote personal data."""
    if isinstance(getattr(err, "retryable", None), bool) or isinstance(err, OSError):
        text = f"{type(err).__name__}: {err}"
    else:
        text = f"{type(err).__name__} (unexpected; see the log)"
    return text[:_MAX_ERROR_CHARS]


def send_one(outbox: Outbox, deliver: Deliver, row: OutboxRow) -> Outcome:
    """Deliver one claimed row and move it on by what happened."""
    try:
        deliver(row)
    except Exception as err:  # noqa: BLE001 - every error decides the row's fate below
        text = error_text(err)
        if is_retryable(err):
            outbox.release(row.idempotency_key, text)
            log.info("outbox row %s (%s) waits: %s", row.idempotency_key, row.kind, text)
            return Outcome.RETRY
        outbox.fail(row.idempotency_key, text)
        log.warning("outbox row %s (%s) was refused and needs a person: %s",
                    row.idempotency_key, row.kind, text)
        return Outcome.FAILED
    outbox.complete(row.idempotency_key)
    return Outcome.SENT


def sync_once(outbox: Outbox, deliver: Deliver, *, kinds: Collection[str] = SYNC_KINDS,
              recover: bool = True) -> SyncCounts:
    """One pass over what waits, oldest first, without waiting: stops at the first row that
    may go later (the backend is not taking rows now). ``recover`` first puts rows that a crash
    left "sending" back to pending (their idempotency keys make a second send harmless)."""
    if recover:
        outbox.recover(kinds)
    sent = failed = 0
    while (row := outbox.claim(kinds)) is not None:
        outcome = send_one(outbox, deliver, row)
        if outcome is Outcome.SENT:
            sent += 1
        elif outcome is Outcome.FAILED:
            failed += 1
        else:
            break
    counts = outbox.summary(kinds).counts
    return SyncCounts(sent, failed, counts["pending"] + counts["sending"])


class SyncWorker:
    def __init__(self, outbox: Outbox, deliver: Deliver, *, clock: Clock | None = None,
                 base_s: float = 1.0, cap_s: float = 300.0, rng: random.Random | None = None,
                 kinds: Collection[str] = SYNC_KINDS,
                 sleep: Callable[[float], None] | None = None,
                 idle_s: float = 30.0, purge_every_s: float = 3600.0) -> None:
        """``sleep`` replaces the back-off's wait (tests); by default the wait is cut short by
        ``wake`` and ``stop``. ``idle_s``: how long to wait with nothing to send before looking
        again (an enqueue that calls ``wake`` is sent at once)."""
        if base_s <= 0 or cap_s <= 0:
            raise ValueError("the back-off's base and cap must be positive")
        self._outbox = outbox
        self._deliver = deliver
        self._clock = clock or SystemClock()
        self.base_s = base_s
        self.cap_s = cap_s
        self._rng = rng or random.Random()
        self._kinds = tuple(kinds)
        self._sleep = sleep
        self._idle_s = idle_s
        self._purge_every_s = purge_every_s
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[Listener] = []
        self._listeners_lock = threading.Lock()
        self._last_summary: OutboxSummary | None = None
        self.failures_in_a_row = 0
        """Retryable failures since the last success (the ``n`` of the back-off)."""

    # -- any thread ---------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        """``listener(summary)`` is called on the worker's thread whenever the counts of rows
        waiting, sending, sent or failed change (and once at start)."""
        with self._listeners_lock:
            self._listeners.append(listener)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        # Started before it is kept: stop() from another thread never joins a thread that has
        # not started (the kiosk may close while its devices are still opening).
        thread = threading.Thread(target=self._run, name="outbox-sync", daemon=True)
        thread.start()
        self._thread = thread

    def wake(self) -> None:
        """Look for work now: cuts a back-off or an idle wait short."""
        self._wakeup.set()

    def stop(self, timeout: float | None = 5.0) -> bool:
        """Ask the worker to stop and wait up to ``timeout`` s; True when it has stopped. A
        delivery under way is not cut: if the process ends first, its row is recovered at the
        next start."""
        self._stopping.set()
        self._wakeup.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            return False
        self._thread = None
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def backoff_limit(self, n: int) -> float:
        """The longest wait after a failure with ``n`` failures in a row before it."""
        return min(self.cap_s, self.base_s * 2 ** min(n, 64))

    # -- the worker's thread ------------------------------------------------------------------
    def _run(self) -> None:
        try:
            recovered = self._outbox.recover(self._kinds)
            if recovered:
                log.info("%d outbox rows were interrupted and will be sent again", recovered)
        except OutboxError as err:
            log.error("the outbox cannot be used: %s", err)
        next_purge = self._clock.monotonic()
        while not self._stopping.is_set():
            self._wakeup.clear()
            try:
                if self._clock.monotonic() >= next_purge:
                    next_purge = self._clock.monotonic() + self._purge_every_s
                    purged = self._outbox.purge(self._clock.now())
                    if purged:
                        log.info("purged the personal data of %d sent outbox rows", purged)
                row = self._outbox.claim(self._kinds)
                if row is None:
                    self._notify()
                    self._wakeup.wait(self._idle_s)
                    continue
                outcome = send_one(self._outbox, self._deliver, row)
            except Exception as err:  # noqa: BLE001 - the worker must not die; it says why
                log.error("the outbox sync met an error and will try again: %s", error_text(err))
                outcome = Outcome.RETRY
            self._notify()
            if outcome is Outcome.SENT:
                self.failures_in_a_row = 0
            elif outcome is Outcome.RETRY:
                self._back_off()

    def _back_off(self) -> None:
        delay = self._rng.uniform(0, self.backoff_limit(self.failures_in_a_row))
        self.failures_in_a_row += 1
        if self._stopping.is_set():
            return
        if self._sleep is not None:
            self._sleep(delay)
        else:
            self._wakeup.wait(delay)

    def _notify(self) -> None:
        try:
            summary = self._outbox.summary(self._kinds)
        except OutboxError as err:
            log.error("the outbox cannot be read: %s", err)
            return
        if summary == self._last_summary:
            return
        self._last_summary = summary
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(summary)
            except Exception:  # noqa: BLE001 - one listener's bug must not stop the sending
                log.exception("an outbox listener failed")
