"""Receipt tokens: exact bytes and text for a fixed key, and refusals for everything else."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk_app.receipts import keys as keys_module
from kiosk_app.receipts import token as token_module
from kiosk_app.receipts.keys import DeviceKey, KeyDirectory
from kiosk_app.receipts.token import (
    MAX_TOKEN_CHARS,
    MESSAGES,
    ReceiptClaims,
    TokenError,
    decode_unverified,
    issue,
    verify,
)

# RFC 8032, section 7.1, TEST 1: its secret key, and the public key the RFC gives for it.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
KEY = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DEVICE = "KSK-NBI-0042"
AT = datetime(2026, 3, 14, 8, 5, 9, tzinfo=timezone.utc)
CLAIMS = ReceiptClaims("HK-2026-000123", "PASSPORT", 105_000, AT, DEVICE)
TOKEN = ("HK1:AEQ74MO7ABU3KFVVVC2AMDSIJMWTEMBSGYWTAMBQGEZDGCCQIFJVGUCPKJKAYS2TJMWU4QSJFUYDANBSD2OUQUCF"
         "OX662M6SEVW5TTZD6AO3T3AJFYVZXHJI2AW7XHYPCWACQ3VMUBE2VQTC2KO2HZSAD26TLKHGB5IONJYPEM73VCYCIK"
         "SBSBI")
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
HEADER_CHARS = 8
"""Base32 characters 0-7 of the body carry exactly the version and the key id (40 bits)."""


def directory(*device_keys: tuple[Ed25519PrivateKey, str]) -> KeyDirectory:
    return KeyDirectory(DeviceKey(k).public_entry(d) for k, d in device_keys)


TRUSTED = directory((KEY, DEVICE))


def body_bytes(token: str) -> bytes:
    body = token.removeprefix("HK1:")
    return base64.b32decode(body + "=" * (-len(body) % 8))


def as_token(data: bytes) -> str:
    return "HK1:" + base64.b32encode(data).decode().rstrip("=")


def reason(token: str, keys: KeyDirectory = TRUSTED, now: datetime = AT) -> str:
    with pytest.raises(TokenError) as caught:
        verify(token, keys, now=now)
    return caught.value.reason


def test_the_fixed_key_is_rfc_8032s() -> None:
    assert DeviceKey(KEY).public_key_bytes == RFC8032_PUBLIC


def test_exact_token_and_round_trip() -> None:
    assert issue(CLAIMS, KEY) == TOKEN
    assert verify(TOKEN, TRUSTED, now=AT) == CLAIMS
    # the layout, byte by byte, from first principles
    key_id = hashlib.sha256(RFC8032_PUBLIC).digest()[:4]
    seconds = (AT - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(seconds=1)
    expected = (b"\x01" + key_id + seconds.to_bytes(5, "big")
                + bytes([0xA8, 0xB4, 0x06])  # 105000 = 40 + 52 * 128 + 6 * 128**2, LEB128
                + b"\x0eHK-2026-000123" + b"\x08PASSPORT" + b"\x0cKSK-NBI-0042")
    data = body_bytes(TOKEN)
    assert data[:-64] == expected
    KEY.public_key().verify(data[-64:], expected)
    assert len(TOKEN) == 187 and set(TOKEN) <= QR_ALPHANUMERIC


def test_decode_unverified_shows_what_the_token_states() -> None:
    assert decode_unverified(TOKEN) == (CLAIMS, bytes.fromhex("21fe31df"))
    stranger = issue(CLAIMS, OTHER_KEY)
    assert decode_unverified(stranger)[1] == DeviceKey(OTHER_KEY).key_id


def test_longest_token_is_qr_alphanumeric_and_its_length_is_known() -> None:
    longest = ReceiptClaims("R" * 22, "S" * 16, 10**11, datetime(9999, 12, 31, 23, 59, 59,
                                                                   tzinfo=timezone.utc), "D" * 32)
    token = issue(longest, KEY)
    assert set(token) <= QR_ALPHANUMERIC
    assert len(token) == MAX_TOKEN_CHARS == 249
    assert verify(token, directory((KEY, "D" * 32)), now=longest.issued_at) == longest
    assert len(TOKEN) < 250  # a typical receipt


def test_claims_are_checked_when_made() -> None:
    good = dict(reference="HK-1", service_code="ID_CARD", amount_cents=0, issued_at=AT, device_id="K-1")
    ReceiptClaims(**good)
    for field, bad in [("reference", "hk-1"), ("reference", ""), ("reference", "R" * 25),
                       ("reference", "HK-1\n"), ("service_code", "S" * 17), ("device_id", "K1"),
                       ("device_id", "D" * 33), ("amount_cents", -1), ("amount_cents", 10**11 + 1),
                       ("amount_cents", True), ("amount_cents", 1.0),
                       ("issued_at", AT.replace(tzinfo=None)), ("issued_at", AT.replace(microsecond=1)),
                       ("issued_at", datetime(1969, 12, 31, tzinfo=timezone.utc))]:
        with pytest.raises(ValueError):
            ReceiptClaims(**{**good, field: bad})
    nairobi = AT.astimezone(timezone(timedelta(hours=3)))
    assert ReceiptClaims(**{**good, "issued_at": nairobi}).issued_at.tzinfo is timezone.utc


def test_a_scanner_newline_is_ignored() -> None:
    assert verify(TOKEN + "\r\n", TRUSTED, now=AT) == CLAIMS


def test_other_codes_are_not_receipts() -> None:
    for text in ["", "https://www.ecitizen.go.ke/", "HK1", TOKEN.lower(), "hk1:" + TOKEN[4:],
                 TOKEN[:50] + "=" + TOKEN[51:], TOKEN + "=", "HK1:" + "0" * 20]:
        assert reason(text) == "not_a_receipt", text


def test_malformed() -> None:
    data = body_bytes(TOKEN)
    for text in ["HK1:", TOKEN[:-1], TOKEN[:-8], TOKEN + "A", TOKEN + "AA", "HK1:AE",
                 as_token(data + b"\x00"), as_token(data[:-1]), "HK1:" + "A" * 1000]:
        assert reason(text) == "malformed", text
    overlong = data[:10] + b"\x80\x00" + data[13:-64]  # an amount of 0, not in its shortest form
    assert reason(as_token(overlong + KEY.sign(overlong))) == "malformed"


def test_a_newer_version() -> None:
    assert reason("HK2:" + TOKEN[4:]) == "unsupported_version"
    assert reason(as_token(b"\x02" + body_bytes(TOKEN)[1:])) == "unsupported_version"


def test_a_device_this_kiosk_does_not_know() -> None:
    assert reason(issue(CLAIMS, OTHER_KEY)) == "unknown_key"
    assert reason(TOKEN, KeyDirectory()) == "unknown_key"
    assert MESSAGES["unknown_key"].startswith(
        "This receipt comes from a device this kiosk does not know yet.")


def test_another_key_under_a_trusted_key_id_is_a_forgery() -> None:
    forged = bytearray(body_bytes(issue(CLAIMS, OTHER_KEY)))
    forged[1:5] = DeviceKey(KEY).key_id
    # re-signing does not help either: the signature is checked with the trusted key only
    resigned = bytes(forged[:-64]) + OTHER_KEY.sign(bytes(forged[:-64]))
    assert reason(as_token(bytes(forged))) == "bad_signature"
    assert reason(as_token(resigned)) == "bad_signature"


def test_a_genuine_key_signing_for_another_device_is_refused() -> None:
    other_device = ReceiptClaims(CLAIMS.reference, CLAIMS.service_code, CLAIMS.amount_cents, AT,
                                 "KSK-MSA-0007")
    assert reason(issue(other_device, KEY)) == "bad_signature"


def test_two_keys_sharing_a_key_id_are_both_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    same = lambda public: b"\x00\x00\x00\x00"  # noqa: E731 - a collision, made to happen
    monkeypatch.setattr(keys_module, "key_id_for", same)
    monkeypatch.setattr(token_module, "key_id_for", same)
    both = KeyDirectory([{**DeviceKey(OTHER_KEY).public_entry("KSK-MSA-0007"), "key_id": "00000000"},
                         {**DeviceKey(KEY).public_entry(DEVICE), "key_id": "00000000"}])
    assert len(both.entries_for(b"\x00\x00\x00\x00")) == 2
    assert verify(issue(CLAIMS, KEY), both, now=AT) == CLAIMS


def test_from_the_future() -> None:
    later = ReceiptClaims(CLAIMS.reference, CLAIMS.service_code, CLAIMS.amount_cents,
                          AT + timedelta(minutes=10), DEVICE)
    assert verify(issue(later, KEY), TRUSTED, now=AT) == later
    sooner = AT - timedelta(seconds=1)
    assert reason(issue(later, KEY), now=sooner) == "from_the_future"
    assert verify(TOKEN, TRUSTED, now=AT + timedelta(days=3650)) == CLAIMS  # old receipts stay good


def test_every_refusal_has_a_message() -> None:
    assert set(MESSAGES) == {"not_a_receipt", "malformed", "unsupported_version", "unknown_key",
                             "bad_signature", "from_the_future"}
    assert TokenError("bad_signature").message == (
        "This receipt could not be checked: it has been altered or is not genuine.")


@settings(max_examples=400, deadline=None)
@given(position=st.integers(min_value=4, max_value=len(TOKEN) - 1),
       replacement=st.sampled_from(B32) | st.characters())
def test_one_changed_character_never_gives_claims(position: int, replacement: str) -> None:
    if replacement == TOKEN[position]:
        return
    altered = TOKEN[:position] + replacement + TOKEN[position + 1:]
    with pytest.raises(TokenError) as caught:
        verify(altered, TRUSTED, now=AT)
    if replacement in B32:
        index = position - 4
        expected = ({"unsupported_version", "unknown_key"} if index < HEADER_CHARS
                    else {"bad_signature", "malformed"})
        assert caught.value.reason in expected


def _never_anything_but_token_error(text: str) -> None:
    for call in (lambda: verify(text, TRUSTED, now=AT), lambda: decode_unverified(text)):
        try:
            call()
        except TokenError as err:
            assert err.reason in MESSAGES


_header = st.sampled_from([b"\x01", b"\x01" + DeviceKey(KEY).key_id])


@settings(max_examples=500, deadline=None)
@given(st.one_of(
    st.text(),
    st.binary(max_size=400).map(lambda b: b.decode("latin-1")),
    st.text(alphabet=B32 + "=:1HK", max_size=300).map(lambda s: "HK1:" + s),
    st.binary(max_size=200).map(as_token),
    st.tuples(_header, st.binary(max_size=200)).map(lambda p: as_token(p[0] + p[1])),
    st.tuples(st.integers(0, 10**12), st.binary(max_size=120)).map(
        lambda p: as_token(b"\x01" + DeviceKey(KEY).key_id + b"\x00\x00\x00\x00\x01"
                           + token_module._uvarint(p[0]) + p[1])),
))
def test_any_text_is_refused_only_with_token_error(text: str) -> None:
    _never_anything_but_token_error(text)


def test_not_a_string_is_not_a_receipt() -> None:
    for thing in [None, b"HK1:AE", 42]:
        with pytest.raises(TokenError):
            verify(thing, TRUSTED, now=AT)  # type: ignore[arg-type]


# The technician's command, through a parser of its own as the real CLI wires it.

def run_receipt(argv: list[str]) -> int:
    import argparse

    from kiosk_app.receipt_commands import add_receipt_commands

    parser = argparse.ArgumentParser(prog="huduma-kiosk")
    add_receipt_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def kiswahili(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed Kiswahili catalogue for the strings these tests print, whatever sw.po holds."""
    from kiosk_app import i18n

    words = {"This receipt is genuine.": "Risiti hii ni halali.",
             MESSAGES["bad_signature"]: "Risiti hii haikuweza kuthibitishwa: imebadilishwa au si halali."}

    class Catalogue:
        @staticmethod
        def gettext(message: str) -> str:
            return words.get(message, message)

    monkeypatch.setattr(i18n, "translator", lambda language: Catalogue)


@pytest.fixture
def keys_file(tmp_path) -> str:  # noqa: ANN001
    path = tmp_path / "receipt-keys.json"
    TRUSTED.save(path)
    return str(path)


def test_cli_verify_prints_what_the_receipt_proves(kiswahili, keys_file, capsys) -> None:  # noqa: ANN001
    assert run_receipt(["receipt", "verify", TOKEN, "--keys", keys_file]) == 0
    assert capsys.readouterr().out == (
        "This receipt is genuine.\n"
        "Risiti hii ni halali.\n"
        "Reference:  HK-2026-000123\n"
        "Service:    PASSPORT\n"
        "Amount:     KES 1,050.00\n"
        "Issued at:  2026-03-14 11:05:09 EAT (UTC+3)\n"
        "Device:     KSK-NBI-0042\n")


def test_cli_verify_json(keys_file, capsys) -> None:  # noqa: ANN001
    import json

    assert run_receipt(["receipt", "verify", TOKEN, "--keys", keys_file, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "valid": True, "reference": "HK-2026-000123", "service_code": "PASSPORT",
        "amount_cents": 105000, "amount": "KES 1,050.00", "issued_at": "2026-03-14T08:05:09Z",
        "issued_at_local": "2026-03-14T11:05:09+03:00", "device_id": "KSK-NBI-0042"}
    altered = TOKEN[:-20] + ("B" if TOKEN[-20] != "B" else "C") + TOKEN[-19:]  # in the signature
    assert run_receipt(["receipt", "verify", altered, "--keys", keys_file, "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "valid": False, "reason": "bad_signature", "message": MESSAGES["bad_signature"]}


def test_cli_verify_refuses_an_altered_receipt_in_both_languages(kiswahili, keys_file,  # noqa: ANN001
                                                                 capsys) -> None:  # noqa: ANN001
    altered = TOKEN[:-20] + ("B" if TOKEN[-20] != "B" else "C") + TOKEN[-19:]  # in the signature
    assert run_receipt(["receipt", "verify", altered, "--keys", keys_file]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("This receipt could not be checked: it has been altered or is not genuine.\n"
                   "Risiti hii haikuweza kuthibitishwa: imebadilishwa au si halali.\n")


def test_cli_verify_names_the_unknown_key_for_the_technician(tmp_path, capsys) -> None:  # noqa: ANN001
    assert run_receipt(["receipt", "verify", TOKEN, "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(MESSAGES["unknown_key"] + "\n")
    assert err.endswith("(not checked: key 21fe31df, device KSK-NBI-0042; 0 keys known)\n")
    assert run_receipt(["receipt", "verify", TOKEN, "--keys", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err == f"There is no key directory at {tmp_path / 'missing.json'}.\n"
