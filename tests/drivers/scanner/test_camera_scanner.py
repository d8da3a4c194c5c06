"""A video file through the camera source and the decoding pipeline: exactly one scan event
per code shown, however long it is held up."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import qrcode

from drivers.events import CodeScanned
from drivers.scanner.camera_scanner import CameraScanner, Debouncer

RECEIPT = "HK1:" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 5
TICKET = "HKQ:A042"


def test_a_code_held_up_is_one_scan_and_counts_again_after_it_was_gone() -> None:
    debouncer = Debouncer(gone_s=1.0)
    assert debouncer.seen(["A"], 0.0) == ["A"]
    assert debouncer.seen(["A"], 0.5) == []
    assert debouncer.seen(["A", "B"], 1.2) == ["B"]   # A was seen 0.7 s ago: still held
    assert debouncer.seen([], 2.0) == []
    assert debouncer.seen(["A"], 2.3) == ["A"]        # gone for 1.1 s: a new scan
    assert debouncer.seen(["B"], 2.3) == ["B"]


def frame_with(text: str | None) -> np.ndarray:
    frame = np.full((480, 640, 3), 235, np.uint8)
    if text is not None:
        image = qrcode.make(text, box_size=4, border=2).convert("L")
        code = cv2.cvtColor(np.array(image, dtype=np.uint8), cv2.COLOR_GRAY2BGR)
        h, w = code.shape[:2]
        frame[60:60 + h, 100:100 + w] = code
    return frame


def write_video(path: Path, script: list[tuple[str | None, float]], fps: int = 30) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    for text, seconds in script:
        frame = frame_with(text)
        for _ in range(int(seconds * fps)):
            writer.write(frame)
    writer.release()


def test_a_video_gives_exactly_one_scan_per_code_shown(tmp_path: Path) -> None:
    video = tmp_path / "counter.avi"
    write_video(video, [(None, 0.3), (RECEIPT, 1.0), (None, 0.7), (TICKET, 0.7), (None, 0.7),
                        (RECEIPT, 0.7), (None, 0.3)])
    scanner = CameraScanner("scanner", CameraScanner.Settings(source=f"file:{video}", fps=30,
                                                              gone_s=0.4))
    scans: list[CodeScanned] = []
    scanner.add_listener(lambda e: scans.append(e) if isinstance(e, CodeScanned) else None)
    scanner.open()
    assert scanner.state.usable
    deadline = 15.0
    import time

    start = time.monotonic()
    while not scanner.camera.ended and time.monotonic() - start < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    scanner.close()
    assert [s.text for s in scans] == [RECEIPT, TICKET, RECEIPT]
    assert all(s.format == "QRCode" and s.device == "scanner" for s in scans)


def test_a_missing_camera_is_a_state_not_a_crash() -> None:
    scanner = CameraScanner("scanner", CameraScanner.Settings(source="camera:99"))
    scanner.open()
    assert scanner.state.status.value == "no_device"
    scanner.close()
