"""What a scanned code means: a receipt, a digital ID, a queue ticket, or nothing of ours.

The code scanner (camera or keyboard-like USB scanner) hands the core a text through
:class:`drivers.events.CodeScanned`; :func:`interpret` says what it is, and the session decides
what to do next. Pure and quick: no I/O beyond the key directory already in memory, so it may run
on the UI thread.

    meaning = interpret(event.text, keys=directory, now=clock.now())
    match meaning:
        case ReceiptScan(claims):          ...   # look up the application's status
        case RefusedReceipt(_, message):   ...   # show message (a catalogue key)
        case DigitalIdScan(identity):      ...   # the person is identified, source "qr"
        case QueueTicketScan(number):      ...   # "A042"
        case Unknown(message):             ...   # show message

The forms it knows, tried in this order:

- ``HK<digits>:...`` -- a receipt token (:mod:`kiosk_app.receipts.token`), verified offline.
- ``HKQ:<letter><3 digits>`` -- a queue ticket, e.g. ``HKQ:A042``.
- a JSON object with a ``huduma_id`` version key (version 1)::

      {"huduma_id": 1, "surname": "ERIKSSON", "given_names": "ANNA MARIA",
       "id_number": "12345678", "birth_date": "1974-08-12"}

- an ICAO 9303 MRZ, TD1 (3 lines of 30) or TD3 (2 lines of 44), as some digital IDs and
  passports carry it in a QR code.

The scanned text is personal data until it is known to be something else: it never reaches a
log, and nothing here puts it into an exception or a ``repr``. :func:`interpret` never raises
for any text; a text longer than :data:`MAX_SCAN_CHARS` is refused before it is looked at.
"""
from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from drivers.card.emrtd.errors import MrzError
from drivers.card.emrtd.mrz import Mrz, parse_mrz
from kiosk_app.clock import NAIROBI
from kiosk_app.i18n import N_
from kiosk_app.identity import Identity
from kiosk_app.receipts.keys import KeyDirectory
from kiosk_app.receipts.token import ReceiptClaims, TokenError, verify

log = logging.getLogger(__name__)

MAX_SCAN_CHARS = 4096
"""Longer texts are no code of ours (a receipt token is under 250 characters): refused unread."""
"""East Africa Time, no daylight saving: what "today" means for a date of birth."""

NOT_OURS = N_("This code is not a Huduma receipt, ID or ticket. Please scan the QR code on "
              "your receipt.")
ID_UNREADABLE = N_("This ID code could not be read. Please scan it again, or type your details.")

_RECEIPT_PREFIX = re.compile(r"HK[0-9]+:")
_QUEUE_TICKET = re.compile(r"HKQ:([A-Z][0-9]{3})")
_ID_NUMBER = re.compile(r"[0-9]{6,9}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DIGITAL_ID_VERSION = 1
_DIGITAL_ID_KEYS = frozenset({"huduma_id", "surname", "given_names", "id_number", "birth_date"})
_MAX_SURNAME = 40
_MAX_GIVEN_NAMES = 80
_EARLIEST_BIRTH = date(1900, 1, 1)
_MRZ_SHAPE_REASONS = ("format", "check_digit:", "date:")
"""MrzError reasons raised only after a text had the MRZ's line lengths and characters."""


@dataclass(frozen=True)
class ReceiptScan:
    """A receipt token that verified: the kiosk looks up the application's status next."""

    claims: ReceiptClaims = field(repr=False)


@dataclass(frozen=True)
class RefusedReceipt:
    """Looked like a receipt token but did not verify. ``reason`` is the token's stable key
    (``bad_signature``, ``unknown_key``, ...); ``message`` its catalogue key."""

    reason: str
    message: str


@dataclass(frozen=True)
class DigitalIdScan:
    """A digital ID's QR, read into an identity with ``source="qr"``. Not verified beyond its
    form: an MRZ's check digits, or the JSON form's field checks."""

    identity: Identity = field(repr=False)


@dataclass(frozen=True)
class QueueTicketScan:
    """A queue ticket: ``number`` is a letter and three digits, e.g. ``A042``."""

    number: str


@dataclass(frozen=True)
class Unknown:
    """Nothing the kiosk can use; ``message`` is a catalogue key to show."""

    message: str


ScanMeaning = ReceiptScan | RefusedReceipt | DigitalIdScan | QueueTicketScan | Unknown


def interpret(text: str, *, keys: KeyDirectory, now: datetime | None = None) -> ScanMeaning:
    """What ``text``, as a scanner gave it, means. Never raises, whatever the text.

    ``now`` is this kiosk's time, timezone-aware (the real clock if None): receipts issued after
    it are refused, and a date of birth must be before its day."""
    if now is not None and now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")  # a caller's bug, not a scan
    if not isinstance(text, str) or len(text) > MAX_SCAN_CHARS:
        return Unknown(NOT_OURS)
    now = now or datetime.now(timezone.utc)
    try:
        return _interpret(text.strip(), keys, now)  # keyboard-like scanners end with Enter
    except Exception as err:  # noqa: BLE001 - a scan must never take the session down
        # Only the type: a message might quote the scanned text.
        log.error("a scanned code could not be interpreted: %s", type(err).__name__)
        return Unknown(NOT_OURS)


def _interpret(text: str, keys: KeyDirectory, now: datetime) -> ScanMeaning:
    if _RECEIPT_PREFIX.match(text):
        try:
            return ReceiptScan(verify(text, keys, now=now))
        except TokenError as err:
            return RefusedReceipt(err.reason, err.message)
    ticket = _QUEUE_TICKET.fullmatch(text)
    if ticket:
        return QueueTicketScan(ticket.group(1))
    if text.startswith("{"):
        return _from_json(text, now)
    try:
        mrz = parse_mrz(text)
    except MrzError as err:
        if err.reason.startswith(_MRZ_SHAPE_REASONS):
            return Unknown(ID_UNREADABLE)
        return Unknown(NOT_OURS)
    return DigitalIdScan(_identity_from_mrz(mrz, _today(now)))


def _today(now: datetime) -> date:
    return now.astimezone(NAIROBI).date()


# The MRZ form.

def _identity_from_mrz(mrz: Mrz, today: date) -> Identity:
    return Identity(
        source="qr",
        surname=mrz.surname,
        given_names=mrz.given_names,
        document_number=mrz.document_number,
        id_number=mrz.optional_data or None,
        birth_date=_mrz_date(mrz.birth_date, today, years_ahead=0),
        sex=mrz.sex if mrz.sex != "<" else None,
        nationality=mrz.nationality or None,
        expiry_date=_mrz_date(mrz.expiry_date, today, years_ahead=20),
    )


def _mrz_date(yymmdd: str, today: date, *, years_ahead: int) -> date | None:
    """A YYMMDD date (parse_mrz checked it is a real one) in the latest century that puts it no
    more than ``years_ahead`` years after ``today``: 0 for a birth date, 20 for an expiry date."""
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    latest = (today.year + years_ahead, today.month, today.day)
    base = today.year // 100 * 100
    century = next(c for c in (base + 100, base, base - 100) if (c + yy, mm, dd) <= latest)
    try:
        return date(century + yy, mm, dd)
    except ValueError:  # 29 February of a century year that is not a leap year (1900, 2100)
        return None


# The JSON form.

class _Refused(Exception):
    """The JSON form is not valid; says nothing about why (that would quote personal data)."""


def _from_json(text: str, now: datetime) -> ScanMeaning:
    try:
        data = json.loads(text, object_pairs_hook=_object, parse_constant=_not_a_number)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return Unknown(NOT_OURS)
    if not isinstance(data, dict) or "huduma_id" not in data:
        return Unknown(NOT_OURS)  # JSON, but not ours: a payment code, a contact card, ...
    try:
        return DigitalIdScan(_identity_from_json(data, _today(now)))
    except _Refused:
        return Unknown(ID_UNREADABLE)


class _Ambiguous(dict):
    """A JSON object with a key given twice: two readers could see two different people."""


_NOT_A_NUMBER = object()
"""NaN and Infinity: not JSON by RFC 8259, but Python's parser takes them."""


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    data = dict(pairs)
    return _Ambiguous(data) if len(data) != len(pairs) else data


def _not_a_number(_constant: str) -> object:
    return _NOT_A_NUMBER


def _identity_from_json(data: dict[str, object], today: date) -> Identity:
    version = data["huduma_id"]
    if isinstance(data, _Ambiguous) or data.keys() != _DIGITAL_ID_KEYS:
        raise _Refused()
    if type(version) is not int or version != _DIGITAL_ID_VERSION:  # not True, not 1.0
        raise _Refused()
    surname = _name(data["surname"], _MAX_SURNAME)
    given_names = _name(data["given_names"], _MAX_GIVEN_NAMES)
    id_number = data["id_number"]
    if not (isinstance(id_number, str) and _ID_NUMBER.fullmatch(id_number)):
        raise _Refused()
    born = _birth_date(data["birth_date"], today)
    return Identity(source="qr", surname=surname, given_names=given_names,
                    document_number=id_number, id_number=id_number, birth_date=born)


def _name(value: object, longest: int) -> str:
    """A name as the kiosk keeps them: upper case, single spaces; letters, spaces, ' and -."""
    if not isinstance(value, str):
        raise _Refused()
    name = " ".join(unicodedata.normalize("NFC", value).split()).upper()
    if not 1 <= len(name) <= longest or not any(ch.isalpha() for ch in name):
        raise _Refused()
    if not all(ch.isalpha() or ch in " '-" for ch in name):
        raise _Refused()
    return name


def _birth_date(value: object, today: date) -> date:
    match = _ISO_DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _Refused()
    try:
        born = date(*(int(part) for part in match.groups()))
    except ValueError:
        raise _Refused() from None
    if not _EARLIEST_BIRTH <= born < today:
        raise _Refused()
    return born
