"""Home: what would you like to do? A new application, check an application, a queue ticket."""
from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk_app.i18n import LANGUAGES
from kiosk_app.session import SessionState
from screens.base import Presenter, View, action


class HomePresenter(Presenter):
    other_language = StringProperty("")
    """The other language's name, in itself: the language button's words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tr.fbind("_", self._on_language)
        self._on_language()

    def _on_language(self, *_args: object) -> None:
        self.other_language = LANGUAGES["sw" if self.tr.language == "en" else "en"]

    @action
    def apply(self) -> None:
        self.session.go(SessionState.IDENTIFY)

    @action
    def check_status(self) -> None:
        self.session.go(SessionState.STATUS_CHECK)

    @action
    def queue_ticket(self) -> None:
        self.session.go(SessionState.QUEUE_TICKET)

    @action
    def toggle_language(self) -> None:
        language = "sw" if self.session.language == "en" else "en"
        self.session.set_language(language)
        self.tr.switch(language)

    @action
    def finish(self) -> None:
        self.session.finish()


class HomeView(View):
    kv_file = "home.kv"
