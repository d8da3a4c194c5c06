"""Basic access control (ICAO 9303-11 §4.3, worked example in appendix D), both sides.

The terminal gets RND.ICC from GET CHALLENGE, sends EXTERNAL AUTHENTICATE with
:func:`terminal_command` and checks the card's answer with :func:`terminal_finish`; the card
emulator answers with :func:`card_response`. Both sides end with the same
:class:`SessionKeys` for secure messaging. Pure: the caller supplies the random numbers.

    k_enc, k_mac = document_keys(bac_key)
    data = terminal_command(k_enc, k_mac, rnd_icc, rnd_ifd, k_ifd)       # 40 bytes
    # card: response, card_keys = card_response(k_enc, k_mac, data, rnd_icc, k_icc)
    keys = terminal_finish(k_enc, k_mac, response, rnd_icc, rnd_ifd, k_ifd)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drivers.card.emrtd.crypto import (
    ENC,
    MAC,
    derive_key,
    key_seed,
    mac_equal,
    retail_mac,
    tdes_decrypt,
    tdes_encrypt,
)
from drivers.card.emrtd.errors import BacError
from drivers.card.emrtd.mrz import BacKey

_CRYPTOGRAM_LENGTH = 32
_MESSAGE_LENGTH = _CRYPTOGRAM_LENGTH + 8


@dataclass(frozen=True)
class SessionKeys:
    """The secure-messaging keys and the starting send sequence counter."""

    ks_enc: bytes = field(repr=False)
    ks_mac: bytes = field(repr=False)
    ssc: int = field(repr=False)


def document_keys(bac_key: BacKey) -> tuple[bytes, bytes]:
    """(K_enc, K_mac), the document basic access keys derived from the MRZ information."""
    seed = key_seed(bac_key.mrz_information)
    return derive_key(seed, ENC), derive_key(seed, MAC)


def _check_sizes(rnd_icc: bytes, rnd_ifd: bytes | None, key_material: bytes) -> None:
    if len(rnd_icc) != 8 or (rnd_ifd is not None and len(rnd_ifd) != 8):
        raise ValueError("RND.ICC and RND.IFD are 8 bytes")
    if len(key_material) != 16:
        raise ValueError("K.IFD and K.ICC are 16 bytes")


def _seal(k_enc: bytes, k_mac: bytes, plain: bytes) -> bytes:
    cryptogram = tdes_encrypt(k_enc, plain)
    return cryptogram + retail_mac(k_mac, cryptogram)


def _open(k_enc: bytes, k_mac: bytes, message: bytes) -> bytes:
    if len(message) != _MESSAGE_LENGTH:
        raise BacError("authentication data has the wrong length")
    cryptogram, mac = message[:_CRYPTOGRAM_LENGTH], message[_CRYPTOGRAM_LENGTH:]
    if not mac_equal(retail_mac(k_mac, cryptogram), mac):
        raise BacError("authentication MAC does not verify")
    return tdes_decrypt(k_enc, cryptogram)


def _session_keys(k_ifd: bytes, k_icc: bytes, rnd_icc: bytes, rnd_ifd: bytes) -> SessionKeys:
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_icc))
    return SessionKeys(ks_enc=derive_key(seed, ENC), ks_mac=derive_key(seed, MAC),
                       ssc=int.from_bytes(rnd_icc[-4:] + rnd_ifd[-4:], "big"))


def terminal_command(k_enc: bytes, k_mac: bytes, rnd_icc: bytes, rnd_ifd: bytes,
                     k_ifd: bytes) -> bytes:
    """The EXTERNAL AUTHENTICATE data E_IFD || M_IFD for S = RND.IFD || RND.ICC || K.IFD."""
    _check_sizes(rnd_icc, rnd_ifd, k_ifd)
    return _seal(k_enc, k_mac, rnd_ifd + rnd_icc + k_ifd)


def terminal_finish(k_enc: bytes, k_mac: bytes, response: bytes, rnd_icc: bytes,
                    rnd_ifd: bytes, k_ifd: bytes) -> SessionKeys:
    """Check the card's E_IC || M_IC (response data without the status word) and derive the
    session keys. Raises :class:`BacError` when the MAC, length or the echoed nonces are
    wrong."""
    _check_sizes(rnd_icc, rnd_ifd, k_ifd)
    plain = _open(k_enc, k_mac, response)
    if not (mac_equal(plain[:8], rnd_icc) and mac_equal(plain[8:16], rnd_ifd)):
        raise BacError("the card did not echo the challenges")
    return _session_keys(k_ifd, plain[16:32], rnd_icc, rnd_ifd)


def card_response(k_enc: bytes, k_mac: bytes, command: bytes, rnd_icc: bytes,
                  k_icc: bytes) -> tuple[bytes, SessionKeys]:
    """The card side of EXTERNAL AUTHENTICATE: check E_IFD || M_IFD and the echoed RND.ICC,
    answer E_IC || M_IC for R = RND.ICC || RND.IFD || K.ICC. Raises :class:`BacError` when
    the terminal used other keys."""
    _check_sizes(rnd_icc, None, k_icc)
    plain = _open(k_enc, k_mac, command)
    rnd_ifd, echoed_icc, k_ifd = plain[:8], plain[8:16], plain[16:32]
    if not mac_equal(echoed_icc, rnd_icc):
        raise BacError("the terminal did not echo the challenge")
    response = _seal(k_enc, k_mac, rnd_icc + rnd_ifd + k_icc)
    return response, _session_keys(k_ifd, k_icc, rnd_icc, rnd_ifd)
