"""The time-limit warning: "Do you need more time?", a countdown, and two big answers.

UI thread throughout: the session calls the listener methods from ``tick()``, which the App
runs on Kivy's clock.
"""
from __future__ import annotations

import math
from typing import Any

from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk_app.i18n import N_
from kiosk_app.session import Session, WipeReason
from screens.base import Presenter, action
from screens.theme import Themed

COUNTDOWN = N_("This session will end in {seconds} seconds, and what you entered will be cleared.")


class TimeoutPresenter(Presenter):
    message = StringProperty("")
    showing = ObjectProperty(False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)

    def on_session_time_warning(self, session: Session, seconds_left: float) -> None:
        self.update_countdown()
        self.showing = True

    def on_session_time_extended(self, session: Session) -> None:
        self.showing = False

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self.showing = False

    def update_countdown(self) -> None:
        left = self.session.seconds_left
        if left is not None:
            self.message = self.tr._(COUNTDOWN).format(seconds=math.ceil(left))

    @action
    def more_time(self) -> None:
        self.session.more_time()

    @action
    def end_now(self) -> None:
        self.session.cancel()


class TimeoutWarning(Themed, ModalView):
    presenter = ObjectProperty(None, rebind=True)
    tr = ObjectProperty(None, rebind=True)
    message = StringProperty("")

    def on_presenter(self, _instance: object, presenter: TimeoutPresenter) -> None:
        presenter.bind(message=self.setter("message"), showing=self._show)

    def _show(self, _instance: object, showing: bool) -> None:
        if showing and self._window is None:
            self.open(animation=False)
        elif not showing and self._window is not None:
            self.dismiss(animation=False)
