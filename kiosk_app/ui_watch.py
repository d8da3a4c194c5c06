"""How long the UI thread is held by our own work.

Every callback the dispatcher runs and every presenter action a touch starts is timed here. The
kiosk logs a warning for anything over the budget, and the tests fail on it: a slow device or a
slow network must never freeze the screen.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

log = logging.getLogger(__name__)

UI_BUDGET_S = 0.050
"""The longest the UI thread may be held by one piece of our work, in seconds."""


@dataclass(frozen=True)
class Held:
    what: str
    seconds: float


class UiWatch:
    def __init__(self, budget_s: float = UI_BUDGET_S) -> None:
        self.budget_s = budget_s
        self._lock = threading.Lock()
        self.worst: Held = Held("nothing yet", 0.0)
        self.over_budget: list[Held] = []
        self.count = 0

    @contextmanager
    def measure(self, what: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.record(what, time.perf_counter() - start)

    def record(self, what: str, seconds: float) -> None:
        held = Held(what, seconds)
        with self._lock:
            self.count += 1
            if seconds > self.worst.seconds:
                self.worst = held
            if seconds > self.budget_s:
                self.over_budget.append(held)
        if seconds > self.budget_s:
            log.warning("UI thread held %.0f ms by %s", seconds * 1000, what)

    def wrap(self, fn: Callable[..., object], what: str | None = None) -> Callable[..., object]:
        name = what or getattr(fn, "__qualname__", repr(fn))

        def timed(*args: object, **kwargs: object) -> object:
            with self.measure(name):
                return fn(*args, **kwargs)

        return timed

    def reset(self) -> None:
        with self._lock:
            self.worst = Held("nothing yet", 0.0)
            self.over_budget = []
            self.count = 0
