"""The keys behind receipt tokens: this device's signing key, and the directory of every
device's public key that lets a kiosk check a receipt offline.

    key = DeviceKey.load_or_create(data_dir / DEVICE_KEY_FILE)   # made once, kept for ever
    directory = KeyDirectory.load(data_dir / DIRECTORY_FILE).with_device(key, "KSK-NBI-0042")
    directory.get(key.key_id)            # -> Ed25519PublicKey

The signing key is 32 raw bytes (the Ed25519 seed) in a file only its owner can read. It is made
once; a damaged file is an error for a technician, never replaced, because receipts already
printed can only be checked with the public half of the key that signed them.

A key id is the first 4 bytes of SHA-256 of the raw public key. Four bytes keep the token short;
they are not unique across a large fleet (two keys in ~10,000 share an id about once in a
hundred fleets), so the directory keeps every key under an id and a verifier tries each.

Blocking: ``load_or_create``, ``load`` and ``save`` touch the disk: call them on a worker.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk_app.files import create_once, write_atomically

# `cryptography` is loaded where a key is made, read or checked (on workers), not when the kiosk
# starts.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                                   Ed25519PublicKey)

log = logging.getLogger(__name__)

ALGORITHM = "Ed25519"
DEVICE_KEY_FILE = "receipt-key.ed25519"
"""This device's signing key, in the data folder."""
DIRECTORY_FILE = "receipt-keys.json"
"""The cached key directory, in the data folder."""
KEY_ID_BYTES = 4
DEVICE_ID = re.compile(r"[A-Z0-9-]{3,32}")
"""A kiosk's id, as in the config and in receipt tokens."""
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")
_PUBLIC_KEY_B64URL = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]=?")
"""32 bytes in base64url: 43 characters, the last with its 2 spare bits zero, maybe one '='."""


class KeyFileError(Exception):
    """A key file that cannot be used. The message, in English, names the file and what to do."""


def key_id_for(public_key_bytes: bytes) -> bytes:
    """The 4-byte id of a raw Ed25519 public key."""
    return hashlib.sha256(public_key_bytes).digest()[:KEY_ID_BYTES]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


class DeviceKey:
    """This device's receipt-signing key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self.private_key = private_key
        self.public_key_bytes = _raw_public(private_key.public_key())
        self.key_id = key_id_for(self.public_key_bytes)

    @classmethod
    def load(cls, path: Path) -> DeviceKey:
        """The key in ``path``; :class:`KeyFileError` if it is missing, unreadable or damaged."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeyFileError(f"The receipt signing key {path} does not exist.") from None
        except OSError as err:
            raise KeyFileError(f"The receipt signing key {path} cannot be read ({err.strerror}). "
                               "Check its owner and permissions.") from err
        if len(raw) != 32:
            raise KeyFileError(
                f"The receipt signing key {path} is damaged: it holds {len(raw)} bytes, not 32. "
                "Receipts already printed by this device depend on it, so it was left as it is. "
                "Restore it from a backup; if there is none, move it aside, run "
                "'huduma-kiosk receipt key' to make a new key, and publish the new public key.")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    @classmethod
    def load_or_create(cls, path: Path) -> DeviceKey:
        """The key in ``path``, made first (with its folder) if there is no file there."""
        path = Path(path)
        if path.exists():
            return cls.load(path)
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            create_once(path, Ed25519PrivateKey.generate().private_bytes_raw())
        except OSError as err:
            raise KeyFileError(f"The receipt signing key {path} cannot be made ({err.strerror}). "
                               "Check that its folder is on a writable disk.") from err
        log.info("made a new receipt signing key in %s", path)
        return cls.load(path)

    def public_entry(self, device_id: str) -> dict[str, str]:
        """This key as the key directory publishes it."""
        if not (isinstance(device_id, str) and DEVICE_ID.fullmatch(device_id)):
            raise ValueError(f"a device id is 3 to 32 of A-Z, 0-9 and '-', not {device_id!r}")
        return {"key_id": self.key_id.hex(), "device_id": device_id,
                "public_key": _b64url(self.public_key_bytes), "algorithm": ALGORITHM}


@dataclass(frozen=True)
class KeyEntry:
    """One device's public key, as checked from a directory entry."""

    key_id: bytes
    device_id: str
    public_key_bytes: bytes

    @property
    def public_key(self) -> Ed25519PublicKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        return Ed25519PublicKey.from_public_bytes(self.public_key_bytes)

    def to_dict(self) -> dict[str, str]:
        return {"key_id": self.key_id.hex(), "device_id": self.device_id,
                "public_key": _b64url(self.public_key_bytes), "algorithm": ALGORITHM}

    @classmethod
    def from_dict(cls, entry: object) -> KeyEntry:
        """A checked entry; ``ValueError`` saying what is wrong (never quoting the entry)."""
        if not isinstance(entry, dict):
            raise ValueError("not an object")
        if entry.get("algorithm") != ALGORITHM:
            raise ValueError("the algorithm is not Ed25519")
        device_id = entry.get("device_id")
        if not (isinstance(device_id, str) and DEVICE_ID.fullmatch(device_id)):
            raise ValueError("the device id is not valid")
        public = entry.get("public_key")
        if not (isinstance(public, str) and _PUBLIC_KEY_B64URL.fullmatch(public)):
            raise ValueError("the public key is not 32 bytes in base64url")
        raw = base64.urlsafe_b64decode(public.rstrip("=") + "=")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            raise ValueError("the public key is not an Ed25519 key") from None
        if entry.get("key_id") != key_id_for(raw).hex():
            raise ValueError("the key id does not match the public key")
        return cls(key_id_for(raw), device_id, raw)


class KeyDirectory:
    """Every device's receipt public key that this kiosk trusts, by key id.

    Built from published entries (``{"key_id": hex, "device_id", "public_key": base64url,
    "algorithm": "Ed25519"}``); entries that fail their checks are skipped with a warning that
    names only their key id.
    """

    def __init__(self, entries: Iterable[dict] = ()) -> None:
        self._by_id: dict[bytes, list[KeyEntry]] = {}
        for entry in entries:
            try:
                self.add(entry)
            except ValueError as err:
                key_id = entry.get("key_id") if isinstance(entry, dict) else None
                shown = key_id if isinstance(key_id, str) and _KEY_ID_HEX.fullmatch(key_id) else "?"
                log.warning("skipped the receipt key %s: %s", shown, err)

    def add(self, entry: dict) -> None:
        """Trust one more key; ``ValueError`` if the entry is not valid."""
        checked = KeyEntry.from_dict(entry)
        same_id = self._by_id.setdefault(checked.key_id, [])
        if checked not in same_id:
            same_id.append(checked)

    def entries_for(self, key_id: bytes) -> list[KeyEntry]:
        """Every trusted key with this id: almost always none or one."""
        return list(self._by_id.get(bytes(key_id), ()))

    def get(self, key_id: bytes) -> Ed25519PublicKey | None:
        """The first trusted key with this id, or None."""
        entries = self._by_id.get(bytes(key_id))
        return entries[0].public_key if entries else None

    def entries(self) -> list[dict[str, str]]:
        return [e.to_dict() for same_id in self._by_id.values() for e in same_id]

    def __len__(self) -> int:
        return sum(len(same_id) for same_id in self._by_id.values())

    def with_device(self, device_key: DeviceKey, device_id: str) -> KeyDirectory:
        """A copy that also trusts this device's own key, so its receipts check here offline."""
        copy = KeyDirectory(self.entries())
        copy.add(device_key.public_entry(device_id))
        return copy

    @classmethod
    def load(cls, path: Path) -> KeyDirectory:
        """The directory saved in ``path``; empty if there is no file yet (a new kiosk).
        :class:`KeyFileError` if the file is there but not a key directory."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise KeyFileError(f"The receipt key directory {path} cannot be read ({err}). "
                               "Delete it; the kiosk fetches the keys again at its next sync.") from err
        entries = data.get("keys") if isinstance(data, dict) else data
        if not isinstance(entries, list):
            raise KeyFileError(f"The receipt key directory {path} has no list of keys. "
                               "Delete it; the kiosk fetches the keys again at its next sync.")
        return cls(entries)

    def save(self, path: Path) -> None:
        """Write the directory to ``path`` at once: a reader sees the old file or the new one."""
        text = json.dumps({"keys": self.entries()}, indent=2) + "\n"
        # Public keys: anyone on the device may read them.
        write_atomically(Path(path), text.encode("utf-8"), mode=0o644)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

