"""What a scanned code means: each form exactly, every refusal, and no text that raises."""
from __future__ import annotations

import json
import logging
from datetime import date, datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk_app.identity import Identity
from kiosk_app.receipts.keys import DeviceKey, KeyDirectory
from kiosk_app.receipts.token import MESSAGES, ReceiptClaims, issue
from kiosk_app.scans import (
    ID_UNREADABLE,
    MAX_SCAN_CHARS,
    NOT_OURS,
    DigitalIdScan,
    QueueTicketScan,
    ReceiptScan,
    RefusedReceipt,
    Unknown,
    interpret,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
STRANGER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
DEVICE = "KSK-NBI-0042"
AT = datetime(2026, 3, 14, 8, 5, 9, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 14, 9, 0, 0, tzinfo=timezone.utc)
CLAIMS = ReceiptClaims("HK-2026-000123", "PASSPORT", 105_000, AT, DEVICE)
KEYS = KeyDirectory([DeviceKey(KEY).public_entry(DEVICE)])
TOKEN = issue(CLAIMS, KEY)
MEANINGS = (ReceiptScan, RefusedReceipt, DigitalIdScan, QueueTicketScan, Unknown)

# The ICAO 9303 specimens (as in tests/drivers/card/test_mrz.py).
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<\n"
       "7408122F1204159UTO<<<<<<<<<<<6\n"
       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")

DIGITAL_ID = {"huduma_id": 1, "surname": "Otieno", "given_names": "Akinyi  Grace",
              "id_number": "12345678", "birth_date": "1990-02-28"}


def scan(text: str) -> object:
    return interpret(text, keys=KEYS, now=NOW)


def altered(token: str) -> str:
    """The token with one character of the signed amount changed (still base32)."""
    i = 4 + 17
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]


# Receipts.

def test_a_genuine_receipt_verifies() -> None:
    assert scan(TOKEN) == ReceiptScan(CLAIMS)


@pytest.mark.parametrize("around", [("", "\r\n"), ("", "\n"), ("  ", " \r\n"), ("\t", "\r")])
def test_whitespace_and_enter_around_a_receipt_are_ignored(around: tuple[str, str]) -> None:
    assert scan(around[0] + TOKEN + around[1]) == ReceiptScan(CLAIMS)


def test_an_altered_receipt_is_refused() -> None:
    meaning = scan(altered(TOKEN))
    assert isinstance(meaning, RefusedReceipt)
    assert meaning.reason in ("bad_signature", "malformed")
    assert meaning.message == MESSAGES[meaning.reason]


def test_a_receipt_with_its_last_signature_byte_changed_is_bad_signature() -> None:
    last = "A" if TOKEN[-2] != "A" else "B"
    assert scan(TOKEN[:-2] + last + TOKEN[-1]) == RefusedReceipt("bad_signature",
                                                                 MESSAGES["bad_signature"])


def test_a_receipt_from_an_unknown_device_is_refused() -> None:
    assert scan(issue(CLAIMS, STRANGER)) == RefusedReceipt("unknown_key", MESSAGES["unknown_key"])


def test_a_receipt_from_the_future_is_refused() -> None:
    early = datetime(2026, 3, 14, 7, 0, 0, tzinfo=timezone.utc)
    assert interpret(TOKEN, keys=KEYS, now=early) == RefusedReceipt(
        "from_the_future", MESSAGES["from_the_future"])


@pytest.mark.parametrize("text, reason", [
    ("HK2:AEQ74MO7", "unsupported_version"),
    ("HK1:", "malformed"),
    ("HK1:not base32!", "not_a_receipt"),
])
def test_what_looks_like_a_receipt_is_refused_with_the_tokens_reason(text: str, reason: str) -> None:
    assert scan(text) == RefusedReceipt(reason, MESSAGES[reason])


def test_receipt_claims_stay_out_of_repr() -> None:
    assert "HK-2026-000123" not in repr(scan(TOKEN))


# Digital IDs: the MRZ form.

def test_the_td3_specimen_is_a_digital_id() -> None:
    assert scan(TD3) == DigitalIdScan(Identity(
        source="qr", surname="ERIKSSON", given_names="ANNA MARIA", document_number="L898902C3",
        id_number="ZE184226B", birth_date=date(1974, 8, 12), sex="F", nationality="UTO",
        expiry_date=date(2012, 4, 15)))


def test_the_td1_specimen_is_a_digital_id() -> None:
    assert scan(TD1) == DigitalIdScan(Identity(
        source="qr", surname="ERIKSSON", given_names="ANNA MARIA", document_number="D23145890",
        id_number=None, birth_date=date(1974, 8, 12), sex="F", nationality="UTO",
        expiry_date=date(2012, 4, 15)))


def test_an_mrz_with_crlf_lines_and_enter_is_read() -> None:
    assert scan(TD1.replace("\n", "\r\n") + "\r\n") == scan(TD1)


def test_an_mrz_with_a_wrong_check_digit_is_an_unreadable_id() -> None:
    broken = TD3[:-1] + "9"
    assert scan(broken) == Unknown(ID_UNREADABLE)


def test_a_birth_year_after_this_one_is_last_century() -> None:
    meaning = interpret(TD1, keys=KEYS, now=datetime(1975, 1, 1, tzinfo=timezone.utc))
    assert meaning.identity.birth_date == date(1974, 8, 12)
    assert meaning.identity.expiry_date == date(1912, 4, 15)  # > 20 years ahead: last century


def test_an_identity_stays_out_of_repr() -> None:
    shown = repr(scan(TD3))
    for secret in ("ERIKSSON", "ANNA", "L898902C3", "ZE184226B", "1974"):
        assert secret not in shown


# Digital IDs: the JSON form.

def test_the_json_form_is_a_digital_id() -> None:
    assert scan(json.dumps(DIGITAL_ID)) == DigitalIdScan(Identity(
        source="qr", surname="OTIENO", given_names="AKINYI GRACE", document_number="12345678",
        id_number="12345678", birth_date=date(1990, 2, 28)))


def test_the_json_form_with_whitespace_and_enter_is_read() -> None:
    assert scan(" " + json.dumps(DIGITAL_ID, indent=2) + "\r\n") == scan(json.dumps(DIGITAL_ID))


def _variant(**changes: object) -> str:
    data = dict(DIGITAL_ID)
    for name, value in changes.items():
        if value is _DROP:
            del data[name]
        else:
            data[name] = value
    return json.dumps(data)


_DROP = object()


@pytest.mark.parametrize("text", [
    _variant(huduma_id=2),
    _variant(huduma_id="1"),
    _variant(huduma_id=True),
    _variant(huduma_id=1.0),
    _variant(huduma_id=None),
    _variant(surname=_DROP),
    _variant(given_names=_DROP),
    _variant(id_number=_DROP),
    _variant(birth_date=_DROP),
    _variant(phone="0712345678"),
    _variant(surname=""),
    _variant(surname="   "),
    _variant(surname=None),
    _variant(surname=["OTIENO"]),
    _variant(surname="O" * 41),
    _variant(given_names="A" * 81),
    _variant(surname="OTIENO1"),
    _variant(surname="OTIENO\x00"),
    _variant(surname="'-'"),
    _variant(given_names="<script>"),
    _variant(id_number=12345678),
    _variant(id_number="12345"),
    _variant(id_number="1234567890"),
    _variant(id_number="1234567a"),
    _variant(id_number="١٢٣٤٥٦٧٨"),   # Arabic-Indic digits: digits, but not an ID number
    _variant(id_number=" 12345678"),
    _variant(birth_date="28/02/1990"),
    _variant(birth_date="1990-2-28"),
    _variant(birth_date="1990-02-30"),
    _variant(birth_date="1990-13-01"),
    _variant(birth_date="0000-01-01"),
    _variant(birth_date="1899-12-31"),
    _variant(birth_date="2026-03-14"),   # today: not in the past
    _variant(birth_date="2030-01-01"),
    _variant(birth_date=19900228),
    _variant(birth_date="1990-02-28T00:00:00"),
    '{"huduma_id": 1, "huduma_id": 1, "surname": "OTIENO", "given_names": "AKINYI", '
    '"id_number": "12345678", "birth_date": "1990-02-28"}',
    '{"huduma_id": 1, "surname": "OTIENO", "surname": "KAMAU", "given_names": "AKINYI", '
    '"id_number": "12345678", "birth_date": "1990-02-28"}',
    '{"huduma_id": NaN, "surname": "OTIENO", "given_names": "AKINYI", '
    '"id_number": "12345678", "birth_date": "1990-02-28"}',
], ids=lambda text: text[:60])
def test_each_invalid_json_form_is_an_unreadable_id(text: str) -> None:
    assert scan(text) == Unknown(ID_UNREADABLE)


def test_the_day_before_today_is_a_birth_date() -> None:
    assert isinstance(scan(_variant(birth_date="2026-03-13")), DigitalIdScan)


def test_today_is_the_day_in_kenya() -> None:
    late = datetime(2026, 3, 13, 22, 0, 0, tzinfo=timezone.utc)  # 01:00 on the 14th in Nairobi
    assert isinstance(interpret(_variant(birth_date="2026-03-13"), keys=KEYS, now=late),
                      DigitalIdScan)


@pytest.mark.parametrize("text", [
    "{}", "{not json", '{"amount": 100, "till": "123456"}', '["huduma_id", 1]',
    "{" * 3000, '{"a":' * 1000 + "1" + "}" * 1000,
])
def test_json_that_is_not_a_digital_id_is_not_ours(text: str) -> None:
    assert scan(text) == Unknown(NOT_OURS)


# Queue tickets.

@pytest.mark.parametrize("text, number", [("HKQ:A042", "A042"), ("HKQ:Z999\r\n", "Z999")])
def test_a_queue_ticket(text: str, number: str) -> None:
    assert scan(text) == QueueTicketScan(number)


@pytest.mark.parametrize("text", ["HKQ:42", "HKQ:a042", "HKQ:A0421", "HKQ:AB42", "HKQ:A04",
                                  "hkq:A042", "HKQ:A０42", "HKQ: A042"])
def test_a_malformed_queue_ticket_is_not_ours(text: str) -> None:
    assert scan(text) == Unknown(NOT_OURS)


# Everything else.

@pytest.mark.parametrize("text", [
    "https://example.com", "", "   \r\n", "\x00", "12345678",
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678630475A6",
    "WIFI:S:kiosk;T:WPA;P:secret;;", "HK", "HKX:ABC", "A" * MAX_SCAN_CHARS,
])
def test_other_texts_are_not_ours(text: str) -> None:
    assert scan(text) == Unknown(NOT_OURS)


def test_an_oversized_text_is_refused_unread() -> None:
    assert scan(" " * (MAX_SCAN_CHARS - len(TOKEN)) + TOKEN) == ReceiptScan(CLAIMS)
    assert scan(" " * (MAX_SCAN_CHARS + 1 - len(TOKEN)) + TOKEN) == Unknown(NOT_OURS)
    assert scan("\x00" * 100_000) == Unknown(NOT_OURS)


def test_a_naive_now_is_a_callers_error() -> None:
    with pytest.raises(ValueError):
        interpret(TOKEN, keys=KEYS, now=datetime(2026, 3, 14, 9, 0, 0))


def test_the_real_clock_is_used_without_now() -> None:
    assert interpret(TOKEN, keys=KEYS) == ReceiptScan(CLAIMS)


def test_an_unexpected_failure_is_not_ours_and_logs_no_text(monkeypatch, caplog) -> None:
    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("HK-2026-000123")

    monkeypatch.setattr("kiosk_app.scans.verify", broken)
    with caplog.at_level(logging.ERROR, logger="kiosk_app.scans"):
        assert scan(TOKEN) == Unknown(NOT_OURS)
    assert caplog.messages == ["a scanned code could not be interpreted: RuntimeError"]


# No text raises.

def _no_catch_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the last-resort catch re-raise, so these tests see any bug under it."""
    def reraise(*_args: object) -> None:
        raise AssertionError("interpret hit its last-resort catch")

    monkeypatch.setattr("kiosk_app.scans.log.error", reraise)


@settings(max_examples=500, deadline=None)
@given(text=st.text())
def test_no_text_raises(text: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _no_catch_all(monkeypatch)
        assert isinstance(scan(text), MEANINGS)


@settings(max_examples=500, deadline=None)
@given(raw=st.binary(max_size=5000))
def test_no_bytes_raise(raw: bytes) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _no_catch_all(monkeypatch)
        assert isinstance(scan(raw.decode("utf-8", errors="replace")), MEANINGS)


@settings(max_examples=300, deadline=None)
@given(prefix=st.sampled_from(["HK1:", "HKQ:", "HK9:", "{", '{"huduma_id": 1, ', "P<UTO", "I<UTO"]),
       rest=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_no_text_near_a_known_form_raises(prefix: str, rest: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _no_catch_all(monkeypatch)
        assert isinstance(scan(prefix + rest), MEANINGS)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(
    st.sampled_from(["huduma_id", "surname", "given_names", "id_number", "birth_date", "x"]),
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50)
    | st.lists(st.integers(), max_size=3)))
def test_no_json_object_raises(data: dict) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _no_catch_all(monkeypatch)
        meaning = scan(json.dumps(data))
        assert isinstance(meaning, (DigitalIdScan, Unknown))
