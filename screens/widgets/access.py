"""Access for everyone: large text, high contrast and reading aloud, switched on by the person
for their own session, and put back to the kiosk's settings when the session ends.

- :class:`AccessPresenter`: one per App. Holds the switches, changes the App's
  :class:`~screens.theme.Theme`, and says each screen's guidance when the screen appears (and
  when "Repeat" is touched) through the kiosk's :class:`~kiosk_app.speech.Speaker`.
- :class:`AccessBar`: the three switches, on the attract screen (in both languages) and on home.
  Each says in words whether it is on or off, never by colour alone.
- :class:`SpeechBar`: "Repeat", "Quieter", "Louder" and the volume in words, along the top of
  every screen while reading aloud is on.

UI thread throughout; the speaker does its work on its own thread.

    access = AccessPresenter(kiosk, tr, theme=theme, guidance=lambda: view.presenter.spoken())
    access.toggle_large_text()
    access.screen_shown()          # the App calls this whenever the screen changes
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk_app.i18n import N_
from kiosk_app.session import Session, WipeReason
from kiosk_app.speech import VOLUME_STEP, Utterance
from screens.base import Presenter, action
from screens.guidance import TIME_WARNING
from screens.theme import Theme, Themed

WORDS = {
    ("large_text", True): N_("Large text: on"),
    ("large_text", False): N_("Large text: off"),
    ("high_contrast", True): N_("High contrast: on"),
    ("high_contrast", False): N_("High contrast: off"),
    ("speech", True): N_("Read aloud: on"),
    ("speech", False): N_("Read aloud: off"),
}
"""Each switch's words for its two states."""


class AccessPresenter(Presenter):
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    speech = BooleanProperty(False)
    volume_level = NumericProperty(5)
    """The speaker's volume in steps of one to ten, for people (10 is the loudest)."""

    def __init__(self, kiosk: Any, tr: Any, *, theme: Theme,
                 guidance: Callable[[], Utterance], **kwargs: Any) -> None:
        super().__init__(kiosk, tr, **kwargs)
        self.theme = theme
        self.speaker = kiosk.speaker
        self._guidance = guidance
        self._said_in: str | None = None
        self._reset_display()
        self.session.add_listener(self)
        self.tr.fbind("_", self._on_language)

    # -- the person's switches --------------------------------------------------------------
    @action
    def toggle_large_text(self) -> None:
        self.theme.large_text = not self.theme.large_text
        self._show()

    @action
    def toggle_high_contrast(self) -> None:
        self.theme.high_contrast = not self.theme.high_contrast
        self._show()

    @action
    def toggle_speech(self) -> None:
        self.speaker.switch(not self.speaker.enabled)
        self._show()
        self.screen_shown()  # said at once, so the person hears that it is on

    @action
    def repeat(self) -> None:
        self.screen_shown()

    @action
    def louder(self) -> None:
        self.speaker.louder()
        self._show()

    @action
    def quieter(self) -> None:
        self.speaker.quieter()
        self._show()

    # -- what the App tells it --------------------------------------------------------------
    def screen_shown(self) -> None:
        """A screen appeared (or the person asked again): say what it is for."""
        if self.speaker.enabled:
            self._said_in = self.tr.language
            self.speaker.say(self._guidance())

    def on_session_time_warning(self, session: Session, seconds_left: float) -> None:
        if self.speaker.enabled:
            self.speaker.say(self.tr._(TIME_WARNING), self.tr.language)

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        """The session ended: the next person starts with this kiosk's own settings (the
        speaker has already stopped and put itself back)."""
        self._said_in = None
        self._reset_display()

    def _on_language(self, *_args: object) -> None:
        # The language changed under the screen (home's language button): say it again in the
        # new language, once the frame has settled (the screen may be changing too).
        self.kiosk.dispatcher.call_soon(self._say_again_if_language_changed)

    def _say_again_if_language_changed(self) -> None:
        if self.speaker.enabled and self._said_in not in (None, self.tr.language):
            self.screen_shown()

    def _reset_display(self) -> None:
        display = self.kiosk.config.display
        self.theme.large_text = display.large_text
        self.theme.high_contrast = display.high_contrast
        self._show()

    def _show(self) -> None:
        self.large_text = self.theme.large_text
        self.high_contrast = self.theme.high_contrast
        self.speech = self.speaker.enabled
        self.volume_level = round(self.speaker.volume / VOLUME_STEP)


class AccessBar(Themed, BoxLayout):
    """The three switches; ``bilingual`` for the attract screen, before a language is chosen."""

    presenter = ObjectProperty(None, rebind=True)
    tr = ObjectProperty(None, rebind=True)
    bilingual = BooleanProperty(False)
    large_text_words = StringProperty("")
    high_contrast_words = StringProperty("")
    speech_words = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name in ("presenter", "tr", "bilingual"):
            self.fbind(name, self._follow)
        self._following: tuple[Any, Any] = (None, None)
        self._follow()

    def _follow(self, *_args: object) -> None:
        presenter, tr = self.presenter, self.tr
        if (presenter, tr) != self._following:
            old_presenter, old_tr = self._following
            if old_presenter is not None:
                old_presenter.funbind("large_text", self._words)
                old_presenter.funbind("high_contrast", self._words)
                old_presenter.funbind("speech", self._words)
            if old_tr is not None:
                old_tr.funbind("_", self._words)
            if presenter is not None:
                presenter.fbind("large_text", self._words)
                presenter.fbind("high_contrast", self._words)
                presenter.fbind("speech", self._words)
            if tr is not None:
                tr.fbind("_", self._words)
            self._following = (presenter, tr)
        self._words()

    def _words(self, *_args: object) -> None:
        presenter, tr = self.presenter, self.tr
        if presenter is None or tr is None:
            return
        say = tr.both if self.bilingual else tr._
        self.large_text_words = say(WORDS["large_text", presenter.large_text])
        self.high_contrast_words = say(WORDS["high_contrast", presenter.high_contrast])
        self.speech_words = say(WORDS["speech", presenter.speech])


class SpeechBar(Themed, BoxLayout):
    presenter = ObjectProperty(None, rebind=True)
    tr = ObjectProperty(None, rebind=True)

    def on_touch_down(self, touch: Any) -> bool:
        # Hidden, the bar is 0 high but its buttons still stick out of it, disabled, over the
        # screen below, and a disabled widget swallows the touches that land on it.
        return self.height > 0 and super().on_touch_down(touch)
