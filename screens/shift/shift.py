"""The agent's shift: started with the cash in the drawer counted, ended with it counted again.

At the start (after sign-in, when no shift is open; or from the agent's home) the agent types
the cash counted; at the end the screen shows the cash the books expect in the drawer, the agent
types what they count, and the screen says over or short, with the shift's Z-report to print.

Modes: ``loading`` (the open shift is asked for, on a worker), ``start``, ``end``, ``ended``.
UI thread; every desk call on a worker.
"""
from __future__ import annotations

from typing import Any

from kivy.properties import OptionProperty, StringProperty

from agent_mode.command_handlers import parse_shillings
from kiosk_app.applying import PRINT_WORDS
from kiosk_app.i18n import N_
from kiosk_app.receipts.documents import money, nairobi_time
from kiosk_app.session import SessionState
from screens.agent_base import DeskScreenPresenter, words_of
from screens.base import View, action
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401 - the .kv's keyboard

BAD_AMOUNT = N_("Type the cash counted in shillings, like 5000 or 5,000.50.")
OPEN_SINCE = N_("Your shift has been open since {since}.")
EXPECTED = N_("Cash the books expect in the drawer now: {amount}")
COUNTED = N_("Counted: {counted}. Expected: {expected}.")
OVER = N_("Over by {amount}.")
SHORT = N_("Short by {amount}.")
EXACT = N_("The drawer holds exactly what the books expect.")
Z_PRINTED = N_("The shift's Z-report is printing.")


class ShiftPresenter(DeskScreenPresenter):
    screen_state = SessionState.SHIFT
    mode = OptionProperty("loading", options=["loading", "start", "end", "ended"])
    since = StringProperty("")
    expected = StringProperty("")
    result = StringProperty("")
    """After the end: counted and expected, in words."""
    difference = StringProperty("")
    """After the end: over, short, or exact, in words."""
    error = StringProperty("")
    printing = StringProperty("")
    """The shift's Z-report: printing, or why not (words)."""
    busy = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shift: Any = None

    def _shown(self) -> None:
        self._forget()
        self.mode = "loading"
        agent = self.agent
        if agent is None:
            return
        self.in_background(self.desk.shifts.current, agent.agent_number,
                           on_done=self._current, on_error=self._failed)

    def _forget(self) -> None:
        self.forget_background()
        self._shift = None
        self.since = self.expected = self.result = self.difference = ""
        self.error = self.printing = self.busy = ""
        self.mode = "loading"

    def _current(self, shift: Any) -> None:
        self._shift = shift
        if shift is None:
            self.mode = "start"
            return
        self.since = self.tr._(OPEN_SINCE).format(since=nairobi_time(shift.started_at))
        self.expected = self.tr._(EXPECTED).format(amount=money(shift.expected_cents))
        self.mode = "end"

    def _failed(self, error: BaseException) -> None:
        self.busy = ""
        self.error = words_of(error, self.tr.language)

    # -- the agent's actions -----------------------------------------------------------------
    @action
    def count(self, text: str) -> None:
        """"Start my shift" or "End my shift", with the cash counted (Enter too)."""
        agent = self.agent
        if agent is None or self.mode not in ("start", "end") or self.busy:
            return
        try:
            cents = parse_shillings(text)
        except ValueError:
            self.error = self.tr._(BAD_AMOUNT)
            return
        self.error = ""
        self.busy = self.tr._("Please wait.")
        if self.mode == "start":
            self.in_background(self.desk.shifts.start, agent.agent_number, cents,
                               on_done=self._started, on_error=self._failed)
        else:
            self.in_background(self.desk.shifts.end, agent.agent_number, cents,
                               on_done=self._ended, on_error=self._failed)

    def _started(self, _shift: Any) -> None:
        self.busy = ""
        if self.session.state is SessionState.SHIFT:
            self.session.go(SessionState.AGENT_HOME)

    def _ended(self, shift: Any) -> None:
        self.busy = ""
        self._shift = shift
        _ = self.tr._
        self.result = _(COUNTED).format(counted=money(shift.closing_cents),
                                        expected=money(shift.expected_cents))
        over = shift.over_short_cents
        self.difference = (_(EXACT) if over == 0 else _(OVER).format(amount=money(over))
                           if over > 0 else _(SHORT).format(amount=money(-over)))
        self.mode = "ended"

    @action
    def print_z(self) -> None:
        """The ended shift's Z-report, through the printer's spooler."""
        agent = self.agent
        if agent is None or self.mode != "ended" or self.busy:
            return
        self.busy = self.tr._("Please wait.")
        shift = self._shift
        self.in_background(self._make_and_print, agent.agent_number, agent.name, shift,
                           on_done=self._printed, on_error=self._failed)

    def _make_and_print(self, number: str, name: str, shift: Any) -> Any:  # worker thread
        z = self.desk.z_reports.make(number, name, shift=shift)
        return self.desk.z_reports.print(z)

    def _printed(self, printed: Any) -> None:
        self.busy = ""
        self.printing = (self.tr._(Z_PRINTED) if printed.printed else
                         "! " + self.tr._(PRINT_WORDS.get(printed.problem or "",
                                                          PRINT_WORDS["not_working"])))

    @action
    def back(self) -> None:
        """Back to the agent's home (Esc)."""
        if self.session.state is SessionState.SHIFT and not self.busy:
            self.session.go(SessionState.AGENT_HOME)

    @action
    def sign_out(self) -> None:
        self.session.sign_out()


class ShiftView(View):
    kv_file = "shift.kv"

    def on_kv_post(self, base_widget: Any) -> None:
        self.presenter.bind(mode=self._mode)

    def _mode(self, _presenter: object, mode: str) -> None:
        self.ids.amount.text = ""
        if mode in ("start", "end"):
            self.ids.amount.focus = True

    def on_enter_key(self) -> bool:
        mode = self.presenter.mode
        if mode in ("start", "end"):
            self.presenter.count(self.ids.amount.text)
        elif mode == "ended":
            self.presenter.print_z()
        return True

    def on_escape_key(self) -> bool:
        self.presenter.back()
        return True

    def on_leave(self, *args: object) -> None:
        self.ids.amount.text = ""
        self.ids.amount.focus = False
