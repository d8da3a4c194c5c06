"""Document photos from the simulated camera: a JPEG of the next frame, within the API's limit."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from drivers.camera.simulator import SimulatedCamera
from kiosk_app import contract
from kiosk_app.document_photos import CameraUnavailable, jpeg_of, take_document_photo


def test_a_photo_is_a_jpeg_of_the_next_frame_within_the_limit() -> None:
    camera = SimulatedCamera("camera", SimulatedCamera.Settings(width=640, height=480, fps=30))
    camera.open()
    try:
        jpeg = take_document_photo(camera, timeout_s=2)
        assert jpeg.startswith(contract.JPEG_START) and len(jpeg) <= contract.ATTACHMENT_MAX_BYTES
        assert Image.open(io.BytesIO(jpeg)).size == (640, 480)
    finally:
        camera.close()


def test_a_camera_that_is_down_or_missing_gives_no_photo() -> None:
    camera = SimulatedCamera("camera", SimulatedCamera.Settings(fps=30))
    camera.open()
    try:
        camera.inject("lens_blocked")
        with pytest.raises(CameraUnavailable):
            take_document_photo(camera, timeout_s=0.5)
    finally:
        camera.close()
    with pytest.raises(CameraUnavailable):
        take_document_photo(None)


def test_a_detailed_picture_is_made_small_enough() -> None:
    noise = np.random.default_rng(7).integers(0, 256, (1200, 1600, 3), dtype=np.uint8)
    jpeg = jpeg_of(noise, max_bytes=60_000)
    assert len(jpeg) <= 60_000 and jpeg.startswith(contract.JPEG_START)
    assert max(Image.open(io.BytesIO(jpeg)).size) < 1600
