"""The session bar along the bottom of every screen in a session: "Cancel", always in the same
place, and a confirmation before anything the person entered is thrown away.

UI thread throughout. The confirmation is asked where something entered would be lost
(:data:`kiosk_app.session.CANCEL_NEEDS_CONFIRMATION`, or whenever the session holds personal
data); elsewhere "Cancel" ends the session at once. Where money or a submission is in flight
(payment, sending) and on the thank-you screen the bar is hidden: those screens have their own
way out, with its own rules.
"""
from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk_app.session import CANCEL_NEEDS_CONFIRMATION, IN_SESSION, Session, SessionState, WipeReason
from screens.base import Presenter, action
from screens.theme import Themed

HIDDEN_IN = frozenset({SessionState.PAYMENT, SessionState.SUBMITTING, SessionState.RECEIPT,
                       SessionState.FEEDBACK, SessionState.THANK_YOU})
"""Where "Cancel" would mislead or is handled by the screen itself: the payment has its own
cancel; once the application is in (receipt, feedback, thank you) there is nothing left to
cancel, and those screens end with their own "Finish"."""


class SessionBarPresenter(Presenter):
    visible = BooleanProperty(False)
    confirming = BooleanProperty(False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)
        self._follow(self.session.state)

    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        self._follow(new)

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self.confirming = False

    def _follow(self, state: SessionState) -> None:
        self.visible = state in IN_SESSION and state not in HIDDEN_IN
        if not self.visible:
            self.confirming = False

    @action
    def cancel(self) -> None:
        """The person touched "Cancel"."""
        state = self.session.state
        if state in CANCEL_NEEDS_CONFIRMATION or self.session.data.holds_personal_data():
            self.confirming = True
        else:
            self.session.cancel()

    @action
    def confirm_cancel(self) -> None:
        self.confirming = False
        self.session.cancel()

    @action
    def keep_going(self) -> None:
        self.confirming = False


class SessionBar(Themed, BoxLayout):
    presenter = ObjectProperty(None, rebind=True)
    tr = ObjectProperty(None, rebind=True)

    def on_touch_down(self, touch: Any) -> bool:
        # Hidden, the bar is 0 high but its button still sticks out of it, disabled, over the
        # screen above, and a disabled widget swallows the touches that land on it.
        return self.height > 0 and super().on_touch_down(touch)


class CancelConfirmation(Themed, ModalView):
    presenter = ObjectProperty(None, rebind=True)
    tr = ObjectProperty(None, rebind=True)

    def on_presenter(self, _instance: object, presenter: SessionBarPresenter) -> None:
        presenter.bind(confirming=self._show)

    def _show(self, _presenter: object, confirming: bool) -> None:
        if confirming and self._window is None:
            self.open(animation=False)
        elif not confirming and self._window is not None:
            self.dismiss(animation=False)
