"""This device's signing key on disk, and the directory of trusted public keys."""
from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk_app.receipts.keys import DeviceKey, KeyDirectory, KeyFileError

# RFC 8032, section 7.1, TEST 1
SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
KEY = DeviceKey(Ed25519PrivateKey.from_private_bytes(SECRET))
OTHER = DeviceKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


def test_public_entry_is_exact() -> None:
    assert KEY.key_id == bytes.fromhex("21fe31df")
    assert KEY.public_entry("KSK-NBI-0042") == {
        "key_id": "21fe31df", "device_id": "KSK-NBI-0042",
        "public_key": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",  # d75a9801...511a, base64url
        "algorithm": "Ed25519"}
    with pytest.raises(ValueError):
        KEY.public_entry("nbi 42")


def test_key_is_made_once_private_and_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "receipt-key.ed25519"
    made = DeviceKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == made.private_key.private_bytes_raw() and len(path.read_bytes()) == 32
    assert sorted(p.name for p in path.parent.iterdir()) == ["receipt-key.ed25519"]  # no leftovers
    again = DeviceKey.load_or_create(path)
    assert again.public_key_bytes == made.public_key_bytes and again.key_id == made.key_id
    assert again.private_key.private_bytes_raw() == made.private_key.private_bytes_raw()


@pytest.mark.parametrize("content", [b"", b"\x00" * 31, b"\x00" * 33, SECRET.hex().encode()])
def test_a_damaged_key_is_an_error_and_stays_as_it_was(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "receipt-key.ed25519"
    path.write_bytes(content)
    with pytest.raises(KeyFileError) as caught:
        DeviceKey.load_or_create(path)
    assert str(path) in str(caught.value)
    assert "Restore it from a backup" in str(caught.value)
    assert path.read_bytes() == content


def test_directory_save_and_load(tmp_path: Path) -> None:
    directory = KeyDirectory([KEY.public_entry("KSK-NBI-0042")]).with_device(OTHER, "KSK-MSA-0007")
    path = tmp_path / "data" / "receipt-keys.json"
    directory.save(path)
    loaded = KeyDirectory.load(path)
    assert loaded.entries() == directory.entries() == [KEY.public_entry("KSK-NBI-0042"),
                                                      OTHER.public_entry("KSK-MSA-0007")]
    assert json.loads(path.read_text()) == {"keys": directory.entries()}
    assert loaded.get(KEY.key_id).public_bytes_raw() == KEY.public_key_bytes
    assert loaded.get(b"\x00\x00\x00\x00") is None
    assert sorted(p.name for p in path.parent.iterdir()) == ["receipt-keys.json"]
    assert len(KeyDirectory.load(tmp_path / "none-yet.json")) == 0


def test_with_device_leaves_the_original_alone() -> None:
    empty = KeyDirectory()
    mine = empty.with_device(KEY, "KSK-NBI-0042")
    assert len(empty) == 0 and len(mine) == 1
    assert len(mine.with_device(KEY, "KSK-NBI-0042")) == 1  # the same key once


def test_bad_entries_are_skipped_naming_only_their_key_id(caplog: pytest.LogCaptureFixture) -> None:
    good = KEY.public_entry("KSK-NBI-0042")
    other = OTHER.public_entry("KSK-MSA-0007")
    bad = [
        {**other, "key_id": "deadbeef"},          # not this key's id
        {**other, "algorithm": "RSA"},
        {**other, "device_id": "msa 7"},
        {**other, "public_key": other["public_key"][:-1]},
        {**other, "public_key": other["public_key"] + "A"},
        {**other, "public_key": 12},
        "not an entry",
    ]
    with caplog.at_level(logging.WARNING, logger="kiosk_app.receipts.keys"):
        directory = KeyDirectory([good, *bad])
    assert directory.entries() == [good]
    assert len(caplog.records) == len(bad)
    assert caplog.records[0].getMessage() == (
        "skipped the receipt key deadbeef: the key id does not match the public key")
    assert caplog.records[1].getMessage() == (
        f"skipped the receipt key {other['key_id']}: the algorithm is not Ed25519")
    assert caplog.records[-1].getMessage() == "skipped the receipt key ?: not an object"
    for record in caplog.records:
        assert other["public_key"][:20] not in record.getMessage()
        assert "KSK-MSA-0007" not in record.getMessage() and "msa 7" not in record.getMessage()
    with pytest.raises(ValueError):
        directory.add(bad[0])


def test_a_broken_directory_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "receipt-keys.json"
    for text in ["{not json", '{"keys": 3}']:
        path.write_text(text)
        with pytest.raises(KeyFileError) as caught:
            KeyDirectory.load(path)
        assert str(path) in str(caught.value)


def run_receipt(argv: list[str]) -> int:
    import argparse

    from kiosk_app.receipt_commands import add_receipt_commands

    parser = argparse.ArgumentParser(prog="huduma-kiosk")
    add_receipt_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_key_prints_this_devices_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["receipt", "key", "--data-dir", str(tmp_path / "data"), "--device-id", "KSK-NBI-0042"]
    assert run_receipt(argv) == 0
    entry = json.loads(capsys.readouterr().out)
    key = DeviceKey.load_or_create(tmp_path / "data" / "receipt-key.ed25519")
    assert entry == key.public_entry("KSK-NBI-0042")
    assert run_receipt(argv) == 0
    assert json.loads(capsys.readouterr().out) == entry  # the same key, not a new one
    (tmp_path / "data" / "receipt-key.ed25519").write_bytes(b"broken")
    assert run_receipt(argv) == 1
    assert "is damaged" in capsys.readouterr().err
