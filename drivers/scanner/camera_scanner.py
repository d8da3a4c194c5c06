"""A code scanner made of a camera and the decoding pipeline: one scan per code shown.

The camera's capture thread keeps only its newest frame; this scanner's own thread decodes the
newest frame whenever there is one it has not seen, so a slow decode drops frames rather than
falling behind. A code held up for two seconds is one scan: a text counts again only after it
has been out of sight for ``gone_s`` (:class:`Debouncer`).

    scanner = CameraScanner("scanner", CameraScanner.Settings(source="camera:0"))
    scanner.add_listener(events.put)      # CodeScanned, on the scanner's thread
    scanner.open()
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Annotated, ClassVar

from drivers.base import AdapterSettings
from drivers.camera.opencv_camera import OpencvCamera, known_source
from drivers.events import CodeScanned
from drivers.scanner.base import CodeScanner
from drivers.scanner.decode import DecodePipeline
from drivers.schema import Check, settings
from drivers.status import DeviceState

log = logging.getLogger(__name__)


class Debouncer:
    """Which of the texts seen now are new scans. Plain and single-threaded; time injected."""

    def __init__(self, gone_s: float = 1.0) -> None:
        self.gone_s = gone_s
        self._last_seen: dict[str, float] = {}

    def seen(self, texts: Iterable[str], now: float) -> list[str]:
        fresh = []
        for text in texts:
            last = self._last_seen.get(text)
            if last is None or now - last > self.gone_s:
                fresh.append(text)
            self._last_seen[text] = now
        # Forget codes long out of sight (and whatever they held).
        self._last_seen = {t: s for t, s in self._last_seen.items() if now - s <= self.gone_s}
        return fresh

    def forget(self) -> None:
        self._last_seen.clear()


@settings
class CameraScannerSettings(AdapterSettings):
    source: Annotated[str, Check(after=known_source)] = "camera:0"
    """The camera, as for the ``opencv`` camera: ``camera:N``, ``file:PATH`` or ``dir:PATH``."""
    fps: Annotated[float, Check(gt=0, le=120)] = 30.0
    """Frames per second taken from the camera at most."""
    gone_s: Annotated[float, Check(gt=0, le=30)] = 1.0
    """Seconds a code must be out of sight before showing it again counts as a new scan."""
    max_side: Annotated[int, Check(ge=320, le=4096)] = 1280
    """Frames larger than this (long side, pixels) are scaled down before decoding."""


class CameraScanner(CodeScanner):
    kind: ClassVar[str] = "camera"
    Settings: ClassVar = CameraScannerSettings

    def __init__(self, name: str, settings: CameraScannerSettings | None = None, *,
                 camera: OpencvCamera | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(name, settings)
        s = self.settings
        self.camera = camera or OpencvCamera(f"{name}-camera", OpencvCamera.Settings(
            source=s.source, fps=s.fps))
        self.pipeline = DecodePipeline(max_side=s.max_side)
        self.debouncer = Debouncer(s.gone_s)
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.camera.add_listener(self._on_camera_event)

    def _on_camera_event(self, event: object) -> None:
        state = getattr(event, "state", None)
        if isinstance(state, DeviceState):
            self._set_state(state)

    def probe(self) -> DeviceState:
        return self.camera.probe()

    def open(self) -> None:
        self.camera.open()
        self._set_state(self.camera.state)
        if not self.camera.state.usable:
            return
        self.camera.start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._decode_loop, name=f"{self.name}-decode",
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
            self._thread = None
        self.camera.close()
        self.debouncer.forget()

    def _decode_loop(self) -> None:
        seq = 0
        while not self._stop.is_set():
            frame = self.camera.wait_frame(seq, timeout=0.5)
            if frame is None:
                if self.camera.ended:
                    return
                continue
            seq = frame.seq
            try:
                found = self.pipeline.decode(frame.image)
            except Exception:  # a decoder bug must not kill the scanner
                log.exception("decoding a frame failed")
                continue
            by_text = {d.text: d for d in found}
            for text in self.debouncer.seen(by_text, self._clock()):
                decoded = by_text[text]
                self._emit(CodeScanned(self.name, text=text, format=decoded.format,
                                       raw=decoded.raw))
