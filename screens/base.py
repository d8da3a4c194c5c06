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
from screens.i18n import Translator

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
    def __init__(self, kiosk: Kiosk, tr: Translator, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kiosk = kiosk
        self.session = kiosk.session
        self.tr = tr


class View(Screen):
    presenter = ObjectProperty(None, rebind=True)
    tr = ObjectProperty(None, rebind=True)
    kv_file: ClassVar[str] = ""
    """The .kv beside the view's module, loaded once by the App before any view is made."""

    @classmethod
    def kv_path(cls) -> Path:
        import sys

        return Path(sys.modules[cls.__module__].__file__).with_name(cls.kv_file)  # type: ignore[arg-type]
