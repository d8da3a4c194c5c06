"""``ui_dispatch`` on Kivy: a callable from any thread runs on Kivy's main thread, timed.

Kivy's ``Clock.schedule_once`` may be called from any thread; the callback runs at the start
of the next frame on the main thread. Each one is measured against the UI budget.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

from kiosk_app.ui_watch import UiWatch


class KivyDispatcher:
    def __init__(self, watch: UiWatch) -> None:
        self._watch = watch

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        name = getattr(fn, "__qualname__", repr(fn))

        def run(_dt: float) -> None:
            with self._watch.measure(name):
                fn(*args)

        Clock.schedule_once(run, 0)
