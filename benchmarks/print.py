"""A receipt's size on the wire and the time to build it: ours beside python-escpos's own
image-QR path, measured in the same run.

- **ours**: :func:`kiosk_app.receipts.documents.receipt` with the printer's native QR
  (``GS ( k``: the printer draws the code from ~200 bytes of token);
- **python-escpos image QR**: the same receipt with ``qr(..., native=False)``, python-escpos's
  path that renders the QR itself and sends it as a raster image.

    .venv/bin/python benchmarks/print.py [--runs 200]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drivers.printer.base import PrinterProfile  # noqa: E402
from kiosk_app.receipts import documents  # noqa: E402
from kiosk_app.receipts.issuing import ReceiptIssuer  # noqa: E402


def build(data: documents.ReceiptData, profile: PrinterProfile, runs: int) -> tuple[int, float]:
    size = len(documents.receipt(data, profile))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        documents.receipt(data, profile)
        times.append(time.perf_counter() - start)
    return size, statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        issuer = ReceiptIssuer.for_data_dir(Path(tmp), "KSK-NBO-0007")
        data = issuer.receipt(reference="HK-2026-000123", service_code="GOOD_CONDUCT",
                              service_name_en="Certificate of good conduct",
                              service_name_sw="Cheti cha tabia njema",
                              official_fee_cents=105_000, convenience_fee_cents=5_000,
                              payment_method="mpesa", mpesa_code="SKL4H2J9QX",
                              issued_at=datetime(2026, 11, 24, 11, 5, tzinfo=timezone.utc))
    print(f"receipt with a {len(data.token)}-character token; {args.runs} builds, median")
    print(f"{'paper':<8}{'ours: bytes':>13}{'build (ms)':>12}"
          f"{'python-escpos image QR: bytes':>32}{'build (ms)':>12}")
    for width in (58, 80):
        ours = build(data, PrinterProfile.for_width(width, native_qr=True), args.runs)
        peer = build(data, PrinterProfile.for_width(width, native_qr=False), max(args.runs // 10, 5))
        print(f"{width} mm{'':<3}{ours[0]:>13,}{ours[1]:>12.2f}{peer[0]:>32,}{peer[1]:>12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
