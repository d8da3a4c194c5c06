"""Getting results back onto the UI thread.

Device threads and workers never touch the screen; they hand a callable to the dispatcher, which
runs it on the UI thread. The core defines the interface and two plain implementations; the
Kivy one (``Clock.schedule_once``) lives in ``screens/`` and is passed to ``bootstrap.build``,
because only ``screens/`` may import Kivy.

    dispatcher.call_soon(session.on_card_inserted, event)    # from any thread
"""
from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol


class Dispatcher(Protocol):
    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the UI thread, soon. Safe to call from any thread."""


class ImmediateDispatcher:
    """Runs the call at once on the calling thread: for the command line, where there is no
    UI thread, and for single-threaded tests."""

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        fn(*args)


class QueueDispatcher:
    """Queues calls until the owning thread runs them with :meth:`run_pending`: a UI thread
    without Kivy, for tests and headless runs."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]]] = queue.SimpleQueue()
        self.owner = threading.get_ident()

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        self._calls.put((fn, args))

    def run_pending(self, timeout: float = 0.0) -> int:
        """Run queued calls; wait up to ``timeout`` seconds for the first. Returns how many ran."""
        ran = 0
        deadline = time.monotonic() + timeout
        while True:
            try:
                remaining = deadline - time.monotonic()
                fn, args = self._calls.get(timeout=remaining) if ran == 0 and remaining > 0 \
                    else self._calls.get_nowait()
            except queue.Empty:
                return ran
            fn(*args)
            ran += 1
