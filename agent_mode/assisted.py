"""The assisted transaction: an agent applies for a customer with the kiosk's own catalogue,
forms and applying code, and the money goes into the agent's books in the same transaction.

    tariff = assisted.tariff("GOOD-CONDUCT")          # any thread: the official fees, itemised
    draft = Draft.from_session(session.data, clock.now())               # UI thread: a copy
    done = assisted.submit(draft, agent, consent_at=when_agreed, cash=True)   # worker thread

The customer is identified as at a kiosk (their ID card, a QR, or typed details) into the same
:class:`kiosk_app.session.Session`; the form is the service's own (:mod:`kiosk_app.forms`).
What the agent's role adds:

- **Consent**, asked on screen with :data:`CONSENT_WORDS` and recorded: ``consent_at`` is sent
  with the application (the backend refuses an agent's application without it).
- **The official tariff** only (:meth:`AssistedApplying.tariff`): the fees from the catalogue,
  itemised, and nothing added; the agent's commission is paid by government.
- **Cash** into the agent's float, within the offline limits (:mod:`agent_mode.limits`), or
  M-Pesa exactly as at a kiosk (:class:`kiosk_app.payments.MpesaPayment`, then ``cash=False``
  with the payment in the draft).
- **The books**: the application and its ledger entries (:mod:`agent_mode.ledger`) go into the
  outbox in one transaction, so either all of it is kept or none; the sync worker sends the
  application first, then its entries, each exactly once.
- **An open shift**: nothing is taken before the drawer has been counted (:mod:`agent_mode.shifts`).

The receipt is the kiosk's, with the payment (``Cash / Pesa taslimu``), "waiting to be sent"
while the backend has not confirmed the application, and TRAINING / MAFUNZO in training mode.

Blocking (disk, network wait, printer): ``submit`` and ``cash_room`` on a worker thread;
``tariff`` reads the catalogue in memory (any thread).
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from kiosk_app import contract
from kiosk_app.applying import Applying, Assisted, Draft, Submitted, application_key, fee_split
from kiosk_app.clock import Clock
from kiosk_app.i18n import N_, translator
from kiosk_app.outbox import NewRow

from agent_mode.ledger import Books, application_entries, commission_cents, outbox_row, \
    transaction_of
from agent_mode.limits import LimitStatus, OfflineLimits
from agent_mode.shifts import ShiftError, Shifts
from agent_mode.signin import SignedIn

log = logging.getLogger(__name__)

CONSENT_WORDS = N_("I agree that this agent applies for this service for me with my details, "
                   "and that my details are sent to the government office that gives it.")
"""What the customer is asked to agree to, on the agent's screen, before anything is sent."""

WORDS = {
    "no_consent": N_("The customer has not agreed yet. Ask them to read the consent on the "
                     "screen and agree before you apply for them."),
    "no_service": N_("This service is not in the list of services on this device."),
}


class AssistedError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def message(self, language: str) -> str:
        return translator(language).gettext(WORDS[self.key])

    def bilingual(self) -> str:
        return f"{self.message('en')}\n{self.message('sw')}"


@dataclass(frozen=True)
class FeeLine:
    code: str
    label: contract.Text
    amount_cents: int


@dataclass(frozen=True)
class Tariff:
    """What the customer pays for a service: the catalogue's fees, itemised, nothing added."""

    service_code: str
    name: contract.Text
    fees: tuple[FeeLine, ...]
    total_cents: int
    official_cents: int
    convenience_cents: int
    commission_cents: int
    """What the agent earns from government (not charged to the customer)."""


class AssistedApplying:
    def __init__(self, applying: Applying, books: Books, limits: OfflineLimits, shifts: Shifts,
                 *, clock: Clock, training: bool = False) -> None:
        self.applying = applying
        self.books = books
        self.limits = limits
        self.shifts = shifts
        self.clock = clock
        self.training = training
        self._lock = threading.Lock()  # the limit check and the queueing, one at a time

    def tariff(self, service_code: str) -> Tariff:
        """Any thread. Raises AssistedError("no_service")."""
        service = self.applying.services.service(service_code)
        if service is None:
            raise AssistedError("no_service")
        official, convenience = fee_split(service)
        return Tariff(service.code, service.name,
                      tuple(FeeLine(f.code, f.label, f.amount_cents) for f in service.fees),
                      service.total_cents, official, convenience, commission_cents(service))

    def cash_room(self, agent: SignedIn) -> LimitStatus:
        """Worker thread: how much more cash this device may take before it has synced."""
        return self.limits.status(agent.credential)

    def submit(self, draft: Draft, agent: SignedIn, *, consent_at: datetime | None,
               cash: bool) -> Submitted:
        """Worker thread. Apply for the customer: the application (with consent, the agent,
        and the payment: ``cash=True`` for cash into the float, else the draft's M-Pesa
        payment) and its ledger entries in one outbox transaction, then the receipt.

        Raises AssistedError (no consent, no such service), ShiftError (no open shift),
        LimitReached (cash beyond the offline limits), or ApplyError (as at a kiosk); in each
        case nothing was kept. The same draft submitted again is kept and counted once."""
        if consent_at is None:
            raise AssistedError("no_consent")
        service = self.applying.services.service(draft.service_code)
        if service is None:
            raise AssistedError("no_service")
        if self.shifts.current(agent.agent_number) is None:
            raise ShiftError("none_open")
        paid_in_cash = cash and service.total_cents > 0
        draft = dataclasses.replace(draft, assisted=Assisted(
            agent.agent_number, consent_at, cash=paid_in_cash))
        made: list[contract.LedgerEntryIn] = []

        def entries_for(body: contract.ApplicationIn,
                        service: contract.Service) -> list[NewRow]:
            made[:] = application_entries(body, service, training=self.training)
            return [outbox_row(agent.agent_number, entry) for entry in made]

        with self._lock:
            again = self.applying.outbox.get(application_key(draft.reference),
                                             opened=False) is not None
            if paid_in_cash and not again:
                self.limits.check(agent.credential, service.total_cents)
            queued = self.applying.queue(draft, with_rows=entries_for)
        self.books.keep(agent.agent_number, made,
                        transaction_of(queued.body.model_dump(mode="json")))
        log.info("agent %s applied for %s (%s, %d ledger entries)", agent.agent_number,
                 queued.body.reference, queued.body.payment, len(made))
        return self.applying.finish(queued)
