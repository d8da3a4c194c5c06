"""The camera preview: the newest frame, shown a number of times a second, never waited for.

UI thread only. Each tick reads the camera's newest frame (``latest()`` takes no lock and
never blocks), skips it if it was shown already, and uploads it into a new texture: the
frame's own buffer goes to the GPU, flipped by the texture rather than by copying rows.
``stop()`` forgets the texture, since it may show a person's face.

A new texture each time, not the one on show written again: a texture still in use by frames
the renderer has not finished cannot be written until they are done. With Mesa's software
renderer the UI thread waited for them in the upload, 30 to 190 ms (even with three textures in
turn, the one written had last been shown 200 ms before); a new one waits for nothing, and the
old one goes when the renderer is done with it.

    preview = CameraPreview(watch=kiosk.ui_watch)
    preview.start(kiosk.devices.get("camera"), fps=15)
"""
from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.uix.image import Image

from kiosk_app.ui_watch import UiWatch


class CameraPreview(Image):
    def __init__(self, *, watch: UiWatch | None = None, **kwargs: Any) -> None:
        super().__init__(fit_mode="contain", **kwargs)
        self._watch = watch or UiWatch()
        self._camera: Any = None
        self._event: Any = None
        self._seq = 0
        self.frames_shown = 0

    def start(self, camera: Any, fps: float = 15.0) -> None:
        """Show ``camera`` (any object with ``latest()`` returning frames with ``image`` (BGR)
        and ``seq``)."""
        self.stop()
        self._camera = camera
        self._event = Clock.schedule_interval(self._update, 1.0 / fps)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self._camera = None
        self._seq = 0
        self.texture = None

    def _update(self, _dt: float) -> None:
        with self._watch.measure("CameraPreview.update"):
            frame = self._camera.latest() if self._camera is not None else None
            if frame is None or frame.seq == self._seq:
                return
            self._seq = frame.seq
            import numpy as np  # here, not with the module: only a shown camera needs it

            image = frame.image
            height, width = image.shape[:2]
            texture = Texture.create(size=(width, height), colorfmt="bgr")
            texture.flip_vertical()
            # A flat view of the frame's own memory (a copy only if OpenCV handed a strided one).
            buffer = np.ascontiguousarray(image).reshape(-1).data
            texture.blit_buffer(buffer, colorfmt="bgr", bufferfmt="ubyte")
            self.texture = texture
            self.frames_shown += 1
