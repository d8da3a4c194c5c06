"""Open the card: the details printed on it are the key to its chip (BAC)."""
from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk_app.identity import MESSAGES, CardReadError, bac_key_from_typed
from kiosk_app.session import Session, SessionState
from screens.base import Presenter, View, action


class CardUnlockPresenter(Presenter):
    error = StringProperty("")
    """A catalogue key: why the last try failed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)
        self.progress_listeners: list[Any] = []

    def on_session_state_changed(self, session: Session, old: SessionState, new: SessionState) -> None:
        if new is SessionState.CARD_UNLOCK:
            key = session.data.card_error
            self.error = MESSAGES[key] if key else ""

    @action
    def submit(self, document_number: str, birth_date: str, expiry_date: str) -> None:
        try:
            key = bac_key_from_typed(document_number, birth_date, expiry_date)
        except CardReadError as err:
            self.error = err.message
            return
        self.error = ""
        self.session.begin_card_read()
        dispatcher = self.kiosk.dispatcher

        def progress(fraction: float) -> None:  # worker thread
            for listener in self.progress_listeners:
                dispatcher.call_soon(listener, fraction)

        self.kiosk.workers.submit(self.kiosk.identity.read, key, progress,
                                  on_done=self.session.card_read_succeeded,
                                  on_error=self._failed)

    def _failed(self, error: BaseException) -> None:
        """UI thread."""
        if isinstance(error, CardReadError):
            self.session.card_read_failed(error.key, counts_as_attempt=error.counts_as_attempt)
        else:
            self.session.card_read_failed("read_failed")

    @action
    def type_instead(self) -> None:
        self.session.go(SessionState.TYPED_IDENTITY)


class CardUnlockView(View):
    kv_file = "card_unlock.kv"

    def on_pre_enter(self, *args: object) -> None:
        # Nothing typed by the person before stays in the fields.
        for name in ("document_number", "birth_date", "expiry_date"):
            self.ids[name].text = ""

    def on_leave(self, *args: object) -> None:
        # Nor after: the card's details must not wait on a hidden screen once the session ends.
        self.on_pre_enter()
