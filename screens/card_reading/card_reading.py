"""Reading the card: a progress bar while the chip is read on a worker thread."""
from __future__ import annotations

from typing import Any

from kivy.properties import NumericProperty

from kiosk_app.session import Session, SessionState
from screens.base import Presenter, View


class CardReadingPresenter(Presenter):
    progress = NumericProperty(0.0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)

    def show_progress(self, fraction: float) -> None:
        """UI thread (dispatched from the reading worker)."""
        if self.session.state is SessionState.CARD_READING:
            self.progress = fraction

    def on_session_state_changed(self, session: Session, old: SessionState, new: SessionState) -> None:
        if new is SessionState.CARD_READING:
            self.progress = 0.0


class CardReadingView(View):
    kv_file = "card_reading.kv"
