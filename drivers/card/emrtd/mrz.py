"""The machine readable zone (ICAO 9303 parts 3, 4 and 5) and the BAC key it gives (part 11).

Parses and builds the TD1 (ID card, 3 lines of 30) and TD3 (passport, 2 lines of 44) MRZ with
every check digit, and derives the "MRZ information" that basic access control hashes into its
keys. Pure: no I/O. Personal fields never appear in ``repr()`` and errors carry only a reason key.

    mrz = parse_mrz(scanned_text)             # raises MrzError("check_digit:composite"), ...
    mrz.surname, mrz.given_names              # "ERIKSSON", "ANNA MARIA"
    key = mrz.bac_key                         # or BacKey.from_typed("l898902c", "690806", "940623")
    key.mrz_information                       # "L898902C<369080619406236"

Stored fields drop the '<' fillers: a document number "L898902C<" is "L898902C", a document code
"P<" is "P", names have spaces where the MRZ has '<'. ``to_text`` puts the fillers back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from drivers.card.emrtd.errors import MrzError

_CHARSET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
_WEIGHTS = (7, 3, 1)
_SEXES = frozenset("MF<")
_TD1_CODES = frozenset("ACI")    # 9303-5: the first character of a TD1 document code
_TD3_CODES = frozenset("P")      # 9303-4: machine readable passports


def _char_value(char: str) -> int:
    if char == "<":
        return 0
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    raise MrzError("charset")


def check_digit(data: str) -> str:
    """The ICAO 9303-3 check digit of ``data``: weights 7, 3, 1; '<' is 0, A is 10 ... Z is 35.

    >>> check_digit("L898902C<")
    '3'
    """
    return str(sum(_char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)


def _is_date(yymmdd: str) -> bool:
    """A real calendar date. The century is unknown; taking 20YY accepts 29 February in every
    year divisible by 4, which is right for both 19YY and 20YY except 1900 (no document holder
    is that old)."""
    if len(yymmdd) != 6 or not yymmdd.isascii() or not yymmdd.isdigit():
        return False
    try:
        date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return False
    return True


def _check_date(value: str, name: str) -> None:
    if not _is_date(value):
        raise MrzError(f"date:{name}")


def _check_charset(value: str) -> None:
    if not set(value) <= _CHARSET:
        raise MrzError("charset")


@dataclass(frozen=True)
class BacKey:
    """What basic access control needs from the MRZ: document number, birth and expiry date.

    Normalised on construction (upper case, no whitespace, no trailing '<' fillers) and
    validated (dates YYMMDD, real calendar dates); raises :class:`MrzError`."""

    document_number: str = field(repr=False)
    birth_date: str = field(repr=False)
    expiry_date: str = field(repr=False)

    def __post_init__(self) -> None:
        number = re.sub(r"\s", "", self.document_number).upper().rstrip("<")
        birth = re.sub(r"\s", "", self.birth_date)
        expiry = re.sub(r"\s", "", self.expiry_date)
        if not number:
            raise MrzError("format")
        _check_charset(number)
        _check_date(birth, "birth_date")
        _check_date(expiry, "expiry_date")
        object.__setattr__(self, "document_number", number)
        object.__setattr__(self, "birth_date", birth)
        object.__setattr__(self, "expiry_date", expiry)

    @classmethod
    def from_typed(cls, document_number: str, birth_date: str, expiry_date: str) -> BacKey:
        """From what a person types: any case, spaces and dashes ("l898 902-c", "69-08-06")."""
        def clean(value: str) -> str:
            return re.sub(r"[\s\-]", "", value)

        return cls(clean(document_number), clean(birth_date), clean(expiry_date))

    @property
    def mrz_information(self) -> str:
        """The key seed input of ICAO 9303-11 §9.7: document number (at least 9 characters,
        '<'-padded) + check digit, birth date + check digit, expiry date + check digit."""
        number = self.document_number.ljust(9, "<")
        return (number + check_digit(number)
                + self.birth_date + check_digit(self.birth_date)
                + self.expiry_date + check_digit(self.expiry_date))


@dataclass(frozen=True)
class Mrz:
    """A parsed TD1 or TD3 MRZ. Fields are stored without '<' fillers; names with spaces."""

    format: str                                   # "TD1" or "TD3"
    document_code: str                            # "P", "I", "AC", ...
    issuing_state: str                            # "KEN", "UTO", "D"
    document_number: str = field(repr=False)
    birth_date: str = field(repr=False)           # YYMMDD
    sex: str = field(repr=False)                  # "M", "F" or "<"
    expiry_date: str = field(repr=False)          # YYMMDD
    nationality: str = field(repr=False)
    surname: str = field(repr=False)
    given_names: str = field(repr=False)
    optional_data: str = field(default="", repr=False)     # TD3: personal number
    optional_data_2: str = field(default="", repr=False)   # TD1 line 2 only

    @property
    def bac_key(self) -> BacKey:
        return BacKey(self.document_number, self.birth_date, self.expiry_date)

    def to_text(self) -> str:
        """The MRZ lines joined by "\\n", with every check digit. Names that do not fit are
        cut at the field's end (the simple form of 9303-3's truncation). Raises
        :class:`MrzError` for a field that does not fit or has characters outside the MRZ set."""
        _check_date(self.birth_date, "birth_date")
        _check_date(self.expiry_date, "expiry_date")
        sex = self.sex or "<"
        if sex not in _SEXES:
            raise MrzError("format")
        if self.format == "TD3":
            return self._td3(sex)
        if self.format == "TD1":
            return self._td1(sex)
        raise MrzError("format")

    def _td3(self, sex: str) -> str:
        line1 = (_field(self.document_code, 2) + _field(self.issuing_state, 3)
                 + _name_field(self.surname, self.given_names, 39))
        number = _field(self.document_number, 9)
        optional = _field(self.optional_data, 14)
        optional_cd = check_digit(optional) if optional.strip("<") else "<"
        line2 = (number + check_digit(number) + _field(self.nationality, 3)
                 + self.birth_date + check_digit(self.birth_date) + sex
                 + self.expiry_date + check_digit(self.expiry_date)
                 + optional + optional_cd)
        line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
        return f"{line1}\n{line2}"

    def _td1(self, sex: str) -> str:
        number = _mrz_chars(self.document_number)
        if len(number) <= 9:
            number_field = _field(number, 9)
            line1_rest = number_field + check_digit(number_field) + _field(self.optional_data, 15)
        else:
            # 9303-5 note j: the first 9 characters in the field, '<' in the check digit
            # position, the rest and the check digit (of the whole number) in optional data.
            extension = number[9:] + check_digit(number)
            if self.optional_data:
                extension += "<" + self.optional_data
            line1_rest = number[:9] + "<" + _field(extension, 15)
        line1 = _field(self.document_code, 2) + _field(self.issuing_state, 3) + line1_rest
        line2 = (self.birth_date + check_digit(self.birth_date) + sex
                 + self.expiry_date + check_digit(self.expiry_date)
                 + _field(self.nationality, 3) + _field(self.optional_data_2, 11))
        line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
        line3 = _name_field(self.surname, self.given_names, 30)
        return f"{line1}\n{line2}\n{line3}"


def _mrz_chars(value: str) -> str:
    """Upper case, spaces as '<'; raises MrzError("charset") for anything else outside the set."""
    text = value.upper().replace(" ", "<")
    _check_charset(text)
    return text


def _field(value: str, width: int) -> str:
    text = _mrz_chars(value)
    if len(text) > width:
        raise MrzError("length")
    return text.ljust(width, "<")


def _name_component(name: str) -> str:
    # 9303-3 §6: hyphens and spaces become '<', apostrophes are left out.
    text = re.sub(r"[\s\-]+", "<", name.strip().upper()).replace("'", "")
    _check_charset(text)
    return text


def _name_field(surname: str, given_names: str, width: int) -> str:
    text = _name_component(surname)
    given = _name_component(given_names)
    if given:
        text += "<<" + given
    return text[:width].ljust(width, "<")


def _parse_name(field_text: str) -> tuple[str, str]:
    surname, _, given = field_text.rstrip("<").partition("<<")
    return " ".join(surname.split("<")).strip(), " ".join(given.replace("<", " ").split())


def _split_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0]) in (88, 90):
        single = lines[0]
        width = 44 if len(single) == 88 else 30
        lines = [single[i:i + width] for i in range(0, len(single), width)]
    return lines


def _verify(data: str, digit: str, name: str) -> None:
    if check_digit(data) != digit:
        raise MrzError(f"check_digit:{name}")


def parse_mrz(text: str) -> Mrz:
    """Parse a TD1 (3 x 30) or TD3 (2 x 44) MRZ, lines separated by newlines; checks the
    characters, every check digit, the composite check digit and the dates. Raises
    :class:`MrzError` with a reason key."""
    lines = _split_lines(text)
    if len(lines) == 3 and all(len(line) == 30 for line in lines):
        kind = "TD1"
    elif len(lines) == 2 and all(len(line) == 44 for line in lines):
        kind = "TD3"
    else:
        raise MrzError("length")
    for line in lines:
        _check_charset(line)
    return _parse_td1(*lines) if kind == "TD1" else _parse_td3(*lines)


def _parse_td3(line1: str, line2: str) -> Mrz:
    if line1[0] not in _TD3_CODES:
        raise MrzError("format")
    number, birth, sex, expiry = line2[0:9], line2[13:19], line2[20], line2[21:27]
    optional = line2[28:42]
    if sex not in _SEXES:
        raise MrzError("format")
    _verify(number, line2[9], "document_number")
    _verify(birth, line2[19], "birth_date")
    _verify(expiry, line2[27], "expiry_date")
    # 9303-4: an empty personal number may have '<' or 0 as its check digit.
    if optional.strip("<") or line2[42] != "<":
        _verify(optional, line2[42], "optional_data")
    _verify(line2[0:10] + line2[13:20] + line2[21:43], line2[43], "composite")
    _check_date(birth, "birth_date")
    _check_date(expiry, "expiry_date")
    surname, given = _parse_name(line1[5:44])
    return Mrz(format="TD3", document_code=line1[0:2].rstrip("<"),
               issuing_state=line1[2:5].rstrip("<"), document_number=number.rstrip("<"),
               birth_date=birth, sex=sex, expiry_date=expiry,
               nationality=line2[10:13].rstrip("<"), surname=surname, given_names=given,
               optional_data=optional.rstrip("<"))


def _parse_td1(line1: str, line2: str, line3: str) -> Mrz:
    if line1[0] not in _TD1_CODES:
        raise MrzError("format")
    optional = line1[15:30]
    if line1[14] == "<":
        # 9303-5 note j: a document number longer than 9 characters continues in the optional
        # data, followed by its check digit and a '<'.
        end = optional.find("<")
        if end == -1:
            end = len(optional)
        if end < 2:
            raise MrzError("check_digit:document_number")
        number = line1[5:14] + optional[:end - 1]
        _verify(number, optional[end - 1], "document_number")
        optional = optional[end + 1:]
    else:
        number = line1[5:14]
        _verify(number, line1[14], "document_number")
    birth, sex, expiry = line2[0:6], line2[7], line2[8:14]
    if sex not in _SEXES:
        raise MrzError("format")
    _verify(birth, line2[6], "birth_date")
    _verify(expiry, line2[14], "expiry_date")
    _verify(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29], line2[29], "composite")
    _check_date(birth, "birth_date")
    _check_date(expiry, "expiry_date")
    surname, given = _parse_name(line3)
    return Mrz(format="TD1", document_code=line1[0:2].rstrip("<"),
               issuing_state=line1[2:5].rstrip("<"), document_number=number.rstrip("<"),
               birth_date=birth, sex=sex, expiry_date=expiry,
               nationality=line2[15:18].rstrip("<"), surname=surname, given_names=given,
               optional_data=optional.rstrip("<"), optional_data_2=line2[18:29].rstrip("<"))


def make_td1(**fields: str) -> str:
    """A TD1 MRZ from field values (document code "I" unless given), for tests and the
    emulator: ``make_td1(issuing_state="KEN", document_number="123456789", ...)``."""
    fields.setdefault("document_code", "I")
    return Mrz(format="TD1", **fields).to_text()


def make_td3(**fields: str) -> str:
    """A TD3 MRZ from field values (document code "P" unless given)."""
    fields.setdefault("document_code", "P")
    return Mrz(format="TD3", **fields).to_text()
