"""A step this kiosk cannot offer yet: says so plainly, and leads back home. Never a dead end."""
from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk_app.i18n import N_
from kiosk_app.session import Session, SessionState
from screens.base import Presenter, View, action

TITLES = {
    SessionState.CATALOGUE: N_("Apply for a service"),
    SessionState.STATUS_CHECK: N_("Check my application"),
    SessionState.QUEUE_TICKET: N_("Take a queue ticket"),
}


class UnavailablePresenter(Presenter):
    title = StringProperty(TITLES[SessionState.CATALOGUE])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)

    def on_session_state_changed(self, session: Session, old: SessionState, new: SessionState) -> None:
        if new in TITLES:
            self.title = TITLES[new]

    @action
    def back(self) -> None:
        self.session.go(self.session.home)


class UnavailableView(View):
    kv_file = "unavailable.kv"
