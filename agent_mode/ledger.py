"""The agent's books: the posting rules, written once, and every movement kept twice over, in
the outbox (for the backend) and in the agent's own file (for this device's reports).

Every entry debits one account and credits another by the same whole number of cents, so the
balances (debits minus credits) of any set of entries sum to zero. The rules:

===============================================  ==========  ==========  ======================
what happened                                    debit       credit      amount
===============================================  ==========  ==========  ======================
a customer paid the fees in cash to the agent    cash        government  the fees paid
a customer paid the fees by M-Pesa (to the       mpesa       government  the fees paid
government's paybill: no cash moves)
the agent earned commission on a service         government  commission  the catalogue's
                                                                         commission, summed
the float was topped up (cash into the drawer)   cash        bank        the cash put in
takings were banked (cash out of the drawer)     bank        cash        the cash taken out
===============================================  ==========  ==========  ======================

So ``cash`` is what moved through the drawer, ``mpesa`` what went straight to government,
``government`` what is owed to government less the commission it owes the agent, and
``commission`` (a credit: negative) what the agent earned. The customer pays the official
tariff only: commission is paid by government, never added to the customer's fees.

An application's entries have ids made from its reference (the same application always makes
the same entries), and each entry's outbox row is keyed by its id, so a retried submit or a
replayed send never doubles an entry; the backend keeps each entry once by id too. The rows go
into the outbox in the same transaction as the application (:meth:`Applying.queue`'s
``with_rows``).

In training mode every memo starts with ``TRAINING``; training's books live in their own
folder anyway (:meth:`kiosk_app.config.KioskConfig.effective`).

Blocking (disk): :class:`Books`' methods; call them on a worker thread. The rules themselves
are pure functions.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from kiosk_app import contract
from kiosk_app.clock import Clock
from kiosk_app.contract import LedgerAccount, LedgerEntryIn
from kiosk_app.outbox import NewRow, Outbox, OutboxError, OutboxStatus

from agent_mode.store import AgentStore, BookEntry, Transaction

log = logging.getLogger(__name__)

LEDGER_KIND = "ledger_entry"
APPLICATION_KIND = "application"
TRAINING_MEMO = "TRAINING"
_ENTRY_IDS = uuid.UUID("b7e3c1d4-2a6f-4e8b-9c0d-5f1a2b3c4d5e")

A = LedgerAccount


class BooksError(Exception):
    """The books could not be written (the outbox or the agent's file): nothing was kept."""


def entry_id_for(reference: str, part: str) -> str:
    """The id of an application's entry (``fee``, ``commission``, ``reversal``...): the same
    application always makes the same ids."""
    return str(uuid.uuid5(_ENTRY_IDS, f"{reference}:{part}"))


def commission_cents(service: contract.Service) -> int:
    """What the agent earns on one application of ``service`` (the catalogue's figure)."""
    return sum(fee.agent_commission_cents for fee in service.fees)


def _memo(text: str, training: bool) -> str:
    return f"{TRAINING_MEMO} {text}" if training else text


def application_entries(body: contract.ApplicationIn, service: contract.Service, *,
                        training: bool = False) -> list[LedgerEntryIn]:
    """The entries an agent's application makes: its fees as paid, and the commission."""
    entries = []
    if body.amount_cents > 0:
        if body.payment == "cash":
            debit, memo = A.CASH, "fees paid in cash"
        elif body.payment == "mpesa":
            debit, memo = A.MPESA, "fees paid by M-Pesa"
        else:
            raise ValueError(f"fees of {body.amount_cents} cents paid by {body.payment!r}")
        entries.append(LedgerEntryIn(
            entry_id=entry_id_for(body.reference, "fee"), at=body.created_at, debit=debit,
            credit=A.GOVERNMENT, amount_cents=body.amount_cents, reference=body.reference,
            service_code=body.service_code, memo=_memo(memo, training)))
    earned = commission_cents(service)
    if earned > 0:
        entries.append(LedgerEntryIn(
            entry_id=entry_id_for(body.reference, "commission"), at=body.created_at,
            debit=A.GOVERNMENT, credit=A.COMMISSION, amount_cents=earned,
            reference=body.reference, service_code=body.service_code,
            memo=_memo("commission", training)))
    return entries


FLOAT_MOVES = {"top_up": (A.CASH, A.BANK, "float topped up"),
               "bank": (A.BANK, A.CASH, "takings banked")}
"""A movement of the float: (debit, credit, memo)."""


def float_entry(move: str, amount_cents: int, at: datetime, *, entry_id: str | None = None,
                training: bool = False) -> LedgerEntryIn:
    debit, credit, memo = FLOAT_MOVES[move]
    return LedgerEntryIn(entry_id=entry_id or str(uuid.uuid4()), at=at, debit=debit,
                         credit=credit, amount_cents=amount_cents, memo=_memo(memo, training))


def balances(entries: Iterable[LedgerEntryIn]) -> dict[LedgerAccount, int]:
    """Each account's debits minus credits, in cents (every account, zeros included)."""
    totals = {account: 0 for account in LedgerAccount}
    for entry in entries:
        totals[entry.debit] += entry.amount_cents
        totals[entry.credit] -= entry.amount_cents
    return totals


def cash_moved(entries: Iterable[LedgerEntryIn]) -> int:
    """How much the drawer's cash changed by these entries (cents; negative when it fell)."""
    return balances(entries)[A.CASH]


def outbox_row(agent_number: str, entry: LedgerEntryIn) -> NewRow:
    """The entry's outbox row (kind ``ledger_entry``, keyed by the entry's id; nothing in it
    is personal data)."""
    return NewRow(LEDGER_KIND, {"agent_number": agent_number,
                                "entry": entry.model_dump(mode="json")},
                  idempotency_key=entry.entry_id, personal=())


class Books:
    """One device's books, for every agent bound to it."""

    def __init__(self, store: AgentStore, outbox: Outbox, *, clock: Clock,
                 wake_sync: Callable[[], None], training: bool = False) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock
        self.wake_sync = wake_sync
        self.training = training
        self._caught_up = False
        self._catch_up_lock = threading.Lock()

    # -- writing ------------------------------------------------------------------------------
    def keep(self, agent_number: str, entries: Sequence[LedgerEntryIn],
             transaction: Transaction | None = None) -> None:
        """Worker thread. Index entries (and their application) in the agent's file, once the
        outbox has them. A failure here loses nothing: the next catch-up finds them."""
        try:
            self.store.add_entries(BookEntry(agent_number, entry) for entry in entries)
            if transaction is not None:
                self.store.add_transactions([transaction])
        except Exception as err:  # noqa: BLE001 - the outbox has them; the index catches up
            log.error("the agent's file was not updated (%s); it catches up from the outbox",
                      type(err).__name__)
            self._caught_up = False

    def post(self, agent_number: str, entries: Sequence[LedgerEntryIn]) -> None:
        """Worker thread. Entries of their own (a float movement): into the outbox in one
        transaction, then the agent's file; the sync woken. Raises BooksError when the outbox
        could not keep them (then nothing was kept)."""
        try:
            self.outbox.enqueue_many(outbox_row(agent_number, entry) for entry in entries)
        except OutboxError as err:
            raise BooksError(str(err)) from None
        self.keep(agent_number, entries)
        self.wake_sync()

    def move_float(self, agent_number: str, move: str, amount_cents: int, *,
                   entry_id: str | None = None) -> LedgerEntryIn:
        """Worker thread. ``move`` is ``top_up`` (cash into the drawer from the bank) or
        ``bank`` (takings out of the drawer to the bank). ``entry_id`` lets a retried touch
        keep one entry (a new id is made when None)."""
        if amount_cents <= 0:
            raise ValueError("a float movement is a positive number of cents")
        entry = float_entry(move, amount_cents, self.clock.now(), entry_id=entry_id,
                            training=self.training)
        self.post(agent_number, [entry])
        return entry

    # -- reading ------------------------------------------------------------------------------
    def catch_up(self) -> int:
        """Worker thread. Index what the outbox holds and the agent's file lacks (after a crash
        between the two writes). Returns how many entries and applications were added."""
        with self._catch_up_lock:
            known_entries = self.store.entry_ids()
            entries = []
            for row in self.outbox.rows(LEDGER_KIND, opened=False):
                if row.idempotency_key in known_entries:
                    continue
                try:
                    entry = LedgerEntryIn.model_validate(row.payload["entry"])
                    entries.append(BookEntry(str(row.payload["agent_number"]), entry))
                except (KeyError, TypeError, ValueError):
                    log.warning("outbox row %s is not a ledger entry", row.idempotency_key)
            known = self.store.transaction_references()
            transactions = []
            for row in self.outbox.rows(APPLICATION_KIND, opened=False):
                payload = row.payload
                if payload.get("channel") != "agent" or payload.get("reference") in known:
                    continue
                try:
                    transactions.append(transaction_of(payload))
                except (KeyError, TypeError, ValueError):
                    log.warning("outbox row %s is not an agent's application",
                                row.idempotency_key)
            added = self.store.add_entries(entries) + self.store.add_transactions(transactions)
            self._caught_up = True
        if added:
            log.info("the agent's file caught up %d rows from the outbox", added)
        return added

    def _ready(self) -> None:
        if not self._caught_up:
            self.catch_up()

    def entries(self, agent_number: str, since: datetime, until: datetime) -> list[BookEntry]:
        """Worker thread. The agent's entries with ``since <= at < until``, in time order."""
        self._ready()
        return self.store.entries(agent_number, since, until)

    def transactions(self, agent_number: str, since: datetime,
                     until: datetime) -> list[Transaction]:
        """Worker thread. The applications the agent made with ``since <= at < until``."""
        self._ready()
        return self.store.transactions(agent_number, since, until)

    def status(self, entry_id: str) -> OutboxStatus | None:
        """Worker thread. Where the entry's outbox row stands (None: not in this outbox)."""
        row = self.outbox.get(entry_id, opened=False)
        return None if row is None else row.status


def transaction_of(payload: dict) -> Transaction:
    """An agent's application (its plain outbox payload, or its body as JSON) as kept here."""
    consent = payload.get("consent_at")
    return Transaction(
        reference=str(payload["reference"]), agent_number=str(payload["agent_number"]),
        at=datetime.fromisoformat(str(payload["created_at"])),
        service_code=str(payload["service_code"]), payment=str(payload["payment"]),
        amount_cents=int(payload["amount_cents"]),
        consent_at=datetime.fromisoformat(consent) if consent else None)
