"""The agent's home, the desk: who is signed in, the shift and the cash the books expect in the
drawer, how much more cash this device may take before it syncs; then a new customer (Enter),
the float, the day's end, a report of any days, the shift, and signing out.

A customer's transaction starts only with a shift open (the drawer counted first). UI thread;
the shift and the cash room are asked for on a worker each time the desk is shown.
"""
from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk_app.i18n import LANGUAGES, N_
from kiosk_app.receipts.documents import money, nairobi_time
from kiosk_app.session import Session, SessionState
from screens.agent_base import DeskPresenter, words_of
from screens.base import View, action

WHO = N_("Agent {number}: {name}")
SHIFT_OPEN = N_("Shift open since {since}. Cash the books expect in the drawer: {amount}.")
NO_SHIFT = N_("No shift is open. Start a shift, with the cash in the drawer counted, before "
              "you serve a customer.")
ROOM = N_("Cash you may still take before this device has sent what waits: {amount}, in at "
          "most {count} payments.")


class AgentHomePresenter(DeskPresenter):
    who = StringProperty("")
    shift_words = StringProperty("")
    room_words = StringProperty("")
    error = StringProperty("")
    shift_open = BooleanProperty(False)
    other_language = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._known: tuple[Any, Any] | None = None
        self.session.add_listener(self)
        self.tr.fbind("_", self._words)

    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.AGENT_HOME:
            self._open()
        elif old is SessionState.AGENT_HOME:
            self.forget_background()
        if new is SessionState.SIGN_IN:
            self._known = None  # the next agent's shift and cash are their own

    def _open(self) -> None:
        self.error = ""
        self._words()
        agent = self.agent
        if agent is not None:
            self.in_background(self._look, agent, on_done=self._looked,
                               on_error=self._failed)

    def _look(self, agent: Any) -> tuple[Any, Any]:  # worker thread (disk)
        return self.desk.shifts.current(agent.agent_number), self.desk.assisted.cash_room(agent)

    def _looked(self, known: tuple[Any, Any]) -> None:
        self._known = known
        self._words()

    def _failed(self, error: BaseException) -> None:
        self.error = words_of(error, self.tr.language)

    def _words(self, *_args: object) -> None:
        _ = self.tr._
        self.other_language = LANGUAGES["sw" if self.tr.language == "en" else "en"]
        agent = self.agent
        self.who = _(WHO).format(number=agent.agent_number, name=agent.name) if agent else ""
        if self._known is None or agent is None:
            self.shift_words = self.room_words = ""
            self.shift_open = False
            return
        shift, room = self._known
        self.shift_open = shift is not None and shift.agent_number == agent.agent_number
        self.shift_words = (_(SHIFT_OPEN).format(since=nairobi_time(shift.started_at),
                                                 amount=money(shift.expected_cents))
                            if self.shift_open else _(NO_SHIFT))
        self.room_words = _(ROOM).format(amount=money(room.room_cents), count=room.room_count)

    # -- the agent's actions -----------------------------------------------------------------
    @action
    def new_customer(self) -> None:
        """A customer's transaction: identify them first (card, QR or typed details)."""
        if self.session.state is SessionState.AGENT_HOME and self.shift_open:
            self.session.go(SessionState.IDENTIFY)

    @action
    def shift(self) -> None:
        self.session.go(SessionState.SHIFT)

    @action
    def cash_float(self) -> None:
        self.session.go(SessionState.FLOAT)

    @action
    def report(self) -> None:
        self.session.go(SessionState.REPORT)

    @action
    def day_end(self) -> None:
        self.session.go(SessionState.DAY_END)

    @action
    def sign_out(self) -> None:
        self.session.sign_out()

    @action
    def toggle_language(self) -> None:
        language = "sw" if self.session.language == "en" else "en"
        self.session.set_language(language)
        self.tr.switch(language)


class AgentHomeView(View):
    kv_file = "agent_home.kv"

    def on_enter_key(self) -> bool:
        self.presenter.new_customer()
        return True
