"""No personal data in any log line."""
from __future__ import annotations

import io
import logging

import pytest

from kiosk_app.logs import REDACTED, redact, setup_logging


@pytest.mark.parametrize("text", [
    "I<KEN0123456784<<<<<<<<<<<<<<<",               # a TD1 MRZ line
    "8001014M3001019KEN<<<<<<<<<<<0",
    "MWANGI<<AMINA<WANJIRU<<<<<<<<<",
    "0712345678", "0712 345 678", "+254712345678", "254112345678",
    "12345678", "AK0123456",                         # ID and passport numbers
    "AB94FDECF2DA2E6D",                              # a key or MAC
    "0C A4 02 0C 15 87 09 01 63 75 43 29 08 C0 44 F6",  # an APDU
    "amina@example.co.ke",
])
def test_personal_patterns_are_masked(text: str) -> None:
    assert redact(f"read {text} ok") == f"read {REDACTED} ok"


@pytest.mark.parametrize("text", ["session home -> identify", "printer (simulator) is now online",
                                  "UI thread held 12 ms", "HTTP 503 from /v1/health",
                                  "outbox 3 pending"])
def test_ordinary_lines_pass(text: str) -> None:
    assert redact(text) == text


def test_every_handler_sees_masked_records(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    setup_logging("INFO", stream=stream)
    log = logging.getLogger("kiosk_app.test")
    with caplog.at_level(logging.INFO):
        log.info("card of %s, phone %s", "12345678", "0712345678")
        try:
            raise ValueError("bad MRZ I<KEN0123456784<<<<<<<<<<<<<<<")
        except ValueError:
            log.exception("read failed")
    text = stream.getvalue() + caplog.text
    for secret in ("12345678", "0712345678", "I<KEN0123456784"):
        assert secret not in text
    assert "card of [redacted], phone [redacted]" in caplog.text
