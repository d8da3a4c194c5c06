"""The kiosk API's plain terms: its version, paths and headers, its enumerations, and the
forms of a reference, a phone number and an attached photo. No pydantic.

The bodies themselves are in :mod:`kiosk_app.contract`, which re-exports all of this, so that
``contract.PaymentStatus`` and ``api_terms.PaymentStatus`` are the same. This part is apart so
that what a screen or the session needs at import time (an enum, a new reference) costs no
pydantic: importing it and building the bodies' schemas took `huduma-kiosk run` some 50 ms
before its first frame (benchmarks/startup.py).
"""
from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import re
import secrets

API_VERSION = "1"
PREFIX = "/v1"

IDEMPOTENCY_HEADER = "Idempotency-Key"
DEVICE_HEADER = "X-Device-Id"
OPERATOR_HEADER = "X-Operator-Key"


# -- references: chosen on the device, so a receipt can be printed with no network --------------
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PATTERN = r"^HK-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$"
"""``HK-7M2Q-K9XD-38``: nine random Crockford base32 characters (45 bits) and a check
character, so a typed reference with one wrong or two swapped characters is caught on the
device before any network call."""


def _check_char(body: str) -> str:
    total = 0
    for index, char in enumerate(body):
        total += (index + 1) * _CROCKFORD.index(char)
    return _CROCKFORD[total % 31]


def new_reference() -> str:
    """A fresh application reference, made on the device."""
    body = "".join(secrets.choice(_CROCKFORD) for _ in range(9))
    return f"HK-{body[:4]}-{body[4:8]}-{body[8]}{_check_char(body)}"


def reference_from(seed: bytes) -> str:
    """A reference made from ``seed`` (the same seed, the same reference): for applications
    replayed from a file, so that the same line gives the same application every time."""
    value = int.from_bytes(hashlib.sha256(b"huduma-reference\x00" + seed).digest()[:8], "big")
    body = "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(9))
    return f"HK-{body[:4]}-{body[4:8]}-{body[8]}{_check_char(body)}"


def normalise_reference(typed: str) -> str | None:
    """A reference as a person typed it (any case, spaces or no dashes, O for 0, I or L for 1)
    in its printed form, or None when it is not a valid reference (wrong length or check)."""
    text = re.sub(r"[\s-]", "", typed.upper())
    text = text.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))
    if text.startswith("HK"):
        text = text[2:]
    if len(text) != 10 or any(c not in _CROCKFORD for c in text):
        return None
    if _check_char(text[:9]) != text[9]:
        return None
    return f"HK-{text[:4]}-{text[4:8]}-{text[8:]}"


def valid_reference(value: str) -> str:
    if normalise_reference(value) != value:
        raise ValueError("the reference's check character does not match")
    return value


PHONE_PATTERN = r"^254(7|1)[0-9]{8}$"


def normalise_phone(typed: str) -> str | None:
    """``0712 345 678``, ``+254712345678`` or ``712345678`` as ``254712345678``; None if it is
    not a Kenyan mobile number."""
    digits = re.sub(r"[\s()-]", "", typed)
    if digits.startswith("+"):
        digits = digits[1:]
    if re.fullmatch(r"0[17][0-9]{8}", digits):
        digits = "254" + digits[1:]
    elif re.fullmatch(r"[17][0-9]{8}", digits):
        digits = "254" + digits
    return digits if re.fullmatch(PHONE_PATTERN, digits) else None


class FieldKind(str, enum.Enum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    PHONE = "phone"
    YES_NO = "yes_no"
    ID_NUMBER = "id_number"
    EMAIL = "email"
    PHOTO = "photo"
    """A photograph of a document, taken with the kiosk's camera."""


class ApplicationStatus(str, enum.Enum):
    SUBMITTED = "submitted"
    """Made at a device (perhaps offline): the device's own word, before the backend has it."""
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    READY = "ready_for_collection"
    COLLECTED = "collected"
    REJECTED = "rejected"


class DocumentType(str, enum.Enum):
    NATIONAL_ID = "national_id"
    PASSPORT = "passport"
    TYPED = "typed"
    """Details typed by the person (or the agent): not read from a chip."""


class Channel(str, enum.Enum):
    KIOSK = "kiosk"
    AGENT = "agent"


class PaymentStatus(str, enum.Enum):
    PENDING = "pending"
    """The STK push reached M-Pesa; the person has not answered on the phone yet."""
    CONFIRMED = "confirmed"
    FAILED = "failed"
    """M-Pesa said no; ``result_code`` says why."""
    UNKNOWN = "unknown"
    """The device's own word after a time-out: ask again, never treat it as failed."""


class MpesaResult(int, enum.Enum):
    """Daraja's STK result codes the kiosk explains to a person."""

    SUCCESS = 0
    INSUFFICIENT_FUNDS = 1
    WRONG_PIN = 2001
    CANCELLED = 1032
    NO_ANSWER = 1037
    """The phone could not be reached or did not answer in time."""
    SUBSCRIBER_LOCKED = 1001


class Role(str, enum.Enum):
    KIOSK = "kiosk"
    AGENT = "agent"


class LedgerAccount(str, enum.Enum):
    """The agent's books: every movement debits one account and credits another."""

    CASH = "cash"
    """Cash in the agent's drawer (the float)."""
    MPESA = "mpesa"
    """Fees paid by M-Pesa straight to the government's paybill."""
    GOVERNMENT = "government"
    """What is owed to government for the fees collected."""
    COMMISSION = "commission"
    """What the agent has earned."""
    BANK = "bank"
    """Cash taken out of, or put into, the float."""


NEXT_STATUSES: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.SUBMITTED: frozenset({ApplicationStatus.RECEIVED}),
    ApplicationStatus.RECEIVED: frozenset({ApplicationStatus.IN_PROGRESS,
                                           ApplicationStatus.REJECTED}),
    ApplicationStatus.IN_PROGRESS: frozenset({ApplicationStatus.READY,
                                              ApplicationStatus.REJECTED}),
    ApplicationStatus.READY: frozenset({ApplicationStatus.COLLECTED}),
    ApplicationStatus.COLLECTED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
}
"""Where an application may go from each status (the operator endpoint enforces it)."""


ATTACHMENT_MAX_BYTES = 300 * 1024
"""The largest photo of a document an application may carry, in bytes of JPEG."""
ATTACHMENT_MAX_COUNT = 8
"""The most photos one application may carry."""
JPEG_START = b"\xff\xd8\xff"
"""How every JPEG file begins (the start-of-image marker and the next marker's first byte)."""


def encode_attachment(jpeg: bytes) -> str:
    """JPEG bytes as ``ApplicationIn.attachments`` carries them (standard base64)."""
    return base64.b64encode(jpeg).decode("ascii")


def decode_attachment(text: str) -> bytes:
    """An attachment's JPEG bytes; ValueError when it is not base64."""
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as err:
        raise ValueError("not base64") from err


def valid_attachment(text: str) -> str:
    jpeg = decode_attachment(text)
    if len(jpeg) > ATTACHMENT_MAX_BYTES:
        raise ValueError(f"a photo may be at most {ATTACHMENT_MAX_BYTES} bytes")
    if not jpeg.startswith(JPEG_START):
        raise ValueError("a photo must be a JPEG")
    return text


class Paths:
    HEALTH = f"{PREFIX}/health"
    CATALOGUE = f"{PREFIX}/catalogue"
    APPLICATIONS = f"{PREFIX}/applications"
    APPLICATION = f"{PREFIX}/applications/{{reference}}"
    APPLICATION_SMS = f"{PREFIX}/applications/{{reference}}/sms"
    OPERATOR_SMS = f"{PREFIX}/operator/sms"
    """What the SMS gateway took (operator only): list[SmsMessage]."""
    OPERATOR_APPLICATIONS = f"{PREFIX}/operator/applications"
    """Every application the backend holds (operator only): list[Application]."""
    ADVANCE = f"{PREFIX}/operator/applications/{{reference}}/advance"
    PAYMENTS = f"{PREFIX}/payments"
    PAYMENT = f"{PREFIX}/payments/{{payment_id}}"
    TICKETS = f"{PREFIX}/queue/tickets"
    FEEDBACK = f"{PREFIX}/feedback"
    ENROL = f"{PREFIX}/devices"
    HEARTBEAT = f"{PREFIX}/devices/{{device_id}}/heartbeat"
    KEYS = f"{PREFIX}/keys"
    AGENT_SIGN_IN = f"{PREFIX}/agents/sign-in"
    LEDGER = f"{PREFIX}/agents/{{agent_number}}/ledger"
