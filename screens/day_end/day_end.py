"""The day's end: today's books on this device set against the office's, and the Z-report.

The screen shows whether the two sides match (or that the office could not be asked), the
day's figures as the Z-report prints them (transactions, fees in cash and by M-Pesa, commission,
the float's movements, the cash the drawer should hold), what still waits to be sent, what the
office refused, and each account's balance on both sides. Entries the office should hold but
does not ("dropped") are sent again with one touch; the office keeps an entry once by its id,
so sending one it has changes nothing. "Print the Z-report" (Enter) prints the day's totals
from the ledger.

UI thread; the reconciliation (disk, network) and the printing run on a worker.
"""
from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from agent_mode import zreport as z
from agent_mode.reconcile import nairobi_today
from kiosk_app.applying import PRINT_WORDS
from kiosk_app.contract import LedgerAccount
from kiosk_app.i18n import N_
from kiosk_app.receipts.documents import money
from kiosk_app.session import SessionState
from screens.agent_base import DeskScreenPresenter, words_of
from screens.base import View, action

MATCHES = N_("Your books match the office's.")
DIFFERS = N_("Your books do not match the office's yet. See below.")
NOT_CHECKED = N_("The office could not be asked (no network): this is this device's side "
                 "only.")
WAITING = N_("Waiting to be sent: {entries} ledger entries and {applications} applications. "
             "They go by themselves when the network is back.")
REFUSED = N_("Refused by the office: {count} ledger entries. A technician must look at them.")
DROPPED = N_("Sent, but the office does not hold them: {count} ledger entries. Send them "
             "again.")
UNKNOWN_HERE = N_("In the office's books but not made on this device: {count} ledger entries.")
DIFFERING = N_("Different here and at the office: {count} ledger entries.")
SENT_AGAIN = N_("{count} ledger entries will be sent again.")
Z_PRINTED = N_("The Z-report is printing.")
NO_SHIFT_TODAY = N_("No shift began today, so there is no count to start from.")
DAY = N_("Day: {day}")


def _pick(language: str, en: str, sw: str) -> str:
    """The Z-report's own words (printed in both languages) in the screen's language."""
    return sw if language == "sw" else en


class DayEndPresenter(DeskScreenPresenter):
    screen_state = SessionState.DAY_END
    day = StringProperty("")
    status = StringProperty("")
    figures = ListProperty([])
    """``[(what, figure), ...]``, as the Z-report prints them."""
    balances = ListProperty([])
    """``[(account, here, at the office), ...]``."""
    notes = ListProperty([])
    """What waits, was refused, dropped or differs, in words."""
    waiting = StringProperty("")
    """The references of applications still waiting to be sent."""
    can_send_again = BooleanProperty(False)
    printing = StringProperty("")
    error = StringProperty("")
    busy = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._known: tuple[Any, Any] | None = None
        self.tr.fbind("_", self._words)

    def _shown(self) -> None:
        self._forget()
        self.check_again()

    def _forget(self) -> None:
        self.forget_background()
        self._known = None
        self.day = self.status = self.waiting = self.printing = self.error = self.busy = ""
        self.figures, self.balances, self.notes = [], [], []
        self.can_send_again = False

    @action
    def check_again(self) -> None:
        agent = self.agent
        if agent is None:
            return
        self.busy = self.tr._("Please wait.")
        self.in_background(self._reconcile, agent.agent_number, agent.name,
                           on_done=self._reconciled, on_error=self._failed)

    def _reconcile(self, number: str, name: str) -> tuple[Any, Any]:  # worker (disk, network)
        desk = self.desk
        today = nairobi_today(desk.kiosk.clock.now())
        rec = desk.reconciler.day(number, today)
        count = len(desk.books.transactions(number, rec.since, rec.until))
        report = z.z_report_of(rec, agent_name=name, device_id=desk.kiosk.config.device_id,
                               transactions=count, printed_at=desk.kiosk.clock.now(), day=today,
                               training=desk.training)
        return rec, report

    def _reconciled(self, known: tuple[Any, Any]) -> None:
        self.busy = ""
        self._known = known
        self._words()

    def _failed(self, error: BaseException) -> None:
        self.busy = ""
        self.error = words_of(error, self.tr.language)

    def _words(self, *_args: object) -> None:
        if self._known is None:
            return
        rec, report = self._known
        _ = self.tr._
        lang = self.tr.language
        self.day = _(DAY).format(day=report.day.strftime("%d/%m/%Y"))
        self.status = {"matches": _(MATCHES), "differs": _(DIFFERS),
                       "not_checked": _(NOT_CHECKED)}[report.backend]
        if report.backend == "matches" and not rec.matches:
            self.status = _(DIFFERS)  # the entries match, but something still waits
        figures = [
            (_pick(lang, z.TRANSACTIONS_EN, z.TRANSACTIONS_SW), str(report.transactions)),
            (_pick(lang, z.CASH_FEES_EN, z.CASH_FEES_SW), money(report.cash_fees_cents)),
            (_pick(lang, z.MPESA_FEES_EN, z.MPESA_FEES_SW), money(report.mpesa_fees_cents)),
            (_pick(lang, z.TOTAL_FEES_EN, z.TOTAL_FEES_SW), money(report.fees_cents)),
            (_pick(lang, z.COMMISSION_EN, z.COMMISSION_SW), money(report.commission_cents)),
            (_pick(lang, z.TOP_UPS_EN, z.TOP_UPS_SW), money(report.top_ups_cents)),
            (_pick(lang, z.BANKED_EN, z.BANKED_SW), money(report.banked_cents)),
        ]
        if report.opening_cents is not None:
            figures.append((_pick(lang, z.OPENING_EN, z.OPENING_SW),
                            money(report.opening_cents)))
        if report.expected_cents is not None:
            figures.append((_pick(lang, z.EXPECTED_EN, z.EXPECTED_SW),
                            money(report.expected_cents)))
        else:
            figures.append((_pick(lang, z.EXPECTED_EN, z.EXPECTED_SW), _(NO_SHIFT_TODAY)))
        self.figures = figures
        theirs = rec.backend_balances
        self.balances = [(_pick(lang, z.ACCOUNT_EN[a], z.ACCOUNT_SW[a]),
                          money(rec.local_balances.get(a, 0)),
                          money(theirs.get(a, 0)) if theirs is not None else "-")
                         for a in LedgerAccount]
        notes = []
        if rec.waiting or rec.applications_waiting:
            notes.append(_(WAITING).format(entries=len(rec.waiting),
                                           applications=len(rec.applications_waiting)))
        if rec.refused:
            notes.append("! " + _(REFUSED).format(count=len(rec.refused)))
        if rec.dropped:
            notes.append("! " + _(DROPPED).format(count=len(rec.dropped)))
        if rec.unknown_here:
            notes.append(_(UNKNOWN_HERE).format(count=len(rec.unknown_here)))
        if rec.differing:
            notes.append("! " + _(DIFFERING).format(count=len(rec.differing)))
        self.notes = notes
        self.waiting = "  ".join(a.reference for a in rec.applications_waiting[:12])
        self.can_send_again = bool(rec.dropped)

    # -- the agent's actions -----------------------------------------------------------------
    @action
    def send_again(self) -> None:
        """Queue the dropped entries once more (the office keeps each once by its id)."""
        if self._known is None or not self.can_send_again or self.busy:
            return
        rec = self._known[0]
        self.busy = self.tr._("Please wait.")
        self.in_background(self.desk.reconciler.send_again, rec, on_done=self._sent_again,
                           on_error=self._failed)

    def _sent_again(self, count: int) -> None:
        self.busy = ""
        self.can_send_again = False
        self.printing = self.tr._(SENT_AGAIN).format(count=count)

    @action
    def print_z(self) -> None:
        """The day's Z-report, its totals from the ledger, through the printer's spooler."""
        agent = self.agent
        if agent is None or self.busy:
            return
        self.busy = self.tr._("Please wait.")
        self.in_background(self._make_and_print, agent.agent_number, agent.name,
                           on_done=self._printed, on_error=self._failed)

    def _make_and_print(self, number: str, name: str) -> Any:  # worker (disk, network, printer)
        desk = self.desk
        report = desk.z_reports.make(number, name, day=nairobi_today(desk.kiosk.clock.now()))
        return desk.z_reports.print(report)

    def _printed(self, printed: Any) -> None:
        self.busy = ""
        self.printing = (self.tr._(Z_PRINTED) if printed.printed else
                         "! " + self.tr._(PRINT_WORDS.get(printed.problem or "",
                                                          PRINT_WORDS["not_working"])))

    @action
    def back(self) -> None:
        if self.session.state is SessionState.DAY_END:
            self.session.go(SessionState.AGENT_HOME)


class DayEndView(View):
    kv_file = "day_end.kv"

    def on_kv_post(self, base_widget: Any) -> None:
        self.presenter.bind(figures=self._show_figures, balances=self._show_balances,
                            notes=self._show_notes)

    def _show_figures(self, _presenter: object, figures: list[tuple[str, str]]) -> None:
        from kivy.factory import Factory

        grid = self.ids.figures
        grid.clear_widgets()
        for what, figure in figures:
            row = Factory.DayFigure()
            row.ids.what.text, row.ids.figure.text = what, figure
            grid.add_widget(row)

    def _show_balances(self, _presenter: object, balances: list[tuple[str, str, str]]) -> None:
        from kivy.factory import Factory

        grid = self.ids.balances
        grid.clear_widgets()
        for account, here, there in balances:
            row = Factory.DayBalance()
            row.ids.account.text, row.ids.here.text, row.ids.there.text = account, here, there
            grid.add_widget(row)

    def _show_notes(self, _presenter: object, notes: list[str]) -> None:
        self.ids.notes.text = "\n".join(notes)

    def on_enter_key(self) -> bool:
        self.presenter.print_z()
        return True

    def on_escape_key(self) -> bool:
        self.presenter.back()
        return True
