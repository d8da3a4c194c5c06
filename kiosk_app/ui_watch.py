"""How long the UI thread is held: each frame's work, and our own pieces of work within it.

Two measures, one budget (:data:`UI_BUDGET_S`):

- **Frames.** All the work the UI thread does for one frame, from the moment the clock wakes it
  to the frame drawn: input and the touches' handlers, timers and our dispatcher's callbacks, kv
  rules, layout, label textures, the drawing commands. The App's frame watch
  (``screens/frame_watch.py``) reports each frame here (:meth:`UiWatch.frame_begun`,
  :meth:`UiWatch.frame_ended`). A frame's work is the processor time the UI thread spent on it:
  neither the time the operating system gave to other programs nor the time the thread slept
  waiting for the graphics to finish the frames before (with Mesa's software renderer, a texture
  changed while earlier frames still draw it waits for them: the graphics' work, which a GPU
  does at once). What it waited for is kept beside it (``Frame.elapsed``).
- **Pieces.** Every callback the dispatcher runs and every presenter action a touch starts is
  timed on the clock (:meth:`UiWatch.measure`), waits included, so that a file, a lock or the
  network waited on by our code holds it as much as work does, and a slow frame says what in it
  was ours. Only the time the operating system kept the ready thread from a processor, to run
  other programs, is left out (:func:`ready_wait_s`).

The kiosk logs a warning for anything over the budget, and the tests fail on it: a slow device,
a slow network or a screen built in one go must never freeze the screen.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

log = logging.getLogger(__name__)

UI_BUDGET_S = 0.050
"""The longest the UI thread may be held by one frame's work, or by one piece of our work, in
seconds."""

_SCHEDSTAT = threading.local()


def ready_wait_s() -> float:
    """Seconds the calling thread has spent, since it started, ready to run but waiting for a
    processor while the operating system ran other threads (Linux's scheduler statistics,
    ``/proc/thread-self/schedstat``); 0.0 where the system does not say."""
    fd = getattr(_SCHEDSTAT, "fd", None)
    if fd is None:
        try:
            fd = _SCHEDSTAT.fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            fd = _SCHEDSTAT.fd = -1
    if fd < 0:
        return 0.0
    try:
        return int(os.pread(fd, 128, 0).split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


@dataclass(frozen=True)
class Held:
    what: str
    seconds: float


@dataclass(frozen=True)
class Frame:
    """One frame on the UI thread: its work (``seconds``, processor time), how long it took on
    the clock less the time other programs had the processor (``elapsed``: the work and what the
    thread waited for), and our timed pieces of work within it, longest first."""

    seconds: float
    elapsed: float = 0.0
    pieces: tuple[Held, ...] = ()
    number: int = 0
    """Which frame since the watch started, from 1."""

    def __str__(self) -> str:
        inside = "".join(f", {held.what} {held.seconds * 1000:.0f} ms" for held in self.pieces[:4])
        return (f"a frame of {self.seconds * 1000:.0f} ms of work "
                f"({self.elapsed * 1000:.0f} ms elapsed{inside})")


class UiWatch:
    def __init__(self, budget_s: float = UI_BUDGET_S) -> None:
        self.budget_s = budget_s
        self._lock = threading.Lock()
        self.worst: Held = Held("nothing yet", 0.0)
        self.over_budget: list[Held] = []
        self.count = 0
        self.worst_frame = Frame(0.0)
        self.last_frame = Frame(0.0)
        self.frames_over_budget: list[Frame] = []
        self.frames = 0
        self.frame_listeners: list[Callable[[Frame], None]] = []
        """Called with each frame as it ends (UI thread): the tests keep them all."""
        self._in_frame: list[Held] | None = None
        self._frame_thread = 0

    @contextmanager
    def measure(self, what: str) -> Iterator[None]:
        start, ready = time.perf_counter(), ready_wait_s()
        try:
            yield
        finally:
            self.record(what, max(0.0, time.perf_counter() - start - (ready_wait_s() - ready)))

    def record(self, what: str, seconds: float) -> None:
        held = Held(what, seconds)
        with self._lock:
            self.count += 1
            if seconds > self.worst.seconds:
                self.worst = held
            if seconds > self.budget_s:
                self.over_budget.append(held)
            if self._in_frame is not None and threading.get_ident() == self._frame_thread:
                self._in_frame.append(held)
        if seconds > self.budget_s:
            log.warning("UI thread held %.0f ms by %s", seconds * 1000, what)

    def frame_begun(self) -> None:
        """The UI thread starts a frame's work (UI thread)."""
        with self._lock:
            self._in_frame = []
            self._frame_thread = threading.get_ident()

    @property
    def pieces_in_frame(self) -> int:
        """How many pieces of our work have been timed in the frame under way."""
        return len(self._in_frame or ())

    def frame_ended(self, seconds: float, elapsed: float) -> Frame:
        """The frame begun last is drawn: ``seconds`` of work, ``elapsed`` on the clock less the
        time other programs had the processor (UI thread). Pieces timed since
        :meth:`frame_begun` belong to it."""
        with self._lock:
            pieces = tuple(sorted(self._in_frame or (), key=lambda held: -held.seconds))
            self._in_frame = None
            self.frames += 1
            frame = Frame(seconds, max(elapsed, seconds), pieces, self.frames)
            self.last_frame = frame
            if seconds > self.worst_frame.seconds:
                self.worst_frame = frame
            if seconds > self.budget_s:
                self.frames_over_budget.append(frame)
        if seconds > self.budget_s:
            log.warning("UI thread held by %s", frame)
        for listener in list(self.frame_listeners):
            listener(frame)
        return frame

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
            self.worst_frame = Frame(0.0)
            self.last_frame = Frame(0.0)
            self.frames_over_budget = []
            self.frames = 0
