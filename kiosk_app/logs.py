"""Logging that keeps personal data out (Kenya's Data Protection Act 2019).

Two nets. First, code never logs personal values: identities and the like hide their fields
from ``repr``. Second, :func:`redact` masks anything in a log line that looks like personal data
(phone numbers, ID and document numbers, MRZ lines, keys and long hex, e-mail addresses) before
any handler sees it. Names cannot be recognised by pattern, which is why the first net matters.

    setup_logging(level="INFO")
    log.info("read card for %s", "12345678")     # -> "read card for [redacted]"
"""
from __future__ import annotations

import logging
import re
import sys

REDACTED = "[redacted]"

_PATTERNS = [
    # MRZ lines and fragments: capitals, digits and at least one filler '<', 10+ long.
    re.compile(r"(?=[A-Z0-9<]*<)[A-Z0-9<]{10,}"),
    # Keys, MACs, APDUs, hashes: 16+ hex digits, with or without spaces between bytes.
    re.compile(r"\b[0-9A-Fa-f]{2}(?:[ :]?[0-9A-Fa-f]{2}){7,}\b"),
    # Kenyan phone numbers: 07xx / 01xx / 2547xx / +254 1xx, with optional spaces.
    re.compile(r"(?<!\d)(?:\+?254|0)[ -]?[17]\d{2}[ -]?\d{3}[ -]?\d{3}(?!\d)"),
    # ID, passport and document numbers: an optional letter prefix and 6+ digits.
    re.compile(r"\b[A-Z]{0,3}\d{6,}\b"),
    # E-mail addresses.
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks personal data in the whole line, traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingFilter(logging.Filter):
    """Masks the message of each record at a handler, so even handlers with their own
    formatter (a test's capture, say) see no personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Handlers reuse exc_text when it is set: give them the masked traceback.
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        return True


_FORMATTER = logging.Formatter()


_installed = False


def install_record_redaction() -> None:
    """Mask the message of every log record as it is made, whatever handler takes it."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        RedactingFilter().filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def setup_logging(level: str = "INFO", stream: object = None) -> None:
    install_record_redaction()
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    # Ours from an earlier call, and a library's own logging.basicConfig() (python-escpos
    # calls it when imported): one handler, ours, that redacts; no line printed twice.
    for old in [h for h in root.handlers if getattr(h, "_huduma", False)
                or (type(h) is logging.StreamHandler and h.stream in (sys.stderr, sys.stdout))]:
        root.removeHandler(old)
    handler._huduma = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
