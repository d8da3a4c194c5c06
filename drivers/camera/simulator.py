"""An in-process camera that paints a moving test pattern at a capped frame rate.

    camera = SimulatedCamera("camera")
    camera.open(); camera.start()
    frame = camera.latest()      # newest frame or None; never blocks
"""
from __future__ import annotations

import threading
import time
from typing import Annotated, ClassVar

from drivers.camera.base import Camera, Frame
from drivers.schema import Check, settings
from drivers.simulated import COMMON_FAULTS, SimulatedDevice, SimulatorSettings
from drivers.status import DeviceState, DeviceStatus, Reason


@settings
class SimulatedCameraSettings(SimulatorSettings):
    width: Annotated[int, Check(ge=16, le=4096)] = 640
    """Frame width, in pixels."""
    height: Annotated[int, Check(ge=16, le=4096)] = 480
    """Frame height, in pixels."""
    fps: Annotated[float, Check(gt=0, le=120)] = 15.0
    """Frames per second at most."""


class SimulatedCamera(SimulatedDevice, Camera):
    Settings: ClassVar = SimulatedCameraSettings
    FAULTS: ClassVar = {
        **COMMON_FAULTS,
        "lens_blocked": DeviceState(DeviceStatus.USER_ERROR, Reason.LENS_BLOCKED,
                                    "simulated: lens covered"),
    }

    def __init__(self, name: str, settings: SimulatedCameraSettings | None = None) -> None:
        super().__init__(name, settings)
        self._frame: Frame | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._capture, name=f"{self.name}-capture",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        self._thread = None
        self._frame = None

    def close(self) -> None:
        self.stop()
        super().close()

    def latest(self) -> Frame | None:
        return self._frame

    def _capture(self) -> None:
        """The capture thread. numpy is imported here, when capturing starts, not with the
        module: a kiosk that never shows its camera never loads it (15 MB)."""
        import numpy as np

        s = self.settings
        period = 1.0 / s.fps
        base = np.tile(np.linspace(40, 200, s.width, dtype=np.uint8), (s.height, 1))
        seq = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            if self._current().usable:
                seq += 1
                image = np.repeat(base[:, :, None], 3, axis=2)
                bar = (seq * 8) % s.width
                image[:, bar:bar + 8] = (0, 160, 0)
                self._frame = Frame(image, seq, time.monotonic())
            else:
                self._frame = None
            next_at += period
            self._stop.wait(max(0.0, next_at - time.monotonic()))
