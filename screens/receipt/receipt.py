"""The receipt: the reference in big letters, and the printed receipt, or, when the printer
cannot print, what to do instead: the reference and the receipt's QR on the screen, to write
down or photograph, and that any kiosk can print it again or show the application's progress.

Then "Rate our service" (the feedback) or "Finish".

UI thread throughout. What was issued comes from :mod:`kiosk_app.applying` through the session
(``session.data.receipt``); a receipt that waited for paper and prints while the person is still
here is noticed through the spooler's listener.
"""
from __future__ import annotations

from typing import Any

from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk_app.applying import PRINT_WORDS, Submitted
from kiosk_app.i18n import N_
from kiosk_app.receipts.spooler import PrintJob
from kiosk_app.session import Session, SessionState, WipeReason
from screens.base import Presenter, View, action

PRINTING = N_("Your receipt is printing. Please take it from the printer.")
INSTEAD = N_("Please write down your reference, or take a photo of it and of this QR code with "
             "your phone.")
ANY_KIOSK = N_("Any Huduma kiosk can print your receipt again or show how your application is "
               "going, with this reference.")
WAITING = N_("Your application is kept safely on this kiosk and will be sent to the office by "
             "itself when the network is back. You do not need to do anything.")
TO_CONFIRM = N_("Your M-Pesa payment will be confirmed later. Do not pay again.")


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

    def _printed(self) -> None:
        self.print_words = PRINTING
        self.problem = self.instead = self.any_kiosk = ""
        self.show_qr = False
        self.qr = None

    def _forget(self) -> None:
        self._job = None
        self.reference = self.service_name = self.print_words = self.problem = ""
        self.instead = self.any_kiosk = self.waiting = self.to_confirm = ""
        self.show_qr = False
        self.qr = None

    @action
    def rate(self) -> None:
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
