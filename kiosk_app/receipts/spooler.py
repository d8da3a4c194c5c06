"""Printing without loss: every print job goes through the outbox, and stays there until the
printer has all of it.

    spooler.submit(receipt_bytes, job_id="HK-2026-000123", document="receipt")   # durable
    spooler.pump()     # prints what waits; stops at the first fault, leaving that job pending

A job that meets paper out, an open cover or an unplugged printer goes back to pending with the
reason; when the printer reports it is usable again the spooler prints what waits, each job
once. A job left half-sent by a crash is pending again at the next start (``recover``).

What is printed for the person at the screen (a receipt, a queue ticket, a status slip) is
theirs only while they are there: when their session ends, such a job that is still waiting is
withdrawn rather than printed later into an empty tray for the next person to take. They were
told how to get it instead (the reference on screen, a reprint at any kiosk, an SMS). Jobs for
the staff (a test page, an agent's Z-report) wait as long as it takes.

Threads: ``submit``, ``pump`` and ``withdraw`` block (disk, printer): call them on a worker.
Listeners' ``on_print_job_printed(job)`` and ``on_print_job_waiting(job, state)`` run on the UI
thread, through the dispatcher; ``on_device_event`` and ``on_session_wiped`` run there too.
"""
from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from drivers.errors import DeviceError
from drivers.events import DeviceEvent, DeviceStatusChanged
from drivers.printer.base import ReceiptPrinter
from kiosk_app.clock import Clock, SystemClock
from kiosk_app.outbox import Outbox, OutboxStatus
from kiosk_app.ui_dispatch import Dispatcher
from kiosk_app.workers import Workers

log = logging.getLogger(__name__)

KIND = "print"

FOR_THE_PERSON = frozenset({"receipt", "queue_ticket", "status_slip"})
"""Documents printed for the person at the screen: withdrawn, not printed late, once they have
gone."""
STILL_THERE_S = 120.0
"""At start, a job for a person queued less than this long ago still prints: after a crash the
app is back within seconds, and the person may well be waiting for it."""


@dataclass(frozen=True)
class PrintJob:
    key: str
    """The outbox row's idempotency key."""
    job_id: str
    """What the job prints for, such as the application's reference."""
    document: str
    """``receipt``, ``queue_ticket``, ``status_slip``, ``test_page``, ``z_report``."""


class PrintSpooler:
    def __init__(self, outbox: Outbox, printer: ReceiptPrinter | None, *, dispatcher: Dispatcher,
                 workers: Workers | None = None, family: str = "printer",
                 clock: Clock | None = None) -> None:
        self._outbox = outbox
        self._clock = clock or SystemClock()
        self._printer = printer
        self._dispatcher = dispatcher
        self._workers = workers
        self._family = family
        self._lock = threading.Lock()  # one pump at a time: a job is never sent twice at once
        self._listeners: list[object] = []
        self._at_screen: set[str] = set()
        """Keys of jobs for the person at the screen now (guarded by ``_at_screen_lock``)."""
        self._at_screen_lock = threading.Lock()

    def add_listener(self, listener: object) -> None:
        self._listeners.append(listener)

    def _tell(self, method: str, *args: object) -> None:
        for listener in list(self._listeners):
            fn = getattr(listener, method, None)
            if fn is not None:
                self._dispatcher.call_soon(fn, *args)

    # -- worker thread ----------------------------------------------------------------------
    def submit(self, data: bytes, *, job_id: str, document: str) -> PrintJob:
        """Keep the job durably; print it with the next ``pump``. The same job_id and document
        submitted twice is kept once (a retried submit cannot print two receipts)."""
        key = f"{KIND}:{document}:{job_id}"
        for_person = document in FOR_THE_PERSON
        self._outbox.enqueue(KIND, {"job_id": job_id, "document": document,
                                    "data": base64.b64encode(data).decode("ascii"),
                                    "for_person": for_person},
                             idempotency_key=key)
        if for_person:
            with self._at_screen_lock:
                self._at_screen.add(key)
        return PrintJob(key, job_id, document)

    def reprint(self, data: bytes, *, job_id: str, document: str, copy: int) -> PrintJob:
        """A new copy on purpose (a person asked for one): its own job, numbered."""
        return self.submit(data, job_id=f"{job_id}#copy{copy}", document=document)

    def pump(self) -> int:
        """Print every waiting job, oldest first, until one fails. Returns how many printed."""
        if self._printer is None:
            return 0
        printed = 0
        with self._lock:
            while (row := self._outbox.claim(KIND)) is not None:
                job = PrintJob(row.idempotency_key, row.payload["job_id"], row.payload["document"])
                try:
                    self._printer.print_job(base64.b64decode(row.payload["data"]), job_id=job.job_id)
                except DeviceError as err:
                    reason = err.state.reason.value if err.state.reason else err.state.status.value
                    self._outbox.release(row.idempotency_key, reason)
                    log.warning("print job %s waits: %s", job.document, reason)
                    self._tell("on_print_job_waiting", job, err.state)
                    break
                self._outbox.complete(row.idempotency_key)
                printed += 1
                self._tell("on_print_job_printed", job)
        return printed

    def withdraw(self, keys: set[str] | None = None) -> int:
        """Withdraw jobs for a person who has gone that still wait: ``keys``, or (None) every
        such job queued more than :data:`STILL_THERE_S` ago. Returns how many; a job already
        printing is left to finish."""
        if keys is None:
            before = (self._clock.now() - timedelta(seconds=STILL_THERE_S)).isoformat()
            keys = {r.idempotency_key for r in self._outbox.rows(KIND, OutboxStatus.PENDING)
                    if r.payload.get("for_person") and r.created_at < before}
        withdrawn = sum(self._outbox.withdraw(key) for key in sorted(keys))
        if withdrawn:
            log.info("%d print jobs for a person who has left were withdrawn", withdrawn)
        return withdrawn

    def start(self) -> int:
        """At start: jobs a crash left half-sent wait again, except those for a person who has
        gone by now (withdrawn); then print what waits."""
        recovered = self._outbox.recover(KIND)
        if recovered:
            log.info("%d print jobs were interrupted and will be printed again", recovered)
        self.withdraw()
        return self.pump()

    def waiting(self) -> list[PrintJob]:
        return [PrintJob(r.idempotency_key, r.payload["job_id"], r.payload["document"])
                for r in self._outbox.rows(KIND, OutboxStatus.PENDING)]

    # -- UI thread --------------------------------------------------------------------------
    def on_session_wiped(self, session: object, reason: object) -> None:
        """The person has gone (finished, cancelled or timed out): what still waits to print
        for them is withdrawn, on a worker."""
        with self._at_screen_lock:
            keys, self._at_screen = self._at_screen, set()
        if keys and self._workers is not None:
            self._workers.submit(self.withdraw, keys)

    def on_device_event(self, event: DeviceEvent) -> None:
        """When the printer is usable again (paper loaded, cover closed), print what waits."""
        if (isinstance(event, DeviceStatusChanged) and event.device == self._family
                and event.state.usable and self._workers is not None):
            self._workers.submit(self.pump)

