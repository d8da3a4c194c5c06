"""Sealing the outbox's personal fields at rest: AES-256-GCM under this device's outbox key.

    key = OutboxKey.load_or_create(data_dir / OUTBOX_KEY_FILE)   # made once, kept for ever
    blob = key.seal(b'{"applicant": ...}', idempotency_key=k, kind="application")
    key.open(blob, idempotency_key=k, kind="application")        # -> the same bytes

The key is 32 random bytes in a file only its owner can read, made once (written to a private
temporary file, flushed to disk, then linked into place, so a crash leaves either no key or a
whole one, and two processes making it at once agree on one). Each sealed value gets its own
random 96-bit nonce. The associated data binds a sealed value to its row's idempotency key and
kind, so sealed data moved to another row does not open.

A sealed blob is ``version byte (1) | nonce (12) | ciphertext and tag``.

Errors never quote the data: :class:`SealingError` names the file or the row's key and what a
technician should do.

Blocking: ``load``/``load_or_create`` touch the disk (call them on a worker thread); ``seal`` and
``open`` are pure computation and may run on any thread.
"""
from __future__ import annotations

import logging
import secrets
from pathlib import Path

from kiosk_app.files import create_once

log = logging.getLogger(__name__)

OUTBOX_KEY_FILE = "outbox.key"
"""The outbox key's file name, in the data folder beside the outbox."""
KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_VERSION = 1
_AD_PREFIX = b"huduma-outbox-v1\x00"


class SealingError(Exception):
    """The outbox key is missing, damaged or not the one that sealed a row. The message (in
    English, for a technician) names the file or the row's key, never the data."""


class OutboxKey:
    """This device's outbox key: seals and opens personal fields."""

    def __init__(self, raw: bytes, *, path: Path | None = None) -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError(f"an outbox key is {KEY_BYTES} bytes, not {len(raw)}")
        # `cryptography` is loaded with the first key, on the worker that opens the outbox, not
        # when the kiosk starts.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(raw)
        self.path = path

    def __repr__(self) -> str:  # never the key itself
        return f"OutboxKey(path={str(self.path)!r})"

    @staticmethod
    def _associated(idempotency_key: str, kind: str) -> bytes:
        return _AD_PREFIX + kind.encode() + b"\x00" + idempotency_key.encode()

    def seal(self, plaintext: bytes, *, idempotency_key: str, kind: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext, self._associated(idempotency_key, kind))
        return bytes([FORMAT_VERSION]) + nonce + sealed

    def open(self, blob: bytes, *, idempotency_key: str, kind: str) -> bytes:
        """The plaintext; :class:`SealingError` if this key did not seal it for this row."""
        from cryptography.exceptions import InvalidTag

        if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != FORMAT_VERSION:
            raise SealingError(f"the sealed personal data of outbox row {idempotency_key} is "
                               "damaged (not in a format this version knows)")
        nonce, sealed = blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, sealed, self._associated(idempotency_key, kind))
        except InvalidTag:
            raise SealingError(
                f"the sealed personal data of outbox row {idempotency_key} cannot be opened with "
                f"the key in {self.path}: it is not the key that sealed it, or the row was "
                "altered. Restore this device's outbox key from its backup.") from None

    @classmethod
    def load(cls, path: Path) -> OutboxKey:
        """The key in ``path``; :class:`SealingError` if it is missing, unreadable or damaged."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise SealingError(f"The outbox key {path} does not exist.") from None
        except OSError as err:
            raise SealingError(f"The outbox key {path} cannot be read ({err.strerror}). "
                               "Check its owner and permissions.") from err
        if len(raw) != KEY_BYTES:
            raise SealingError(
                f"The outbox key {path} is damaged: it holds {len(raw)} bytes, not {KEY_BYTES}. "
                "Personal data waiting in the outbox can only be opened with the key that sealed "
                "it, so the file was left as it is. Restore it from a backup.")
        return cls(raw, path=path)

    @classmethod
    def load_or_create(cls, path: Path) -> OutboxKey:
        """The key in ``path``, made first (with its folder) if there is no file there.

        Only call this when nothing sealed is waiting: a new key cannot open what an old one
        sealed (the outbox checks that before it asks for a new key)."""
        path = Path(path)
        if path.exists():
            return cls.load(path)
        try:
            create_once(path, secrets.token_bytes(KEY_BYTES))
        except OSError as err:
            raise SealingError(f"The outbox key {path} cannot be made ({err.strerror}). "
                               "Check that its folder is on a writable disk.") from err
        log.info("made a new outbox key in %s", path)
        return cls.load(path)

