"""Thank you: in the chosen language, then back to the attract screen by itself after a few
seconds (the session is finished: everything of the person is cleared), or at a touch."""
from __future__ import annotations

from typing import Any

from kivy.clock import Clock

from kiosk_app.session import Session, SessionState, WipeReason
from screens.base import Presenter, View, action


class ThankYouPresenter(Presenter):
    back_after_s = 8.0
    """Seconds before the kiosk goes back to the start by itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)
        self._event: Any = None

    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.THANK_YOU:
            self._cancel()
            self._event = Clock.schedule_once(self._back_to_start, self.back_after_s)
        elif old is SessionState.THANK_YOU:
            self._cancel()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._cancel()

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _back_to_start(self, _dt: float) -> None:
        with self.kiosk.ui_watch.measure("ThankYouPresenter.back_to_start"):
            self._event = None
            if self.session.state is SessionState.THANK_YOU:
                self.session.finish()

    @action
    def finish(self) -> None:
        self.session.finish()


class ThankYouView(View):
    kv_file = "thank_you.kv"
