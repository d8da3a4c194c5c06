"""Blocking work (devices, files, network) off the UI thread, with results brought back to it.

    workers.submit(printer.probe, on_done=banner.show, on_error=banner.fail)

``on_done`` and ``on_error`` run on the UI thread, through the dispatcher.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from kiosk_app.ui_dispatch import Dispatcher

log = logging.getLogger(__name__)


class Workers:
    def __init__(self, dispatcher: Dispatcher, max_workers: int = 4) -> None:
        self._dispatcher = dispatcher
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="worker")

    def submit(self, fn: Callable[..., Any], *args: Any,
               on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None) -> Future[Any]:
        future = self._pool.submit(fn, *args)

        def finished(f: Future[Any]) -> None:  # runs on the worker thread
            if f.cancelled():
                return  # shut down before it ran: nobody waits for it any more
            error = f.exception()
            if error is not None:
                if on_error is not None:
                    self._dispatcher.call_soon(on_error, error)
                else:
                    log.error("background task %s failed: %s", getattr(fn, "__name__", fn),
                              type(error).__name__)
            elif on_done is not None:
                self._dispatcher.call_soon(on_done, f.result())

        future.add_done_callback(finished)
        return future

    def shutdown(self, wait: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)
