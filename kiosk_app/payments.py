"""M-Pesa payments: ask for an STK push, follow it to M-Pesa's answer, and never call a
time-out a failure.

    payment = MpesaPayment(client, reference=ref, phone="254712345678", amount_cents=105000)
    view = payment.run(on_change=show)        # on a worker thread; `show` hears every change

The story of a payment, as the person sees it:

- **pending**: the push reached their phone: "Check your phone and enter your M-Pesa PIN".
- **confirmed**: paid, with M-Pesa's receipt number.
- **failed**: M-Pesa said no, and its result code says why (1 not enough money, 1032 cancelled
  on the phone, 1037 the phone did not answer, 2001 wrong PIN): each explained, with what to do.
- **unknown**: the kiosk asked and heard nothing back in time. The money may or may not have
  moved, so the kiosk never says "failed" and never asks for a second payment: it asks again
  (with the same idempotency key, so a push already sent is not sent twice) until it knows.

Blocking (network, sleeps): ``run`` and ``settle`` run on a worker thread. ``on_change`` is
called on that thread too: hand it to ``ui_dispatch`` to reach the screen.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from kiosk_app.api_terms import MpesaResult, PaymentStatus
from kiosk_app.backend.client import BackendClient, BackendError, BackendUnavailable
from kiosk_app.i18n import N_
from kiosk_app.lazy import lazy_module

if TYPE_CHECKING:
    from kiosk_app import contract
else:
    contract = lazy_module("kiosk_app.contract")  # pydantic, on first use (kiosk_app/lazy.py)

log = logging.getLogger(__name__)

FINAL = frozenset({PaymentStatus.CONFIRMED, PaymentStatus.FAILED})

EXPLANATIONS: dict[PaymentStatus | int, str] = {
    PaymentStatus.PENDING: N_("Check your phone and enter your M-Pesa PIN to pay."),
    PaymentStatus.CONFIRMED: N_("Payment received. Thank you."),
    PaymentStatus.UNKNOWN: N_("We are still waiting for M-Pesa to confirm your payment. Do not pay "
                              "again. If money has left your account, it counts for this "
                              "application."),
    MpesaResult.INSUFFICIENT_FUNDS: N_("There is not enough money in your M-Pesa account. Add "
                                       "money and try again, or pay another way."),
    MpesaResult.CANCELLED: N_("The payment was cancelled on the phone. No money was taken. You "
                              "can try again."),
    MpesaResult.NO_ANSWER: N_("Your phone did not answer the M-Pesa request. Check that it is on "
                              "and has network, then try again. No money was taken."),
    MpesaResult.WRONG_PIN: N_("The M-Pesa PIN entered was wrong. No money was taken. You can try "
                              "again."),
    MpesaResult.SUBSCRIBER_LOCKED: N_("This M-Pesa account is locked or busy with another "
                                      "payment. Wait a minute and try again."),
    "refused": N_("The payment could not be started. Check the phone number and try again."),
    "other": N_("M-Pesa did not accept the payment. No money was taken. You can try again."),
}


@dataclass(frozen=True)
class PaymentView:
    """Where a payment stands, for the screen and the receipt."""

    status: PaymentStatus
    message: str
    """English text of the explanation: translate it where it is shown."""
    payment_id: str | None = None
    result_code: int | None = None
    mpesa_receipt: str | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def retry_allowed(self) -> bool:
        """A new payment may be asked for only after a definite failure."""
        return self.status is PaymentStatus.FAILED


def explain(status: PaymentStatus, result_code: int | None) -> str:
    if status is PaymentStatus.FAILED:
        if result_code is None:
            return EXPLANATIONS["refused"]
        return EXPLANATIONS.get(result_code, EXPLANATIONS["other"])
    return EXPLANATIONS[status]


def view_of(payment: contract.Payment) -> PaymentView:
    return PaymentView(payment.status, explain(payment.status, payment.result_code),
                       payment.payment_id, payment.result_code, payment.mpesa_receipt)


class MpesaPayment:
    """One STK push for one application, followed until M-Pesa answers.

    ``answer_within_s`` is how long the person is given (M-Pesa's own push expires after about
    a minute); after it, a payment still not known is left *unknown*, for :meth:`settle` later.
    """

    def __init__(self, client: BackendClient, *, reference: str, phone: str, amount_cents: int,
                 idempotency_key: str | None = None, poll_s: float = 2.0,
                 answer_within_s: float = 120.0, start_timeout_s: float | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.body = contract.PaymentIn(reference=reference, phone=phone, amount_cents=amount_cents)
        self.idempotency_key = idempotency_key or str(uuid.uuid4())
        self.poll_s = poll_s
        self.answer_within_s = answer_within_s
        self.start_timeout_s = start_timeout_s
        self._monotonic = monotonic
        self.view = PaymentView(PaymentStatus.UNKNOWN, EXPLANATIONS[PaymentStatus.UNKNOWN])
        self._asked = False
        self._shown = False

    def __repr__(self) -> str:  # the phone number is personal data
        return f"MpesaPayment(reference={self.body.reference!r}, status={self.view.status.value})"

    def run(self, on_change: Callable[[PaymentView], None] | None = None,
            stop: threading.Event | None = None) -> PaymentView:
        """Ask, then follow until final, ``stop`` is set, or the time is up. Answers the last
        view (``unknown`` when nothing definite was heard)."""
        stop = stop or threading.Event()
        deadline = self._monotonic() + self.answer_within_s
        self._step(on_change)
        while not self.view.final and not stop.is_set() and self._monotonic() < deadline:
            stop.wait(self.poll_s)
            if stop.is_set():
                break
            self._step(on_change)
        if not self.view.final and self.view.status is PaymentStatus.PENDING \
                and self._monotonic() >= deadline:
            # The push has run out of time with no word from M-Pesa: not a failure.
            self._show(PaymentView(PaymentStatus.UNKNOWN, EXPLANATIONS[PaymentStatus.UNKNOWN],
                                   self.view.payment_id), on_change)
        return self.view

    def settle(self) -> PaymentView:
        """Ask once more where the payment stands (for an unknown one, later)."""
        self._step(None)
        return self.view

    def _step(self, on_change: Callable[[PaymentView], None] | None) -> None:
        try:
            if self.view.payment_id is None:
                # Not yet known to us: (re)send the request. Same key: the backend answers the
                # first push's payment and sends no second push.
                payment = self.client.start_payment(
                    self.body, idempotency_key=self.idempotency_key,
                    timeout_s=self.start_timeout_s if not self._asked else None)
                self._asked = True
            else:
                payment = self.client.payment(self.view.payment_id)
        except BackendUnavailable as err:
            self._asked = True
            log.info("payment for %s: no answer (%s); its state is unknown until asked again",
                     self.body.reference, err)
            if self.view.status is not PaymentStatus.PENDING:
                self._show(PaymentView(PaymentStatus.UNKNOWN, EXPLANATIONS[PaymentStatus.UNKNOWN],
                                       self.view.payment_id), on_change)
            return
        except BackendError as err:
            if self.view.payment_id is None and not err.retryable:
                # Refused before any push was sent (a bad number, an unknown application).
                self._show(PaymentView(PaymentStatus.FAILED, EXPLANATIONS["refused"]), on_change)
            else:
                log.warning("payment for %s: %s; asking again", self.body.reference, err)
            return
        self._show(view_of(payment), on_change)

    def _show(self, view: PaymentView, on_change: Callable[[PaymentView], None] | None) -> None:
        changed = view != self.view or not self._shown
        self._shown = True
        self.view = view
        if changed and on_change is not None:
            on_change(view)
