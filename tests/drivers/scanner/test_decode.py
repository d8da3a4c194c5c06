"""The QR decoding pipeline on generated codes, odd arrays and the ZXing black-box photographs."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from drivers.scanner.decode import Decoded, DecodePipeline

DATASET = Path("/work/shared/datasets/zxing-qr")
RECEIPT = "HK1:" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 5 + "ABCDEFGHIJKLMNOPQRST"


def render(data: str | bytes, box: int = 6) -> np.ndarray:
    qr = qrcode.QRCode(box_size=box, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return np.array(qr.make_image().convert("L"), dtype=np.uint8)


def on_canvas(code: np.ndarray, size=(640, 480), at=(40, 30)) -> np.ndarray:
    canvas = np.full((size[1], size[0]), 220, np.uint8)
    x, y = at
    canvas[y:y + code.shape[0], x:x + code.shape[1]] = code
    return canvas


def inside(d: Decoded, shape) -> bool:
    h, w = shape[:2]
    return all(0 <= x < w and 0 <= y < h for x, y in d.position)


@pytest.fixture
def pipeline() -> DecodePipeline:
    return DecodePipeline()


def test_known_text_with_positions(pipeline: DecodePipeline) -> None:
    code = render(RECEIPT, box=4)
    frame = cv2.cvtColor(on_canvas(code), cv2.COLOR_GRAY2BGR)
    found = pipeline.decode(frame)
    assert [(d.text, d.raw, d.format, d.decoder) for d in found] == [
        (RECEIPT, RECEIPT.encode(), "QRCode", "zxing-cpp")]
    assert len(found[0].position) == 4 and inside(found[0], frame.shape)
    # The corners lie on the code's finder patterns, inside the pasted code (4-module margin).
    xs = [x for x, _ in found[0].position]
    assert 40 + 4 * 4 - 3 <= min(xs) and max(xs) <= 40 + code.shape[1] - 4 * 4 + 3
    assert pipeline.stats.attempts == 1 and pipeline.stats.found_zxing == 1
    assert "HK1" not in repr(found[0])  # payloads stay out of logs


def test_inverted(pipeline: DecodePipeline) -> None:
    assert [d.text for d in pipeline.decode(255 - on_canvas(render("inverted 42")))] == [
        "inverted 42"]


def test_rotated_30_degrees(pipeline: DecodePipeline) -> None:
    frame = on_canvas(render("rotated 30"), at=(200, 100))
    m = cv2.getRotationMatrix2D((320, 240), 30, 1.0)
    frame = cv2.warpAffine(frame, m, (640, 480), borderValue=220)
    found = pipeline.decode(frame)
    assert [d.text for d in found] == ["rotated 30"] and inside(found[0], frame.shape)


def test_small_code(pipeline: DecodePipeline) -> None:
    code = cv2.resize(render("KE-0042", box=4), (60, 60), interpolation=cv2.INTER_AREA)
    assert [d.text for d in pipeline.decode(on_canvas(code, (320, 240), (100, 80)))] == [
        "KE-0042"]


def test_binary_payload_in_raw(pipeline: DecodePipeline) -> None:
    payload = bytes(range(256))
    found = pipeline.decode(on_canvas(render(payload, box=4)))
    assert len(found) == 1 and found[0].raw == payload
    assert isinstance(found[0].text, str)


def test_no_code_gives_empty(pipeline: DecodePipeline) -> None:
    rng = np.random.default_rng(3)
    noise = cv2.GaussianBlur(rng.integers(0, 256, (480, 640), dtype=np.uint8), (0, 0), 2)
    assert pipeline.decode(noise) == []
    assert pipeline.decode(np.full((480, 640, 3), 128, np.uint8)) == []
    assert pipeline.stats.not_found == 2


def test_large_frame_positions_in_full_resolution(pipeline: DecodePipeline) -> None:
    code = cv2.resize(render(RECEIPT, box=4), (900, 900), interpolation=cv2.INTER_NEAREST)
    frame = np.full((3000, 4000, 3), 210, np.uint8)
    frame[1800:2700, 2500:3400] = code[:, :, None]
    found = pipeline.decode(frame)
    assert [d.text for d in found] == [RECEIPT]
    xs = [x for x, _ in found[0].position]
    ys = [y for _, y in found[0].position]
    # The code spans x 2500-3400, y 1800-2700 in the full frame; corners within its quiet zone.
    assert 2500 <= min(xs) < 2650 and 3250 < max(xs) <= 3400
    assert 1800 <= min(ys) < 1950 and 2550 < max(ys) <= 2700


@pytest.mark.parametrize("image", [
    np.zeros((0,), np.uint8), np.zeros((0, 0), np.uint8), np.zeros((1, 1), np.uint8),
    np.zeros((480, 0, 3), np.uint8), np.zeros((2, 100000), np.uint8),
    np.zeros((480, 640, 2), np.uint8), np.zeros((4, 4, 4, 4), np.uint8),
    np.zeros((480, 640), np.complex64), np.zeros((480, 640), object),
    np.full((480, 640), np.nan), "not an image", None,
])
def test_bad_inputs_return_empty(pipeline: DecodePipeline, image) -> None:
    assert pipeline.decode(image) == []


def test_huge_frame_is_capped() -> None:
    # 20000x20000 is sampled down by striding before any conversion: this returns at once.
    frame = np.zeros((20000, 20000), np.uint8)
    assert DecodePipeline().decode(frame) == []


@settings(max_examples=150, deadline=2000)
@given(hnp.arrays(
    dtype=st.sampled_from([np.uint8, np.uint16, np.int8, np.int32, np.float32, np.float64,
                           np.bool_]),
    shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=70)))
def test_random_arrays_never_raise(image: np.ndarray) -> None:
    assert isinstance(DecodePipeline().decode(image), list)


@pytest.mark.parametrize("folder,names", [
    ("qrcode-1", ("1", "2", "3", "4")), ("qrcode-2", ("1", "2", "4", "5")),
    ("qrcode-3", ("01", "02", "03", "04")),
])
def test_dataset_images(pipeline: DecodePipeline, folder: str, names: tuple[str, ...]) -> None:
    if not DATASET.is_dir():
        pytest.skip("the ZXing black-box photographs are not on this machine")
    for name in names:
        image = cv2.imread(str(DATASET / folder / f"{name}.png"))
        expected = (DATASET / folder / f"{name}.txt").read_bytes().decode("utf-8")
        assert [d.text for d in pipeline.decode(image)] == [expected], f"{folder}/{name}"
