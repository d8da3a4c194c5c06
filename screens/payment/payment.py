"""Paying by M-Pesa: the total, the phone number, the push to the phone, and each answer
explained with what to do next.

The phases (``PaymentPresenter.phase``), each an inner screen of the view:

- ``enter``: the total, the phone number (typed on the phone pad, prefilled when the kiosk
  knows one), "Pay with M-Pesa", back to the application, or cancel (with confirmation);
- ``offline``: the backend does not answer, so M-Pesa cannot be asked: said plainly, with what
  the kiosk can do instead (check again, come back later, an officer or an agent);
- ``waiting``: "Check your phone and enter your M-Pesa PIN", with the seconds left;
- ``unknown``: the kiosk has not heard M-Pesa's answer: never "failed", "do not pay again", and
  the kiosk keeps asking (the same request, so no second push is sent);
- ``failed``: M-Pesa said no: why, in the chosen language, then try again (the same or another
  number), or cancel;
- ``gave_up``: no answer at all in the time allowed: the application goes ahead, marked
  "payment to be confirmed" (the backend holds the payment under the application's reference,
  so whatever was paid counts for it), by itself after a short countdown or at a touch;
- ``confirm_cancel``: "stop this application?".

A confirmed payment goes straight on to sending the application. While a push is out, there is
no "cancel" here: the person cancels on the phone (M-Pesa then answers "cancelled"), so money
never moves for an application the kiosk has dropped.

PAYMENT pauses the session's own time limit (:data:`kiosk_app.session.UNTIMED`); while nothing
is in flight this screen keeps its own: after the kiosk's idle time it counts down, and then
wipes the session, as every other screen does.

UI thread throughout; the payment runs on a worker (:class:`kiosk_app.payments.MpesaPayment`)
and its changes come back through the dispatcher.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock
from kivy.properties import NumericProperty, OptionProperty, StringProperty

from kiosk_app.api_terms import PaymentStatus
from kiosk_app.backend.client import BackendError
from kiosk_app.i18n import N_
from kiosk_app import payments
from kiosk_app.lazy import lazy_module
from kiosk_app.payments import EXPLANATIONS, MpesaPayment
from kiosk_app.receipts.documents import money
from kiosk_app.session import Session, SessionState, WipeReason
from screens.base import Presenter, View, action
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401 - the .kv's phone pad
from screens.widgets.timeout import COUNTDOWN as SESSION_COUNTDOWN

if TYPE_CHECKING:
    from kiosk_app import contract
else:
    contract = lazy_module("kiosk_app.contract")  # pydantic, on first use (kiosk_app/lazy.py)

log = logging.getLogger(__name__)

WRONG_PHONE = N_("This is not a Kenyan mobile number. Type it as 07XX XXX XXX or 01XX XXX XXX.")
SECONDS_LEFT = N_("Time left to answer on your phone: {seconds} seconds")
GAVE_UP = N_("M-Pesa has not answered yet. Your application will be sent now, and your payment "
             "will be confirmed later. Do not pay again: if money has left your account, it "
             "counts for this application.")
GOING_ON_IN = N_("Going on by itself in {seconds} seconds.")

PHASES = ["enter", "offline", "waiting", "unknown", "failed", "gave_up", "confirm_cancel"]
IDLE_PHASES = frozenset({"enter", "offline", "failed", "confirm_cancel"})
"""Where nothing is in flight, so the screen's own time limit applies."""
TICK_S = 0.25


class PaymentPresenter(Presenter):
    phase = OptionProperty("enter", options=PHASES)
    service_name = StringProperty("")
    total = StringProperty("")
    """The total to pay, e.g. ``KES 1,050.00``."""
    phone = StringProperty("")
    """The phone number as typed (personal data: cleared when the session ends)."""
    error = StringProperty("")
    """A catalogue key: what is wrong with the number typed."""
    explanation = StringProperty("")
    """A catalogue key: what M-Pesa's answer means, and what to do next."""
    seconds_left = NumericProperty(0)
    """In ``waiting``: seconds until the push runs out; in ``gave_up``: until going on."""
    countdown = StringProperty("")
    """The countdown in words, in the chosen language (empty when none)."""
    idle_warning = StringProperty("")
    """In the idle phases, near the end of the time limit: when the session will end."""

    # How a payment is followed (seconds). Tests make them short.
    poll_s = 2.0
    answer_within_s = 120.0
    start_timeout_s: float | None = 15.0
    continue_after_s = 20.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)
        self._attempt = 0
        self._stop: threading.Event | None = None
        self._deadline = 0.0
        self._before_cancel = "enter"
        self._last_touch = self.kiosk.clock.monotonic()
        self._ticker: Any = None
        dispatcher = self.kiosk.dispatcher
        self.kiosk.upkeep.add_listener(
            lambda online: dispatcher.call_soon(self.backend_reachability_changed, online))

    # -- following the session --------------------------------------------------------------
    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.PAYMENT:
            self._begin()
        elif old is SessionState.PAYMENT:
            self._end()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._end()

    def _begin(self) -> None:
        data = self.session.data
        service = self.kiosk.services.service(data.service_code or "")
        self.service_name = service.name.get(self.session.language) if service else ""
        self.total = money(service.total_cents) if service else ""
        self.phone = _local_form(data.phone or getattr(data.identity, "phone", None) or "")
        self.error = self.explanation = ""
        self.session.data.payment = None
        self._touched()
        self.phase = "offline" if self.kiosk.upkeep.online is False else "enter"
        if self._ticker is None:
            self._ticker = Clock.schedule_interval(self._tick, TICK_S)

    def _end(self) -> None:
        """Leaving the screen, or the session ended: nothing of the person stays here."""
        self._attempt += 1  # answers still coming from a worker are for nobody now
        if self._stop is not None:
            self._stop.set()
            self._stop = None
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self.phone = self.error = self.explanation = self.countdown = self.idle_warning = ""
        self.service_name = self.total = ""
        self.phase = "enter"

    def backend_reachability_changed(self, online: bool) -> None:
        """UI thread (from the upkeep thread, through the dispatcher)."""
        if self.session.state is not SessionState.PAYMENT:
            return
        if online and self.phase == "offline":
            self.phase = "enter"
        elif not online and self.phase == "enter":
            self.phase = "offline"

    # -- the person's actions ---------------------------------------------------------------
    @action
    def type_phone(self, text: str) -> None:
        self._touched()
        if text != self.phone:
            self.phone = text
            self.error = ""

    @action
    def pay(self) -> None:
        self._touched()
        number = contract.normalise_phone(self.phone)
        if number is None:
            self.error = WRONG_PHONE
            return
        if self.kiosk.upkeep.online is False:
            self.phase = "offline"
            return
        data = self.session.data
        service = self.kiosk.services.service(data.service_code or "")
        if service is None or data.reference is None:
            log.error("payment asked for with no service or reference in the session")
            self.phase = "offline"
            return
        data.phone = number
        self.error = self.explanation = ""
        self._attempt += 1
        attempt = self._attempt
        stop = self._stop = threading.Event()
        payment = MpesaPayment(self.kiosk.backend, reference=data.reference, phone=number,
                               amount_cents=service.total_cents, poll_s=self.poll_s,
                               answer_within_s=self.answer_within_s,
                               start_timeout_s=self.start_timeout_s)
        self._deadline = time.monotonic() + self.answer_within_s
        self.explanation = EXPLANATIONS[PaymentStatus.PENDING]
        self.phase = "waiting"
        dispatcher = self.kiosk.dispatcher
        enroller = self.kiosk.enroller

        def follow() -> payments.PaymentView | None:  # worker thread
            try:
                enroller.ensure()
            except BackendError as err:
                log.info("payment not started: the backend cannot be used (%s)", err)
                return None  # nothing was asked of M-Pesa
            return payment.run(
                on_change=lambda view: dispatcher.call_soon(self._changed, attempt, view),
                stop=stop)

        def failed(err: BaseException) -> None:  # UI thread: a bug; the push may be out
            log.error("following the payment failed: %s", type(err).__name__)
            self._finished(attempt, payment.view)

        self.kiosk.workers.submit(follow, on_done=lambda view: self._finished(attempt, view),
                                  on_error=failed)

    @action
    def try_again(self) -> None:
        """After a definite failure: the same number, ready to pay again."""
        self._touched()
        self.explanation = ""
        self.session.data.payment = None
        self.phase = "enter"

    @action
    def other_number(self) -> None:
        self._touched()
        self.phone = ""
        self.try_again()

    @action
    def check_again(self) -> None:
        """Offline: look at the backend again now."""
        self._touched()
        self.kiosk.upkeep.wake()
        if self.kiosk.upkeep.online is not False:
            self.phase = "enter"

    @action
    def back(self) -> None:
        """Back to the review of the application (the reference is kept); at an agent's desk,
        back to the tariff and the way to pay, the customer's consent kept (going by the review
        would ask it again)."""
        self.session.data.payment = None
        agent = self.session.role == "agent"
        self.session.go(SessionState.CHARGE if agent else SessionState.REVIEW)

    @action
    def cancel(self) -> None:
        self._touched()
        if self.phase in IDLE_PHASES and self.phase != "confirm_cancel":
            self._before_cancel = self.phase
            self.phase = "confirm_cancel"

    @action
    def keep_going(self) -> None:
        self._touched()
        self.phase = self._before_cancel

    @action
    def confirm_cancel(self) -> None:
        self.session.cancel()

    @action
    def go_on(self) -> None:
        """``gave_up``: send the application now, its payment to be confirmed."""
        self._submit()

    # -- the payment's answers (UI thread) ---------------------------------------------------
    def _changed(self, attempt: int, view: payments.PaymentView) -> None:
        if attempt != self._attempt or self.session.state is not SessionState.PAYMENT:
            return
        self.session.data.payment = view
        self.explanation = view.message
        if view.status is PaymentStatus.CONFIRMED:
            self._submit()
        elif view.status is PaymentStatus.FAILED:
            self._stop = None
            self._touched()
            self.phase = "failed"
        elif view.status is PaymentStatus.UNKNOWN:
            self.phase = "unknown"
        else:
            self.phase = "waiting"

    def _finished(self, attempt: int, view: payments.PaymentView | None) -> None:
        if attempt != self._attempt or self.session.state is not SessionState.PAYMENT:
            return
        self._stop = None
        if view is None:
            self.phase = "offline"
            return
        self._changed(attempt, view)
        if not view.final and self.session.state is SessionState.PAYMENT:
            # No answer in the time allowed: the application goes ahead, its payment to be
            # confirmed; nobody is asked to pay again.
            self.session.data.payment = view
            self.explanation = GAVE_UP
            self._deadline = time.monotonic() + self.continue_after_s
            self.phase = "gave_up"

    def _submit(self) -> None:
        self._attempt += 1
        if self._stop is not None:
            self._stop.set()
            self._stop = None
        if self.session.state is SessionState.PAYMENT:
            self.session.go(SessionState.SUBMITTING)

    # -- time --------------------------------------------------------------------------------
    def _touched(self) -> None:
        self._last_touch = self.kiosk.clock.monotonic()
        self.idle_warning = ""

    def _tick(self, _dt: float) -> None:
        with self.kiosk.ui_watch.measure("PaymentPresenter.tick"):
            now = time.monotonic()
            if self.phase in ("waiting", "gave_up"):
                self.seconds_left = max(0, math.ceil(self._deadline - now))
                words = SECONDS_LEFT if self.phase == "waiting" else GOING_ON_IN
                self.countdown = self.tr._(words).format(seconds=self.seconds_left)
                if self.phase == "gave_up" and self.seconds_left == 0:
                    self._submit()
            else:
                self.countdown = ""
            if self.phase in IDLE_PHASES:
                idle = self.kiosk.clock.monotonic() - self._last_touch
                limit = self.session.idle_s + self.session.warning_s
                if idle >= limit:
                    self.session.wipe(WipeReason.TIMED_OUT)
                elif idle >= self.session.idle_s:
                    self.idle_warning = self.tr._(SESSION_COUNTDOWN).format(
                        seconds=math.ceil(limit - idle))
            else:
                self.idle_warning = ""


def _local_form(phone: str) -> str:
    """``254712345678`` as people write it, ``0712345678``; anything else as it is."""
    number = contract.normalise_phone(phone) if phone else None
    return "0" + number[3:] if number else phone


class PaymentView(View):
    kv_file = "payment.kv"

    def on_kv_post(self, base_widget: Any) -> None:
        # The inner screens exist only once the rule is applied: follow the phase from here.
        self.presenter.bind(phase=self._show_phase)
        self._show_phase(self.presenter, self.presenter.phase)

    def _show_phase(self, _presenter: object, phase: str) -> None:
        self.ids.phases.current = phase
