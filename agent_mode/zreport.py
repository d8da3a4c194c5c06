"""The Z-report: the printed end of an agent's day or shift, its totals from the ledger.

    z = z_reports.make(agent, day=date(2026, 3, 2))        # or shift=closed_shift
    job = z_reports.print(z)                               # through the outbox's print spooler
    z_report(z, printer.profile)                           # the ESC/POS bytes, for tests

Laid out once for 58 and 80 mm paper with the receipts' own layout
(:class:`kiosk_app.receipts.documents.Slip`), English and Kiswahili together. Every figure comes
from the ledger's entries for the range (:mod:`agent_mode.ledger`), so the totals printed are
the books' totals: fees taken in cash and by M-Pesa, commission earned, float topped up and
banked, each account's balance (their sum printed too: it is always zero), the cash expected in
the drawer against the count, and what is still waiting to be sent. Whether the backend's books
match is printed as checked at that moment (or that they could not be checked).

In training mode the slip carries TRAINING / MAFUNZO at its top, like every slip.

Blocking: ``make`` (disk, network) and ``print`` (disk, printer) on a worker thread;
:func:`z_report` is pure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from drivers.printer.base import PrinterProfile
from kiosk_app.clock import NAIROBI, Clock
from kiosk_app.contract import LedgerAccount
from kiosk_app.outbox import Outbox
from kiosk_app.receipts.documents import Slip, money, nairobi_time
from kiosk_app.receipts.spooler import PrintSpooler

from agent_mode.printing import SlipPrint, print_slip
from agent_mode.reconcile import Reconciler, Reconciliation
from agent_mode.shifts import Shift

A = LedgerAccount
DOCUMENT = "z_report"

TITLE_EN, TITLE_SW = "End of day report (Z)", "Ripoti ya mwisho wa siku (Z)"
SHIFT_TITLE_EN, SHIFT_TITLE_SW = "End of shift report (Z)", "Ripoti ya mwisho wa zamu (Z)"
AGENT_EN, AGENT_SW = "Agent", "Wakala"
DEVICE_EN, DEVICE_SW = "Device", "Kifaa"
DAY_EN, DAY_SW = "Day", "Siku"
FROM_EN, FROM_SW = "From", "Kuanzia"
TO_EN, TO_SW = "To", "Hadi"
TRANSACTIONS_EN, TRANSACTIONS_SW = "Transactions", "Miamala"
CASH_FEES_EN, CASH_FEES_SW = "Fees in cash", "Ada kwa pesa taslimu"
MPESA_FEES_EN, MPESA_FEES_SW = "Fees by M-Pesa", "Ada kwa M-Pesa"
TOTAL_FEES_EN, TOTAL_FEES_SW = "Total fees", "Jumla ya ada"
COMMISSION_EN, COMMISSION_SW = "Commission earned", "Kamisheni"
TOP_UPS_EN, TOP_UPS_SW = "Cash added", "Pesa iliyoongezwa"
BANKED_EN, BANKED_SW = "Cash banked", "Pesa iliyowekwa benki"
OPENING_EN, OPENING_SW = "Opening count", "Hesabu ya mwanzo"
EXPECTED_EN, EXPECTED_SW = "Cash expected", "Pesa inayotarajiwa"
CLOSING_EN, CLOSING_SW = "Closing count", "Hesabu ya mwisho"
OVER_EN, OVER_SW = "Over", "Ziada"
SHORT_EN, SHORT_SW = "Short", "Upungufu"
BALANCES_EN, BALANCES_SW = "Balances", "Salio"
SUM_EN, SUM_SW = "Sum", "Jumla"
ACCOUNT_EN = {A.CASH: "Cash", A.MPESA: "M-Pesa", A.GOVERNMENT: "Government",
              A.COMMISSION: "Commission", A.BANK: "Bank"}
ACCOUNT_SW = {A.CASH: "Pesa taslimu", A.MPESA: "M-Pesa", A.GOVERNMENT: "Serikali",
              A.COMMISSION: "Kamisheni", A.BANK: "Benki"}
WAITING_EN, WAITING_SW = "Waiting to be sent", "Vinasubiri kutumwa"
ENTRIES_EN, ENTRIES_SW = "Ledger entries", "Maingizo ya hesabu"
APPLICATIONS_EN, APPLICATIONS_SW = "Applications", "Maombi"
REFUSED_EN, REFUSED_SW = "Refused by the office", "Yamekataliwa na ofisi"
MATCHES_EN, MATCHES_SW = "Matches the office's books", "Inalingana na hesabu za ofisi"
DIFFERS_EN, DIFFERS_SW = "Differs from the office's books", "Hailingani na hesabu za ofisi"
NOT_CHECKED_EN = "Not checked with the office (no network)"
NOT_CHECKED_SW = "Haijakaguliwa na ofisi (hakuna mtandao)"
PRINTED_EN, PRINTED_SW = "Printed", "Imechapishwa"


@dataclass(frozen=True)
class ZReport:
    agent_number: str
    agent_name: str
    device_id: str
    day: date | None
    """The Nairobi day reported, or None for a shift."""
    since: datetime
    until: datetime
    printed_at: datetime
    transactions: int
    cash_fees_cents: int
    mpesa_fees_cents: int
    commission_cents: int
    top_ups_cents: int
    banked_cents: int
    balances: dict[LedgerAccount, int]
    opening_cents: int | None
    expected_cents: int | None
    closing_cents: int | None
    waiting_entries: int
    waiting_applications: int
    refused: int
    backend: str
    """``matches``, ``differs`` or ``not_checked``."""
    training: bool = False

    @property
    def fees_cents(self) -> int:
        return self.cash_fees_cents + self.mpesa_fees_cents

    @property
    def over_short_cents(self) -> int | None:
        if self.closing_cents is None or self.expected_cents is None:
            return None
        return self.closing_cents - self.expected_cents

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent_number": self.agent_number, "device_id": self.device_id,
            "day": self.day.isoformat() if self.day else None,
            "since": self.since.isoformat(), "until": self.until.isoformat(),
            "printed_at": self.printed_at.isoformat(), "transactions": self.transactions,
            "cash_fees_cents": self.cash_fees_cents, "mpesa_fees_cents": self.mpesa_fees_cents,
            "fees_cents": self.fees_cents, "commission_cents": self.commission_cents,
            "top_ups_cents": self.top_ups_cents, "banked_cents": self.banked_cents,
            "balances": {a.value: n for a, n in self.balances.items()},
            "opening_cents": self.opening_cents, "expected_cents": self.expected_cents,
            "closing_cents": self.closing_cents, "over_short_cents": self.over_short_cents,
            "waiting_entries": self.waiting_entries,
            "waiting_applications": self.waiting_applications, "refused": self.refused,
            "backend": self.backend, "training": self.training}


def _sum(reconciliation: Reconciliation, debit: LedgerAccount, credit: LedgerAccount) -> int:
    return sum(e.amount_cents for e in reconciliation.local
               if e.debit is debit and e.credit is credit)


def z_report_of(reconciliation: Reconciliation, *, agent_name: str, device_id: str,
                transactions: int, printed_at: datetime, day: date | None = None,
                shift: Shift | None = None, training: bool = False) -> ZReport:
    """The report's figures, every one from the reconciliation's entries of the ledger."""
    r = reconciliation
    if r.backend_checked:
        backend = "matches" if not (r.dropped or r.unknown_here or r.differing) else "differs"
    else:
        backend = "not_checked"
    if shift is not None:
        opening, expected, closing = shift.opening_cents, shift.expected_cents, \
            shift.closing_cents
    else:
        opening, expected = r.opening_cents, r.cash_expected_cents
        closing = r.shifts[-1].closing_cents if r.shifts else None
    return ZReport(
        agent_number=r.agent_number, agent_name=agent_name, device_id=device_id, day=day,
        since=r.since, until=r.until, printed_at=printed_at, transactions=transactions,
        cash_fees_cents=_sum(r, A.CASH, A.GOVERNMENT) - _sum(r, A.GOVERNMENT, A.CASH),
        mpesa_fees_cents=_sum(r, A.MPESA, A.GOVERNMENT) - _sum(r, A.GOVERNMENT, A.MPESA),
        commission_cents=_sum(r, A.GOVERNMENT, A.COMMISSION)
        - _sum(r, A.COMMISSION, A.GOVERNMENT),
        top_ups_cents=_sum(r, A.CASH, A.BANK), banked_cents=_sum(r, A.BANK, A.CASH),
        balances=dict(r.local_balances), opening_cents=opening, expected_cents=expected,
        closing_cents=closing, waiting_entries=len(r.waiting),
        waiting_applications=len(r.applications_waiting), refused=len(r.refused),
        backend=backend, training=training)


def z_report(z: ZReport, profile: PrinterProfile) -> bytes:
    """The Z-report's ESC/POS bytes for this printer."""
    slip = Slip(profile, z.training)
    if z.day is not None:
        slip.centred_lines([TITLE_EN, TITLE_SW], bold=True)
    else:
        slip.centred_lines([SHIFT_TITLE_EN, SHIFT_TITLE_SW], bold=True)
    slip.blank()
    slip.pair(AGENT_EN, AGENT_SW, z.agent_number)
    slip.lines([z.agent_name])
    slip.pair(DEVICE_EN, DEVICE_SW, z.device_id)
    if z.day is not None:
        slip.pair(DAY_EN, DAY_SW, z.day.strftime("%d/%m/%Y"))
    else:
        slip.pair(FROM_EN, FROM_SW, nairobi_time(z.since))
        slip.pair(TO_EN, TO_SW, nairobi_time(z.until))
    slip.rule()
    slip.pair(TRANSACTIONS_EN, TRANSACTIONS_SW, str(z.transactions))
    slip.pair(CASH_FEES_EN, CASH_FEES_SW, money(z.cash_fees_cents))
    slip.pair(MPESA_FEES_EN, MPESA_FEES_SW, money(z.mpesa_fees_cents))
    slip.pair(TOTAL_FEES_EN, TOTAL_FEES_SW, money(z.fees_cents), bold=True)
    slip.pair(COMMISSION_EN, COMMISSION_SW, money(z.commission_cents), bold=True)
    slip.rule()
    slip.pair(TOP_UPS_EN, TOP_UPS_SW, money(z.top_ups_cents))
    slip.pair(BANKED_EN, BANKED_SW, money(z.banked_cents))
    if z.opening_cents is not None:
        slip.pair(OPENING_EN, OPENING_SW, money(z.opening_cents))
    if z.expected_cents is not None:
        slip.pair(EXPECTED_EN, EXPECTED_SW, money(z.expected_cents), bold=True)
    if z.closing_cents is not None:
        slip.pair(CLOSING_EN, CLOSING_SW, money(z.closing_cents))
    over_short = z.over_short_cents
    if over_short is not None:
        if over_short >= 0:
            slip.pair(OVER_EN, OVER_SW, money(over_short), bold=True)
        else:
            slip.pair(SHORT_EN, SHORT_SW, money(-over_short), bold=True)
    slip.rule()
    slip.label(BALANCES_EN, BALANCES_SW)
    for account in LedgerAccount:
        _account_line(slip, ACCOUNT_EN[account], ACCOUNT_SW[account],
                      money(z.balances.get(account, 0)))
    slip.pair(SUM_EN, SUM_SW, money(sum(z.balances.values())), bold=True)
    slip.rule()
    slip.label(WAITING_EN, WAITING_SW)
    slip.pair(ENTRIES_EN, ENTRIES_SW, str(z.waiting_entries))
    slip.pair(APPLICATIONS_EN, APPLICATIONS_SW, str(z.waiting_applications))
    if z.refused:
        slip.pair(REFUSED_EN, REFUSED_SW, str(z.refused), bold=True)
    words = {"matches": (MATCHES_EN, MATCHES_SW), "differs": (DIFFERS_EN, DIFFERS_SW),
             "not_checked": (NOT_CHECKED_EN, NOT_CHECKED_SW)}[z.backend]
    slip.centred_lines(list(words), bold=z.backend != "matches")
    slip.rule()
    slip.pair(PRINTED_EN, PRINTED_SW, nairobi_time(z.printed_at))
    return slip.finish()


def _account_line(slip: Slip, en: str, sw: str, value: str) -> None:
    """An account's name (once when both languages call it the same) and its balance."""
    if en == sw:
        columns = slip.columns
        if len(en) + 1 + len(value) <= columns:
            slip.p.textln(en + value.rjust(columns - len(en)))
            return
    slip.pair(en, sw, value)


class ZReports:
    def __init__(self, reconciler: Reconciler, *, spooler: PrintSpooler, outbox: Outbox,
                 printer: Any, device_id: str, clock: Clock, training: bool = False) -> None:
        self.reconciler = reconciler
        self.spooler = spooler
        self.outbox = outbox
        self.printer = printer
        self.device_id = device_id
        self.clock = clock
        self.training = training

    def make(self, agent_number: str, agent_name: str, *, day: date | None = None,
             shift: Shift | None = None) -> ZReport:
        """Worker thread (disk, network). A day in Nairobi (today when neither is given), or
        one shift."""
        books = self.reconciler.books
        if shift is not None:
            reconciliation = self.reconciler.shift(shift)
        else:
            reconciliation = self.reconciler.day(agent_number, day)
            day = reconciliation.since.astimezone(NAIROBI).date()
        transactions = len(books.transactions(agent_number, reconciliation.since,
                                              reconciliation.until))
        return z_report_of(reconciliation, agent_name=agent_name, device_id=self.device_id,
                           transactions=transactions, printed_at=self.clock.now(), day=day,
                           shift=shift, training=self.training)

    def print(self, z: ZReport) -> SlipPrint:
        """Worker thread (disk, printer). Through the outbox's print spooler: a job that meets
        paper out waits and prints once the printer is ready. Printing the same report again
        (same agent, range and time) is kept once."""
        job_id = f"{z.agent_number}:{z.since.isoformat()}:{z.printed_at.isoformat()}"
        return print_slip(self.spooler, self.outbox, self.printer,
                          lambda profile: z_report(z, profile), job_id=job_id, document=DOCUMENT)
