"""Reports of an agent's transactions and commission for any range of days.

    report = reports.between_days("BA-0001", date(2026, 3, 1), date(2026, 3, 31))
    report.count, report.cash_cents, report.mpesa_cents, report.commission_cents
    report.by_service, report.by_day, report.lines
    report.to_dict()                       # for --json
    report.table("sw")                     # for a terminal, headings in both languages
    reports.print(report, agent_name="Demo Agent Kilimani")   # on paper, via the spooler

Days are Nairobi days, both ends included. The figures come from this device's books (the
applications the agent made here and their ledger entries), each line with whether the
backend has it yet. No personal data: references, services, amounts and times.

Blocking (disk, printer): :meth:`Reports.between_days` and :meth:`Reports.print`; call on a
worker thread. :func:`report_slip` is pure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from drivers.printer.base import PrinterProfile
from kiosk_app.applying import application_key
from kiosk_app.clock import NAIROBI, Clock
from kiosk_app.contract import LedgerAccount
from kiosk_app.i18n import N_, translator
from kiosk_app.outbox import Outbox, OutboxStatus
from kiosk_app.receipts.documents import Slip, money, nairobi_time
from kiosk_app.receipts.spooler import PrintSpooler

from agent_mode.ledger import Books
from agent_mode.printing import SlipPrint, print_slip
from agent_mode.reconcile import day_range
from agent_mode.zreport import (
    AGENT_EN, AGENT_SW, CASH_FEES_EN, CASH_FEES_SW, COMMISSION_EN, COMMISSION_SW, DEVICE_EN,
    DEVICE_SW, FROM_EN, FROM_SW, MPESA_FEES_EN, MPESA_FEES_SW, PRINTED_EN, PRINTED_SW, TO_EN,
    TO_SW, TOTAL_FEES_EN, TOTAL_FEES_SW, TRANSACTIONS_EN, TRANSACTIONS_SW)

DOCUMENT = "agent_report"
TITLE_EN, TITLE_SW = "Transactions and commission", "Miamala na kamisheni"
BY_DAY_EN, BY_DAY_SW = "Each day", "Kila siku"
NOT_SENT_EN, NOT_SENT_SW = "not yet at the office", "bado haijafika ofisini"
WAITING_EN, WAITING_SW = "Not yet at the office", "Bado hazijafika ofisini"
NONE_EN, NONE_SW = "No transactions on these days", "Hakuna miamala siku hizi"

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
    def __init__(self, books: Books, outbox: Outbox, *, spooler: PrintSpooler | None = None,
                 printer: Any = None, device_id: str = "", clock: Clock | None = None,
                 training: bool = False) -> None:
        self.books = books
        self.outbox = outbox
        self.spooler = spooler
        self.printer = printer
        self.device_id = device_id
        self.clock = clock
        self.training = training

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

    def print(self, report: Report, *, agent_name: str) -> SlipPrint:
        """Worker thread (disk, printer). The report on paper, every transaction listed,
        through the outbox's print spooler (a job that meets paper out waits and prints once
        the printer is ready)."""
        assert self.spooler is not None and self.clock is not None, "made without a printer"
        printed_at = self.clock.now()
        return print_slip(
            self.spooler, self.outbox, self.printer,
            lambda profile: report_slip(report, profile, agent_name=agent_name,
                                        device_id=self.device_id, printed_at=printed_at,
                                        training=self.training),
            job_id=f"{report.agent_number}:{report.first_day}:{report.last_day}:"
                   f"{printed_at.isoformat()}", document=DOCUMENT)


def report_slip(report: Report, profile: PrinterProfile, *, agent_name: str, device_id: str,
                printed_at: datetime, training: bool = False) -> bytes:
    """The report's ESC/POS bytes for this printer, in English and Kiswahili: the totals, each
    day that had transactions, then every transaction (time, reference, service, how it was
    paid, fees), those the office does not have yet marked. (Each transaction's commission is
    on the screen and in ``--json``; on paper, in the totals.)"""
    slip = Slip(profile, training)
    slip.centred_lines([TITLE_EN, TITLE_SW], bold=True)
    slip.blank()
    slip.pair(AGENT_EN, AGENT_SW, report.agent_number)
    slip.lines([agent_name])
    slip.pair(DEVICE_EN, DEVICE_SW, device_id)
    slip.pair(FROM_EN, FROM_SW, report.first_day.strftime("%d/%m/%Y"))
    slip.pair(TO_EN, TO_SW, report.last_day.strftime("%d/%m/%Y"))
    slip.rule()
    t = report.totals
    slip.pair(TRANSACTIONS_EN, TRANSACTIONS_SW, str(t.count))
    slip.pair(CASH_FEES_EN, CASH_FEES_SW, money(t.cash_cents))
    slip.pair(MPESA_FEES_EN, MPESA_FEES_SW, money(t.mpesa_cents))
    slip.pair(TOTAL_FEES_EN, TOTAL_FEES_SW, money(t.fees_cents), bold=True)
    slip.pair(COMMISSION_EN, COMMISSION_SW, money(t.commission_cents), bold=True)
    if not report.lines:
        slip.rule()
        slip.centred_lines([NONE_EN, NONE_SW])
    else:
        slip.rule()
        slip.label(BY_DAY_EN, BY_DAY_SW)
        for day, totals in report.by_day.items():
            if totals.count:
                slip.lines([_spread(f"{day:%d/%m/%Y}  x{totals.count}", money(totals.fees_cents),
                                    slip.columns)])
        slip.rule()
        slip.label(TRANSACTIONS_EN, TRANSACTIONS_SW)
        for line in report.lines:
            slip.lines([_spread(line.at.astimezone(NAIROBI).strftime("%d/%m %H:%M"),
                                line.reference, slip.columns)], bold=True)
            paid = line.payment if line.amount_cents else "-"
            slip.lines([_spread(f"{line.service_code} {paid}", money(line.amount_cents),
                                slip.columns)])
            if not line.sent:
                slip.lines([f"! {NOT_SENT_EN} / {NOT_SENT_SW}"], indent=1)
        waiting = sum(not line.sent for line in report.lines)
        if waiting:
            slip.rule()
            slip.pair(WAITING_EN, WAITING_SW, str(waiting), bold=True)
    slip.rule()
    slip.pair(PRINTED_EN, PRINTED_SW, nairobi_time(printed_at))
    return slip.finish()


def _spread(left: str, right: str, columns: int) -> str:
    """``left`` and ``right`` on one line of ``columns`` characters (``right`` against the
    edge), or as they are, one space apart, when they do not fit."""
    gap = columns - len(left) - len(right)
    return left + " " * gap + right if gap >= 1 else f"{left} {right}"
