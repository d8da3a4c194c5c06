"""Buttons made once and given new words each time a list changes, for lists that change while
a person waits (the services found as they type, the choices of each question).

Making a button costs a millisecond or more (its kv rule, its bindings); forty of them at once
would hold the screen past the UI budget. A pool makes them a few per idle frame ahead of need
(:meth:`prepare`), and :meth:`take` hands out as many as a list needs, making at once only what
is still missing (inside the person's action, and timed with it). Like the App's views made in
idle frames (screens/lazy_views.py), the idle making is not timed against the UI budget: it is
logged.

    pool = ButtonPool(lambda: Factory.CatalogueItem(), what="catalogue")
    pool.prepare(23)                  # a few per frame from now
    for button, item in zip(pool.take(len(items)), items):
        button.text = item.title

UI thread only.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

log = logging.getLogger(__name__)


class ButtonPool:
    def __init__(self, make: Callable[[], Any], *, what: str = "ButtonPool",
                 per_frame: int = 8) -> None:
        self._make = make
        self._what = what
        self.per_frame = per_frame
        self.buttons: list[Any] = []
        self._wanted = 0
        self._event: Any = None

    def prepare(self, count: int) -> None:
        """Have ``count`` buttons ready soon: made ``per_frame`` at a time in idle frames."""
        self._wanted = max(self._wanted, count)
        if self._event is None and len(self.buttons) < self._wanted:
            self._event = Clock.schedule_once(self._make_some, 0)

    def take(self, count: int) -> list[Any]:
        """The first ``count`` buttons (any missing are made now)."""
        self._grow(count)
        return self.buttons[:count]

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _grow(self, count: int) -> None:
        while len(self.buttons) < count:
            self.buttons.append(self._make())

    def _make_some(self, _dt: float) -> None:
        started = time.perf_counter()
        self._grow(min(self._wanted, len(self.buttons) + self.per_frame))
        log.debug("%s: %d buttons made in %.0f ms", self._what, len(self.buttons),
                  (time.perf_counter() - started) * 1000)
        self._event = (Clock.schedule_once(self._make_some, 0)
                       if len(self.buttons) < self._wanted else None)
