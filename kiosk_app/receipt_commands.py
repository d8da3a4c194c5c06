"""``huduma-kiosk receipt ...``: the technician's tools for receipt tokens.

    huduma-kiosk receipt verify TOKEN [--keys FILE] [--data-dir DIR] [--json]
    huduma-kiosk receipt key [--data-dir DIR] [--device-id ID]

``receipt verify`` checks a scanned receipt QR against the cached key directory
(``<data dir>/receipt-keys.json`` unless ``--keys``), offline, as the kiosk does, and prints what
it proves; a refusal is printed in English then Kiswahili, with exit status 1.
``receipt key`` prints this device's public key entry, for the key directory, making the
signing key first if there is none. The device id comes from ``--device-id`` or the config.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from kiosk_app.clock import NAIROBI
from kiosk_app.i18n import N_, bilingual
from kiosk_app.receipts.documents import money

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_DATA_DIR = Path("/var/lib/huduma-kiosk")
"""Kenya's time, UTC+3 all year (no daylight saving)."""


def add_receipt_commands(sub: argparse._SubParsersAction) -> None:
    receipt = sub.add_parser("receipt", help="receipt tokens: verify a scanned QR, show this device's key")
    receipt_sub = receipt.add_subparsers(dest="receipt_command", required=True, metavar="ACTION")

    verify = receipt_sub.add_parser("verify", help="check a receipt's QR text, offline")
    verify.add_argument("token", metavar="TOKEN", help="the text of the receipt's QR code (HK1:...)")
    verify.add_argument("--keys", type=Path, metavar="FILE",
                        help="the key directory (default: <data dir>/receipt-keys.json)")
    verify.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR",
                        help=f"the kiosk's data folder (default: {DEFAULT_DATA_DIR})")
    verify.add_argument("--json", action="store_true", help="print JSON")
    verify.set_defaults(func=cmd_verify)

    key = receipt_sub.add_parser("key", help="print this device's public key entry (made if missing)")
    key.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR",
                     help=f"the kiosk's data folder (default: {DEFAULT_DATA_DIR})")
    key.add_argument("--device-id", metavar="ID",
                     help="this kiosk's id (default: device_id in the config file)")
    key.set_defaults(func=cmd_key)


def cmd_verify(args: argparse.Namespace) -> int:
    from kiosk_app.receipts.keys import DIRECTORY_FILE, KeyDirectory, KeyFileError
    from kiosk_app.receipts.token import TokenError, decode_unverified, verify

    path = args.keys or args.data_dir / DIRECTORY_FILE
    if args.keys and not path.exists():
        print(f"There is no key directory at {path}.", file=sys.stderr)
        return EXIT_USAGE
    try:
        directory = KeyDirectory.load(path)
    except KeyFileError as err:
        print(err, file=sys.stderr)
        return EXIT_USAGE
    try:
        claims = verify(args.token, directory)
    except TokenError as err:
        if args.json:
            print(json.dumps({"valid": False, "reason": err.reason, "message": err.message}, indent=2))
        else:
            print(bilingual(err.message), file=sys.stderr)
            if err.reason == "unknown_key":
                stated, key_id = decode_unverified(args.token)
                print(f"(not checked: key {key_id.hex()}, device {stated.device_id}; "
                      f"{len(directory)} keys known)", file=sys.stderr)
        return EXIT_FAILED
    local = claims.issued_at.astimezone(NAIROBI)
    if args.json:
        print(json.dumps({
            "valid": True, "reference": claims.reference, "service_code": claims.service_code,
            "amount_cents": claims.amount_cents, "amount": money(claims.amount_cents),
            "issued_at": claims.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "issued_at_local": local.isoformat(), "device_id": claims.device_id}, indent=2))
    else:
        print(bilingual(N_("This receipt is genuine.")))
        print(f"Reference:  {claims.reference}")
        print(f"Service:    {claims.service_code}")
        print(f"Amount:     {money(claims.amount_cents)}")
        print(f"Issued at:  {local:%Y-%m-%d %H:%M:%S} EAT (UTC+3)")
        print(f"Device:     {claims.device_id}")
    return EXIT_OK


def cmd_key(args: argparse.Namespace) -> int:
    from kiosk_app.receipts.keys import DEVICE_KEY_FILE, DeviceKey, KeyFileError

    device_id = args.device_id
    if device_id is None:
        from kiosk_app.config import DEFAULT_CONFIG_PATH, load_config

        # A refused config raises ConfigError, which the command line prints in both languages.
        device_id = load_config(os.environ.get("HUDUMA_KIOSK_CONFIG", DEFAULT_CONFIG_PATH)).device_id
    try:
        key = DeviceKey.load_or_create(args.data_dir / DEVICE_KEY_FILE)
        entry = key.public_entry(device_id)
    except KeyFileError as err:
        print(err, file=sys.stderr)
        return EXIT_FAILED
    except ValueError as err:
        print(err, file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(entry, indent=2))
    return EXIT_OK
