"""The event queue from device threads into the session.

Devices call :meth:`EventQueue.put` on their own threads; the queue asks the dispatcher to drain
it on the UI thread, once per burst, and hands each event to the handler there in order.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from drivers.events import DeviceEvent
from kiosk_app.ui_dispatch import Dispatcher

log = logging.getLogger(__name__)


class EventQueue:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher
        self._queue: queue.SimpleQueue[DeviceEvent] = queue.SimpleQueue()
        self._handlers: list[Callable[[DeviceEvent], None]] = []
        self._lock = threading.Lock()
        self._drain_scheduled = False

    def subscribe(self, handler: Callable[[DeviceEvent], None]) -> None:
        """``handler(event)`` runs on the UI thread for each event, in the order they came."""
        self._handlers.append(handler)

    def put(self, event: DeviceEvent) -> None:
        """Any thread."""
        self._queue.put(event)
        with self._lock:
            if self._drain_scheduled:
                return
            self._drain_scheduled = True
        self._dispatcher.call_soon(self._drain)

    def _drain(self) -> None:
        """UI thread."""
        with self._lock:
            self._drain_scheduled = False
        while True:
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return
            for handler in list(self._handlers):
                try:
                    handler(event)
                except Exception:
                    log.exception("handling %s failed", type(event).__name__)
