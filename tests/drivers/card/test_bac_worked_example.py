"""ICAO 9303-11 appendix D, byte for byte: D.2 key derivation, D.3 BAC, D.4 secure messaging."""
from __future__ import annotations

import hashlib

import pytest

from drivers.card.emrtd.bac import (
    SessionKeys,
    card_response,
    document_keys,
    terminal_command,
    terminal_finish,
)
from drivers.card.emrtd.crypto import (
    ENC,
    MAC,
    adjust_parity,
    derive_key,
    key_seed,
    pad,
    retail_mac,
    tdes_decrypt,
    tdes_encrypt,
)
from drivers.card.emrtd.errors import BacError
from drivers.card.emrtd.mrz import BacKey
from drivers.card.emrtd.sm import CardSecureMessaging, SecureMessaging

h = bytes.fromhex

BAC_KEY = BacKey("L898902C<", "690806", "940623")
MRZ_INFORMATION = "L898902C<369080619406236"
K_SEED = h("239AB9CB282DAF66231DC5A4DF6BFBAE")
K_ENC = h("AB94FDECF2674FDFB9B391F85D7F76F2")
K_MAC = h("7962D9ECE03D1ACD4C76089DCE131543")

RND_ICC = h("4608F91988702212")
RND_IFD = h("781723860C06C226")
K_IFD = h("0B795240CB7049B01C19B33E32804F0B")
K_ICC = h("0B4F80323EB3191CB04970CB4052790B")
S = h("781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B")
E_IFD = h("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
M_IFD = h("5F1448EEA8AD90A7")
R = h("4608F91988702212781723860C06C2260B4F80323EB3191CB04970CB4052790B")
E_IC = h("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F")
M_IC = h("2F2D235D074D7449")
KS_SEED = h("0036D272F5C350ACAC50C3F572D23600")
KS_ENC = h("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = h("F1CB1F1FB5ADF208806B89DC579DC1F8")
SSC = 0x887022120C06C226

SESSION = SessionKeys(ks_enc=KS_ENC, ks_mac=KS_MAC, ssc=SSC)


# --- D.2 -----------------------------------------------------------------------------------

def test_d2_mrz_information_and_key_seed() -> None:
    assert BAC_KEY.mrz_information == MRZ_INFORMATION
    assert hashlib.sha1(MRZ_INFORMATION.encode()).hexdigest().upper() == (
        "239AB9CB282DAF66231DC5A4DF6BFBAEDF477565")
    assert key_seed(MRZ_INFORMATION) == K_SEED


def test_d2_key_derivation_with_parity() -> None:
    assert hashlib.sha1(K_SEED + h("00000001")).digest()[:16] == h(
        "AB94FCEDF2664EDFB9B291F85D7F77F2")
    assert hashlib.sha1(K_SEED + h("00000002")).digest()[:16] == h(
        "7862D9ECE03C1BCD4D77089DCF131442")
    assert adjust_parity(h("AB94FCEDF2664EDFB9B291F85D7F77F2")) == K_ENC
    assert derive_key(K_SEED, ENC) == K_ENC
    assert derive_key(K_SEED, MAC) == K_MAC
    assert document_keys(BAC_KEY) == (K_ENC, K_MAC)


# --- D.3 -----------------------------------------------------------------------------------

def test_d3_terminal_command() -> None:
    assert tdes_encrypt(K_ENC, S) == E_IFD
    assert retail_mac(K_MAC, E_IFD) == M_IFD
    assert terminal_command(K_ENC, K_MAC, RND_ICC, RND_IFD, K_IFD) == E_IFD + M_IFD


def test_d3_card_response() -> None:
    response, keys = card_response(K_ENC, K_MAC, E_IFD + M_IFD, RND_ICC, K_ICC)
    assert tdes_decrypt(K_ENC, E_IC) == R
    assert response == E_IC + M_IC
    assert keys == SESSION


def test_d3_terminal_finish_gives_the_session_keys() -> None:
    keys = terminal_finish(K_ENC, K_MAC, E_IC + M_IC, RND_ICC, RND_IFD, K_IFD)
    assert bytes(a ^ b for a, b in zip(K_IFD, K_ICC)) == KS_SEED
    assert derive_key(KS_SEED, ENC) == KS_ENC
    assert derive_key(KS_SEED, MAC) == KS_MAC
    assert keys.ks_enc == KS_ENC
    assert keys.ks_mac == KS_MAC
    assert keys.ssc == SSC


def test_round_trip_gives_equal_session_keys() -> None:
    rnd_icc, rnd_ifd = h("0102030405060708"), h("1112131415161718")
    k_ifd, k_icc = bytes(range(16)), bytes(range(100, 116))
    command = terminal_command(K_ENC, K_MAC, rnd_icc, rnd_ifd, k_ifd)
    response, card_keys = card_response(K_ENC, K_MAC, command, rnd_icc, k_icc)
    terminal_keys = terminal_finish(K_ENC, K_MAC, response, rnd_icc, rnd_ifd, k_ifd)
    assert terminal_keys == card_keys
    assert terminal_keys.ssc == 0x0506070815161718


def test_wrong_bac_key_is_refused_by_the_card() -> None:
    wrong_enc, wrong_mac = document_keys(BacKey("L898902C<", "690806", "940624"))
    command = terminal_command(wrong_enc, wrong_mac, RND_ICC, RND_IFD, K_IFD)
    with pytest.raises(BacError):
        card_response(K_ENC, K_MAC, command, RND_ICC, K_ICC)


def test_card_refuses_a_stale_challenge() -> None:
    command = terminal_command(K_ENC, K_MAC, h("0000000000000000"), RND_IFD, K_IFD)
    with pytest.raises(BacError):
        card_response(K_ENC, K_MAC, command, RND_ICC, K_ICC)


@pytest.mark.parametrize("index", [0, 17, 31, 32, 39])
def test_tampered_card_response_is_refused(index: int) -> None:
    response = bytearray(E_IC + M_IC)
    response[index] ^= 0x01
    with pytest.raises(BacError):
        terminal_finish(K_ENC, K_MAC, bytes(response), RND_ICC, RND_IFD, K_IFD)


def test_card_response_with_wrong_echo_is_refused() -> None:
    # Correctly sealed, but the card echoes another RND.IFD.
    response, _ = card_response(K_ENC, K_MAC, E_IFD + M_IFD, RND_ICC, K_ICC)
    with pytest.raises(BacError):
        terminal_finish(K_ENC, K_MAC, response, RND_ICC, h("0000000000000000"), K_IFD)


@pytest.mark.parametrize("length", [0, 8, 39, 41])
def test_response_of_the_wrong_length_is_refused(length: int) -> None:
    with pytest.raises(BacError):
        terminal_finish(K_ENC, K_MAC, (E_IC + M_IC + b"\x00")[:length], RND_ICC, RND_IFD, K_IFD)


def test_session_keys_repr_shows_no_key() -> None:
    assert repr(SESSION) == "SessionKeys()"


# --- D.4 -----------------------------------------------------------------------------------

def test_d4_select_ef_com() -> None:
    sm = SecureMessaging(SESSION)
    card = CardSecureMessaging(SESSION)
    assert pad(h("0CA4020C")) == h("0CA4020C80000000")
    assert tdes_encrypt(KS_ENC, pad(h("011E"))) == h("6375432908C044F6")
    assert retail_mac(KS_MAC, h("887022120C06C227" "0CA4020C80000000" "8709016375432908C044F6")) \
        == h("BF8B92D635FF24F8")

    protected = sm.wrap(h("00A4020C02011E"))
    assert protected == h("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    assert sm.ssc == 0x887022120C06C227
    assert card.unwrap_command(protected) == h("00A4020C02011E")
    assert card.ssc == 0x887022120C06C227

    response = card.wrap_response(b"", 0x9000)
    assert response == h("990290008E08FA855A5D4C50A8ED9000")
    assert sm.unwrap(response) == (b"", 0x9000)
    assert sm.ssc == card.ssc == 0x887022120C06C228


def test_d4_read_binary_of_ef_com() -> None:
    sm = SecureMessaging(SessionKeys(KS_ENC, KS_MAC, 0x887022120C06C228))
    card = CardSecureMessaging(SessionKeys(KS_ENC, KS_MAC, 0x887022120C06C228))

    protected = sm.wrap(h("00B0000004"))
    assert protected == h("0CB000000D9701048E08ED6705417E96BA5500")
    assert sm.ssc == 0x887022120C06C229
    assert card.unwrap_command(protected) == h("00B0000004")
    response = card.wrap_response(h("60145F01"), 0x9000)
    assert response == h("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")
    assert sm.unwrap(response) == (h("60145F01"), 0x9000)
    assert sm.ssc == card.ssc == 0x887022120C06C22A

    protected = sm.wrap(h("00B0000412"))
    assert protected == h("0CB000040D9701128E082EA28A70F3C7B53500")
    assert sm.ssc == 0x887022120C06C22B
    assert card.unwrap_command(protected) == h("00B0000412")
    rest = h("04303130365F36063034303030305C026175")
    response = card.wrap_response(rest, 0x9000)
    assert response == h("871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A"
                         "990290008E08C8B2787EAEA07D749000")
    assert sm.unwrap(response) == (rest, 0x9000)
    assert sm.ssc == card.ssc == 0x887022120C06C22C
