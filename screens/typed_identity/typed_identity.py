"""Typed details: for people with no card here, or a card that would not read."""
from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk_app.i18n import N_
from kiosk_app.identity import typed_identity, TypedDetailsError
from kiosk_app.session import Session, SessionState
from screens.base import Presenter, View, action

AFTER_FAILED_READS = N_("Your card could not be read. You can type your details instead.")


class TypedIdentityPresenter(Presenter):
    reason = StringProperty("")
    error = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)

    def on_session_state_changed(self, session: Session, old: SessionState, new: SessionState) -> None:
        if new is SessionState.TYPED_IDENTITY:
            self.error = ""
            self.reason = AFTER_FAILED_READS if old is SessionState.CARD_READING else ""

    @action
    def submit(self, full_name: str, id_number: str, birth_date: str) -> None:
        try:
            identity = typed_identity(full_name, id_number, birth_date)
        except TypedDetailsError as err:
            self.error = err.message
            return
        self.session.data.identity = identity
        self.session.go(SessionState.CATALOGUE)

    @action
    def back(self) -> None:
        self.session.go(SessionState.IDENTIFY)


class TypedIdentityView(View):
    kv_file = "typed_identity.kv"

    def on_pre_enter(self, *args: object) -> None:
        for name in ("full_name", "id_number", "birth_date"):
            self.ids[name].text = ""

    def on_leave(self, *args: object) -> None:
        # What was typed is in the session now: it must not wait here, on a screen that is not
        # shown, after the session has ended.
        self.on_pre_enter()
