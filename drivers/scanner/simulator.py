"""An in-process scanner: ``present(text)`` is a person holding up a code.

The scan event is emitted on a short-lived thread after the configured latency, as a real
scanner's would come from its own thread.

    scanner = SimulatedScanner("scanner")
    scanner.add_listener(print)
    scanner.open()
    scanner.present("HK1.abc...")     # -> CodeScanned(device="scanner", ...)
"""
from __future__ import annotations

import threading
import time
from typing import ClassVar

from drivers.events import CodeScanned
from drivers.scanner.base import CodeScanner
from drivers.simulated import COMMON_FAULTS, SimulatedDevice


class SimulatedScanner(SimulatedDevice, CodeScanner):
    FAULTS: ClassVar = dict(COMMON_FAULTS)

    def present(self, text: str, *, format: str = "QRCode", raw: bytes | None = None) -> threading.Thread:
        """Show a code to the scanner; returns the thread that will emit the scan."""
        payload = raw if raw is not None else text.encode("utf-8", "replace")

        def scan() -> None:
            if self.latency_s:
                time.sleep(self.latency_s)
            if self._opened and self._current().usable:
                self._emit(CodeScanned(self.name, text=text, format=format, raw=payload))

        thread = threading.Thread(target=scan, name=f"{self.name}-scan", daemon=True)
        thread.start()
        return thread
