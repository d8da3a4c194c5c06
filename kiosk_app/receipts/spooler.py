"""Printing without loss: every print job goes through the outbox, and stays there until the
printer has all of it.

    spooler.submit(receipt_bytes, job_id="HK-2026-000123", document="receipt")   # durable
    spooler.pump()     # prints what waits; stops at the first fault, leaving that job pending

A job that meets paper out, an open cover or an unplugged printer goes back to pending with the
reason; when the printer reports it is usable again the spooler prints what waits, each job
once. A job left half-sent by a crash is pending again at the next start (``recover``).

Threads: ``submit`` and ``pump`` block (disk, printer): call them on a worker. Listeners'
``on_print_job_printed(job)`` and ``on_print_job_waiting(job, state)`` run on the UI thread,
through the dispatcher; ``on_device_event`` runs there too, from the event queue.
"""
from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass

from drivers.errors import DeviceError
from drivers.events import DeviceEvent, DeviceStatusChanged
from drivers.printer.base import ReceiptPrinter
from kiosk_app.outbox import Outbox, OutboxStatus
from kiosk_app.ui_dispatch import Dispatcher
from kiosk_app.workers import Workers

log = logging.getLogger(__name__)

KIND = "print"


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
                 workers: Workers | None = None, family: str = "printer") -> None:
        self._outbox = outbox
        self._printer = printer
        self._dispatcher = dispatcher
        self._workers = workers
        self._family = family
        self._lock = threading.Lock()  # one pump at a time: a job is never sent twice at once
        self._listeners: list[object] = []

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
        self._outbox.enqueue(KIND, {"job_id": job_id, "document": document,
                                    "data": base64.b64encode(data).decode("ascii")},
                             idempotency_key=key)
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

    def start(self) -> int:
        """At start: jobs a crash left half-sent wait again; then print what waits."""
        recovered = self._outbox.recover(KIND)
        if recovered:
            log.info("%d print jobs were interrupted and will be printed again", recovered)
        return self.pump()

    def waiting(self) -> list[PrintJob]:
        return [PrintJob(r.idempotency_key, r.payload["job_id"], r.payload["document"])
                for r in self._outbox.rows(KIND, OutboxStatus.PENDING)]

    # -- UI thread --------------------------------------------------------------------------
    def on_device_event(self, event: DeviceEvent) -> None:
        """When the printer is usable again (paper loaded, cover closed), print what waits."""
        if (isinstance(event, DeviceStatusChanged) and event.device == self._family
                and event.state.usable and self._workers is not None):
            self._workers.submit(self.pump)

