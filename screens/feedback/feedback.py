"""Rate our service: five faces, from very unhappy to very happy, each with its word (never by
colour alone), and a few optional reasons; one touch on a face sends it.

The rating goes into the outbox as a ``feedback`` row (:class:`kiosk_app.contract.FeedbackIn`,
no personal data in it) on a worker, the sync worker is woken, and the thank-you screen
follows. A rating that could not be kept is not the person's problem: it is logged, and they
are thanked all the same.

UI thread throughout, but for the outbox write.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from kivy.metrics import dp
from kivy.graphics import Color, Ellipse, Line
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.widget import Widget

from kiosk_app.applying import queue_feedback
from kiosk_app.i18n import N_
from kiosk_app.lazy import lazy_module
from kiosk_app.session import Session, SessionState, WipeReason
from screens.base import Presenter, View, action
from screens.theme import Themed

if TYPE_CHECKING:
    from kiosk_app import contract
else:
    contract = lazy_module("kiosk_app.contract")  # pydantic, on first use (kiosk_app/lazy.py)

log = logging.getLogger(__name__)

RATINGS: dict[int, str] = {
    1: N_("Very unhappy"),
    2: N_("Unhappy"),
    3: N_("Okay"),
    4: N_("Happy"),
    5: N_("Very happy"),
}
"""The five faces, 1 to 5, and their words (catalogue keys)."""

REASONS: dict[str, str] = {
    "quick_service": N_("Quick service"),
    "easy_to_use": N_("Easy to use"),
    "staff_helpful": N_("Staff were helpful"),
    "waited_too_long": N_("Waited too long"),
    "hard_to_use": N_("Hard to use"),
    "payment_problem": N_("Problem with paying"),
}
"""The optional reasons, as the codes the backend receives, and their words."""


class FeedbackPresenter(Presenter):
    reasons = ListProperty([])
    """The codes of the reasons chosen, in the order chosen."""
    sending = BooleanProperty(False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)

    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.FEEDBACK or old is SessionState.FEEDBACK:
            self._forget()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._forget()

    def _forget(self) -> None:
        self.reasons = []
        self.sending = False

    @action
    def toggle_reason(self, code: str) -> None:
        if code not in REASONS:
            raise ValueError(f"unknown reason {code!r}")
        self.reasons = ([c for c in self.reasons if c != code] if code in self.reasons
                        else [*self.reasons, code])

    @action
    def rate(self, rating: int) -> None:
        """One touch on a face: the rating (and any reasons chosen) is sent."""
        if rating not in RATINGS:
            raise ValueError(f"no face for {rating!r}")
        if self.sending or self.session.state is not SessionState.FEEDBACK:
            return
        data = self.session.data
        feedback = contract.FeedbackIn(
            rating=rating, reasons=list(self.reasons), service_code=data.service_code,
            reference=data.reference, language=data.language if data.language in ("en", "sw")
            else "en", created_at=self.kiosk.clock.now())
        data.rating = rating
        self.sending = True
        self.kiosk.workers.submit(queue_feedback, self.kiosk.outbox, self.kiosk.sync.wake,
                                  feedback, on_done=lambda _key: self._thanks(),
                                  on_error=self._not_kept)

    def _not_kept(self, err: BaseException) -> None:
        """UI thread."""
        log.error("a rating could not be kept: %s", type(err).__name__)
        self._thanks()

    def _thanks(self) -> None:
        """UI thread."""
        if self.session.state is SessionState.FEEDBACK:
            self.session.go(SessionState.THANK_YOU)

    @action
    def skip(self) -> None:
        self.session.finish()


class Face(Widget):
    """A face drawn in lines: the mouth curves down for 1 and 2, is straight for 3, and curves
    up for 4 and 5 (5 the most)."""

    mood = NumericProperty(3)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._paint, size=self._paint, mood=self._paint)
        self._paint()

    def _paint(self, *_args: object) -> None:
        self.canvas.clear()
        r = max(1.0, min(self.width, self.height) / 2 - dp(4))
        cx, cy = self.center
        curve = (self.mood - 3) / 2 * r * 0.3
        mouth_y = cy - r * 0.35
        points: list[float] = []
        for i in range(11):
            x = -1 + i / 5
            points += [cx + x * r * 0.5, mouth_y + curve * (x * x - 0.5)]
        with self.canvas:
            Color(1.0, 0.93, 0.60, 1)
            Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
            Color(0.08, 0.09, 0.10, 1)
            Line(circle=(cx, cy, r), width=dp(3))
            eye = r * 0.12
            for side in (-1, 1):
                Ellipse(pos=(cx + side * r * 0.35 - eye, cy + r * 0.25 - eye),
                        size=(2 * eye, 2 * eye))
            Line(points=points, width=dp(4), cap="round", joint="round")


class FaceButton(Themed, ButtonBehavior, BoxLayout):
    """A face and its word: one touch target (the face alone is never the only sign)."""

    mood = NumericProperty(3)
    words = StringProperty("")


class ReasonButton(Themed, Button):
    """A reason that can be chosen or not: chosen ones carry a tick and the word, and a darker
    background (never colour alone)."""

    chosen = BooleanProperty(False)
    words = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(chosen=self._show_words, words=self._show_words)
        self._show_words()

    def _show_words(self, *_args: object) -> None:
        # Roboto has no tick: DejaVu Sans, which Kivy ships, has one.
        self.text = ("[font=DejaVuSans]\u2713[/font] " if self.chosen else "") + self.words


class FeedbackView(View):
    kv_file = "feedback.kv"
