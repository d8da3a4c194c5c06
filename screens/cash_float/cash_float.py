"""The float: cash put into the drawer from the bank (a top-up), or takings taken out of it to
the bank. Each movement goes into the agent's books (cash against bank) and the outbox, once:
a second touch of the same movement keeps one entry.

UI thread; the books are written on a worker.
"""
from __future__ import annotations

import functools
import uuid
from typing import Any

from kivy.properties import OptionProperty, StringProperty

from agent_mode.command_handlers import parse_shillings
from kiosk_app.i18n import N_
from kiosk_app.receipts.documents import money
from kiosk_app.session import SessionState
from screens.agent_base import DeskScreenPresenter, words_of
from screens.base import View, action
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401 - the .kv's keyboard

BAD_AMOUNT = N_("Type the amount in shillings, like 5000 or 5,000.50.")
TOPPED_UP = N_("{amount} put into the drawer is in your books.")
BANKED = N_("{amount} taken to the bank is in your books.")


class FloatPresenter(DeskScreenPresenter):
    screen_state = SessionState.FLOAT
    move = OptionProperty("top_up", options=["top_up", "bank"])
    error = StringProperty("")
    done = StringProperty("")
    busy = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._entry_id = str(uuid.uuid4())

    def _shown(self) -> None:
        self._forget()

    def _forget(self) -> None:
        self.forget_background()
        self.error = self.done = self.busy = ""
        self.move = "top_up"
        self._entry_id = str(uuid.uuid4())

    @action
    def choose(self, move: str) -> None:
        if move != self.move:
            self.move = move
            self.error = self.done = ""
            self._entry_id = str(uuid.uuid4())

    @action
    def record(self, text: str) -> None:
        """Keep the movement in the books (Enter too)."""
        agent = self.agent
        if agent is None or self.busy:
            return
        try:
            cents = parse_shillings(text)
        except ValueError:
            cents = 0
        if cents <= 0:
            self.error, self.done = self.tr._(BAD_AMOUNT), ""
            return
        self.error, self.done, self.busy = "", "", self.tr._("Please wait.")
        move = self.move
        work = functools.partial(self.desk.books.move_float, agent.agent_number, move, cents,
                                 entry_id=self._entry_id)  # a touch again: the same entry
        self.in_background(work, on_done=lambda entry: self._recorded(move, entry),
                           on_error=self._failed)

    def _recorded(self, move: str, entry: Any) -> None:
        self.busy = ""
        words = TOPPED_UP if move == "top_up" else BANKED
        self.done = self.tr._(words).format(amount=money(entry.amount_cents))
        self._entry_id = str(uuid.uuid4())  # the next touch is a new movement

    def _failed(self, error: BaseException) -> None:
        self.busy = ""
        self.error = words_of(error, self.tr.language)

    @action
    def back(self) -> None:
        if self.session.state is SessionState.FLOAT and not self.busy:
            self.session.go(SessionState.AGENT_HOME)


class FloatView(View):
    kv_file = "cash_float.kv"

    def on_kv_post(self, base_widget: Any) -> None:
        self.presenter.bind(done=self._recorded)

    def _recorded(self, _presenter: object, done: str) -> None:
        if done:
            self.ids.amount.text = ""

    def on_pre_enter(self, *args: object) -> None:
        self.ids.amount.text = ""
        self.ids.amount.focus = True

    def on_leave(self, *args: object) -> None:
        self.ids.amount.focus = False

    def on_enter_key(self) -> bool:
        self.presenter.record(self.ids.amount.text)
        return True

    def on_escape_key(self) -> bool:
        self.presenter.back()
        return True
