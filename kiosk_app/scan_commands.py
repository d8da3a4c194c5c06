"""``huduma-kiosk scan``: decode QR codes from a camera, a video or a folder of images, for
technicians and benchmarks.

    huduma-kiosk scan --source dir:/path/to/photos [--json]   # one line per image
    huduma-kiosk scan --source file:receipt.avi [--json]      # one line per scan
    huduma-kiosk scan --source camera:0                       # until Ctrl+C

Each line gives the decoding time. Texts are printed because a technician asked to see them;
they never go to the log.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path

from kiosk_app.i18n import N_, bilingual

BAD_SOURCE = N_("The source is not right ({detail}): give camera:N, file:PATH (a video) or "
                "dir:PATH (a folder of images).")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


def add_scan_command(sub: argparse._SubParsersAction) -> None:
    scan = sub.add_parser("scan", help="decode QR codes from a camera, a video or images")
    scan.add_argument("--source", required=True,
                      help="camera:N, file:PATH (a video) or dir:PATH (a folder of images)")
    scan.add_argument("--json", action="store_true", help="one JSON object per line")
    scan.set_defaults(func=cmd_scan)


def _print(result: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False), flush=True)
    else:
        texts = result.get("texts") or ["(no code)"]
        label = result.get("image", result.get("scan", ""))
        print(f"{label}\t{result['ms']:.1f} ms\t" + " | ".join(map(str, texts)), flush=True)


def cmd_scan(args: argparse.Namespace) -> int:
    from drivers.camera.opencv_camera import parse_source

    try:
        source = parse_source(args.source)
    except ValueError as err:
        print(bilingual(BAD_SOURCE, detail=str(err)), file=sys.stderr)
        return 2
    if source.scheme == "dir" and Path(source.target).is_dir():
        return _scan_folder(Path(source.target), args.json)
    return _scan_stream(args.source, args.json)


def _scan_folder(folder: Path, as_json: bool) -> int:
    import cv2

    from drivers.scanner.decode import DecodePipeline

    pipeline = DecodePipeline()
    found_any = False
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        start = time.perf_counter()
        decoded = pipeline.decode(image) if image is not None else []
        ms = (time.perf_counter() - start) * 1000
        found_any |= bool(decoded)
        _print({"image": path.name, "ms": round(ms, 2), "texts": [d.text for d in decoded],
                "formats": [d.format for d in decoded]}, as_json)
    return 0 if found_any else 1


def _scan_stream(source: str, as_json: bool) -> int:
    from drivers.events import CodeScanned
    from drivers.scanner.camera_scanner import CameraScanner

    scanner = CameraScanner("scanner", CameraScanner.Settings(source=source))
    done = threading.Event()
    count = 0
    started = time.perf_counter()

    def on_event(event: object) -> None:
        nonlocal count
        if isinstance(event, CodeScanned):
            count += 1
            _print({"scan": count, "ms": round((time.perf_counter() - started) * 1000, 1),
                    "texts": [event.text], "formats": [event.format]}, as_json)

    scanner.add_listener(on_event)
    previous = {sig: signal.signal(sig, lambda *_: done.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        scanner.open()
        if not scanner.state.usable:
            from kiosk_app.device_words import describe

            state = scanner.state
            print(f"{source}: {state.status.value} {state.detail}\n"
                  f"{describe('scanner', state, 'en')}\n{describe('scanner', state, 'sw')}",
                  file=sys.stderr)
            return 1
        while not done.is_set() and not scanner.camera.ended:
            done.wait(0.1)
        time.sleep(0.3)  # the last frame's decode
    finally:
        scanner.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if count else 1
