"""Printing one document now, through the spooler, and knowing whether it came out.

    printed = print_now(spooler, printer, lambda profile: queue_ticket(..., profile),
                        job_id="A001@20260301T081500", document="queue_ticket")

A printer that is not usable is not asked: nothing is queued, and the caller shows the words
on screen instead ("please note your number"). A job that meets a fault while printing stays in
the spooler and prints when the printer is back while the person is still here; once their
session ends it is withdrawn (see :mod:`kiosk_app.receipts.spooler`).

Blocking (disk, printer): call it on a worker.
"""
from __future__ import annotations

from collections.abc import Callable

from drivers.printer.base import PrinterProfile, ReceiptPrinter
from kiosk_app.receipts.spooler import PrintSpooler


def print_now(spooler: PrintSpooler, printer: ReceiptPrinter | None,
              build: Callable[[PrinterProfile], bytes], *, job_id: str, document: str) -> bool:
    """True when the printer has all of the job; False when it could not print it now."""
    if printer is None or not printer.state.usable:
        return False
    job = spooler.submit(build(printer.profile), job_id=job_id, document=document)
    spooler.pump()
    return all(waiting.key != job.key for waiting in spooler.waiting())
