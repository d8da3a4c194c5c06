"""PINs and ID numbers checked on the device, with the hashes the backend gives at enrolment.

    verify_secret("2468", credential.pin_hash)                    # True / False
    verify_secret(normalise_id_number(card_id), credential.id_number_hash)

A hash is ``scrypt$n$r$p$salt$hash`` (salt and hash in base64url without padding), the form the
backend keeps (:class:`kiosk_app.contract.AgentCredential`). It is checked with the hash's own
parameters, within bounds (a hash from a damaged or forged enrolment file cannot make the device
spend a gigabyte or a minute on one check), and compared in constant time. A malformed hash
never matches.

Blocking: one check is scrypt, about 50 ms and 16 MB at the backend's parameters: call it on a
worker thread.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
"""What :func:`hash_secret` uses: the backend's own parameters."""
MAX_MEMORY = 64 * 1024 * 1024
"""The most memory one check may take (scrypt needs ``128 * n * r`` bytes)."""
MAX_P = 4
PIN_PATTERN = re.compile(r"[0-9]{4,8}")
"""A PIN is four to eight digits (the contract's ``AgentSignInIn.pin``)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str, *, salt: bytes | None = None, n: int = SCRYPT_N, r: int = SCRYPT_R,
                p: int = SCRYPT_P) -> str:
    """``secret`` hashed as the backend hashes a PIN (for tests and tools; the device itself
    only checks)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32,
                            maxmem=2 * MAX_MEMORY)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, secret_hash: str | None) -> bool:
    """Whether ``secret`` is the one ``secret_hash`` was made from. False for a malformed hash,
    or parameters beyond the bounds."""
    if not secret_hash:
        return False
    try:
        scheme, n_text, r_text, p_text, salt_text, digest_text = secret_hash.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt, expected = _unb64(salt_text), _unb64(digest_text)
    except ValueError:
        return False
    if (scheme != "scrypt" or n < 2 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= MAX_P
            or 128 * n * r > MAX_MEMORY or not 8 <= len(salt) <= 64
            or not 16 <= len(expected) <= 64):
        return False
    try:
        actual = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected),
                                maxmem=2 * MAX_MEMORY)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def normalise_id_number(text: str) -> str:
    """An ID number as it is hashed: capitals and digits only (the backend's own rule)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def well_formed_pin(pin: str) -> bool:
    return PIN_PATTERN.fullmatch(pin) is not None
