"""Is this you? The name and photo from the chip, before anything is applied for."""
from __future__ import annotations

import io
from typing import Any

from kivy.core.image import Image as CoreImage
from kivy.properties import ObjectProperty, StringProperty

from kiosk_app.i18n import N_
from kiosk_app.session import Session, SessionState, WipeReason
from kiosk_app.speech import Utterance
from screens.base import Presenter, View, action
from screens.guidance import NAME_ON_CARD

VERIFICATION_WORDS = {
    "valid": N_("The card's security check passed."),
    "not_verifiable": N_("The card was read, but this kiosk cannot check its security signature."),
}


class IdentityConfirmPresenter(Presenter):
    name = StringProperty("")
    photo = ObjectProperty(None, allownone=True)
    verification = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)

    def on_session_state_changed(self, session: Session, old: SessionState, new: SessionState) -> None:
        if new is SessionState.IDENTITY_CONFIRM and session.data.identity is not None:
            identity = session.data.identity
            self.name = identity.full_name
            self.verification = VERIFICATION_WORDS.get(identity.verification, "")
            self.photo = _texture(identity.face, identity.face_mime)
        elif old is SessionState.IDENTITY_CONFIRM:
            self._forget()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._forget()

    def spoken(self) -> Utterance:
        """The screen's guidance, then the name it shows: a person who cannot see the screen
        needs to hear whose card it is. Said only here, on the screen that shows the name."""
        said = super().spoken()
        if self.name:
            said += ((self.tr.language, self.tr._(NAME_ON_CARD).format(name=self.name)),)
        return said

    def _forget(self) -> None:
        self.name = ""
        self.photo = None
        self.verification = ""

    @action
    def confirm(self, yes: bool) -> None:
        self.session.confirm_identity(yes)


def _texture(face: bytes | None, mime: str | None):  # noqa: ANN202
    if not face:
        return None
    data, ext = face, "jpg"
    if mime == "image/jp2":  # Kivy does not read JPEG 2000: Pillow does
        from PIL import Image

        buffer = io.BytesIO()
        Image.open(io.BytesIO(face)).convert("RGB").save(buffer, "PNG")
        data, ext = buffer.getvalue(), "png"
    return CoreImage(io.BytesIO(data), ext=ext).texture


class IdentityConfirmView(View):
    kv_file = "identity_confirm.kv"
