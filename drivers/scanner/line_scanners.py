"""Scanners that type: USB scanners that act as a keyboard (characters, then Enter), and serial
scanners (pyserial) that send a line per code. Both end in :class:`LineAssembler`, which turns
characters into one scan per line.

A keyboard-wedge scanner's characters arrive through the UI's keyboard events (the screens
forward them with ``feed``); a scanner types far faster than a person, so characters more than
``max_gap_s`` apart start a new line, and a person's typing never becomes a scan.

    wedge = KeyboardWedgeScanner("scanner")
    wedge.add_listener(events.put)
    wedge.open()
    wedge.feed("HK1:ABC...\\r")          # -> CodeScanned("scanner", "HK1:ABC...", "keyboard")

    serial = SerialScanner("scanner", SerialScanner.Settings(url="/dev/ttyACM0", baud=9600))
    serial.open()                        # its own reading thread emits CodeScanned
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Annotated, ClassVar

from drivers.base import AdapterSettings, module_usable
from drivers.events import CodeScanned
from drivers.scanner.base import CodeScanner
from drivers.schema import Check, settings
from drivers.status import DeviceState, DeviceStatus, Reason

log = logging.getLogger(__name__)

MAX_LINE = 4096
"""Characters kept for one code at most; a longer run is not a code we print."""


class LineAssembler:
    """Characters in, whole lines out. Time is injected; single-threaded."""

    def __init__(self, *, max_gap_s: float | None = None, min_length: int = 1) -> None:
        self.max_gap_s = max_gap_s
        self.min_length = min_length
        self._chars: list[str] = []
        self._last = 0.0

    def feed(self, text: str, now: float) -> list[str]:
        lines = []
        for ch in text:
            if self.max_gap_s is not None and self._chars and now - self._last > self.max_gap_s:
                self._chars.clear()  # too slow for a scanner: a person typing
            self._last = now
            if ch in "\r\n":
                line = "".join(self._chars)
                self._chars.clear()
                if len(line) >= self.min_length:
                    lines.append(line)
            elif len(self._chars) < MAX_LINE:
                self._chars.append(ch)
        return lines

    def reset(self) -> None:
        self._chars.clear()


@settings
class KeyboardWedgeSettings(AdapterSettings):
    max_gap_s: Annotated[float, Check(gt=0, le=2)] = 0.1
    """Longest pause between a scanner's characters, in seconds; slower typing is a person's."""
    min_length: Annotated[int, Check(ge=1, le=100)] = 4
    """Shorter lines are not codes."""


class KeyboardWedgeScanner(CodeScanner):
    kind: ClassVar[str] = "keyboard-wedge"
    Settings: ClassVar = KeyboardWedgeSettings

    def __init__(self, name: str, settings: KeyboardWedgeSettings | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(name, settings)
        self._clock = clock
        self._lines = LineAssembler(max_gap_s=self.settings.max_gap_s,
                                    min_length=self.settings.min_length)

    def probe(self) -> DeviceState:
        # A keyboard-wedge scanner is only known by what it types: it is there when it types.
        return DeviceState.online()

    def feed(self, text: str) -> None:
        """Characters from the keyboard (the UI thread calls this for each key event)."""
        for line in self._lines.feed(text, self._clock()):
            self._emit(CodeScanned(self.name, text=line, format="keyboard",
                                   raw=line.encode("utf-8", "replace")))


@settings
class SerialScannerSettings(AdapterSettings):
    url: str = "/dev/ttyACM0"
    """The serial port, or any pyserial URL (``socket://host:port``, ``loop://``)."""
    baud: Annotated[int, Check(ge=300, le=921600)] = 9600
    """Bits per second."""
    encoding: str = "utf-8"
    """How the scanner encodes text."""


class SerialScanner(CodeScanner):
    kind: ClassVar[str] = "serial"
    Settings: ClassVar = SerialScannerSettings

    def __init__(self, name: str, settings: SerialScannerSettings | None = None) -> None:
        super().__init__(name, settings)
        self._port = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lines = LineAssembler()

    @classmethod
    def is_usable(cls) -> tuple[bool, str]:
        return module_usable("serial", "pyserial")

    def probe(self) -> DeviceState:
        return self.state

    def open(self) -> None:
        import serial

        try:
            self._port = serial.serial_for_url(self.settings.url, baudrate=self.settings.baud,
                                               timeout=0.2)
        except (serial.SerialException, ValueError, OSError) as err:
            self._set_state(DeviceState(DeviceStatus.NO_DEVICE, Reason.DISCONNECTED,
                                        f"serial port cannot be opened ({type(err).__name__})"))
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._read_loop, name=f"{self.name}-serial",
                                        daemon=True)
        self._thread.start()
        self._set_state(DeviceState.online())

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        if self._port is not None:
            self._port.close()
            self._port = None

    def _read_loop(self) -> None:
        import serial

        port = self._port
        while not self._stop.is_set() and port is not None:
            try:
                chunk = port.read(256)
            except (serial.SerialException, OSError):
                self._set_state(DeviceState(DeviceStatus.NO_DEVICE, Reason.DISCONNECTED,
                                            "serial port lost"))
                return
            if not chunk:
                continue
            text = chunk.decode(self.settings.encoding, "replace")
            for line in self._lines.feed(text, time.monotonic()):
                self._emit(CodeScanned(self.name, text=line, format="serial",
                                       raw=line.encode(self.settings.encoding, "replace")))
