"""The OpenCV camera against a real video file and image sequences written here, and against a
stand-in capture for the live-camera paths (there is no camera on the test machine).

Each test frame is one flat gray level, 8 * index + 4, so its index survives JPEG and is read
back from the frame's mean.
"""
from __future__ import annotations

import gc
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from drivers.camera.base import Frame
from drivers.camera.opencv_camera import OpencvCamera
from drivers.events import DeviceEvent, DeviceStatusChanged
from drivers.schema import checked
from drivers.status import DeviceState, DeviceStatus, Reason

FRAMES = 30
SEQUENCE = 10


def _gray(index: int, width: int, height: int) -> np.ndarray:
    return np.full((height, width, 3), 8 * index + 4, np.uint8)


def index_of(frame: Frame) -> int:
    return round((float(frame.image.mean()) - 4) / 8)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("media")
    writer = cv2.VideoWriter(str(root / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 30,
                             (640, 480))
    assert writer.isOpened()
    for i in range(FRAMES):
        writer.write(_gray(i, 640, 480))
    writer.release()
    (root / "seq").mkdir()
    for i in range(SEQUENCE):
        assert cv2.imwrite(str(root / "seq" / f"img_{i:03d}.png"), _gray(i, 64, 48))
    (root / "seq" / "notes.txt").write_text("not an image")
    (root / "empty").mkdir()
    return root


def camera_for(source: str, **settings: Any) -> OpencvCamera:
    return OpencvCamera("camera", OpencvCamera.Settings(source=source, **settings))


def drain(camera: OpencvCamera, *, pause: float = 0.0, limit: int = 1000) -> list[Frame]:
    """Every frame the consumer gets until the source ends (or ``limit`` frames)."""
    frames: list[Frame] = []
    seq = 0
    while len(frames) < limit:
        frame = camera.wait_frame(seq, timeout=2.0)
        if frame is None:
            assert camera.ended, "no frame within 2 s and the source has not ended"
            break
        frames.append(frame)
        seq = frame.seq
        if pause:
            time.sleep(pause)
    return frames


@pytest.fixture
def cameras() -> Any:
    made: list[OpencvCamera] = []

    def make(source: str, **settings: Any) -> OpencvCamera:
        camera = camera_for(source, **settings)
        made.append(camera)
        return camera

    yield make
    for camera in made:
        camera.close()


def test_every_frame_comes_through_in_order_when_the_consumer_keeps_up(media, cameras) -> None:
    camera = cameras(f"file:{media / 'clip.avi'}", fps=200)
    camera.open()
    assert camera.state == DeviceState.online()
    camera.start()
    frames = drain(camera)

    assert [index_of(f) for f in frames] == list(range(FRAMES))
    assert [f.seq for f in frames] == list(range(1, FRAMES + 1))
    assert camera.dropped == 0
    assert camera.ended
    assert frames[0].image.shape == (480, 640, 3)
    assert frames[0].image.dtype == np.uint8
    stamps = [f.timestamp for f in frames]
    assert stamps == sorted(stamps)
    assert stamps[-1] <= time.monotonic()


def test_a_slow_consumer_drops_frames_and_never_queues_them(media, cameras) -> None:
    camera = cameras(f"file:{media / 'clip.avi'}", fps=200)
    camera.start()
    frames = drain(camera, pause=0.03)

    seqs = [f.seq for f in frames]
    assert seqs == sorted(seqs)
    assert any(b - a > 1 for a, b in zip(seqs, seqs[1:])), seqs
    assert camera.dropped > 0
    assert len(frames) + camera.dropped == FRAMES  # each frame either taken or dropped
    assert [index_of(f) for f in frames] == [s - 1 for s in seqs]
    # The camera holds the newest frame and nothing older: no queue behind it.
    assert seqs[-1] == FRAMES
    del frames
    gc.collect()
    held = [o for o in gc.get_objects() if isinstance(o, Frame)]
    assert held == [camera.latest()]
    assert camera.latest().seq == FRAMES


def test_the_fps_cap_plays_a_file_in_real_time(media, cameras) -> None:
    camera = cameras(f"file:{media / 'clip.avi'}", fps=60)
    began = time.monotonic()
    camera.start()
    frames = drain(camera)
    took = time.monotonic() - began

    assert len(frames) == FRAMES
    assert took >= (FRAMES - 1) / 60 - 0.03  # about 0.48 s
    assert frames[-1].timestamp - frames[0].timestamp >= (FRAMES - 1) / 60 - 0.03
    gaps = [b.timestamp - a.timestamp for a, b in zip(frames, frames[1:])]
    assert min(gaps) >= 1 / 60 - 0.005


def test_a_file_ends_and_stays_ended(media, cameras) -> None:
    camera = cameras(f"file:{media / 'clip.avi'}", fps=200)
    camera.start()
    drain(camera)
    assert camera.ended
    began = time.monotonic()
    assert camera.wait_frame(FRAMES, timeout=1.0) is None
    assert time.monotonic() - began < 0.5  # an ended source does not make waiters wait
    assert camera.latest().seq == FRAMES
    assert camera.state == DeviceState.online()


def test_loop_starts_the_file_again(media, cameras) -> None:
    camera = cameras(f"file:{media / 'clip.avi'}", fps=200, loop=True)
    camera.start()
    frames = drain(camera, limit=FRAMES + 15)

    assert [index_of(f) for f in frames] == list(range(FRAMES)) + list(range(15))
    assert [f.seq for f in frames] == list(range(1, FRAMES + 16))
    assert not camera.ended


def test_wait_frame_returns_none_after_its_timeout(media, cameras) -> None:
    camera = cameras(f"file:{media / 'clip.avi'}", fps=2)
    camera.start()
    first = camera.wait_frame(0, timeout=2.0)
    assert first is not None and first.seq == 1
    began = time.monotonic()
    assert camera.wait_frame(first.seq, timeout=0.1) is None
    assert 0.1 <= time.monotonic() - began < 0.4


def test_wait_frame_times_out_before_start(media, cameras) -> None:
    camera = cameras(f"file:{media / 'clip.avi'}")
    began = time.monotonic()
    assert camera.wait_frame(0, timeout=0.1) is None
    assert time.monotonic() - began >= 0.1
    assert camera.latest() is None


class _SpyCapture:
    """Wraps a real capture and notes when it is released."""

    def __init__(self, capture: Any, released: list[bool]) -> None:
        self._capture = capture
        self._released = released
        self._index = len(released)
        released.append(False)

    def read(self) -> tuple[bool, Any]:
        return self._capture.read()

    def release(self) -> None:
        self._released[self._index] = True
        self._capture.release()


def test_stop_forgets_the_frame_frees_the_capture_and_start_works_again(
        media, cameras, monkeypatch) -> None:
    camera = cameras(f"file:{media / 'clip.avi'}", fps=30)
    released: list[bool] = []
    real_open = OpencvCamera._open_capture
    monkeypatch.setattr(camera, "_open_capture",
                        lambda: _SpyCapture(real_open(camera), released))
    camera.start()
    assert camera.wait_frame(2, timeout=2.0) is not None
    camera.stop()

    assert not camera.running
    assert camera.latest() is None
    assert released == [True]

    camera.start()
    frame = camera.wait_frame(0, timeout=2.0)
    assert frame is not None and frame.seq == 1 and index_of(frame) == 0
    assert camera.dropped == 0
    camera.stop()
    assert released == [True, True]
    assert camera.latest() is None


@pytest.mark.parametrize("name", ["pattern", "folder"])
def test_an_image_sequence_comes_through_in_name_order(media, cameras, name) -> None:
    source = {"pattern": f"dir:{media / 'seq' / 'img_%03d.png'}",
              "folder": f"dir:{media / 'seq'}"}[name]
    camera = cameras(source, fps=200)
    camera.open()
    assert camera.state == DeviceState.online()
    camera.start()
    frames = drain(camera)

    assert [index_of(f) for f in frames] == list(range(SEQUENCE))
    assert frames[0].image.shape == (48, 64, 3)
    assert camera.ended


def test_a_folder_loops_too(media, cameras) -> None:
    camera = cameras(f"dir:{media / 'seq'}", fps=200, loop=True)
    camera.start()
    frames = drain(camera, limit=SEQUENCE + 3)
    assert [index_of(f) for f in frames] == list(range(SEQUENCE)) + [0, 1, 2]


@pytest.mark.parametrize(("source", "detail"), [
    ("file:{root}/missing.avi", "video file {root}/missing.avi not found"),
    ("file:{root}/seq/notes.txt", "video file {root}/seq/notes.txt cannot be opened"),
    ("dir:{root}/missing", "image folder {root}/missing not found"),
    ("dir:{root}/empty", "image folder {root}/empty holds no images"),
    ("dir:{root}/empty/img_%03d.png", "image sequence {root}/empty/img_%03d.png cannot be opened"),
    ("camera:99", "camera 99 cannot be opened"),
])
def test_a_missing_source_is_no_device_not_a_crash(media, cameras, source, detail) -> None:
    camera = cameras(source.format(root=media))
    expected = DeviceState(DeviceStatus.NO_DEVICE, Reason.DISCONNECTED,
                           detail.format(root=media))
    events: list[DeviceEvent] = []
    camera.add_listener(events.append)

    camera.open()
    assert camera.state == expected
    assert camera.probe() == expected

    camera.start()  # the capture thread finds the same and says so; it does not raise
    assert camera.wait_frame(0, timeout=0.3) is None
    assert camera.state == expected
    assert camera.latest() is None
    assert not camera.ended
    camera.stop()
    assert events == [DeviceStatusChanged("camera", expected)]


@pytest.mark.parametrize("source", ["usb:0", "/dev/video0", "camera:", "camera:front",
                                    "file:", "rtsp://10.0.0.5/stream", ""])
def test_settings_refuse_an_unknown_source(source) -> None:
    with pytest.raises(ValidationError) as info:
        checked(OpencvCamera.Settings, {"source": source})
    error = info.value.errors()[0]
    assert error["loc"] == ("source",)
    assert error["type"] == "source_error"
    assert ("camera:N" in error["msg"]) and (repr(source) in error["msg"])


def test_settings_message_names_the_forms() -> None:
    with pytest.raises(ValidationError) as info:
        checked(OpencvCamera.Settings, {"source": "usb:0"})
    assert info.value.errors()[0]["msg"] == (
        "source must be camera:N, file:PATH or dir:PATH, got 'usb:0'")


def test_settings_defaults() -> None:
    settings = checked(OpencvCamera.Settings, {"source": "camera:0"})
    assert settings == OpencvCamera.Settings(source="camera:0")
    assert (settings.fps, settings.width, settings.height, settings.loop) == (
        30.0, None, None, False)
    with pytest.raises(ValidationError):
        checked(OpencvCamera.Settings, {"source": "camera:0", "fps": 0})


# -- the live-camera paths, against a stand-in capture -------------------------------------


class _FakeCamera:
    """A capture that hands frames while ``flowing`` is set and nothing otherwise."""

    def __init__(self, flowing: threading.Event) -> None:
        self.flowing = flowing
        self.released = False

    def read(self) -> tuple[bool, Any]:
        if not self.flowing.wait(0.05):
            return False, None
        time.sleep(0.01)
        return True, _gray(1, 32, 24)

    def release(self) -> None:
        self.released = True


class _QuickCamera(OpencvCamera):
    STALL_S: ClassVar[float] = 0.3
    REOPEN_S: ClassVar[float] = 0.02


def test_a_camera_that_stops_sending_goes_offline_and_comes_back(monkeypatch) -> None:
    flowing = threading.Event()
    flowing.set()
    opened: list[_FakeCamera] = []

    def open_fake() -> _FakeCamera:
        capture = _FakeCamera(flowing)
        opened.append(capture)
        return capture

    camera = _QuickCamera("camera", _QuickCamera.Settings(source="camera:0"))
    monkeypatch.setattr(camera, "_open_capture", open_fake)
    events: list[DeviceEvent] = []
    camera.add_listener(events.append)
    try:
        camera.open()
        camera.start()
        frame = camera.wait_frame(0, timeout=1.0)
        assert frame is not None and index_of(frame) == 1

        flowing.clear()
        deadline = time.monotonic() + 2.0
        while camera.state.status is DeviceStatus.ONLINE and time.monotonic() < deadline:
            time.sleep(0.02)
        assert camera.state.status is DeviceStatus.OFFLINE
        assert camera.state.reason is Reason.NOT_RESPONDING
        assert camera.state.detail.startswith("camera 0: no frame for ")

        flowing.set()
        seq = camera.latest().seq
        assert camera.wait_frame(seq, timeout=1.0) is not None
        assert camera.state == DeviceState.online()
    finally:
        camera.close()

    assert [e.state.status for e in events if isinstance(e, DeviceStatusChanged)] == [
        DeviceStatus.ONLINE, DeviceStatus.OFFLINE, DeviceStatus.ONLINE]
    assert all(c.released for c in opened)
    assert camera.latest() is None


def test_a_camera_faster_than_fps_is_capped(monkeypatch) -> None:
    flowing = threading.Event()
    flowing.set()
    camera = OpencvCamera("camera", OpencvCamera.Settings(source="camera:0", fps=10))
    monkeypatch.setattr(camera, "_open_capture", lambda: _FakeCamera(flowing))  # ~100 fps
    try:
        camera.start()
        time.sleep(1.0)
        seq = camera.latest().seq
    finally:
        camera.close()
    assert 9 <= seq <= 12
