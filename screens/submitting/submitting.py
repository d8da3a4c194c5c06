"""Sending: "Sending your application..." while it is put in the outbox and its receipt printed
(:mod:`kiosk_app.applying`, on a worker), then the receipt.

The application is accepted the moment it is in the outbox, online or offline. Only when the
kiosk cannot keep it at all (its disk has failed) does this screen stay, saying so, with a way
to try again and, when it was paid, the M-Pesa code to show an officer.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from kivy.properties import OptionProperty, StringProperty

from kiosk_app.applying import ApplyError, Applying, Draft, Submitted
from kiosk_app.i18n import N_
from kiosk_app.session import Session, SessionState, WipeReason
from screens.base import Presenter, View, action

log = logging.getLogger(__name__)

PAID_NOTE = N_("Your payment is safe. Show this M-Pesa code to the officer: {code}")


class SubmittingPresenter(Presenter):
    phase = OptionProperty("sending", options=["sending", "failed"])
    error = StringProperty("")
    """A catalogue key: why the application could not be accepted."""
    paid_note = StringProperty("")
    """For a paid application that could not be kept: the M-Pesa code, in the chosen language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)
        self.applying = Applying.for_kiosk(self.kiosk)
        self._attempt = 0

    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.SUBMITTING:
            self._send()
        elif old is SessionState.SUBMITTING:
            self._forget()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._forget()

    def _forget(self) -> None:
        self._attempt += 1
        self.phase = "sending"
        self.error = self.paid_note = ""

    def _send(self) -> None:
        self.phase = "sending"
        self.error = self.paid_note = ""
        self._attempt += 1
        attempt = self._attempt
        try:
            draft = Draft.from_session(self.session.data, self.kiosk.clock.now())
            work = self.sending(draft)
        except ApplyError as err:
            self._failed(attempt, err)
            return
        self.kiosk.workers.submit(work, on_done=lambda done: self._sent(attempt, done),
                                  on_error=lambda err: self._failed(attempt, err))

    def sending(self, draft: Draft) -> Callable[[], Submitted]:
        """UI thread: the work that sends ``draft``, for a worker. The agent role sends it
        through the agent's desk instead (screens/assisted.py)."""
        return functools.partial(self.applying.submit, draft)

    def words_for(self, err: BaseException) -> str:
        """Why the application could not be accepted: a catalogue key (or words already in the
        session's language, which the view's translator leaves as they are)."""
        if isinstance(err, ApplyError):
            return err.message
        log.error("the application could not be accepted: %s", type(err).__name__)
        return ApplyError("not_kept").message

    def _sent(self, attempt: int, done: Submitted) -> None:
        """UI thread."""
        if attempt != self._attempt or self.session.state is not SessionState.SUBMITTING:
            return
        self.session.data.receipt = done
        self.session.go(SessionState.RECEIPT)

    def _failed(self, attempt: int, err: BaseException) -> None:
        """UI thread."""
        if attempt != self._attempt or self.session.state is not SessionState.SUBMITTING:
            return
        self.error = self.words_for(err)
        payment = self.session.data.payment
        code = getattr(payment, "mpesa_receipt", None)
        self.paid_note = self.tr._(PAID_NOTE).format(code=code) if code else ""
        self.phase = "failed"

    @action
    def try_again(self) -> None:
        if self.session.state is SessionState.SUBMITTING and self.phase == "failed":
            self._send()

    @action
    def finish(self) -> None:
        self.session.finish()


class SubmittingView(View):
    kv_file = "submitting.kv"
