"""The day's end: this device's books set against the backend's, entry by entry.

    rec = reconciler.day("BA-0001", date(2026, 3, 2))       # or .shift(shift), .between(...)
    rec.matches            # True when both sides hold the same entries and nothing waits
    rec.waiting            # entries still in the outbox, not yet sent
    rec.dropped            # entries the outbox sent but the backend does not hold
    rec.unknown_here       # entries the backend holds that this device never made
    reconciler.send_again(rec)    # queue the dropped entries once more (same ids: kept once)

What each list means, and what to do:

- **waiting**: made here, still in the outbox (offline, or not sent yet). They go by
  themselves when the network is back; the Z-report lists them.
- **refused**: the backend refused them as they are; a technician must look
  (``huduma-kiosk outbox list --status failed``).
- **dropped**: the outbox says the backend took them, but the backend's books lack them (its
  database was restored from an older copy, or a proxy answered for it). :meth:`send_again`
  queues them again under new outbox keys; the backend keeps an entry once by its id, so
  sending one it does hold changes nothing.
- **unknown_here**: in the backend's books for this agent but not made on this device (another
  device the agent used, or this device's data lost).
- **differing**: the same entry id with other amounts or accounts on the two sides (should
  never happen; shown, never "fixed").

The balances of each account are given for both sides, and the cash expected in the drawer:
the opening count of the first shift in the range plus what the range's entries moved through
the drawer. With no network the reconciliation still lists this device's side, marked as not
checked against the backend.

Blocking (disk, network): every method of :class:`Reconciler`; call on a worker thread.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from kiosk_app import contract
from kiosk_app.backend.client import BackendClient, BackendError
from kiosk_app.backend.enrolment import Enroller
from kiosk_app.clock import NAIROBI, Clock
from kiosk_app.contract import LedgerAccount, LedgerEntryIn
from kiosk_app.outbox import NewRow, Outbox, OutboxStatus

from agent_mode.ledger import APPLICATION_KIND, Books, balances, outbox_row
from agent_mode.shifts import Shift, Shifts

log = logging.getLogger(__name__)

_AGAIN = uuid.UUID("0c5e7a91-4d2b-4f6e-8a3c-9b1d2e3f4a5b")


def day_range(day: date) -> tuple[datetime, datetime]:
    """A day in Nairobi as ``[since, until)``."""
    since = datetime.combine(day, time(0), tzinfo=NAIROBI)
    return since, since + timedelta(days=1)


def nairobi_today(now: datetime) -> date:
    return now.astimezone(NAIROBI).date()


@dataclass(frozen=True)
class Waiting:
    entry: LedgerEntryIn
    status: OutboxStatus
    last_error: str | None = None


@dataclass(frozen=True)
class ApplicationWaiting:
    reference: str
    service_code: str
    payment: str
    amount_cents: int
    status: OutboxStatus


@dataclass(frozen=True)
class Reconciliation:
    agent_number: str
    since: datetime
    until: datetime
    checked_at: datetime
    backend_checked: bool
    """Whether the backend's books were read (False: no network, or it refused)."""
    backend_problem: str
    """Why the backend's books could not be read (English, for technicians), or ""."""
    local: list[LedgerEntryIn]
    waiting: list[Waiting]
    refused: list[Waiting]
    dropped: list[LedgerEntryIn]
    unknown_here: list[contract.LedgerEntry]
    differing: list[tuple[LedgerEntryIn, contract.LedgerEntry]]
    applications_waiting: list[ApplicationWaiting]
    local_balances: dict[LedgerAccount, int]
    backend_balances: dict[LedgerAccount, int] | None
    opening_cents: int | None
    """The opening count of the first shift in the range (None: no shift began in it)."""
    shifts: list[Shift] = field(default_factory=list)

    @property
    def cash_moved_cents(self) -> int:
        return self.local_balances[LedgerAccount.CASH]

    @property
    def cash_expected_cents(self) -> int | None:
        """What the drawer should hold: the opening count plus the cash moved (None when no
        shift began in the range, so there is no count to start from)."""
        return None if self.opening_cents is None else self.opening_cents + self.cash_moved_cents

    @property
    def matches(self) -> bool:
        """Both sides hold the same entries, and nothing of this device waits or was refused."""
        return (self.backend_checked and not self.waiting and not self.refused
                and not self.dropped and not self.unknown_here and not self.differing
                and not self.applications_waiting
                and self.local_balances == self.backend_balances)

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``: no personal data is in any of it."""
        def entry(e: LedgerEntryIn) -> dict[str, Any]:
            return e.model_dump(mode="json")

        return {
            "agent_number": self.agent_number, "since": self.since.isoformat(),
            "until": self.until.isoformat(), "checked_at": self.checked_at.isoformat(),
            "matches": self.matches, "backend_checked": self.backend_checked,
            "backend_problem": self.backend_problem,
            "entries": len(self.local),
            "waiting": [{**entry(w.entry), "status": w.status.value} for w in self.waiting],
            "refused": [{**entry(w.entry), "last_error": w.last_error} for w in self.refused],
            "dropped": [entry(e) for e in self.dropped],
            "unknown_here": [entry(e) for e in self.unknown_here],
            "differing": [{"here": entry(a), "backend": entry(b)} for a, b in self.differing],
            "applications_waiting": [
                {"reference": a.reference, "service_code": a.service_code, "payment": a.payment,
                 "amount_cents": a.amount_cents, "status": a.status.value}
                for a in self.applications_waiting],
            "balances": {a.value: n for a, n in self.local_balances.items()},
            "backend_balances": (None if self.backend_balances is None else
                                 {a.value: n for a, n in self.backend_balances.items()}),
            "opening_cents": self.opening_cents,
            "cash_moved_cents": self.cash_moved_cents,
            "cash_expected_cents": self.cash_expected_cents,
        }


def _same(local: LedgerEntryIn, remote: contract.LedgerEntry) -> bool:
    return LedgerEntryIn.model_validate(
        remote.model_dump(include=set(LedgerEntryIn.model_fields))) == local


class Reconciler:
    def __init__(self, books: Books, shifts: Shifts, outbox: Outbox, client: BackendClient,
                 enroller: Enroller, *, clock: Clock) -> None:
        self.books = books
        self.shifts = shifts
        self.outbox = outbox
        self.client = client
        self.enroller = enroller
        self.clock = clock

    def day(self, agent_number: str, day: date | None = None) -> Reconciliation:
        """Worker thread. A day in Nairobi (today when None)."""
        since, until = day_range(day or nairobi_today(self.clock.now()))
        return self.between(agent_number, since, until)

    def shift(self, shift: Shift) -> Reconciliation:
        """Worker thread. One shift, from its start to its end (to now while it is open)."""
        end = shift.ended_at or self.clock.now()
        return self.between(shift.agent_number, shift.started_at,
                            end + timedelta(microseconds=1))

    def between(self, agent_number: str, since: datetime, until: datetime) -> Reconciliation:
        """Worker thread. Entries with ``since <= at < until``."""
        local = [e.entry for e in self.books.entries(agent_number, since, until)]
        waiting, refused, sent = [], [], []
        for entry in local:
            row = self.outbox.get(entry.entry_id, opened=False)
            if row is None or row.status is OutboxStatus.SENT:
                sent.append(entry)
            elif row.status is OutboxStatus.FAILED:
                refused.append(Waiting(entry, row.status, row.last_error))
            else:
                waiting.append(Waiting(entry, row.status, row.last_error))
        remote: contract.Ledger | None = None
        problem = ""
        try:
            remote = self.enroller.authorised(
                lambda: self.client.ledger(agent_number, since, until))
        except BackendError as err:
            problem = str(err)
            log.info("reconciliation of %s without the backend: %s", agent_number, err)
        dropped: list[LedgerEntryIn] = []
        unknown: list[contract.LedgerEntry] = []
        differing: list[tuple[LedgerEntryIn, contract.LedgerEntry]] = []
        if remote is not None:
            theirs = {e.entry_id: e for e in remote.entries}
            mine = {e.entry_id for e in local}
            for entry in sent:
                other = theirs.get(entry.entry_id)
                if other is None:
                    dropped.append(entry)
                elif not _same(entry, other):
                    differing.append((entry, other))
            for entry in waiting + refused:
                other = theirs.get(entry.entry.entry_id)
                if other is not None and not _same(entry.entry, other):
                    differing.append((entry.entry, other))
            unknown = [e for e in remote.entries if e.entry_id not in mine]
        shifts = self.shifts.between(agent_number, since, until)
        return Reconciliation(
            agent_number=agent_number, since=since, until=until, checked_at=self.clock.now(),
            backend_checked=remote is not None, backend_problem=problem, local=local,
            waiting=waiting, refused=refused, dropped=dropped, unknown_here=unknown,
            differing=differing,
            applications_waiting=self._applications_waiting(agent_number, since, until),
            local_balances=balances(local),
            backend_balances=None if remote is None else dict(remote.balances),
            opening_cents=shifts[0].opening_cents if shifts else None, shifts=shifts)

    def _applications_waiting(self, agent_number: str, since: datetime,
                              until: datetime) -> list[ApplicationWaiting]:
        found = []
        for status in (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED):
            for row in self.outbox.rows(APPLICATION_KIND, status, opened=False):
                payload = row.payload
                if payload.get("agent_number") != agent_number:
                    continue
                try:
                    made = datetime.fromisoformat(str(payload["created_at"]))
                except (KeyError, ValueError):
                    continue
                if since <= made < until:
                    found.append(ApplicationWaiting(
                        str(payload["reference"]), str(payload.get("service_code")),
                        str(payload.get("payment")), int(payload.get("amount_cents", 0)),
                        row.status))
        return sorted(found, key=lambda a: a.reference)

    def send_again(self, reconciliation: Reconciliation) -> int:
        """Worker thread. Queue the dropped entries once more, under new outbox keys (the
        backend keeps each entry once by its id); the sync worker sends them. Returns how
        many were queued."""
        rows = []
        for entry in reconciliation.dropped:
            row = outbox_row(reconciliation.agent_number, entry)
            key = str(uuid.uuid5(_AGAIN, f"{entry.entry_id}:{reconciliation.checked_at}"))
            rows.append(NewRow(row.kind, row.payload, key, ()))
        if rows:
            self.outbox.enqueue_many(rows)
            self.books.wake_sync()
            log.warning("%d ledger entries the backend lacked were queued again", len(rows))
        return len(rows)
