"""The symmetric cryptography of BAC and its secure messaging (ICAO 9303-11 §9.7, §9.8).

Key derivation from a seed (SHA-1, DES parity), two-key 3DES in CBC mode with a zero IV,
ISO/IEC 9797-1 padding method 2 and the retail MAC (MAC algorithm 3 with DES). Pure functions
over bytes, on top of ``cryptography``.

    seed = key_seed("L898902C<369080619406236")
    k_enc, k_mac = derive_key(seed, ENC), derive_key(seed, MAC)
    cryptogram = tdes_encrypt(k_enc, pad(b"secret"))
    tag = retail_mac(k_mac, cryptogram)              # 8 bytes; the message is padded inside
"""
from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, modes

try:  # cryptography >= 43 keeps 3DES under "decrepit"
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.algorithms import (  # type: ignore[no-redef]
        TripleDES,
    )

from drivers.card.emrtd.errors import SmError

ENC = 1
"""Counter of the encryption key in :func:`derive_key`."""
MAC = 2
"""Counter of the MAC key in :func:`derive_key`."""

_ZERO_IV = bytes(8)


def key_seed(mrz_information: str) -> bytes:
    """K_seed: the first 16 bytes of SHA-1 over the MRZ information (9303-11 §9.7.1)."""
    return hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]


_ODD_PARITY = bytes((b & 0xFE) | ((bin(b >> 1).count("1") + 1) & 1) for b in range(256))


def adjust_parity(key: bytes) -> bytes:
    """Set the lowest bit of each byte so that every byte has odd parity (DES keys)."""
    return key.translate(_ODD_PARITY)


def derive_key(seed: bytes, counter: int) -> bytes:
    """A 16-byte two-key 3DES key: SHA-1(seed || counter, 4 bytes big-endian)[:16], with DES
    parity (9303-11 §9.7.1). Counter :data:`ENC` gives the encryption key, :data:`MAC` the MAC
    key."""
    digest = hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()
    return adjust_parity(digest[:16])


def pad(data: bytes, block: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2: 0x80, then zeros to a whole number of blocks."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % block)


def unpad(data: bytes) -> bytes:
    """Undo :func:`pad`; raises :class:`SmError` when the padding is not there."""
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise SmError("malformed padding")
    return stripped[:-1]


def _check_3des(key: bytes, data: bytes, iv: bytes) -> None:
    if len(key) != 16:
        raise ValueError("3DES keys here are 16 bytes (K1, K2)")
    if len(data) % 8 or len(iv) != 8:
        raise ValueError("3DES data must be whole 8-byte blocks, with an 8-byte IV")


def _cipher(key24: bytes, iv: bytes) -> Cipher:
    return Cipher(TripleDES(key24), modes.CBC(iv))


def tdes_encrypt(key: bytes, data: bytes, iv: bytes = _ZERO_IV) -> bytes:
    """Two-key 3DES (K1, K2, K1) in CBC mode, no padding."""
    _check_3des(key, data, iv)
    encryptor = _cipher(key + key[:8], iv).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def tdes_decrypt(key: bytes, data: bytes, iv: bytes = _ZERO_IV) -> bytes:
    """The inverse of :func:`tdes_encrypt`."""
    _check_3des(key, data, iv)
    decryptor = _cipher(key + key[:8], iv).decryptor()
    return decryptor.update(data) + decryptor.finalize()


class KeyedDes:
    """One 16-byte key's ciphers for a whole secure-messaging session.

    Building a cipher context costs more than running it on an APDU's few blocks, so each
    context is made once, when first needed (a session uses one key only to encrypt and
    decrypt, the other only to MAC), and kept. Everything here uses a zero IV; a kept CBC
    context goes on from the last block of the previous message instead:

    - encrypting and MACing XOR the first block with that block before the cipher, which
      gives exactly the zero-IV result;
    - decrypting puts a zero block in front: its own output is thrown away, and the first
      real block comes out XORed with zeros, as with a zero IV.

    Not thread-safe: one session, one thread."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 16:
            raise ValueError("3DES keys here are 16 bytes (K1, K2)")
        self._key = key
        self._enc: CipherContext | None = None
        self._dec: CipherContext | None = None
        self._des: CipherContext | None = None
        self._final: CipherContext | None = None
        self._enc_chain = 0
        self._des_chain = 0

    def encrypt(self, data: bytes) -> bytes:
        """3DES-CBC, zero IV, no padding."""
        if not data or len(data) % 8:
            raise ValueError("3DES data must be whole 8-byte blocks")
        if self._enc is None:
            self._enc = _cipher(self._key + self._key[:8], _ZERO_IV).encryptor()
        first = (int.from_bytes(data[:8], "big") ^ self._enc_chain).to_bytes(8, "big")
        out = self._enc.update(first + data[8:])
        self._enc_chain = int.from_bytes(out[-8:], "big")
        return out

    def decrypt(self, data: bytes) -> bytes:
        if not data or len(data) % 8:
            raise ValueError("3DES data must be whole 8-byte blocks")
        if self._dec is None:
            self._dec = _cipher(self._key + self._key[:8], _ZERO_IV).decryptor()
        return self._dec.update(_ZERO_IV + data)[8:]

    def mac(self, message: bytes) -> bytes:
        """The retail MAC of ``message`` (padded here): DES-CBC with K1 over all blocks but the
        last, then the last block XOR that chaining value under 3DES (K1, K2, K1), which is
        the same as E_K1(D_K2(H_n)) of MAC algorithm 3."""
        if len(message) < 8:                       # one block: the 3DES step alone
            return self._mac_contexts()[1].update(pad(message))
        return self.mac_after(int.from_bytes(message[:8], "big"), message[8:])

    def mac_after(self, counter: int, message: bytes) -> bytes:
        """:meth:`mac` of ``counter`` as 8 bytes big-endian followed by ``message``, without
        joining them: secure messaging MACs its send sequence counter first."""
        des, final = self._mac_contexts()
        padded = pad(message)
        first = (counter ^ self._des_chain).to_bytes(8, "big")
        out = des.update(first + padded[:-8])
        self._des_chain = chain = int.from_bytes(out[-8:], "big")
        return final.update((int.from_bytes(padded[-8:], "big") ^ chain).to_bytes(8, "big"))

    def _mac_contexts(self) -> tuple[CipherContext, CipherContext]:
        if self._des is None or self._final is None:
            k1 = self._key[:8]
            self._des = _cipher(k1 * 3, _ZERO_IV).encryptor()  # single DES: K1 = K2 = K3
            self._final = Cipher(TripleDES(self._key + k1), modes.ECB()).encryptor()
        return self._des, self._final


def retail_mac(key: bytes, message: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 with DES ("retail MAC"), padding method 2 applied here:
    DES-CBC with K1 over every block, then decrypt with K2 and encrypt with K1 the last one."""
    if len(key) != 16:
        raise ValueError("the retail MAC key is 16 bytes (K1, K2)")
    return KeyedDes(key).mac(message)


def mac_equal(a: bytes, b: bytes) -> bool:
    """Compare MACs in constant time."""
    return hmac.compare_digest(a, b)
