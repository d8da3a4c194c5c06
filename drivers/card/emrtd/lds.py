"""The logical data structure of an eMRTD (ICAO 9303-10): BER-TLV, EF.COM and data groups.

Encoders for the card emulator and parsers for the reader, for EF.COM, DG1 (MRZ), DG2 (face,
with its ISO/IEC 19794-5 record) and DG11 (additional personal details). Pure: bytes in, values
out; malformed input raises :class:`LdsError`.

    tag, value, end = read_tlv(bytes.fromhex("60145F0104303130365F36063034303030305C026175"))
    parse_com(data)                     # ("0106", "040000", [0x61, 0x75])
    size = total_length(first_bytes)    # how much of EF.DG2 to read, from its first 6 bytes
    face = parse_dg2(dg2)               # FaceImage(mime="image/jpeg", width=..., height=...)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drivers.card.emrtd.errors import LdsError
from drivers.card.emrtd.mrz import Mrz, parse_mrz

FID: dict[str, int] = {
    "COM": 0x011E,
    "SOD": 0x011D,
    **{f"DG{n}": 0x0100 + n for n in range(1, 17)},
}
"""Short file identifiers of the LDS elementary files (9303-10 §4.6)."""

DG_NUMBER_BY_TAG: dict[int, int] = {
    0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x68: 8,
    0x69: 9, 0x6A: 10, 0x6B: 11, 0x6C: 12, 0x6D: 13, 0x6E: 14, 0x6F: 15, 0x70: 16,
}
"""The data group number for each data group tag (9303-10 table 34)."""

TAG: dict[str, int] = {
    "COM": 0x60,
    "SOD": 0x77,
    **{f"DG{n}": tag for tag, n in DG_NUMBER_BY_TAG.items()},
}
"""The outer tag of each LDS file."""

_MAX_LENGTH = 0xFFFFFF


# --- BER-TLV ------------------------------------------------------------------------------

def _read_tag(data: bytes, offset: int) -> tuple[int, int]:
    if offset >= len(data):
        raise LdsError("TLV truncated in its tag")
    first = data[offset]
    tag, offset = first, offset + 1
    if first & 0x1F == 0x1F:  # more tag bytes follow, each with b8 set but the last
        while True:
            if offset >= len(data):
                raise LdsError("TLV truncated in its tag")
            byte = data[offset]
            tag, offset = (tag << 8) | byte, offset + 1
            if not byte & 0x80:
                break
            if tag > 0xFFFF:  # no LDS tag is longer than three bytes
                raise LdsError("TLV tag too long")
    return tag, offset


def _read_length(data: bytes, offset: int) -> tuple[int, int]:
    if offset >= len(data):
        raise LdsError("TLV truncated in its length")
    first = data[offset]
    offset += 1
    if first < 0x80:
        return first, offset
    count = first & 0x7F
    if count == 0 or count > 3:  # 0x80 is the indefinite form, not used by the LDS
        raise LdsError("TLV length form not supported")
    if offset + count > len(data):
        raise LdsError("TLV truncated in its length")
    return int.from_bytes(data[offset:offset + count], "big"), offset + count


def read_tlv(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """The (tag, value, next offset) of the TLV at ``offset``. Tags of several bytes (0x5F1F,
    0x7F61) come back as one int; lengths in short form or 0x81, 0x82, 0x83."""
    tag, offset = _read_tag(data, offset)
    length, offset = _read_length(data, offset)
    end = offset + length
    if end > len(data):
        raise LdsError("TLV value truncated")
    return tag, bytes(data[offset:end]), end


def parse_tlvs(data: bytes) -> list[tuple[int, bytes]]:
    """Every TLV of ``data``, in order, at one level."""
    items: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(data):
        tag, value, offset = read_tlv(data, offset)
        items.append((tag, value))
    return items


def encode_length(n: int) -> bytes:
    """The BER length octets of ``n``: short form below 0x80, else 0x81, 0x82 or 0x83."""
    if n < 0 or n > _MAX_LENGTH:
        raise ValueError("TLV length out of range")
    if n < 0x80:
        return bytes([n])
    size = (n.bit_length() + 7) // 8
    return bytes([0x80 | size]) + n.to_bytes(size, "big")


def encode_tlv(tag: int, value: bytes) -> bytes:
    """One TLV: the tag's bytes (0x5F1F is two), the length, the value."""
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tag_bytes + encode_length(len(value)) + value


def total_length(header: bytes) -> int:
    """The size of a whole file (tag, length octets and value) from its first bytes; at most
    the first 6 are needed. Raises :class:`LdsError` when they are too few or malformed."""
    tag_end = _read_tag(header, 0)[1]
    length, value_start = _read_length(header, tag_end)
    return value_start + length


def _outer(data: bytes, tag: int, name: str) -> bytes:
    found, value, _ = read_tlv(data)
    if found != tag:
        raise LdsError(f"{name} has the wrong tag")
    return value


def _first(items: list[tuple[int, bytes]], *tags: int) -> bytes:
    for tag, value in items:
        if tag in tags:
            return value
    raise LdsError(f"data object {tags[0]:X} missing")


def _ascii(value: bytes) -> str:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError as err:
        raise LdsError("text field is not ASCII") from err


# --- EF.COM -------------------------------------------------------------------------------

def encode_com(dg_tags: list[int], lds_version: str = "0107",
               unicode_version: str = "040000") -> bytes:
    """EF.COM: LDS version (5F01), Unicode version (5F36) and the data group tag list (5C)."""
    return encode_tlv(TAG["COM"], encode_tlv(0x5F01, lds_version.encode("ascii"))
                      + encode_tlv(0x5F36, unicode_version.encode("ascii"))
                      + encode_tlv(0x5C, bytes(dg_tags)))


def parse_com(data: bytes) -> tuple[str, str, list[int]]:
    """(LDS version, Unicode version, data group tags) from EF.COM."""
    items = parse_tlvs(_outer(data, TAG["COM"], "EF.COM"))
    return (_ascii(_first(items, 0x5F01)), _ascii(_first(items, 0x5F36)),
            list(_first(items, 0x5C)))


# --- DG1 ----------------------------------------------------------------------------------

def encode_dg1(mrz: Mrz) -> bytes:
    """EF.DG1: the MRZ text, lines run together, in 5F1F."""
    text = mrz.to_text().replace("\n", "")
    return encode_tlv(TAG["DG1"], encode_tlv(0x5F1F, text.encode("ascii")))


def parse_dg1(data: bytes) -> Mrz:
    """The MRZ of EF.DG1. A malformed file raises :class:`LdsError`, an MRZ that does not
    check :class:`~drivers.card.emrtd.errors.MrzError`."""
    text = _ascii(_first(parse_tlvs(_outer(data, TAG["DG1"], "EF.DG1")), 0x5F1F))
    if len(text) == 90:
        width = 30
    elif len(text) == 88:
        width = 44
    else:
        raise LdsError("DG1 holds no TD1 or TD3 MRZ")
    return parse_mrz("\n".join(text[i:i + width] for i in range(0, len(text), width)))


# --- DG2 ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FaceImage:
    """The face image of DG2, the bytes exactly as stored on the chip."""

    data: bytes = field(repr=False)
    mime: str                     # "image/jpeg" or "image/jp2"
    width: int
    height: int


_IMAGE_TYPES = {"image/jpeg": 0, "image/jp2": 1}
_MIME_BY_TYPE = {code: mime for mime, code in _IMAGE_TYPES.items()}
_FACE_HEADER = 14                 # "FAC\0", version, record length, number of faces
_FACE_INFORMATION = 20            # the facial information block before the feature points
_IMAGE_INFORMATION = 12


def _face_record(image: bytes, data_type: int, width: int, height: int) -> bytes:
    """An ISO/IEC 19794-5:2005 face record with one face and no feature points."""
    block_length = _FACE_INFORMATION + _IMAGE_INFORMATION + len(image)
    facial_information = (
        block_length.to_bytes(4, "big")
        + (0).to_bytes(2, "big")       # feature points
        + bytes([0, 0, 0])             # gender, eye colour, hair colour: unspecified
        + bytes(3)                     # feature mask
        + bytes(2)                     # expression
        + bytes(3)                     # pose angle
        + bytes(3)                     # pose angle uncertainty
    )
    image_information = (
        bytes([0x01, data_type])       # face image type: full frontal; image data type
        + width.to_bytes(2, "big") + height.to_bytes(2, "big")
        + bytes([0x01, 0x02])          # colour space: 24-bit RGB; source: static photo
        + bytes(2)                     # device type: unspecified
        + bytes(2)                     # quality: unspecified
    )
    header = (b"FAC\x00" + b"010\x00" + (_FACE_HEADER + block_length).to_bytes(4, "big")
              + (1).to_bytes(2, "big"))
    return header + facial_information + image_information + image


def encode_dg2(image: bytes, mime: str, width: int, height: int) -> bytes:
    """EF.DG2 with one face: 75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E record } } }."""
    if mime not in _IMAGE_TYPES:
        raise ValueError("the face image must be image/jpeg or image/jp2")
    if not (0 <= width <= 0xFFFF and 0 <= height <= 0xFFFF):
        raise ValueError("image size out of range")
    biometric_header = encode_tlv(0xA1, (
        encode_tlv(0x80, b"\x01\x01")       # ICAO header version
        + encode_tlv(0x81, b"\x02")         # biometric type: facial features
        + encode_tlv(0x87, b"\x01\x01")     # format owner: ISO/IEC JTC 1/SC 37
        + encode_tlv(0x88, b"\x00\x08")     # format type: face image (19794-5)
    ))
    record = _face_record(image, _IMAGE_TYPES[mime], width, height)
    template = encode_tlv(0x7F60, biometric_header + encode_tlv(0x5F2E, record))
    group = encode_tlv(0x7F61, encode_tlv(0x02, b"\x01") + template)
    return encode_tlv(TAG["DG2"], group)


def _sniff_mime(image: bytes) -> str:
    if image.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if image.startswith(b"\x00\x00\x00\x0cjP") or image.startswith(b"\xff\x4f\xff\x51"):
        return "image/jp2"
    raise LdsError("DG2 image is neither JPEG nor JPEG 2000")


def _parse_face_record(record: bytes) -> FaceImage:
    if len(record) < _FACE_HEADER + _FACE_INFORMATION or record[:4] != b"FAC\x00":
        raise LdsError("DG2 holds no ISO/IEC 19794-5 face record")
    if record[4:8] != b"010\x00":
        raise LdsError("DG2 face record version not supported")
    if int.from_bytes(record[12:14], "big") < 1:
        raise LdsError("DG2 face record holds no face")
    block_length = int.from_bytes(record[14:18], "big")
    points = int.from_bytes(record[18:20], "big")
    info = _FACE_HEADER + _FACE_INFORMATION + 8 * points
    image_start = info + _IMAGE_INFORMATION
    image_end = _FACE_HEADER + block_length
    if image_start > image_end or image_end > len(record):
        raise LdsError("DG2 face record truncated")
    data_type = record[info + 1]
    width = int.from_bytes(record[info + 2:info + 4], "big")
    height = int.from_bytes(record[info + 4:info + 6], "big")
    image = record[image_start:image_end]
    mime = _MIME_BY_TYPE.get(data_type) or _sniff_mime(image)
    return FaceImage(data=image, mime=mime, width=width, height=height)


def parse_dg2(data: bytes) -> FaceImage:
    """The first face image of EF.DG2 (5F2E or 7F2E biometric data block)."""
    group = _first(parse_tlvs(_outer(data, TAG["DG2"], "EF.DG2")), 0x7F61)
    template = _first(parse_tlvs(group), 0x7F60)
    record = _first(parse_tlvs(template), 0x5F2E, 0x7F2E)
    return _parse_face_record(record)


# --- DG11 ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AdditionalDetails:
    """DG11, additional personal details. Names use '<<' between surname and given names, as
    on the chip; every field is optional."""

    full_name: str | None = field(default=None, repr=False)
    other_names: tuple[str, ...] = field(default=(), repr=False)
    personal_number: str | None = field(default=None, repr=False)
    full_date_of_birth: str | None = field(default=None, repr=False)   # YYYYMMDD
    place_of_birth: str | None = field(default=None, repr=False)
    address: str | None = field(default=None, repr=False)
    telephone: str | None = field(default=None, repr=False)
    profession: str | None = field(default=None, repr=False)
    title: str | None = field(default=None, repr=False)


_DG11_FIELDS: tuple[tuple[int, str], ...] = (   # in the order of 9303-10 table 48
    (0x5F0E, "full_name"),
    (0x5F0F, "other_names"),
    (0x5F10, "personal_number"),
    (0x5F2B, "full_date_of_birth"),
    (0x5F11, "place_of_birth"),
    (0x5F42, "address"),
    (0x5F12, "telephone"),
    (0x5F13, "profession"),
    (0x5F14, "title"),
)
_DG11_NAME_BY_TAG = dict(_DG11_FIELDS)


def encode_dg11(details: AdditionalDetails) -> bytes:
    """EF.DG11: 6B { 5C tag list, then each present field; other names in A0 { 02 count,
    5F0F ... } }."""
    present: list[int] = []
    body = b""
    for tag, name in _DG11_FIELDS:
        value = getattr(details, name)
        if not value:
            continue
        present.append(tag)
        if tag == 0x5F0F:
            names = b"".join(encode_tlv(0x5F0F, other.encode("utf-8")) for other in value)
            body += encode_tlv(0xA0, encode_tlv(0x02, bytes([len(value)])) + names)
        else:
            body += encode_tlv(tag, value.encode("utf-8"))
    tag_list = b"".join(tag.to_bytes(2, "big") for tag in present)
    return encode_tlv(TAG["DG11"], encode_tlv(0x5C, tag_list) + body)


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as err:
        raise LdsError("DG11 field is not UTF-8") from err


def parse_dg11(data: bytes) -> AdditionalDetails:
    """The fields of EF.DG11 that :class:`AdditionalDetails` knows; other tags are skipped."""
    values: dict[str, str] = {}
    other_names: list[str] = []
    for tag, value in parse_tlvs(_outer(data, TAG["DG11"], "EF.DG11")):
        if tag == 0xA0:
            other_names += [_text(v) for t, v in parse_tlvs(value) if t == 0x5F0F]
        elif tag == 0x5F0F:
            other_names.append(_text(value))
        elif tag == 0x5F2B and len(value) == 4:
            values["full_date_of_birth"] = value.hex()    # the packed-BCD form
        elif tag in _DG11_NAME_BY_TAG:
            values[_DG11_NAME_BY_TAG[tag]] = _text(value)
    return AdditionalDetails(other_names=tuple(other_names), **values)
