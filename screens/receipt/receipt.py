"""The receipt: the reference in big letters, and the printed receipt, or, when the printer
cannot print, what to do instead: the reference and the receipt's QR on the screen, to write
down or photograph, and that any kiosk can print it again or show the application's progress.

When it cannot print, the reference can also go to the person's phone by SMS: with one touch
to the number they paid with (shown masked), or to a number they type.

Then "Rate our service" (the feedback) or "Finish".

UI thread throughout. What was issued comes from :mod:`kiosk_app.applying` through the session
(``session.data.receipt``); a receipt that waited for paper and prints while the person is still
here is noticed through the spooler's listener.
"""
from __future__ import annotations

import logging
from typing import Any

from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk_app.applying import (PRINT_WORDS, ApplyError, Submitted, masked_phone,
                                queue_reference_sms)
from kiosk_app.i18n import N_
from kiosk_app.receipts.spooler import PrintJob
from kiosk_app.session import Session, SessionState, WipeReason
from screens.base import Presenter, View, action
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401 - the .kv's keyboard

log = logging.getLogger(__name__)

PRINTING = N_("Your receipt is printing. Please take it from the printer.")
INSTEAD = N_("Please write down your reference, or take a photo of it and of this QR code with "
             "your phone.")
ANY_KIOSK = N_("Any Huduma kiosk can print your receipt again or show how your application is "
               "going, with this reference.")
WAITING = N_("Your application is kept safely on this kiosk and will be sent to the office by "
             "itself when the network is back. You do not need to do anything.")
TO_CONFIRM = N_("Your M-Pesa payment will be confirmed later. Do not pay again.")
SMS_OFFER = N_("Send the reference to my phone by SMS")
SMS_TO = N_("Send the reference by SMS to {phone}")
SMS_TYPE = N_("Type the phone number for the SMS")
SMS_QUEUED = N_("An SMS with your reference will come to {phone}. If the network is down, it "
                "will come when it is back.")
SMS_FAILED = N_("Sorry, the SMS could not be arranged. Please write the reference down.")
WRONG_PHONE = N_("This is not a Kenyan mobile number. Type it as 07XX XXX XXX or 01XX XXX XXX.")


class ReceiptPresenter(Presenter):
    reference = StringProperty("")
    service_name = StringProperty("")
    print_words = StringProperty("")
    """A catalogue key: the receipt is printing (empty when it is not)."""
    problem = StringProperty("")
    """A catalogue key: why the receipt did not print (empty when it did)."""
    instead = StringProperty("")
    """A catalogue key: what to do instead of a printed receipt."""
    any_kiosk = StringProperty("")
    waiting = StringProperty("")
    """A catalogue key: the application waits to be sent (empty when the backend has it)."""
    to_confirm = StringProperty("")
    show_qr = BooleanProperty(False)
    qr = ObjectProperty(None, allownone=True)
    """The receipt's QR as a texture, when it is shown on the screen."""
    sms = StringProperty("")
    """The SMS part: "" (not offered), ``offer`` (a button), ``typing`` (a phone number to
    type), ``sending``, ``queued`` or ``failed``."""
    sms_words = StringProperty("")
    """A catalogue key: the SMS button's or answer's words (with ``{phone}`` where the masked
    number goes)."""
    sms_masked = StringProperty("")
    """The number the SMS goes to, masked (``*******678``)."""
    sms_phone = StringProperty("")
    """The number being typed for the SMS."""
    sms_error = StringProperty("")
    can_rate = BooleanProperty(True)
    """Whether "Rate our service" is offered (not on an agent's device: screens/assisted.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)
        self.kiosk.spooler.add_listener(self)
        self._job: str | None = None

    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.RECEIPT and isinstance(session.data.receipt, Submitted):
            self._show(session.data.receipt)
        elif old is SessionState.RECEIPT:
            self._forget()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._forget()

    def on_print_job_printed(self, job: PrintJob) -> None:
        """UI thread (the spooler's listener): the receipt came out after all (paper loaded)."""
        if self._job is not None and job.key == self._job \
                and self.session.state is SessionState.RECEIPT:
            self._printed()

    def _show(self, done: Submitted) -> None:
        self.reference = done.reference
        self.service_name = done.service_name.get(self.session.language)
        self.waiting = "" if done.sent else WAITING
        self.to_confirm = TO_CONFIRM if done.payment_to_confirm else ""
        self._job = done.print_job
        if done.printed:
            self._printed()
        else:
            self.print_words = ""
            self.problem = PRINT_WORDS.get(done.print_problem or "", PRINT_WORDS["not_working"])
            self.instead = INSTEAD
            self.any_kiosk = ANY_KIOSK
            self.qr = qr_texture(done.qr) if done.qr else None
            self.show_qr = self.qr is not None
            self._offer_sms()

    def _printed(self) -> None:
        self.print_words = PRINTING
        self.problem = self.instead = self.any_kiosk = ""
        self.show_qr = False
        self.qr = None
        if self.sms in ("offer", "typing"):
            self.sms = self.sms_words = self.sms_error = self.sms_phone = self.sms_masked = ""

    # -- the reference by SMS ---------------------------------------------------------------
    def _offer_sms(self) -> None:
        self.sms_masked = masked_phone(self.session.data.phone or "")
        self.sms, self.sms_words = "offer", SMS_TO if self.sms_masked else SMS_OFFER

    @action
    def send_sms(self) -> None:
        """The SMS button: to the number the person paid with, or first ask for one."""
        if self.sms == "offer" and self.session.data.phone:
            self._queue_sms(self.session.data.phone)
        elif self.sms == "offer":
            self.sms, self.sms_words, self.sms_error = "typing", SMS_TYPE, ""
        elif self.sms == "typing":
            self._queue_sms(self.sms_phone)

    @action
    def type_sms_phone(self, text: str) -> None:
        if text != self.sms_phone:
            self.sms_phone = text
            self.sms_error = ""

    def _queue_sms(self, phone: str) -> None:
        if masked_phone(phone) == "":
            self.sms_error = WRONG_PHONE
            return
        self.sms, self.sms_error = "sending", ""
        reference, language = self.reference, self.session.language
        self.kiosk.workers.submit(
            queue_reference_sms, self.kiosk.outbox, self.kiosk.sync.wake, reference, phone,
            language, on_done=lambda _key: self._sms_queued(reference, phone),
            on_error=lambda err: self._sms_failed(reference, err))

    def _sms_queued(self, reference: str, phone: str) -> None:
        """UI thread: the SMS is in the outbox; it goes with the next sync."""
        if reference == self.reference:
            self.sms, self.sms_words, self.sms_phone = "queued", SMS_QUEUED, ""
            self.sms_masked = masked_phone(phone)

    def _sms_failed(self, reference: str, err: BaseException) -> None:
        """UI thread."""
        log.error("an SMS of the reference could not be queued: %s", type(err).__name__)
        if reference == self.reference:
            self.sms, self.sms_words = "failed", SMS_FAILED
            if isinstance(err, ApplyError):
                self.sms, self.sms_words, self.sms_error = "typing", SMS_TYPE, WRONG_PHONE

    def _forget(self) -> None:
        self._job = None
        self.reference = self.service_name = self.print_words = self.problem = ""
        self.instead = self.any_kiosk = self.waiting = self.to_confirm = ""
        self.show_qr = False
        self.qr = None
        self.sms = self.sms_words = self.sms_phone = self.sms_error = self.sms_masked = ""

    @action
    def rate(self) -> None:
        if self.can_rate:
            self.session.go(SessionState.FEEDBACK)

    @action
    def finish(self) -> None:
        self.session.finish()


def qr_texture(modules: tuple[tuple[bool, ...], ...]) -> Texture:
    """One texel per module, black on white, drawn without smoothing so it stays sharp at any
    size (RGBA, so every row is aligned whatever the code's size)."""
    size = len(modules)
    dark, light = b"\x00\x00\x00\xff", b"\xff\xff\xff\xff"
    # Textures start at the bottom row.
    data = b"".join(dark if m else light for row in reversed(modules) for m in row)
    texture = Texture.create(size=(size, size), colorfmt="rgba")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    texture.blit_buffer(data, colorfmt="rgba", bufferfmt="ubyte")
    return texture


class ReceiptView(View):
    kv_file = "receipt.kv"
