"""Work that can wait for a quiet frame: the keys of a keyboard and the buttons of a list made
before they are needed, the views of the screens ahead built, the screens not on show given the
words of a new language.

Such work is done in *steps*: a step is a callable that does a little and answers whether it has
more to do. At most one step runs in a frame, and only in a frame where nothing else happens: no
finger on the screen, none of our own work timed in it so far (a touch's action, the news of a
device or a worker), and little work in it so far or in the frame before (a screen switched to
goes on laying itself out for a frame or two). A step therefore never adds to a frame that a
person waits on. Steps are small: a row of keys, a few buttons, one screen's words, a few
milliseconds each; the largest builds a whole view, 4 to 30 ms.

A step runs just before the frame is drawn (Kivy's "before the next frame" callbacks), when
the frame's timers and input have been handled and what the frame has done so far is known. It
is timed as a piece of our work (``idle: <step>``), so that a frame says what it did.

What a *lasting* step makes (keys, pooled buttons, views) lives as long as the App: after the
step it is frozen out of the cyclic collector's way (``gc.freeze``, as the App does at start),
or every full collection would walk it again, 30 to 80 ms in whatever frame it fell.

UI thread only.

    idle = IdleWork(watch=kiosk.ui_watch, frames=frame_watch)
    idle.add(keyboard.make_a_row, lasting=True)    # True while it has more rows to make
    idle.discard(keyboard.make_a_row)      # not needed any more
    idle.stop()                            # the App stops: nothing more runs
"""
from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from kivy.base import EventLoop
from kivy.clock import Clock

from kiosk_app.ui_watch import UiWatch

if TYPE_CHECKING:
    from screens.frame_watch import FrameWatch


QUIET_S = 0.006
"""A frame with less work than this, in seconds, is quiet: the attract screen's pulsing words
or the time limit's countdown take a millisecond or two."""

Step = Callable[[], bool]


class IdleWork:
    def __init__(self, *, watch: UiWatch | None = None, frames: FrameWatch | None = None) -> None:
        self.watch = watch
        """The kiosk's UI watch: the frame before, and our work in the frame under way."""
        self.frames = frames
        """The App's frame watch: the work in the frame under way."""
        self._steps: deque[Step] = deque()
        self._lasting: set[Step] = set()
        self._event: Any = None
        self._stopped = False

    def add(self, step: Step, *, lasting: bool = False) -> None:
        """Run ``step`` in quiet frames until it answers False (once in the queue at most);
        ``lasting``: what it makes lives as long as the App (frozen after each step)."""
        if self._stopped:
            return
        if step not in self._steps:
            self._steps.append(step)
        if lasting:
            self._lasting.add(step)
        self._arm()

    def discard(self, step: Step) -> None:
        if step in self._steps:
            self._steps.remove(step)
        self._lasting.discard(step)

    def __contains__(self, step: object) -> bool:
        return step in self._steps

    def __len__(self) -> int:
        return len(self._steps)

    def stop(self) -> None:
        self._stopped = True
        self._steps.clear()
        self._lasting.clear()
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def quiet(self) -> bool:
        """Whether nothing else happens in the frame under way, nor happened in the one before."""
        if EventLoop.touches:
            return False
        if self.watch is not None and (self.watch.pieces_in_frame
                                       or self.watch.last_frame.seconds > QUIET_S):
            return False
        return self.frames is None or self.frames.work_so_far() <= QUIET_S

    def _arm(self) -> None:
        if self._event is None and self._steps and not self._stopped:
            self._event = Clock.schedule_once(self._in_frame, 0)

    def _in_frame(self, _dt: float) -> None:
        # The frame's timers run now; its input after them. Wait for both.
        self._event = Clock.schedule_once(self._before_draw, -1)

    def _before_draw(self, _dt: float) -> None:
        self._event = None
        if self._steps and self.quiet():
            step = self._steps.popleft()
            name = getattr(step, "__qualname__", repr(step))
            with self.watch.measure(f"idle: {name}") if self.watch is not None else nullcontext():
                more = step()
                if step in self._lasting:
                    gc.freeze()
            if more and not self._stopped and step not in self._steps:
                self._steps.append(step)
            elif not more:
                self._lasting.discard(step)
        self._arm()
