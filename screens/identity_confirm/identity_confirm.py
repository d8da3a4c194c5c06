"""Is this you? The name and photo from the chip, before anything is applied for."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from kivy.graphics.texture import Texture
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
    """The face from the chip, in a texture: decoded on a worker, so it follows the name by a
    frame or two (decoding a JPEG, and Pillow's first start, held the UI thread 30 ms)."""
    verification = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)
        self._face_wanted = 0
        """Which decoding the screen waits for: a face decoded after the person has gone (or
        after a newer one was asked for) is dropped."""

    def on_session_state_changed(self, session: Session, old: SessionState, new: SessionState) -> None:
        if new is SessionState.IDENTITY_CONFIRM and session.data.identity is not None:
            identity = session.data.identity
            self.name = identity.full_name
            self.verification = VERIFICATION_WORDS.get(identity.verification, "")
            self.photo = None
            if identity.face:
                self._face_wanted += 1
                wanted = self._face_wanted
                self.kiosk.workers.submit(
                    _decoded, identity.face, identity.face_mime,
                    on_done=lambda face: self._show_face(wanted, face),
                    on_error=lambda _error: None)  # no photo: the name and the check stay
        elif old is SessionState.IDENTITY_CONFIRM:
            self._forget()

    def _show_face(self, wanted: int, face: DecodedFace) -> None:
        """UI thread: only the upload of what the worker decoded."""
        if wanted == self._face_wanted and self.session.state is SessionState.IDENTITY_CONFIRM:
            self.photo = _texture(face)

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
        self._face_wanted += 1
        self.name = ""
        self.photo = None
        self.verification = ""

    @action
    def confirm(self, yes: bool) -> None:
        self.session.confirm_identity(yes)


@dataclass(frozen=True)
class DecodedFace:
    size: tuple[int, int]
    rgb: bytes = field(repr=False)


def _decoded(face: bytes, mime: str | None) -> DecodedFace:
    """Worker thread: the chip's face (JPEG, or JPEG 2000) decoded to RGB by Pillow."""
    from PIL import Image  # here: only a card read needs it, not the kiosk's start

    del mime  # Pillow knows JPEG and JPEG 2000 by their first bytes
    image = Image.open(io.BytesIO(face)).convert("RGB")
    return DecodedFace(image.size, image.tobytes())


def _texture(face: DecodedFace) -> Texture:
    """UI thread: the decoded face in a texture (rows flipped by the texture, not copied)."""
    texture = Texture.create(size=face.size, colorfmt="rgb")
    texture.flip_vertical()
    texture.blit_buffer(face.rgb, colorfmt="rgb", bufferfmt="ubyte")
    return texture


class IdentityConfirmView(View):
    kv_file = "identity_confirm.kv"
