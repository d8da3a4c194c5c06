"""Receipt tokens: what the QR on a printed receipt holds, signed by the kiosk that printed it,
and checked later by any kiosk, offline, from its cached key directory.

    text = issue(ReceiptClaims("HK-2026-000123", "PASSPORT", 105_000, issued_at, "KSK-NBI-0042"),
                 device_key.private_key)                        # "HK1:AE..."
    claims = verify(scanned_text, directory, now=clock.now())   # or TokenError(reason)

Version 1, in bytes (all integers big-endian unless said)::

    offset  size   field
    0       1      version, 1
    1       4      key id: the first 4 bytes of SHA-256 of the signer's raw Ed25519 public key
    5       5      issued_at, unix seconds (UTC)
    10      1-6    amount in cents, unsigned LEB128, shortest form
    ..      1+n    reference, n <= 22, ASCII [A-Z0-9-]
    ..      1+n    service code, n <= 16, ASCII [A-Z0-9_-]
    ..      1+n    device id, 3 <= n <= 32, ASCII [A-Z0-9-]
    ..      64     Ed25519 signature over every byte before it

The text is ``HK1:`` and those bytes in RFC 4648 base32, upper case, without padding: only
characters of the QR code's alphanumeric mode. The longest token (every field at its longest,
the amount at 10^11 cents) is 153 bytes, **249 characters**, under the 250 a small QR
holds comfortably; a typical one (14-character
reference, 8-character service code, 12-character device id, up to KES 20,971.51) is 114
bytes, 187 characters.

Parsing never raises anything but :class:`TokenError`, whatever text a scanner hands over.
"""
from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from kiosk_app.i18n import N_
from kiosk_app.receipts.keys import DEVICE_ID, KEY_ID_BYTES, KeyDirectory, key_id_for

if TYPE_CHECKING:  # `cryptography` is loaded with the keys, on workers (kiosk_app/receipts/keys.py)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger(__name__)

VERSION = 1
PREFIX = f"HK{VERSION}:"
SIGNATURE_BYTES = 64
MAX_AMOUNT_CENTS = 10**11
MAX_TOKEN_CHARS = 249
"""The longest version 1 token, every field at its longest."""
FUTURE_TOLERANCE = timedelta(minutes=10)
"""How far ahead of this kiosk's clock a receipt's time may be: clocks differ a little."""

REFERENCE = re.compile(r"[A-Z0-9-]{1,22}")
SERVICE_CODE = re.compile(r"[A-Z0-9_-]{1,16}")
_PREFIX = re.compile(r"HK([0-9]{1,3}):")
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_LATEST_SECOND = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp())

MESSAGES = {
    "not_a_receipt": N_("This is not a Huduma receipt code. Please scan the QR code on your receipt."),
    "malformed": N_("This receipt code could not be read. Please scan it again, or type the "
                    "reference printed on the receipt."),
    "unsupported_version": N_("This receipt is newer than this kiosk can check. Please type the "
                              "reference printed on the receipt."),
    "unknown_key": N_("This receipt comes from a device this kiosk does not know yet. Please type "
                      "the reference printed on the receipt."),
    "bad_signature": N_("This receipt could not be checked: it has been altered or is not genuine."),
    "from_the_future": N_("The time on this receipt is later than the time now, so it cannot be "
                          "accepted. Please see an officer."),
}


class TokenError(Exception):
    """A token refused: ``reason`` is a stable key, ``message`` its catalogue text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = MESSAGES[reason]


@dataclass(frozen=True)
class ReceiptClaims:
    """What a receipt's QR proves. Checked when made: a ``ReceiptClaims`` is always encodable.
    ``issued_at`` is kept in UTC, whole seconds."""

    reference: str
    """The application's reference, e.g. ``HK-2026-000123``."""
    service_code: str
    amount_cents: int
    """In Kenya shilling cents, 0 to 10^11."""
    issued_at: datetime
    device_id: str
    """The id of the kiosk that issued the receipt."""

    def __post_init__(self) -> None:
        if not (isinstance(self.reference, str) and REFERENCE.fullmatch(self.reference)):
            raise ValueError(f"a reference is 1 to 22 of A-Z, 0-9 and '-', not {self.reference!r}")
        if not (isinstance(self.service_code, str) and SERVICE_CODE.fullmatch(self.service_code)):
            raise ValueError(f"a service code is 1 to 16 of A-Z, 0-9, '_' and '-', not {self.service_code!r}")
        if not (isinstance(self.device_id, str) and DEVICE_ID.fullmatch(self.device_id)):
            raise ValueError(f"a device id is 3 to 32 of A-Z, 0-9 and '-', not {self.device_id!r}")
        amount = self.amount_cents
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT_CENTS:
            raise ValueError(f"an amount is a whole number of cents from 0 to 10^11, not {amount!r}")
        at = self.issued_at
        if not isinstance(at, datetime) or at.utcoffset() is None:
            raise ValueError("issued_at must be a timezone-aware datetime")
        if at.microsecond:
            raise ValueError("issued_at must be whole seconds")
        at = at.astimezone(timezone.utc)
        if at.timestamp() < 0:
            raise ValueError("issued_at must be after 1970")
        object.__setattr__(self, "issued_at", at)


def issue(claims: ReceiptClaims, key: Ed25519PrivateKey) -> str:
    """The token text for ``claims``, signed with this device's ``key``."""
    key_id = key_id_for(key.public_key().public_bytes_raw())
    signed = _encode(claims, key_id)
    return PREFIX + _b32(signed + key.sign(signed))


def verify(token: str, keys: KeyDirectory, *, now: datetime | None = None) -> ReceiptClaims:
    """The claims of a genuine token from a device in ``keys``; else :class:`TokenError`.

    ``now`` is this kiosk's time (the real clock if None): a token issued more than ten minutes
    after it is refused."""
    from cryptography.exceptions import InvalidSignature

    claims, key_id, signed, signature = _parse(token)
    entries = keys.entries_for(key_id)
    if not entries:
        raise TokenError("unknown_key")
    signer = None
    for entry in entries:
        try:
            entry.public_key.verify(signature, signed)
        except InvalidSignature:
            continue
        signer = entry
        break
    if signer is None:
        raise TokenError("bad_signature")
    if signer.device_id != claims.device_id:
        # A genuine signature in another device's name: that device's key is misused.
        log.warning("receipt key %s signed a receipt in the name of another device", key_id.hex())
        raise TokenError("bad_signature")
    if claims.issued_at - FUTURE_TOLERANCE > (now or datetime.now(timezone.utc)):
        raise TokenError("from_the_future")
    return claims


def decode_unverified(token: str) -> tuple[ReceiptClaims, bytes]:
    """The claims and key id a token states, NOT checked: for a technician's screen only, never
    to accept a receipt. :class:`TokenError` if the token cannot be read at all."""
    claims, key_id, _signed, _signature = _parse(token)
    return claims, key_id


def _encode(claims: ReceiptClaims, key_id: bytes) -> bytes:
    out = bytearray([VERSION])
    out += key_id
    out += int(claims.issued_at.timestamp()).to_bytes(5, "big")
    out += _uvarint(claims.amount_cents)
    for text in (claims.reference, claims.service_code, claims.device_id):
        raw = text.encode("ascii")
        out.append(len(raw))
        out += raw
    return bytes(out)


def _parse(token: object) -> tuple[ReceiptClaims, bytes, bytes, bytes]:
    if not isinstance(token, str):
        raise TokenError("not_a_receipt")
    token = token.strip()  # keyboard-like scanners end with Enter
    prefix = _PREFIX.match(token)
    if prefix is None:
        raise TokenError("not_a_receipt")
    if prefix.group(0) != PREFIX:
        raise TokenError("unsupported_version")
    body = token[prefix.end():]
    if not _BASE32.issuperset(body):
        raise TokenError("not_a_receipt")
    if len(body) > 2 * MAX_TOKEN_CHARS:
        raise TokenError("malformed")
    data = _unb32(body)
    if not data:
        raise TokenError("malformed")
    if data[0] != VERSION:
        raise TokenError("unsupported_version")
    try:
        key_id = data[1:1 + KEY_ID_BYTES]
        seconds = int.from_bytes(data[5:10], "big")
        if len(key_id) != KEY_ID_BYTES or len(data) < 10 or seconds > _LATEST_SECOND:
            raise ValueError("too short")
        amount, at = _read_uvarint(data, 10)
        fields = []
        for _ in range(3):
            size = data[at]
            raw = data[at + 1:at + 1 + size]
            if len(raw) != size:
                raise ValueError("too short")
            fields.append(raw.decode("ascii"))
            at += 1 + size
        signed, signature = data[:at], data[at:]
        if len(signature) != SIGNATURE_BYTES:
            raise ValueError("not one signature")
        claims = ReceiptClaims(fields[0], fields[1], amount,
                               datetime.fromtimestamp(seconds, timezone.utc), fields[2])
    except (ValueError, IndexError, OverflowError):  # UnicodeDecodeError is a ValueError
        raise TokenError("malformed") from None
    return claims, key_id, signed, signature


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _unb32(body: str) -> bytes:
    """The bytes of unpadded base32; only the one text that ``_b32`` gives for them."""
    if len(body) % 8 in (1, 3, 6):
        raise TokenError("malformed")
    try:
        data = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise TokenError("malformed") from None
    if _b32(data) != body:  # spare bits set in the last character: another text, same bytes
        raise TokenError("malformed")
    return data


def _uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _read_uvarint(data: bytes, at: int) -> tuple[int, int]:
    """The number at ``at`` and where the next field starts; ValueError unless shortest form."""
    value = shift = 0
    for i in range(6):
        byte = data[at + i]
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            if byte == 0 and i:
                raise ValueError("not the shortest form")
            return value, at + i + 1
    raise ValueError("too long")
