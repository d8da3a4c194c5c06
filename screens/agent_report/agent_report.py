"""A report of the agent's transactions and commission for any range of days (Nairobi days,
both ends included): the totals (transactions, fees in cash and by M-Pesa, commission), each day,
and the transactions themselves, each with whether the office has it yet.

The days are typed as day/month/year, or chosen with one touch (today, the last seven days, this
month). The figures are the agent's books on this device (``agent_mode.reports``). UI thread;
the report is made on a worker.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from kivy.properties import ListProperty, StringProperty

from agent_mode.reconcile import nairobi_today
from agent_mode.reports import HEADINGS
from agent_mode.zreport import ACCOUNT_EN, ACCOUNT_SW
from kiosk_app.clock import NAIROBI
from kiosk_app.contract import LedgerAccount
from kiosk_app.i18n import N_
from kiosk_app.receipts.documents import money
from kiosk_app.session import Session, SessionState, WipeReason
from screens.agent_base import DeskPresenter, words_of
from screens.base import View, action

BAD_DAYS = N_("Type the days as day/month/year, like 02/03/2026, the first day before the last.")
SHOWN_AT_MOST = 40
"""Transactions listed on the screen; the totals count them all."""
MORE = N_("... and {count} more (the totals count them all).")
NO_TRANSACTIONS = N_("No transactions on these days.")


def _day(text: str) -> date:
    day, month, year = (int(part) for part in text.strip().split("/"))
    return date(year, month, day)


class ReportPresenter(DeskPresenter):
    first = StringProperty("")
    last = StringProperty("")
    totals = ListProperty([])
    """``[(what, figure), ...]`` in the language of the moment."""
    table = StringProperty("")
    """The transactions, one a line, in columns (a monospaced font)."""
    error = StringProperty("")
    busy = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._report: Any = None
        self.session.add_listener(self)
        self.tr.fbind("_", self._words)

    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.REPORT:
            self.days("today")
        elif old is SessionState.REPORT:
            self._forget()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._forget()

    def _forget(self) -> None:
        self.forget_background()
        self._report = None
        self.first = self.last = self.table = self.error = self.busy = ""
        self.totals = []

    @action
    def days(self, which: str) -> None:
        """One touch: ``today``, ``week`` (the last seven days) or ``month`` (this month)."""
        today = nairobi_today(self.kiosk.clock.now())
        first = {"today": today, "week": today - timedelta(days=6),
                 "month": today.replace(day=1)}[which]
        self.first, self.last = first.strftime("%d/%m/%Y"), today.strftime("%d/%m/%Y")
        self.show(self.first, self.last)

    @action
    def show(self, first_text: str, last_text: str) -> None:
        agent = self.agent
        if agent is None:
            return
        try:
            first, last = _day(first_text), _day(last_text)
            if last < first:
                raise ValueError("the last day is before the first")
        except ValueError:
            self.error = self.tr._(BAD_DAYS)
            return
        self.first, self.last = first_text, last_text
        self.error, self.busy = "", self.tr._("Please wait.")
        self.in_background(self.desk.reports.between_days, agent.agent_number, first, last,
                           on_done=self._made, on_error=self._failed)

    def _made(self, report: Any) -> None:
        self.busy = ""
        self._report = report
        self._words()

    def _failed(self, error: BaseException) -> None:
        self.busy = ""
        self.error = words_of(error, self.tr.language)

    def _words(self, *_args: object) -> None:
        report = self._report
        if report is None:
            return
        _ = self.tr._

        def word(key: str) -> str:
            return _(HEADINGS[key])

        t = report.totals
        self.totals = [(word("count"), str(t.count)), (word("cash"), money(t.cash_cents)),
                       (word("mpesa"), money(t.mpesa_cents)), (word("total"), money(t.fees_cents)),
                       (word("commission"), money(t.commission_cents))]
        if not report.lines:
            self.table = _(NO_TRANSACTIONS)
            return
        head = (word("when"), word("reference"), word("service"), word("paid"), word("fees"),
                word("commission"), word("sent"))
        shown = report.lines[-SHOWN_AT_MOST:]
        rows = [(_local(line.at), line.reference, line.service_code,
                 _paid(line.payment, self.tr.language) if line.amount_cents else word("none"),
                 money(line.amount_cents),
                 money(line.commission_cents), word("yes") if line.sent else word("no"))
                for line in shown]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                 for row in [head, *rows]]
        if len(report.lines) > len(shown):
            lines.append(_(MORE).format(count=len(report.lines) - len(shown)))
        self.table = "\n".join(lines)

    @action
    def back(self) -> None:
        if self.session.state is SessionState.REPORT:
            self.session.go(SessionState.AGENT_HOME)


def _local(moment: datetime) -> str:
    return moment.astimezone(NAIROBI).strftime("%d/%m %H:%M")


def _paid(payment: str, language: str) -> str:
    """``cash`` or ``mpesa`` as the Z-report names those accounts, in ``language``."""
    try:
        account = LedgerAccount(payment)
    except ValueError:
        return payment
    return (ACCOUNT_SW if language == "sw" else ACCOUNT_EN)[account]


class ReportView(View):
    kv_file = "agent_report.kv"

    def on_kv_post(self, base_widget: Any) -> None:
        self.presenter.bind(totals=self._show_totals)

    def _show_totals(self, _presenter: object, totals: list[tuple[str, str]]) -> None:
        from kivy.factory import Factory

        grid = self.ids.totals
        grid.clear_widgets()
        for what, figure in totals:
            row = Factory.TotalRow()
            row.ids.what.text, row.ids.figure.text = what, figure
            grid.add_widget(row)

    def on_enter_key(self) -> bool:
        self.presenter.show(self.ids.first.text, self.ids.last.text)
        return True

    def on_escape_key(self) -> bool:
        self.presenter.back()
        return True
