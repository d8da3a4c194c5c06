"""Queue tickets: a number for the hall's counters, taken now and printed.

    taker = TicketTaker(kiosk.backend, kiosk.enroller)
    key = new_key()                                    # one per choice; kept for "try again"
    ticket = taker.take("GOOD-CONDUCT", language="sw", idempotency_key=key)   # network: a worker
    printed = print_ticket(kiosk.spooler, printer, ticket, service)           # disk, printer

A ticket is needed now, so it is not queued in the outbox like an application: the backend is
asked at once, with an idempotency key, so asking again after a lost answer gives the same
number, never a second one. When the backend cannot be reached, :class:`NoTicket` says so in
words that leave the person a way on: the counters can still serve them.

Printing goes through the spooler (:func:`~kiosk_app.receipts.printing.print_now`). A printer
that is down before the ticket is printed is not asked at all: the screen says "please note your
number". Known flaw: a printer that fails during the job leaves the ticket waiting in the
spooler, and it prints when the printer is back, late.

Blocking (network, disk, printer): call ``take`` and :func:`print_ticket` on a worker.
"""
from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from drivers.printer.base import ReceiptPrinter
from kiosk_app.backend.client import BackendClient, BackendError, BackendUnavailable, NotEnrolled
from kiosk_app.backend.enrolment import Enroller
from kiosk_app.i18n import N_
from kiosk_app.lazy import lazy_module
from kiosk_app.receipts.documents import queue_ticket
from kiosk_app.receipts.printing import print_now
from kiosk_app.receipts.spooler import PrintSpooler

if TYPE_CHECKING:
    from kiosk_app import contract
else:
    contract = lazy_module("kiosk_app.contract")  # pydantic, on first use (kiosk_app/lazy.py)

log = logging.getLogger(__name__)

DOCUMENT = "queue_ticket"

OFFLINE = N_("The kiosk cannot reach the queue system now, so it cannot give you a number. "
             "Please go to the counters: the officers can still serve you.")
REFUSED = N_("The queue system did not give a number for this service. Please go to the "
             "counters: the officers can still serve you.")


class NoTicket(Exception):
    """No ticket could be taken. ``message`` is a catalogue key; ``backend_message`` the
    backend's own words when it refused."""

    def __init__(self, message: str, backend_message: contract.Text | None = None, *,
                 retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.backend_message = backend_message
        self.retryable = retryable


def new_key() -> str:
    """An idempotency key for one ticket: made when the person chooses, kept for retries."""
    return str(uuid.uuid4())


class TicketTaker:
    def __init__(self, client: BackendClient, enroller: Enroller | None = None) -> None:
        self.client = client
        self.enroller = enroller

    def take(self, service_code: str, *, language: str, idempotency_key: str,
             reference: str | None = None) -> contract.Ticket:
        """The ticket for ``service_code`` (network). Raises :class:`NoTicket`."""
        body = contract.TicketIn(service_code=service_code, reference=reference,
                                 language="sw" if language == "sw" else "en")
        def send() -> contract.Ticket:
            return self.client.take_ticket(body, idempotency_key=idempotency_key)

        try:
            return send() if self.enroller is None else self.enroller.authorised(send)
        except (BackendUnavailable, NotEnrolled) as err:
            log.info("no queue ticket: %s", type(err).__name__)
            raise NoTicket(OFFLINE) from None
        except BackendError as err:
            log.warning("no queue ticket: HTTP %s (%s)", err.status, err.code)
            if err.retryable:
                raise NoTicket(OFFLINE) from None
            raise NoTicket(REFUSED, err.message, retryable=False) from None


def print_ticket(spooler: PrintSpooler, printer: ReceiptPrinter | None,
                 ticket: contract.Ticket, service: contract.Service | None) -> bool:
    """Print ``ticket`` now; True when the printer has all of it (see :func:`print_now`)."""
    name = service.name if service is not None else ticket.counter_group
    return print_now(
        spooler, printer,
        lambda profile: queue_ticket(ticket.number, name.en, name.sw, ticket.issued_at,
                                     ticket.waiting_ahead, profile),
        job_id=f"{ticket.number}@{ticket.issued_at:%Y%m%dT%H%M%S}", document=DOCUMENT)
