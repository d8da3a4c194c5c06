"""A receipt's QR code as modules (dark or light squares), to be drawn on a screen.

The printer draws its own QR from the token (:mod:`kiosk_app.receipts.documents`); when it
cannot print, the screen shows the same token, from this matrix, so a phone can photograph it
and any kiosk can scan it later.

    rows = qr_modules("HK1:AE...")     # rows[y][x] is True for a dark module, quiet zone included

Plain Python (the ``qrcode`` library, which python-escpos uses too); a 250-character token takes
a few milliseconds: call it from a worker, not the UI thread.
"""
from __future__ import annotations

QUIET_ZONE = 4
"""Light modules around the code, as the QR standard asks, so scanners find its edges."""


def qr_modules(text: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of ``text`` (error correction M, as printed), quiet zone included."""
    import qrcode  # loaded on the worker that first draws a code, not when the kiosk starts
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(text)
    code.make(fit=True)
    return tuple(tuple(bool(m) for m in row) for row in code.get_matrix())
