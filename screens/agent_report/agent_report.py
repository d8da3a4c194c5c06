"""A report of the agent's transactions and commission for any range of days (Nairobi days,
both ends included): the totals (transactions, fees in cash and by M-Pesa, commission), each day,
and the transactions themselves, each with whether the office has it yet.

The days are typed as day/month/year, or chosen with one touch (today, the last seven days, this
month). The transactions show forty at a time, the latest first ("Earlier", "Later"); "Print"
puts the whole report on paper, every transaction listed. The figures are the agent's books on
this device (``agent_mode.reports``). UI thread; the report is made and printed on a worker.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from agent_mode.reconcile import nairobi_today
from agent_mode.reports import HEADINGS
from agent_mode.zreport import ACCOUNT_EN, ACCOUNT_SW
from kiosk_app.clock import NAIROBI
from kiosk_app.api_terms import LedgerAccount
from kiosk_app.applying import PRINT_WORDS
from kiosk_app.i18n import N_
from kiosk_app.receipts.documents import money
from kiosk_app.session import SessionState
from screens.agent_base import DeskScreenPresenter, words_of
from screens.base import View, action

BAD_DAYS = N_("Type the days as day/month/year, like 02/03/2026, the first day before the last.")
SHOWN_AT_MOST = 40
"""Transactions listed on the screen at a time; the totals count them all."""
SHOWING = N_("Transactions {first} to {last} of {count}, the latest first.")
NO_TRANSACTIONS = N_("No transactions on these days.")
REPORT_PRINTED = N_("The report is printing.")


def _day(text: str) -> date:
    day, month, year = (int(part) for part in text.strip().split("/"))
    return date(year, month, day)


class ReportPresenter(DeskScreenPresenter):
    screen_state = SessionState.REPORT
    first = StringProperty("")
    last = StringProperty("")
    totals = ListProperty([])
    """``[(what, figure), ...]`` in the language of the moment."""
    table = StringProperty("")
    """The transactions, one a line, in columns (a monospaced font)."""
    error = StringProperty("")
    busy = StringProperty("")
    page = NumericProperty(0)
    """Which forty transactions show: 0 the latest, 1 the forty before them, ..."""
    showing = StringProperty("")
    """Which of the transactions show, when not all of them fit."""
    earlier_shown = BooleanProperty(False)
    later_shown = BooleanProperty(False)
    printable = BooleanProperty(False)
    printing = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._report: Any = None
        self.tr.fbind("_", self._words)

    def _shown(self) -> None:
        self.days("today")

    def _forget(self) -> None:
        self.forget_background()
        self._report = None
        self.first = self.last = self.table = self.error = self.busy = ""
        self.showing = self.printing = ""
        self.totals = []
        self.page = 0
        self.earlier_shown = self.later_shown = self.printable = False

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
        self.error, self.printing, self.busy = "", "", self.tr._("Please wait.")
        self.in_background(self.desk.reports.between_days, agent.agent_number, first, last,
                           on_done=self._made, on_error=self._failed)

    def _made(self, report: Any) -> None:
        self.busy = ""
        self._report = report
        self.page = 0
        self.printable = self.kiosk.devices.get("printer") is not None
        self._words()

    @action
    def earlier(self) -> None:
        if self.earlier_shown:
            self.page += 1
            self._words()

    @action
    def later(self) -> None:
        if self.later_shown:
            self.page -= 1
            self._words()

    @action
    def print_report(self) -> None:
        """The whole report on paper, through the printer's spooler (worker)."""
        agent, report = self.agent, self._report
        if agent is None or report is None:
            return
        self.printing, self.busy = "", self.tr._("Please wait.")
        self.in_background(partial(self.desk.reports.print, report, agent_name=agent.name),
                           on_done=self._printed, on_error=self._failed)

    def _printed(self, printed: Any) -> None:
        self.busy = ""
        self.printing = (self.tr._(REPORT_PRINTED) if printed.printed else
                         "! " + self.tr._(PRINT_WORDS.get(printed.problem or "",
                                                          PRINT_WORDS["not_working"])))

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
            self.table, self.showing = _(NO_TRANSACTIONS), ""
            self.earlier_shown = self.later_shown = False
            return
        head = (word("when"), word("reference"), word("service"), word("paid"), word("fees"),
                word("commission"), word("sent"))
        count = len(report.lines)
        end = count - self.page * SHOWN_AT_MOST
        start = max(0, end - SHOWN_AT_MOST)
        shown = report.lines[start:end][::-1]  # the latest first
        rows = [(_local(line.at), line.reference, line.service_code,
                 _paid(line.payment, self.tr.language) if line.amount_cents else word("none"),
                 money(line.amount_cents),
                 money(line.commission_cents), word("yes") if line.sent else word("no"))
                for line in shown]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                 for row in [head, *rows]]
        self.table = "\n".join(lines)
        self.earlier_shown, self.later_shown = start > 0, self.page > 0
        self.showing = (_(SHOWING).format(first=count - end + 1, last=count - start, count=count)
                        if count > SHOWN_AT_MOST else "")

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
