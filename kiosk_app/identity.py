"""Who is at the kiosk: read from an ID card or passport chip, or typed.

:class:`IdentityReader` reads a card in the reader with the details a person typed (the BAC
key), checks it by passive authentication against the configured CSCA certificates, and gives
an :class:`Identity` or a :class:`CardReadError` whose ``message`` is a catalogue key for the
person. It never returns part of an identity: a read is whole or it is nothing.

Blocking: ``read`` belongs on a worker thread (``kiosk.workers``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from drivers.card.emrtd.errors import BacError, EmrtdError, MrzError
from drivers.card.emrtd.mrz import BacKey
from drivers.card.reader import CardReader
from drivers.errors import CardBadlyInserted, CardRemoved, DeviceError, NoDevice
from kiosk_app.i18n import N_

# The chip's reader and passive authentication (`cryptography`, `asn1crypto`) are loaded with the
# first card read, on its worker, not when the kiosk starts.
if TYPE_CHECKING:
    from drivers.card.emrtd.reader import EmrtdDocument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    """A person as the kiosk knows them for one session. Personal data: hidden from repr."""

    source: str
    """``card`` (read from a chip), ``typed`` or ``qr``."""
    surname: str = field(repr=False)
    given_names: str = field(repr=False)
    document_number: str = field(repr=False)
    id_number: str | None = field(default=None, repr=False)
    birth_date: date | None = field(default=None, repr=False)
    sex: str | None = field(default=None, repr=False)
    nationality: str | None = field(default=None, repr=False)
    expiry_date: date | None = field(default=None, repr=False)
    face: bytes | None = field(default=None, repr=False)
    face_mime: str | None = None
    verification: str = "none"
    """Passive authentication: ``valid``, ``not_verifiable`` (no CSCA here), or ``none``."""
    document_format: str | None = None
    """For a chip read: ``TD1`` (an ID card) or ``TD3`` (a passport)."""

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.surname}".strip()


MESSAGES = {
    "wrong_details": N_("These details do not match the card. Please check them and try again."),
    "card_removed": N_("The card was taken out before we finished. Put it back and leave it until we say."),
    "no_card": N_("We cannot find a card in the reader. Please put your card in again."),
    "not_emrtd": N_("This card cannot be read here. Please type your details instead."),
    "forged": N_("This card failed its security check and cannot be used. Please see an officer."),
    "no_reader": N_("The card reader is not working. You can type your details instead."),
    "read_failed": N_("The card could not be read. Please try again."),
    "bad_details": N_("Please check the details: the document number, and dates as day, month and year."),
}


class CardReadError(Exception):
    def __init__(self, key: str, *, counts_as_attempt: bool = True) -> None:
        super().__init__(key)
        self.key = key
        self.message = MESSAGES[key]
        self.counts_as_attempt = counts_as_attempt


def _date(yymmdd: str, *, future: bool) -> date | None:
    try:
        yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    except ValueError:
        return None
    this_year = date.today().year % 100
    century = 2000 if (yy <= this_year + (20 if future else 0)) else 1900
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        return None


def identity_from(document: EmrtdDocument) -> Identity:
    mrz = document.mrz
    details = document.details
    return Identity(
        source="card",
        surname=mrz.surname,
        given_names=mrz.given_names,
        document_number=mrz.document_number,
        id_number=(details.personal_number if details and details.personal_number
                   else (mrz.optional_data.strip("<") or None)),
        birth_date=_date(mrz.birth_date, future=False),
        sex=mrz.sex if mrz.sex != "<" else None,
        nationality=mrz.nationality,
        expiry_date=_date(mrz.expiry_date, future=True),
        face=document.face.data if document.face else None,
        face_mime=document.face.mime if document.face else None,
        verification=document.pa.status.value,
        document_format=mrz.format,
    )


def bac_key_from_typed(document_number: str, birth_date: str, expiry_date: str) -> BacKey:
    """What a person typed, as a BAC key; raises CardReadError("bad_details") if malformed.
    Dates are typed as DDMMYY or DD/MM/YYYY, as people in Kenya write them."""
    def yymmdd(text: str) -> str:
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) == 8:      # DDMMYYYY
            return digits[6:8] + digits[2:4] + digits[0:2]
        if len(digits) == 6:      # DDMMYY
            return digits[4:6] + digits[2:4] + digits[0:2]
        raise CardReadError("bad_details", counts_as_attempt=False)

    try:
        return BacKey.from_typed(document_number, yymmdd(birth_date), yymmdd(expiry_date))
    except MrzError:
        raise CardReadError("bad_details", counts_as_attempt=False) from None


class IdentityReader:
    def __init__(self, reader: CardReader | None, *, csca_dir: Path | None = None) -> None:
        self._reader = reader
        self._csca_dir = csca_dir
        self._csca: list | None = None

    def _trust_store(self) -> list | None:
        if self._csca_dir is None:
            return None
        if self._csca is None:
            from drivers.card.emrtd.pki import load_certificates

            self._csca = load_certificates(self._csca_dir)
            log.info("loaded %d CSCA certificates", len(self._csca))
        return self._csca

    def read(self, key: BacKey, progress=None) -> Identity:  # noqa: ANN001
        """Worker thread. Raises CardReadError; never returns part of an identity."""
        from drivers.card.emrtd.pa import PaStatus
        from drivers.card.emrtd.reader import EmrtdReader, NotAnEmrtd

        if self._reader is None:
            raise CardReadError("no_reader", counts_as_attempt=False)
        try:
            with self._reader.connect() as card:
                document = EmrtdReader(card, progress=progress).read(key, csca=self._trust_store())
        except BacError:
            raise CardReadError("wrong_details") from None
        except CardRemoved:
            raise CardReadError("card_removed") from None
        except CardBadlyInserted:
            raise CardReadError("no_card") from None
        except NotAnEmrtd:
            raise CardReadError("not_emrtd") from None
        except NoDevice:
            raise CardReadError("no_reader", counts_as_attempt=False) from None
        except (EmrtdError, DeviceError) as err:  # SmError and ReadFailed among them
            log.warning("card read failed: %s", type(err).__name__)
            raise CardReadError("read_failed") from None
        if document.pa.status is PaStatus.INVALID:
            log.warning("passive authentication refused the document: %s", document.pa.reason)
            raise CardReadError("forged")
        log.info("card read: %d commands, read length %d, passive authentication %s",
                 document.apdus, document.read_length, document.pa.status.value)
        return identity_from(document)


class TypedDetailsError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def typed_identity(full_name: str, id_number: str, birth_date: str) -> Identity:
    """Details a person typed, checked for form (they are verified by the agency later)."""
    name = " ".join(full_name.split())
    if len(name) < 3 or not all(ch.isalpha() or ch in " '-" for ch in name) or " " not in name:
        raise TypedDetailsError(N_("Please type your full name as it is on your ID card."))
    digits = id_number.strip()
    if not (digits.isdigit() and 6 <= len(digits) <= 9):
        raise TypedDetailsError(N_("An ID number has 6 to 9 digits."))
    parts = birth_date.replace("-", "/").split("/")
    born = None
    if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
        try:
            born = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            born = None
    if born is None or not date(1900, 1, 1) <= born <= date.today():
        raise TypedDetailsError(N_("Please type your date of birth as day/month/year, for example 01/01/1990."))
    words = name.upper().split()
    return Identity(source="typed", surname=words[-1], given_names=" ".join(words[:-1]),
                    document_number=digits, id_number=digits, birth_date=born)
