"""The agent's slips (the Z-report, a report of transactions) through the kiosk's print spooler.

    printed = print_slip(spooler, outbox, printer, z_report_bytes, job_id=..., document="z_report")
    printed.printed, printed.problem          # False, "paper_out": it waits and prints later

A job that meets paper out or an open cover waits in the outbox and prints once the printer is
ready; the same job id twice is kept once. Blocking (disk, printer): call on a worker thread.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drivers.printer.base import PrinterProfile
from kiosk_app.outbox import Outbox, OutboxError, OutboxStatus
from kiosk_app.receipts.spooler import PrintSpooler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlipPrint:
    printed: bool
    problem: str | None
    """Why it did not print (``paper_out``, ``cover_open``, ``no_printer``, ...), or None."""
    job_key: str | None


def print_slip(spooler: PrintSpooler, outbox: Outbox, printer: Any,
               make: Callable[[PrinterProfile], bytes], *, job_id: str,
               document: str) -> SlipPrint:
    """Worker thread (disk, printer). ``make`` gives the slip's bytes for the printer's
    profile."""
    if printer is None:
        return SlipPrint(False, "no_printer", None)
    try:
        job = spooler.submit(make(printer.profile), job_id=job_id, document=document)
    except OutboxError as err:
        log.error("the %s could not be queued for printing: %s", document, err)
        return SlipPrint(False, "not_working", None)
    spooler.pump()
    row = outbox.get(job.key, opened=False)
    if row is not None and row.status is OutboxStatus.SENT:
        return SlipPrint(True, None, job.key)
    return SlipPrint(False, (row.last_error if row is not None else None) or "not_working",
                     job.key)
