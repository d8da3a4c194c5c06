"""Every frame's work on the UI thread, measured against the UI budget.

Kivy runs one loop on the UI thread: the clock sleeps until the next frame is due, then the
frame runs (timers and our dispatcher's callbacks, input and the touches' handlers, kv rules,
layout, label textures, the drawing commands, the buffer swap). :class:`FrameWatch` times each
frame from the clock waking the thread to the end of the frame, and reports it to the kiosk's
:class:`~kiosk_app.ui_watch.UiWatch`, which keeps the ones over budget and logs them: the
processor time the UI thread spent (its work), and the time on the clock less what other
programs had (its work and its waits; see ``kiosk_app/ui_watch.py`` for why the budget is on
the first).

Kivy gives no hook around a frame, so while any watch runs, two methods of its singletons are
wrapped: the clock's ``idle`` (the sleep; the frame begins when it returns) and the event loop's
``idle`` (one frame; it ends when it returns). In the App's own loop the window's event poll
(``window.mainloop()``, keys typed on a keyboard) runs between two frames and is not counted.

UI thread throughout.

    watch = FrameWatch(kiosk.ui_watch)
    watch.start()                       # App.on_start
    ...
    watch.stop()                        # App.on_stop
"""
from __future__ import annotations

import time
from typing import Any

from kivy.base import EventLoop
from kivy.clock import Clock

from kiosk_app.ui_watch import UiWatch, ready_wait_s


class FrameWatch:
    def __init__(self, watch: UiWatch) -> None:
        self._watch = watch
        self._began: tuple[float, float, float] | None = None

    def start(self) -> None:
        """Time every frame from now on."""
        if self not in _HOOK.watches:
            _HOOK.add(self)

    def stop(self) -> None:
        if self in _HOOK.watches:
            _HOOK.remove(self)
        self._began = None

    def work_so_far(self) -> float:
        """Seconds of work in the frame under way (0.0 between frames or when not running)."""
        return time.thread_time() - self._began[0] if self._began is not None else 0.0

    def _woken(self) -> None:
        self._began = (time.thread_time(), time.perf_counter(), ready_wait_s())
        self._watch.frame_begun()

    def _drawn(self) -> None:
        if self._began is None:
            return  # started in the middle of a frame
        work, clock, ready = self._began
        self._began = None
        self._watch.frame_ended(
            time.thread_time() - work,
            time.perf_counter() - clock - (ready_wait_s() - ready))


class _Hook:
    """The wrappers around Kivy's clock and event loop, there while any watch runs."""

    def __init__(self) -> None:
        self.watches: list[FrameWatch] = []
        self._clock_idle: Any = None
        self._loop_idle: Any = None

    def add(self, watch: FrameWatch) -> None:
        if not self.watches:
            self._clock_idle, self._loop_idle = Clock.idle, EventLoop.idle
            Clock.idle, EventLoop.idle = self._woken, self._frame
        self.watches.append(watch)

    def remove(self, watch: FrameWatch) -> None:
        self.watches.remove(watch)
        if not self.watches:
            Clock.idle, EventLoop.idle = self._clock_idle, self._loop_idle
            self._clock_idle = self._loop_idle = None

    def _woken(self) -> Any:
        current = self._clock_idle()  # the sleep until the frame is due
        for watch in self.watches:
            watch._woken()  # noqa: SLF001
        return current

    def _frame(self) -> Any:
        try:
            return self._loop_idle()
        finally:
            for watch in list(self.watches):
                watch._drawn()  # noqa: SLF001


_HOOK = _Hook()
"""One pair of wrappers for every watch: Kivy's clock and event loop are one per process."""
