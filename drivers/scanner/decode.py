"""Finding and decoding QR codes in camera frames.

Runs on the camera scanner's own decode thread (never the UI thread), one frame at a time; it
holds no device and does no I/O. :class:`DecodePipeline` takes a BGR or grayscale frame of any
size and returns what it read, with corner points in the frame's own pixels:

    pipeline = DecodePipeline()
    for code in pipeline.decode(frame):      # frame: np.ndarray from the camera
        print(code.format, code.position, len(code.raw))

The stages, cheapest and most successful first (``benchmarks/qr_decode.py`` measures each one
against zxing-cpp, pyzbar and OpenCV alone on real photographs and on a generated hard set):

1. grayscale, and shrink so the long side is at most ``max_side`` (cameras give 4000x3000
   stills; a receipt QR in them is large enough to read at a third of that);
2. zxing-cpp, QR only, trying rotations, inversion and its own downscaled pyramid;
3. only if that read nothing: pyzbar on the same image (another binarizer and finder; it
   reads some photographs and glare patches zxing-cpp misses).

Stage 3 runs only on frames where stage 2 found nothing, so the common case (a code is in view
and readable) costs one zxing-cpp call. Frames with no code pay for both, a few milliseconds at
640x480. Tried and dropped because the benchmark showed they read no extra image: a 2x upscale
retry for small codes, adaptive-threshold retries (block 15/31/51), and zxing-cpp's
GlobalHistogram binarizer.

The three plain decoders are also exported (:func:`decode_zxing`, :func:`decode_pyzbar`,
:func:`decode_opencv`) so the benchmark can time them on the same images.

Known flaw: pyzbar hands back zbar's text already converted to UTF-8 by zbar's own guess of the
character set, so a binary payload read by the pyzbar stage may not come back byte for byte.
zxing-cpp (stage 2, which reads nearly every code) returns the exact bytes.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)

try:
    import zxingcpp
except ImportError:  # pragma: no cover - the kiosk image always has it
    zxingcpp = None  # type: ignore[assignment]

try:
    from pyzbar import pyzbar
except ImportError:  # pragma: no cover - libzbar0 missing
    pyzbar = None  # type: ignore[assignment]

try:
    import cv2
except ImportError:  # pragma: no cover
    cv2 = None  # type: ignore[assignment]

#: The smallest side on which a QR code (21 modules, version 1) can appear at all.
MIN_SIDE = 21
#: Arrays larger than this along either side are sampled down by striding before any other work,
#: so a mistaken 50000x50000 buffer costs milliseconds, not seconds.
_STRIDE_LIMIT_FACTOR = 3


@dataclass(frozen=True)
class Decoded:
    """One code read from a frame."""

    text: str = field(repr=False)
    """The payload as text (UTF-8 or the code's declared character set; undecodable bytes
    become U+FFFD)."""
    raw: bytes = field(repr=False)
    """The payload's bytes exactly as encoded, for binary payloads such as signed tokens."""
    format: str
    """``"QRCode"``, ``"MicroQRCode"``, ... (zxing-cpp's format names)."""
    position: tuple[tuple[int, int], ...]
    """Corner points (x, y) in the pixels of the image given to ``decode``, clockwise from the
    code's own top-left corner where the decoder knows it."""
    decoder: str
    """Which decoder read it: ``"zxing-cpp"``, ``"pyzbar"`` or ``"opencv"``."""


@dataclass
class DecodeStats:
    """Counters for technicians: how many frames came in and which stage read them."""

    attempts: int = 0
    rejected: int = 0
    """Frames that were not an image (wrong shape or type, empty, or too small)."""
    found_zxing: int = 0
    found_pyzbar: int = 0
    not_found: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


# ---------------------------------------------------------------------------------------------
# The plain decoders. Each takes a 2-D C-contiguous uint8 array and returns positions in it.


def _text_of(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def decode_zxing(gray: np.ndarray, *, formats: object = None) -> list[Decoded]:
    """zxing-cpp alone, with its default search (rotations, inversion, downscaled pyramid)."""
    if zxingcpp is None:
        return []
    fmt = zxingcpp.BarcodeFormat.QRCode if formats is None else formats
    results = zxingcpp.read_barcodes(gray, formats=fmt, try_rotate=True, try_downscale=True,
                                     try_invert=True)
    found = []
    for r in results:
        p = r.position
        corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
        raw = bytes(r.bytes)
        # zxing-cpp's text honours the code's ECI / character set; for binary content it is
        # not meaningful, so fall back to the bytes as UTF-8 with replacements.
        text = r.text if r.content_type == zxingcpp.ContentType.Text else _text_of(raw)
        found.append(Decoded(text=text, raw=raw, format=r.format.name,
                             position=tuple((int(c.x), int(c.y)) for c in corners),
                             decoder="zxing-cpp"))
    return found


def decode_pyzbar(gray: np.ndarray) -> list[Decoded]:
    """pyzbar (zbar) alone, QR only."""
    if pyzbar is None:
        return []
    results = pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])
    found = []
    for r in results:
        raw = bytes(r.data)
        found.append(Decoded(text=_text_of(raw), raw=raw, format="QRCode",
                             position=tuple((int(p.x), int(p.y)) for p in r.polygon),
                             decoder="pyzbar"))
    return found


_opencv_detector = threading.local()


def decode_opencv(gray: np.ndarray) -> list[Decoded]:
    """OpenCV's ``QRCodeDetector`` alone (one detector per thread: it is not thread-safe)."""
    if cv2 is None:
        return []
    det = getattr(_opencv_detector, "det", None)
    if det is None:
        det = _opencv_detector.det = cv2.QRCodeDetector()
    try:
        ok, texts, points, _ = det.detectAndDecodeMulti(gray)
    except (cv2.error, UnicodeDecodeError):  # OpenCV's binding fails on non-UTF-8 payloads
        return []
    if not ok or points is None:
        return []
    found = []
    for text, pts in zip(texts, points):
        if not text:
            continue
        found.append(Decoded(text=text, raw=text.encode("utf-8"), format="QRCode",
                             position=tuple((int(round(x)), int(round(y))) for x, y in pts),
                             decoder="opencv"))
    return found


# ---------------------------------------------------------------------------------------------
# Input normalisation.


def _to_gray(image: object, max_side: int) -> tuple[np.ndarray, float, float] | None:
    """A 2-D uint8 contiguous image no larger than ``max_side``, and the factors (x, y) that
    map its pixels back to the input's; ``None`` for anything that is not a usable image."""
    if not isinstance(image, np.ndarray):
        return None
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        return None
    h0, w0 = image.shape[:2]
    if min(h0, w0) < MIN_SIDE:
        return None
    if image.dtype.kind not in "uifb":
        return None
    # Far too large: sample by striding first, so every later step works on a bounded array.
    stride = max(1, max(h0, w0) // (max_side * _STRIDE_LIMIT_FACTOR))
    if stride > 1:
        image = image[::stride, ::stride]
    if image.dtype != np.uint8:
        image = _to_uint8(image)
    if image.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        gray = cv2.cvtColor(np.ascontiguousarray(image), code)
    else:
        gray = np.ascontiguousarray(image)
    h, w = gray.shape
    if max(h, w) > max_side:
        scale = max_side / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        if min(size) < MIN_SIDE:
            return None
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    h, w = gray.shape
    return gray, w0 / w, h0 / h


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    if image.dtype.kind in "ui":
        info = np.iinfo(image.dtype)
        if info.max > 255:  # 16-bit camera data and the like: keep the top byte's worth
            return (np.clip(image, 0, None) >> max(0, info.bits - 8 - (info.kind == "i"))
                    ).astype(np.uint8)
        return np.clip(image, 0, 255).astype(np.uint8)
    # Bounded in the image's own precision first: a float64 beyond float32's range would
    # overflow in the cast (anything above 255 is 255 in the end).
    image = np.clip(np.nan_to_num(image, nan=0.0, posinf=255.0, neginf=0.0), 0.0, 256.0)
    image = image.astype(np.float32, copy=False)
    if image.size and float(image.max()) <= 1.0:  # 0..1 floats, as from most image libraries
        image = image * 255.0
    return np.clip(image, 0, 255).astype(np.uint8)


def _scaled(found: list[Decoded], sx: float, sy: float) -> list[Decoded]:
    if sx == 1.0 and sy == 1.0:
        return found
    return [Decoded(text=d.text, raw=d.raw, format=d.format, decoder=d.decoder,
                    position=tuple((int(round(x * sx)), int(round(y * sy)))
                                   for x, y in d.position))
            for d in found]


# ---------------------------------------------------------------------------------------------


class DecodePipeline:
    """zxing-cpp, then pyzbar if it read nothing; see the module docstring.

    Not shared between threads: each scanner owns one (``stats`` is plain counters).
    """

    def __init__(self, *, max_side: int = 1280, formats: object = None) -> None:
        if max_side < MIN_SIDE:
            raise ValueError(f"max_side must be at least {MIN_SIDE}, not {max_side}")
        self.max_side = max_side
        self.formats = formats
        self.stats = DecodeStats()

    def decode(self, image: np.ndarray) -> list[Decoded]:
        """Every code found in ``image`` (BGR, BGRA or grayscale; any numeric dtype), or ``[]``.

        Never raises: an array that is not an image returns ``[]``.
        """
        self.stats.attempts += 1
        try:
            prepared = _to_gray(image, self.max_side)
        except Exception:  # noqa: BLE001 - a bad frame is not worth a crashed scanner
            log.debug("frame rejected", exc_info=True)
            prepared = None
        if prepared is None:
            self.stats.rejected += 1
            return []
        gray, sx, sy = prepared
        try:
            return _scaled(self._decode_gray(gray), sx, sy)
        except Exception:  # noqa: BLE001 - a decoder bug on one frame must not end the scan
            log.exception("decoding a %sx%s frame failed", gray.shape[1], gray.shape[0])
            return []

    def _decode_gray(self, gray: np.ndarray) -> list[Decoded]:
        found = decode_zxing(gray, formats=self.formats)
        if found:
            self.stats.found_zxing += 1
            return found
        if self.formats is None:  # pyzbar reads QR here; other formats are zxing-cpp's alone
            found = decode_pyzbar(gray)
            if found:
                self.stats.found_pyzbar += 1
                return found
        self.stats.not_found += 1
        return []
