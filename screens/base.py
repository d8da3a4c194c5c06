"""What every screen has: a view (a Kivy ``Screen`` with its ``.kv`` file) that reads its
presenter, and a presenter that reads the core.

A view calls one presenter method per action; the method is timed against the UI budget
(:func:`action`). Presenters never block: device, disk and network work goes to
``kiosk.workers`` and comes back through the dispatcher.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from kivy.event import EventDispatcher
from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen

from kiosk_app.bootstrap import Kiosk
from kiosk_app.i18n import translator
from kiosk_app.speech import Utterance
from screens.guidance import SPOKEN
from screens.i18n import Translator
from screens.theme import DEFAULT

F = TypeVar("F", bound=Callable[..., Any])


def action(fn: F) -> F:
    """Mark a presenter method as a person's action: it is timed on the UI thread, and it
    counts as activity for the time limit."""

    @functools.wraps(fn)
    def timed(self: "Presenter", *args: Any, **kwargs: Any) -> Any:
        with self.kiosk.ui_watch.measure(fn.__qualname__):
            self.session.touch()
            return fn(self, *args, **kwargs)

    return timed  # type: ignore[return-value]


class Presenter(EventDispatcher):
    screen_name: str = ""
    """The screen this presenter serves (the App sets it): the key of its spoken guidance."""

    def __init__(self, kiosk: Kiosk, tr: Translator, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kiosk = kiosk
        self.session = kiosk.session
        self.tr = tr

    def spoken(self) -> Utterance:
        """What this screen is for, to be said aloud in the session's language (the screen's
        entry in :data:`screens.guidance.SPOKEN`). Override to add to it; personal data only on
        the screen that shows it."""
        key = SPOKEN.get(self.screen_name)
        return ((self.tr.language, self.tr._(key)),) if key else ()

    def spoken_in_both(self) -> Utterance:
        """This screen's guidance in English, then in Kiswahili (before a language is chosen)."""
        key = SPOKEN.get(self.screen_name)
        return tuple((lang, translator(lang).gettext(key)) for lang in ("en", "sw")) if key else ()


class View(Screen):
    presenter = ObjectProperty(None, rebind=True)
    tr = ObjectProperty(None, rebind=True)
    theme = ObjectProperty(DEFAULT, rebind=True)
    """The look for the person at the screen (screens.theme.Theme): in kv, ``root.theme.text``,
    ``sp(26) * root.theme.text_scale``; the shared widgets follow it by themselves."""
    access = ObjectProperty(None, rebind=True)
    """The switches for large text, high contrast and reading aloud (an AccessPresenter), for
    an ``AccessBar`` on the screen."""
    idle = ObjectProperty(None, allownone=True)
    """The App's work for quiet frames (screens.idle.IdleWork): keys and buttons made before
    they are needed. None where there is no App (the widgets then make theirs when shown)."""
    kv_file: ClassVar[str] = ""
    """The .kv beside the view's module, loaded once by the App, just before it makes the view."""

    @classmethod
    def kv_path(cls) -> Path:
        import sys

        return Path(sys.modules[cls.__module__].__file__).with_name(cls.kv_file)  # type: ignore[arg-type]
