"""Buttons made once and given new words each time a list changes, for lists that change while
a person waits (the services found as they type, the choices of each question).

Making a button costs a millisecond or so (its kv rule, its bindings); forty of them at once
would hold the screen past the UI budget. A pool makes them a few per quiet frame ahead of need
(:meth:`prepare`, through the App's screens.idle.IdleWork), and :meth:`take` hands out as many as
a list needs, making at once only what is still missing (inside the person's action, and timed
with it).

    pool = ButtonPool(lambda: Factory.CatalogueItem(), what="catalogue", idle=view.idle)
    pool.prepare(23)                  # a few per quiet frame from now
    for button, item in zip(pool.take(len(items)), items):
        button.text = item.title

UI thread only.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class ButtonPool:
    def __init__(self, make: Callable[[], Any], *, what: str = "ButtonPool",
                 per_frame: int = 6, idle: Any = None) -> None:
        self._make = make
        self._what = what
        self.per_frame = per_frame
        self.idle = idle
        """Where :meth:`prepare` makes buttons (screens.idle.IdleWork); None: only :meth:`take`
        makes them."""
        self.buttons: list[Any] = []
        self._wanted = 0

    def prepare(self, count: int) -> None:
        """Have ``count`` buttons ready soon: made ``per_frame`` at a time in quiet frames."""
        self._wanted = max(self._wanted, count)
        if self.idle is not None and len(self.buttons) < self._wanted:
            self.idle.add(self._make_some, lasting=True)

    def take(self, count: int) -> list[Any]:
        """The first ``count`` buttons (any missing are made now)."""
        self._grow(count)
        return self.buttons[:count]

    def stop(self) -> None:
        if self.idle is not None:
            self.idle.discard(self._make_some)

    def _grow(self, count: int) -> None:
        while len(self.buttons) < count:
            self.buttons.append(self._make())

    def _make_some(self) -> bool:
        """An idle step: ``per_frame`` more buttons; True while more are wanted."""
        self._grow(min(self._wanted, len(self.buttons) + self.per_frame))
        log.debug("%s: %d buttons made", self._what, len(self.buttons))
        return len(self.buttons) < self._wanted
