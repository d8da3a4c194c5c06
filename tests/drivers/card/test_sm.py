"""Secure messaging, terminal against card: exact round trips, tampering, the SSC."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.card.emrtd.bac import SessionKeys
from drivers.card.emrtd.crypto import KeyedDes, pad, tdes_decrypt, tdes_encrypt, unpad
from drivers.card.emrtd.errors import SmError
from drivers.card.emrtd.sm import CardSecureMessaging, SecureMessaging

h = bytes.fromhex

KEYS = SessionKeys(ks_enc=h("979EC13B1CBFE9DCD01AB0FED307EAE5"),
                   ks_mac=h("F1CB1F1FB5ADF208806B89DC579DC1F8"), ssc=0x887022120C06C226)


def pair() -> tuple[SecureMessaging, CardSecureMessaging]:
    return SecureMessaging(KEYS), CardSecureMessaging(KEYS)


PLAIN_COMMANDS = {
    "case 1": h("00A40000"),
    "case 2 short": h("00B0000004"),
    "case 2 short, Le 256": h("00B0000000"),
    "case 3 short": h("00A4020C02011E"),
    "case 4 short": h("00A4020402011E10"),
    "case 4 short, 200 bytes": h("00D60000C8") + bytes(range(200)) + h("00"),
    "odd INS B1, case 4": h("00B10000045402800000"),
    "odd INS B1, Le 0xDF": h("00B1000004540280" "00DF"),
    "case 2 extended": h("00B00000000400"),
    "case 2 extended, Le 65536": h("00B00000000000"),
    "case 2 extended, Le 5": h("00B00000000005"),
    "case 3 extended": h("00D60000000003010203"),
    "case 4 extended": h("00A40204000002011E0800"),
    "odd INS B1, extended": h("00B10000000004540280000000"),
    "case 4 extended, 1000 bytes": h("00D600000003E8") + bytes(1000) + h("0000"),
}


@pytest.mark.parametrize("plain", PLAIN_COMMANDS.values(), ids=PLAIN_COMMANDS.keys())
def test_card_gets_back_the_exact_plain_command(plain: bytes) -> None:
    terminal, card = pair()
    protected = terminal.wrap(plain)
    assert protected[0] == 0x0C
    assert card.unwrap_command(protected) == plain
    assert terminal.ssc == card.ssc == KEYS.ssc + 1


def test_odd_ins_data_goes_in_do85_without_padding_indicator() -> None:
    terminal, card = pair()
    protected = terminal.wrap(h("00B10000045402800000"))
    assert protected[:6] == h("0CB10000" "17" "85")
    assert protected[6] == 8          # one encrypted block, no 01 indicator
    assert protected[15:18] == h("970100")
    assert card.unwrap_command(protected) == h("00B10000045402800000")


def test_extended_le_over_256_gives_an_extended_protected_command() -> None:
    terminal, _ = pair()
    protected = terminal.wrap(h("00B00000000000"))           # Le 65536
    assert protected[4:7] == h("00000E")
    assert protected[7:11] == h("97020000")
    assert protected[-2:] == h("0000")
    terminal, _ = pair()
    protected = terminal.wrap(h("00B0000000"))               # short Le 0 is 256
    assert protected[4:8] == h("0D970100")
    assert protected[-1:] == h("00")


def test_short_command_too_big_when_protected_becomes_extended() -> None:
    terminal, card = pair()
    plain = h("00D60000F0") + bytes(240)
    protected = terminal.wrap(plain)
    assert protected[4] == 0x00
    assert card.unwrap_command(protected) == h("00D6000000") + (240).to_bytes(2, "big") + bytes(240)


@pytest.mark.parametrize("data, sw, odd", [
    (b"", 0x9000, False),
    (h("60145F01"), 0x9000, False),
    (bytes(range(256)) * 4, 0x9000, False),
    (h("5381E0") + bytes(224), 0x9000, True),
    (h("0102"), 0x6282, False),
    (b"", 0x6A82, False),
])
def test_terminal_gets_back_the_exact_response(data: bytes, sw: int, odd: bool) -> None:
    terminal, card = pair()
    card.unwrap_command(terminal.wrap(h("00B0000000")))
    response = card.wrap_response(data, sw, odd_ins=odd)
    assert response[-2:] == sw.to_bytes(2, "big")
    first_object = (0x85 if odd else 0x87) if data else 0x99
    assert response[0] == first_object
    assert terminal.unwrap(response) == (data, sw)
    assert terminal.ssc == card.ssc == KEYS.ssc + 2


@pytest.mark.parametrize("bit", range(0, 8 * 41, 7))
def test_a_flipped_bit_in_the_response_raises(bit: int) -> None:
    terminal, card = pair()
    card.unwrap_command(terminal.wrap(h("00B0000010")))
    response = bytearray(card.wrap_response(bytes(range(16)), 0x9000))
    body_bits = 8 * (len(response) - 2)
    response[(bit % body_bits) // 8] ^= 1 << (bit % 8)
    with pytest.raises(SmError):
        terminal.unwrap(bytes(response))


@pytest.mark.parametrize("bit", range(0, 8 * 26, 5))
def test_a_flipped_bit_in_the_command_raises(bit: int) -> None:
    terminal, card = pair()
    protected = bytearray(terminal.wrap(h("00A4020C02011E")))
    # Everything but the trailing Le: header, Lc, DO87, DO8E.
    byte = bit // 8
    protected[byte] ^= 1 << (bit % 8)
    with pytest.raises(SmError):
        card.unwrap_command(bytes(protected))


def test_a_replayed_response_raises() -> None:
    terminal, card = pair()
    card.unwrap_command(terminal.wrap(h("00B0000004")))
    response = card.wrap_response(h("60145F01"), 0x9000)
    assert terminal.unwrap(response) == (h("60145F01"), 0x9000)
    terminal.wrap(h("00B0000004"))
    with pytest.raises(SmError):
        terminal.unwrap(response)


def test_ssc_stays_in_step_over_100_exchanges() -> None:
    terminal, card = pair()
    for i in range(100):
        plain = h("00B0") + i.to_bytes(2, "big") + bytes([i + 1])
        assert card.unwrap_command(terminal.wrap(plain)) == plain
        data = bytes([i]) * (i + 1)
        assert terminal.unwrap(card.wrap_response(data, 0x9000)) == (data, 0x9000)
    assert terminal.ssc == card.ssc == KEYS.ssc + 200


def test_ssc_wraps_at_64_bits() -> None:
    keys = SessionKeys(KEYS.ks_enc, KEYS.ks_mac, ssc=(1 << 64) - 1)
    terminal, card = SecureMessaging(keys), CardSecureMessaging(keys)
    assert card.unwrap_command(terminal.wrap(h("00B0000004"))) == h("00B0000004")
    assert terminal.ssc == card.ssc == 0


@pytest.mark.parametrize("sw", [0x6982, 0x6A82, 0x6987, 0x6988])
def test_plain_error_is_returned_not_raised(sw: int) -> None:
    terminal, _ = pair()
    terminal.wrap(h("00B0000004"))
    assert terminal.unwrap(sw.to_bytes(2, "big")) == (b"", sw)


def test_plain_success_without_mac_raises() -> None:
    terminal, _ = pair()
    terminal.wrap(h("00B0000004"))
    with pytest.raises(SmError):
        terminal.unwrap(h("9000"))


def test_response_without_do99_raises() -> None:
    terminal, _ = pair()
    terminal.wrap(h("00B0000004"))
    with pytest.raises(SmError):
        terminal.unwrap(h("8E080000000000000000" "9000"))


def test_response_without_do8e_raises() -> None:
    terminal, _ = pair()
    terminal.wrap(h("00B0000004"))
    with pytest.raises(SmError):
        terminal.unwrap(h("99029000" "9000"))


def test_truncated_tlv_in_response_raises() -> None:
    terminal, _ = pair()
    terminal.wrap(h("00B0000004"))
    with pytest.raises(SmError):
        terminal.unwrap(h("871001" "0102" "9000"))


def test_unprotected_command_at_the_card_raises() -> None:
    _, card = pair()
    with pytest.raises(SmError):
        card.unwrap_command(h("00B0000004"))
    with pytest.raises(SmError):
        card.unwrap_command(h("0CB0000004"))    # SM class, but no DO8E


def test_malformed_plain_command_is_a_programming_error() -> None:
    terminal, _ = pair()
    with pytest.raises(ValueError):
        terminal.wrap(h("00A402"))
    with pytest.raises(ValueError):
        terminal.wrap(h("00A4020C05011E"))


def test_padding() -> None:
    assert pad(b"") == h("8000000000000000")
    assert pad(h("01020304050607")) == h("0102030405060780")
    assert pad(h("0102030405060708")) == h("01020304050607088000000000000000")
    assert pad(h("01"), 16) == h("01800000000000000000000000000000")
    assert unpad(h("0102030405060780")) == h("01020304050607")
    assert unpad(h("8000000000000000")) == b""
    with pytest.raises(SmError):
        unpad(h("0102030405060708"))
    with pytest.raises(SmError):
        unpad(bytes(8))


def _reference_retail_mac(key: bytes, message: bytes) -> bytes:
    """MAC algorithm 3 written out from single-DES steps, each with a fresh zero IV: DES-CBC
    with K1 over every padded block, then decrypt with K2 and encrypt with K1."""
    k1, k2 = key[:8], key[8:]
    h_n = tdes_encrypt(k1 + k1, pad(message))[-8:]
    return tdes_encrypt(k1 + k1, tdes_decrypt(k2 + k2, h_n))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=8), st.binary(min_size=16, max_size=16))
def test_a_kept_session_key_gives_what_fresh_ciphers_give(messages: list[bytes], key: bytes) -> None:
    """:class:`KeyedDes` keeps its cipher contexts from message to message; every result must
    still be the zero-IV one, whatever came before and in whatever order."""
    kept = KeyedDes(key)
    for counter, message in enumerate(messages):
        padded = pad(message)
        assert kept.mac(message) == _reference_retail_mac(key, message)
        assert kept.mac_after(counter, message) == _reference_retail_mac(
            key, counter.to_bytes(8, "big") + message)
        assert kept.encrypt(padded) == tdes_encrypt(key, padded)
        assert kept.decrypt(padded) == tdes_decrypt(key, padded)
        assert kept.decrypt(kept.encrypt(padded)) == padded
