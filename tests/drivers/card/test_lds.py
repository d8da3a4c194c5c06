"""The LDS: BER-TLV, EF.COM (the 9303 example), DG1, DG2 with its 19794-5 record, DG11."""
from __future__ import annotations

import pytest

from drivers.card.emrtd.errors import LdsError, MrzError
from drivers.card.emrtd.lds import (
    DG_NUMBER_BY_TAG,
    FID,
    TAG,
    AdditionalDetails,
    FaceImage,
    encode_com,
    encode_dg1,
    encode_dg2,
    encode_dg11,
    encode_length,
    encode_tlv,
    parse_com,
    parse_dg1,
    parse_dg2,
    parse_dg11,
    parse_tlvs,
    read_tlv,
    total_length,
)
from drivers.card.emrtd.mrz import parse_mrz

h = bytes.fromhex

EF_COM = h("60145F0104303130365F36063034303030305C026175")
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<\n"
       "7408122F1204159UTO<<<<<<<<<<<6\n"
       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
JPEG = h("FFD8FFE000104A46494600010100000100010000") + bytes(range(256)) * 3 + h("FFD9")
JP2 = h("0000000C6A5020200D0A870A") + bytes(range(255, -1, -1)) * 2
J2K = h("FF4FFF51") + bytes(100)


# --- TLV -----------------------------------------------------------------------------------

def test_read_tlv_of_ef_com() -> None:
    assert read_tlv(EF_COM) == (0x60, EF_COM[2:], 22)
    assert parse_tlvs(EF_COM[2:]) == [(0x5F01, b"0106"), (0x5F36, b"040000"), (0x5C, h("6175"))]
    assert read_tlv(EF_COM, 2) == (0x5F01, b"0106", 9)


@pytest.mark.parametrize("n, encoded", [
    (0, h("00")),
    (0x7F, h("7F")),
    (0x80, h("8180")),
    (0xFF, h("81FF")),
    (0x100, h("820100")),
    (0xFFFF, h("82FFFF")),
    (0x10000, h("83010000")),
    (0xFFFFFF, h("83FFFFFF")),
])
def test_lengths(n: int, encoded: bytes) -> None:
    assert encode_length(n) == encoded
    tlv = encode_tlv(0x5F2E, bytes(n))
    assert tlv[:2] == h("5F2E") and tlv[2:2 + len(encoded)] == encoded
    assert total_length(tlv[:6]) == len(tlv)
    assert read_tlv(tlv) == (0x5F2E, bytes(n), len(tlv))


def test_encode_length_out_of_range() -> None:
    with pytest.raises(ValueError):
        encode_length(0x1000000)


def test_multi_byte_tags() -> None:
    assert encode_tlv(0x7F61, b"\x01") == h("7F610101")
    assert encode_tlv(0x02, b"\x01") == h("020101")
    assert read_tlv(h("7F2E020102")) == (0x7F2E, h("0102"), 5)
    assert read_tlv(h("5F810101AA")) == (0x5F8101, h("AA"), 5)   # three tag bytes
    with pytest.raises(LdsError):
        read_tlv(h("5F81818101AA"))                                # four are too many


def test_total_length_of_a_20_kb_dg2_header() -> None:
    dg2 = encode_dg2(JPEG[:2] + bytes(20_000), "image/jpeg", 480, 640)
    # record 14 + 20 + 12 + 20002 = 20048; 5F2E TLV 20053; 7F60 value 17 + 20053; 7F61 value
    # 3 + 20075; DG2 value 20083 = 0x4E73.
    assert dg2[:4] == h("75824E73")
    assert len(dg2) == 20087
    assert total_length(dg2[:6]) == len(dg2)
    assert total_length(dg2[:4]) == len(dg2)
    with pytest.raises(LdsError):
        total_length(dg2[:3])             # the length is cut off


@pytest.mark.parametrize("data", [
    h("6005010203"),          # value shorter than its length
    h("5F"),                  # tag cut off
    h("60"),                  # no length
    h("6081"),                # long form without its byte
    h("6080"),                # indefinite length
    h("608400000001AA"),      # four length bytes
    h("5F1F8201"),            # 0x82 with one byte
])
def test_malformed_tlv(data: bytes) -> None:
    with pytest.raises(LdsError):
        read_tlv(data)
    with pytest.raises(LdsError):
        parse_tlvs(data)


def test_total_length_malformed() -> None:
    for header in (b"", h("75"), h("7580"), h("7585010203")):
        with pytest.raises(LdsError):
            total_length(header)


# --- constants ------------------------------------------------------------------------------

def test_constants() -> None:
    assert {name: FID[name] for name in ("COM", "DG1", "DG2", "DG11", "SOD")} == {
        "COM": 0x011E, "DG1": 0x0101, "DG2": 0x0102, "DG11": 0x010B, "SOD": 0x011D}
    assert {name: TAG[name] for name in ("COM", "DG1", "DG2", "DG11", "SOD")} == {
        "COM": 0x60, "DG1": 0x61, "DG2": 0x75, "DG11": 0x6B, "SOD": 0x77}
    assert DG_NUMBER_BY_TAG == {
        0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x68: 8,
        0x69: 9, 0x6A: 10, 0x6B: 11, 0x6C: 12, 0x6D: 13, 0x6E: 14, 0x6F: 15, 0x70: 16}
    assert FID["DG16"] == 0x0110 and TAG["DG16"] == 0x70


# --- EF.COM --------------------------------------------------------------------------------

def test_ef_com_example() -> None:
    assert parse_com(EF_COM) == ("0106", "040000", [0x61, 0x75])
    assert encode_com([0x61, 0x75], lds_version="0106") == EF_COM
    assert encode_com([0x61, 0x75, 0x6B]) == h("60155F0104303130375F36063034303030305C0361756B")


def test_ef_com_malformed() -> None:
    with pytest.raises(LdsError):
        parse_com(h("61145F0104303130365F36063034303030305C026175"))   # not tag 60
    with pytest.raises(LdsError):
        parse_com(h("600E5F0104303130365F3606303430303030"))            # no tag list


# --- DG1 -----------------------------------------------------------------------------------

def test_dg1_td3() -> None:
    dg1 = encode_dg1(parse_mrz(TD3))
    assert dg1 == h("615B5F1F58") + TD3.replace("\n", "").encode()
    assert parse_dg1(dg1) == parse_mrz(TD3)


def test_dg1_td1() -> None:
    dg1 = encode_dg1(parse_mrz(TD1))
    assert dg1 == h("615D5F1F5A") + TD1.replace("\n", "").encode()
    assert parse_dg1(dg1) == parse_mrz(TD1)


def test_dg1_malformed() -> None:
    with pytest.raises(LdsError):
        parse_dg1(encode_tlv(0x61, encode_tlv(0x5F1F, b"P<UTO")))
    with pytest.raises(LdsError):
        parse_dg1(encode_tlv(0x61, b""))
    with pytest.raises(MrzError):
        parse_dg1(encode_tlv(0x61, encode_tlv(0x5F1F, TD3.replace("\n", "")[:-1].encode() + b"9")))


# --- DG2 -----------------------------------------------------------------------------------

def test_dg2_exact_structure() -> None:
    image = h("FFD8FFD9")
    dg2 = encode_dg2(image, "image/jpeg", 0x01E0, 0x0280)
    record = (b"FAC\x00" b"010\x00" + h("00000032") + h("0001")
              + h("00000024") + h("0000") + h("000000") + h("000000") + h("0000")
              + h("000000") + h("000000")
              + h("01" "00" "01E0" "0280" "01" "02" "0000" "0000") + image)
    assert len(record) == 0x32
    assert dg2 == (h("754F" "7F614C" "020101" "7F6046"
                     "A10F" "80020101" "810102" "87020101" "88020008" "5F2E32") + record)
    assert parse_dg2(dg2) == FaceImage(data=image, mime="image/jpeg", width=480, height=640)


@pytest.mark.parametrize("image, mime", [(JPEG, "image/jpeg"), (JP2, "image/jp2"),
                                         (JPEG[:2] + bytes(30_000), "image/jpeg")])
def test_dg2_round_trip_is_byte_identical(image: bytes, mime: str) -> None:
    face = parse_dg2(encode_dg2(image, mime, 413, 531))
    assert face.data == image
    assert (face.mime, face.width, face.height) == (mime, 413, 531)


def _with_data_type(dg2: bytes, data_type: int) -> bytes:
    at = dg2.index(b"FAC\x00") + 14 + 20 + 1
    return dg2[:at] + bytes([data_type]) + dg2[at + 1:]


@pytest.mark.parametrize("image, mime", [(JPEG, "image/jpeg"), (JP2, "image/jp2"),
                                         (J2K, "image/jp2")])
def test_dg2_unknown_data_type_falls_back_to_magic(image: bytes, mime: str) -> None:
    dg2 = _with_data_type(encode_dg2(image, "image/jpeg", 10, 20), 0x7F)
    assert parse_dg2(dg2) == FaceImage(data=image, mime=mime, width=10, height=20)


def test_dg2_unknown_data_type_and_unknown_magic() -> None:
    dg2 = _with_data_type(encode_dg2(b"GIF89a", "image/jpeg", 10, 20), 0x7F)
    with pytest.raises(LdsError):
        parse_dg2(dg2)


def test_dg2_accepts_7f2e_and_feature_points() -> None:
    image = JPEG
    block = 20 + 8 * 2 + 12 + len(image)
    record = (b"FAC\x00010\x00" + (14 + block).to_bytes(4, "big") + h("0001")
              + block.to_bytes(4, "big") + h("0002") + bytes(14) + bytes(16)
              + h("0100000A000B01020000 0000".replace(" ", "")) + image)
    dg2 = encode_tlv(0x75, encode_tlv(0x7F61, h("020101") + encode_tlv(
        0x7F60, encode_tlv(0xA1, h("80020101")) + encode_tlv(0x7F2E, record))))
    assert parse_dg2(dg2) == FaceImage(data=image, mime="image/jpeg", width=10, height=11)


def test_dg2_malformed() -> None:
    dg2 = encode_dg2(JPEG, "image/jpeg", 10, 20)
    with pytest.raises(LdsError):
        parse_dg2(dg2[:-1])                                          # TLV truncated
    with pytest.raises(LdsError):
        parse_dg2(dg2.replace(b"FAC\x00", b"FAX\x00"))               # not a face record
    with pytest.raises(LdsError):
        parse_dg2(encode_tlv(0x75, encode_tlv(0x7F61, h("020101"))))  # no template
    with pytest.raises(LdsError):
        parse_dg2(encode_tlv(0x61, b""))                             # not DG2
    at = dg2.index(b"FAC\x00") + 14
    too_long = dg2[:at] + (0x7FFFFFFF).to_bytes(4, "big") + dg2[at + 4:]
    with pytest.raises(LdsError):
        parse_dg2(too_long)                                          # block past the record
    with pytest.raises(ValueError):
        encode_dg2(JPEG, "image/png", 10, 20)


# --- DG11 ----------------------------------------------------------------------------------

DETAILS = AdditionalDetails(
    full_name="OTIENO<<BRIAN<OCHIENG",
    other_names=("OTIENO<<BRIAN", "ODHIAMBO<<B"),
    personal_number="12345678",
    full_date_of_birth="19900101",
    place_of_birth="KISUMU<KENYA",
    address="P.O. BOX 1<NAIROBI",
    telephone="+254700000000",
    profession="TEACHER",
    title="DR",
)


def test_dg11_round_trip() -> None:
    assert parse_dg11(encode_dg11(DETAILS)) == DETAILS


def test_dg11_exact_bytes() -> None:
    dg11 = encode_dg11(AdditionalDetails(full_name="A<<B", other_names=("C",),
                                         personal_number="12"))
    assert dg11 == h("6B1D" "5C065F0E5F0F5F10" "5F0E04413C3C42"
                     "A007" "020101" "5F0F0143" "5F10023132")


def test_dg11_sparse_and_bcd_date() -> None:
    assert parse_dg11(encode_dg11(AdditionalDetails(personal_number="9"))) == \
        AdditionalDetails(personal_number="9")
    dg11 = encode_tlv(0x6B, h("5C025F2B") + h("5F2B0419900101") + h("5F15020000")
                      + h("5F0F0158"))
    assert parse_dg11(dg11) == AdditionalDetails(full_date_of_birth="19900101",
                                                 other_names=("X",))


def test_dg11_malformed() -> None:
    with pytest.raises(LdsError):
        parse_dg11(h("6B055C025F0E"))
    with pytest.raises(LdsError):
        parse_dg11(encode_tlv(0x6B, h("5F0E02FFFE")))       # not UTF-8


# --- privacy -------------------------------------------------------------------------------

def test_repr_shows_no_personal_data() -> None:
    assert repr(DETAILS) == "AdditionalDetails()"
    face = parse_dg2(encode_dg2(JPEG, "image/jpeg", 10, 20))
    assert repr(face) == "FaceImage(mime='image/jpeg', width=10, height=20)"
