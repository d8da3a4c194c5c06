"""Photos of documents for a form's ``photo`` fields, taken with the kiosk's camera.

    jpeg = take_document_photo(camera)     # worker thread: the newest frame, as a JPEG
    # -> bytes, at most contract.ATTACHMENT_MAX_BYTES; raises CameraUnavailable

The camera keeps only its newest frame (``latest()`` never blocks); a photo is the first frame
that comes after it is asked for, so it shows the document as it is now, not as it was when the
camera started. The JPEG is made small enough for the API: the long side at most
``MAX_SIDE`` pixels, the quality lowered (then the size) until it fits.

A photo of a document is personal data: nothing here logs it or keeps it.

Blocking: ``take_document_photo`` waits for the camera; call it on a worker thread.
"""
from __future__ import annotations

import io
import logging
import time
from typing import Any

from kiosk_app.api_terms import ATTACHMENT_MAX_BYTES


log = logging.getLogger(__name__)

MAX_SIDE = 1600
"""The longest side of a document photo, in pixels: enough to read printed text."""
FRAME_WAIT_S = 3.0
"""How long to wait for a frame from the camera, in seconds."""
QUALITIES = (85, 75, 65, 55, 45)


class CameraUnavailable(Exception):
    """The camera gave no picture (missing, broken, or no frame in time)."""


def take_document_photo(camera: Any, *, timeout_s: float = FRAME_WAIT_S,
                        max_bytes: int = ATTACHMENT_MAX_BYTES) -> bytes:
    """Worker thread. The camera's next frame as a JPEG of at most ``max_bytes``."""
    if camera is None:
        raise CameraUnavailable("no camera is fitted")
    if not camera.state.usable:
        raise CameraUnavailable(f"the camera is {camera.state.status.value}")
    camera.start()
    before = camera.latest()
    after = before.seq if before is not None else 0
    deadline = time.monotonic() + timeout_s
    frame = None
    while time.monotonic() < deadline:
        if hasattr(camera, "wait_frame"):
            frame = camera.wait_frame(after, timeout=max(0.0, deadline - time.monotonic()))
        else:
            latest = camera.latest()
            frame = latest if latest is not None and latest.seq > after else None
            if frame is None:
                time.sleep(0.02)
        if frame is not None:
            break
    if frame is None:
        raise CameraUnavailable(f"no picture from the camera in {timeout_s:g} s")
    return jpeg_of(frame.image, max_bytes=max_bytes)


def jpeg_of(bgr: Any, *, max_bytes: int = ATTACHMENT_MAX_BYTES, max_side: int = MAX_SIDE) -> bytes:
    """A BGR image (OpenCV's layout) as a JPEG of at most ``max_bytes``."""
    from PIL import Image  # here: only a photo taken needs it, not the kiosk's start

    image = Image.fromarray(bgr[:, :, ::-1].copy(), "RGB")
    image.thumbnail((max_side, max_side))
    while True:
        for quality in QUALITIES:
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=quality, optimize=True)
            if buffer.tell() <= max_bytes:
                return buffer.getvalue()
        if min(image.size) <= 64:
            raise CameraUnavailable("the picture cannot be made small enough")
        image = image.resize((image.width * 3 // 4, image.height * 3 // 4))
