"""Reports of an agent's transactions and commission for any range of days.

    report = reports.between_days("BA-0001", date(2026, 3, 1), date(2026, 3, 31))
    report.count, report.cash_cents, report.mpesa_cents, report.commission_cents
    report.by_service, report.by_day, report.lines
    report.to_dict()                       # for --json
    report.table("sw")                     # for a terminal, headings in both languages

Days are Nairobi days, both ends included. The figures come from this device's books (the
applications the agent made here and their ledger entries), each line with whether the
backend has it yet. No personal data: references, services, amounts and times.

Blocking (disk): :meth:`Reports.between_days`; call on a worker thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from kiosk_app.applying import application_key
from kiosk_app.clock import NAIROBI
from kiosk_app.contract import LedgerAccount
from kiosk_app.i18n import N_, translator
from kiosk_app.outbox import Outbox, OutboxStatus
from kiosk_app.receipts.documents import money

from agent_mode.ledger import Books
from agent_mode.reconcile import day_range

HEADINGS = {
    "report": N_("Transactions and commission"),
    "agent": N_("Agent"),
    "days": N_("From {first} to {last}"),
    "when": N_("When"),
    "reference": N_("Reference"),
    "service": N_("Service"),
    "paid": N_("Paid by"),
    "fees": N_("Fees"),
    "commission": N_("Commission"),
    "sent": N_("Sent"),
    "total": N_("Total"),
    "count": N_("Transactions"),
    "cash": N_("Fees in cash"),
    "mpesa": N_("Fees by M-Pesa"),
    "yes": N_("yes"),
    "no": N_("no"),
    "none": N_("no fee"),
}


@dataclass(frozen=True)
class ReportLine:
    at: datetime
    reference: str
    service_code: str
    payment: str
    amount_cents: int
    commission_cents: int
    sent: bool
    """Whether the backend has the application."""


@dataclass(frozen=True)
class Totals:
    count: int = 0
    cash_cents: int = 0
    mpesa_cents: int = 0
    commission_cents: int = 0

    def add(self, line: ReportLine) -> "Totals":
        return Totals(self.count + 1,
                      self.cash_cents + (line.amount_cents if line.payment == "cash" else 0),
                      self.mpesa_cents + (line.amount_cents if line.payment == "mpesa" else 0),
                      self.commission_cents + line.commission_cents)

    @property
    def fees_cents(self) -> int:
        return self.cash_cents + self.mpesa_cents

    def to_dict(self) -> dict[str, int]:
        return {"count": self.count, "cash_cents": self.cash_cents,
                "mpesa_cents": self.mpesa_cents, "fees_cents": self.fees_cents,
                "commission_cents": self.commission_cents}


@dataclass(frozen=True)
class Report:
    agent_number: str
    first_day: date
    last_day: date
    lines: list[ReportLine]
    totals: Totals
    by_service: dict[str, Totals]
    by_day: dict[date, Totals]

    @property
    def count(self) -> int:
        return self.totals.count

    @property
    def cash_cents(self) -> int:
        return self.totals.cash_cents

    @property
    def mpesa_cents(self) -> int:
        return self.totals.mpesa_cents

    @property
    def commission_cents(self) -> int:
        return self.totals.commission_cents

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent_number": self.agent_number, "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(), "totals": self.totals.to_dict(),
            "by_service": {code: t.to_dict() for code, t in self.by_service.items()},
            "by_day": {day.isoformat(): t.to_dict() for day, t in self.by_day.items()},
            "transactions": [{
                "at": line.at.isoformat(), "reference": line.reference,
                "service_code": line.service_code, "payment": line.payment,
                "amount_cents": line.amount_cents, "commission_cents": line.commission_cents,
                "sent": line.sent} for line in self.lines]}

    def table(self, language: str) -> str:
        """Lines for a terminal: headings in ``language``, then English beside."""
        def word(key: str, **params: object) -> str:
            en = HEADINGS[key].format(**params)
            other = translator(language).gettext(HEADINGS[key]).format(**params)
            return en if other == en else f"{other} / {en}"

        out = [word("report"), f"{word('agent')}: {self.agent_number}",
               word("days", first=self.first_day.strftime("%d/%m/%Y"),
                    last=self.last_day.strftime("%d/%m/%Y")), ""]
        head = (word("when"), word("reference"), word("service"), word("paid"), word("fees"),
                word("commission"), word("sent"))
        rows = [(line.at.astimezone(NAIROBI).strftime("%d/%m %H:%M"), line.reference,
                 line.service_code, line.payment if line.amount_cents else word("none"),
                 money(line.amount_cents), money(line.commission_cents),
                 word("yes") if line.sent else word("no")) for line in self.lines]
        widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
        for row in [head, *rows]:
            out.append("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths))
                       .rstrip())
        out += ["", f"{word('count')}: {self.totals.count}",
                f"{word('cash')}: {money(self.totals.cash_cents)}",
                f"{word('mpesa')}: {money(self.totals.mpesa_cents)}",
                f"{word('total')}: {money(self.totals.fees_cents)}",
                f"{word('commission')}: {money(self.totals.commission_cents)}"]
        return "\n".join(out)


class Reports:
    def __init__(self, books: Books, outbox: Outbox) -> None:
        self.books = books
        self.outbox = outbox

    def between_days(self, agent_number: str, first: date, last: date) -> Report:
        """Worker thread. Nairobi days ``first`` to ``last``, both included."""
        if last < first:
            raise ValueError("the last day is before the first")
        since, _ = day_range(first)
        _, until = day_range(last)
        commission: dict[str, int] = {}
        for book_entry in self.books.entries(agent_number, since, until):
            entry = book_entry.entry
            if entry.reference and entry.debit is LedgerAccount.GOVERNMENT \
                    and entry.credit is LedgerAccount.COMMISSION:
                commission[entry.reference] = commission.get(entry.reference, 0) \
                    + entry.amount_cents
        lines = []
        for t in self.books.transactions(agent_number, since, until):
            row = self.outbox.get(application_key(t.reference), opened=False)
            lines.append(ReportLine(t.at, t.reference, t.service_code, t.payment,
                                    t.amount_cents, commission.get(t.reference, 0),
                                    row is None or row.status is OutboxStatus.SENT))
        totals = Totals()
        by_service: dict[str, Totals] = {}
        by_day: dict[date, Totals] = {}
        day = first
        while day <= last:
            by_day[day] = Totals()
            day += timedelta(days=1)
        for line in lines:
            totals = totals.add(line)
            by_service[line.service_code] = by_service.get(line.service_code, Totals()).add(line)
            local_day = line.at.astimezone(NAIROBI).date()
            by_day[local_day] = by_day.get(local_day, Totals()).add(line)
        return Report(agent_number, first, last, lines, totals, dict(sorted(by_service.items())),
                      by_day)
