"""Errors of the ICAO 9303 eMRTD core: one base, one class per stage that can fail.

The reader and the card emulator catch these and turn them into device errors and status words.
A message names what failed, never the data it failed on: no MRZ, name, number or key ever goes
into an exception, because exceptions end up in logs. :class:`MrzError` also carries a stable
``reason`` key for the words shown to people::

    try:
        key = BacKey.from_typed(number, birth, expiry)
    except MrzError as err:
        show(err.reason)          # "date:birth_date", "check_digit:composite", ...
"""
from __future__ import annotations


class EmrtdError(Exception):
    """Base of every error of the eMRTD core."""


class MrzError(EmrtdError):
    """The MRZ, or details typed from it, are not valid.

    ``reason`` is a stable key: "length", "charset", "format", "check_digit:<field>" (fields
    document_number, birth_date, expiry_date, optional_data, composite) or "date:<field>"
    (birth_date, expiry_date)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BacError(EmrtdError):
    """Basic access control failed: the card and the terminal do not share the keys (wrong
    document number or dates), or a cryptogram is malformed."""


class SmError(EmrtdError):
    """A secure-messaging APDU is wrong: bad MAC, a data object missing, malformed TLV or
    padding."""


class LdsError(EmrtdError):
    """A file of the logical data structure is malformed: TLV, EF.COM or a data group."""
