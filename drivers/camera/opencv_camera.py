"""Cameras, video files and image sequences read through OpenCV's ``VideoCapture`` (kind ``opencv``).

Device: a UVC webcam (``camera:0``, the device index, ``/dev/video0`` on Linux), or a recorded
video file (``file:/var/lib/kiosk/face.avi``) or image sequence (``dir:seq/img_%03d.png``, or a
folder whose images are read in name order) that stands in for one when testing recognition.

Transport: OpenCV's video I/O (V4L2 for cameras, FFmpeg for files, its image reader for
printf-style sequences); folders are read with ``cv2.imread``. OpenCV is imported lazily, so a
kiosk without it learns so from ``is_usable()``, not from an import error.

Threads: ``start()`` runs one capture thread that opens the source, reads it and keeps only the
newest frame. Nothing else ever reads from the capture. A slow consumer drops frames, it never
queues them (``dropped`` counts them). ``latest()`` never blocks; ``wait_frame()`` blocks a
consumer thread (such as a face decoder) until a newer frame arrives. For a camera a watchdog
thread sets OFFLINE / NOT_RESPONDING when frames stop for ``STALL_S`` seconds and the capture
thread sets ONLINE again when they return. Listeners are called on those threads.

Files are read as fast as OpenCV can decode, so they are throttled to ``fps`` in real time;
a camera runs at its own rate and frames that come sooner than ``1 / fps`` are skipped.

    camera = OpencvCamera("camera", OpencvCamera.Settings(source="file:tests/face.avi", fps=15))
    camera.open()                            # NO_DEVICE / DISCONNECTED if the file is missing
    camera.start()
    frame = camera.wait_frame(0, timeout=1)  # Frame(image=<BGR uint8>, seq=1, timestamp=...)
    camera.stop()                            # joins the thread, frees the capture, forgets the frame
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from drivers.base import AdapterSettings, module_usable
from drivers.camera.base import Camera, Frame
from drivers.schema import Check, settings
from drivers.status import DeviceState, DeviceStatus, Reason

log = logging.getLogger(__name__)

#: File name endings read from a ``dir:`` folder (case is ignored).
IMAGE_SUFFIXES = (".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")

_SCHEMES = ("camera", "file", "dir")


@dataclass(frozen=True)
class Source:
    """A parsed ``source`` setting."""

    scheme: str
    """``camera``, ``file`` or ``dir``."""
    target: str
    """The device index (as text), the file's path, or the pattern or folder."""

    @property
    def live(self) -> bool:
        return self.scheme == "camera"

    @property
    def index(self) -> int:
        return int(self.target)

    @property
    def is_pattern(self) -> bool:
        return self.scheme == "dir" and "%" in self.target

    def describe(self) -> str:
        """Words for the technician that name the kind of source."""
        if self.scheme == "camera":
            return f"camera {self.target}"
        if self.scheme == "file":
            return f"video file {self.target}"
        if self.is_pattern:
            return f"image sequence {self.target}"
        return f"image folder {self.target}"


def parse_source(value: str) -> Source:
    """``camera:N``, ``file:PATH`` or ``dir:PATH``; raises ValueError naming the forms."""
    scheme, sep, target = value.partition(":")
    if not sep or scheme not in _SCHEMES or not target:
        raise ValueError(f"source must be camera:N, file:PATH or dir:PATH, got {value!r}")
    if scheme == "camera" and not (target.isascii() and target.isdigit()):
        raise ValueError(f"camera:N needs a device index such as camera:0, got {value!r}")
    return Source(scheme, target)


def known_source(value: str) -> str:
    """The check of the ``source`` setting, with its own error type for the technician."""
    try:
        parse_source(value)
    except ValueError as err:
        # Only ever run by a full check, so pydantic is already imported.
        from pydantic_core import PydanticCustomError

        raise PydanticCustomError("source_error", "{detail}", {"detail": str(err)}) from None
    return value


@settings
class OpencvCameraSettings(AdapterSettings):
    source: Annotated[str, Check(after=known_source)]
    """Where frames come from: ``camera:N`` (device index N), ``file:PATH`` (a video file) or
    ``dir:PATH`` (a printf pattern such as ``seq/img_%03d.png``, or a folder of images read in
    name order)."""
    fps: Annotated[float, Check(gt=0, le=1000)] = 30.0
    """Frames per second handed on, at most. Files and sequences are played at this rate."""
    width: Annotated[int | None, Check(ge=16, le=8192)] = None
    """Capture width asked of a camera, in pixels; None keeps the camera's own."""
    height: Annotated[int | None, Check(ge=16, le=8192)] = None
    """Capture height asked of a camera, in pixels; None keeps the camera's own."""
    loop: bool = False
    """Start a file or sequence again at its end, instead of ending."""

    @property
    def parsed_source(self) -> Source:
        return parse_source(self.source)


class _SourceMissing(Exception):
    """The source cannot be opened; the message names it for the technician."""


class _ImageFolder:
    """The images of one folder in name order, read like a ``VideoCapture``."""

    def __init__(self, paths: list[str]) -> None:
        self._paths = paths
        self._next = 0

    def isOpened(self) -> bool:  # noqa: N802 - VideoCapture's name
        return bool(self._paths)

    def read(self) -> tuple[bool, Any]:
        import cv2

        while self._next < len(self._paths):
            path = self._paths[self._next]
            self._next += 1
            image = cv2.imread(path, cv2.IMREAD_COLOR)
            if image is not None:
                return True, image
            log.warning("skipping unreadable image %s", path)
        return False, None

    def release(self) -> None:
        self._paths = []


def _folder_images(folder: str) -> list[str]:
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_SUFFIXES))
    return [os.path.join(folder, n) for n in names]


class OpencvCamera(Camera):
    kind: ClassVar[str] = "opencv"
    Settings: ClassVar = OpencvCameraSettings

    STALL_S: ClassVar[float] = 2.0
    """A camera that hands no frame for this long is OFFLINE / NOT_RESPONDING, in seconds."""
    REOPEN_S: ClassVar[float] = 1.0
    """Wait between attempts to open a camera again after it failed, in seconds."""

    def __init__(self, name: str, settings: OpencvCameraSettings | None = None) -> None:
        super().__init__(name, settings)
        self._source = self.settings.parsed_source
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._taken_seq = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        self._last_frame_at = 0.0
        self._ended = False
        self.dropped = 0
        """Frames replaced by a newer one before any consumer took them, since start."""

    @classmethod
    def is_usable(cls) -> tuple[bool, str]:
        return module_usable("cv2", "opencv-python-headless")

    # -- what consumers call ----------------------------------------------------------------
    @property
    def ended(self) -> bool:
        """True once a file or sequence has been read to its end (never when looping)."""
        return self._ended

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def latest(self) -> Frame | None:
        frame = self._frame  # one attribute read: no lock, so it never waits
        if frame is not None:
            # Not under the lock: a race may miscount ``dropped`` by one, never lose a frame.
            self._taken_seq = max(self._taken_seq, frame.seq)
        return frame

    def wait_frame(self, after_seq: int, timeout: float) -> Frame | None:
        """The newest frame once its seq is above ``after_seq``; None after ``timeout``
        seconds, or sooner if the source ends or the camera stops."""
        with self._cond:
            self._cond.wait_for(lambda: self._newer(after_seq) or self._ended
                                or self._stop.is_set(), timeout)
            frame = self._frame
            if frame is None or frame.seq <= after_seq:
                return None
            self._taken_seq = max(self._taken_seq, frame.seq)
            return frame

    def _newer(self, after_seq: int) -> bool:
        frame = self._frame
        return frame is not None and frame.seq > after_seq

    # -- lifecycle --------------------------------------------------------------------------
    def probe(self) -> DeviceState:
        """Whether the source opens. While capturing, the capture thread's own view: a second
        capture on a camera in use would fail."""
        if self.running:
            return self.state
        try:
            self._open_capture().release()
        except _SourceMissing as err:
            return DeviceState(DeviceStatus.NO_DEVICE, Reason.DISCONNECTED, str(err))
        return DeviceState.online()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        with self._cond:
            self._frame = None
            self._taken_seq = 0
            self._ended = False
            self.dropped = 0
        self._last_frame_at = time.monotonic()
        self._thread = threading.Thread(target=self._capture, name=f"{self.name}-capture",
                                        daemon=True)
        self._thread.start()
        if self._source.live:
            self._watchdog = threading.Thread(target=self._watch, name=f"{self.name}-watchdog",
                                              daemon=True)
            self._watchdog.start()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in (self._thread, self._watchdog):
            if thread is not None:
                thread.join(timeout=5)
                if thread.is_alive():  # a driver stuck in read(); it releases when it returns
                    log.warning("%s: %s did not stop within 5 s", self.name, thread.name)
        self._thread = self._watchdog = None
        with self._cond:
            self._frame = None  # it may show a person's face

    def close(self) -> None:
        self.stop()
        super().close()

    # -- the capture thread -----------------------------------------------------------------
    def _open_capture(self) -> Any:
        """A capture for the source, opened; raises _SourceMissing. Only the capture thread
        reads from what this returns."""
        import cv2

        src = self._source
        if src.scheme == "dir" and not src.is_pattern:
            if not os.path.isdir(src.target):
                raise _SourceMissing(f"{src.describe()} not found")
            capture: Any = _ImageFolder(_folder_images(src.target))
            if not capture.isOpened():
                raise _SourceMissing(f"{src.describe()} holds no images")
            return capture
        if src.scheme == "file" and not os.path.isfile(src.target):
            raise _SourceMissing(f"{src.describe()} not found")
        if src.live:
            capture = cv2.VideoCapture(src.index)
        elif src.is_pattern:
            capture = cv2.VideoCapture(src.target, cv2.CAP_IMAGES)
        else:
            capture = cv2.VideoCapture(src.target)
        if not capture.isOpened():
            capture.release()
            raise _SourceMissing(f"{src.describe()} cannot be opened")
        if src.live:
            if self.settings.width:
                capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.settings.width)
            if self.settings.height:
                capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.settings.height)
        return capture

    def _open_or_report(self) -> Any | None:
        try:
            return self._open_capture()
        except _SourceMissing as err:
            self._set_state(DeviceState(DeviceStatus.NO_DEVICE, Reason.DISCONNECTED, str(err)))
            return None
        except Exception as err:  # an OpenCV error must not kill the thread silently
            log.exception("%s: opening %s failed", self.name, self._source.describe())
            self._set_state(DeviceState(DeviceStatus.HARDWARE_ERROR, None,
                                        f"{self._source.describe()}: {err}"))
            return None

    def _capture(self) -> None:
        period = 1.0 / self.settings.fps
        live = self._source.live
        seq = 0
        next_at = 0.0
        capture = None
        try:
            while not self._stop.is_set():
                if capture is None:
                    capture = self._open_or_report()
                    if capture is None:
                        if not live:
                            return
                        self._stop.wait(self.REOPEN_S)
                        continue
                ok, image = capture.read()
                if not ok or image is None:
                    capture.release()
                    capture = None
                    if live:  # unplugged or stalled: try again; the watchdog tells the state
                        self._stop.wait(self.REOPEN_S)
                    elif not self.settings.loop or seq == 0:
                        with self._cond:
                            self._ended = True
                            self._cond.notify_all()
                        return
                    continue
                now = time.monotonic()
                self._last_frame_at = now
                if live:
                    if now < next_at:
                        continue  # the camera is faster than fps: skip, keep reading
                elif next_at > now:
                    if self._stop.wait(next_at - now):
                        return
                    now = time.monotonic()
                if now - next_at > period:
                    # Behind by more than a period (a slow decoder, the first frame): start
                    # the schedule again rather than hand on a burst to catch up.
                    next_at = now
                next_at += period
                seq += 1
                self._publish(Frame(image, seq, now))
        finally:
            if capture is not None:
                capture.release()

    def _publish(self, frame: Frame) -> None:
        with self._cond:
            previous = self._frame
            if previous is not None and previous.seq > self._taken_seq:
                self.dropped += 1
            self._frame = frame
            self._cond.notify_all()
        if self.state.status is not DeviceStatus.ONLINE:
            self._set_state(DeviceState.online())

    # -- the watchdog thread (cameras only) -------------------------------------------------
    def _watch(self) -> None:
        while not self._stop.wait(min(0.5, self.STALL_S / 4)):
            quiet = time.monotonic() - self._last_frame_at
            if quiet >= self.STALL_S and self.state.status is DeviceStatus.ONLINE:
                self._set_state(DeviceState(
                    DeviceStatus.OFFLINE, Reason.NOT_RESPONDING,
                    f"{self._source.describe()}: no frame for {quiet:.1f} s"))
