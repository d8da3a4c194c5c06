"""``huduma-kiosk card ...``: the technician's tools for ID card readers.

    huduma-kiosk card readers [--json]
    huduma-kiosk card read [--reader R] (--mrz TEXT | --document-number N --birth-date YYMMDD
                           --expiry-date YYMMDD) [--csca DIR] [--face-out FILE] [--json]
    huduma-kiosk card emulate [--identity FILE --face FILE] [--pki DIR] [--csca-out DIR]
                              [--host H] [--port P] [--wrong-key] [--remove-after N]
                              [--latency S]

``card read`` prints what the chip holds, for the technician in front of the card: that is
what it is for. Nothing of it goes to the log.
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import threading
from pathlib import Path

from kiosk_app.i18n import N_, bilingual

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_card_commands(sub: argparse._SubParsersAction) -> None:
    card = sub.add_parser("card", help="ID card readers: list, read, emulate")
    card_sub = card.add_subparsers(dest="card_command", required=True, metavar="ACTION")

    readers = card_sub.add_parser("readers", help="list PC/SC readers and their cards")
    readers.add_argument("--json", action="store_true")
    readers.set_defaults(func=cmd_readers)

    read = card_sub.add_parser("read", help="read an ID card or passport chip")
    read.add_argument("--reader", help="a part of the reader's name (default: the first with a card)")
    read.add_argument("--mrz", help="the full MRZ (lines separated by \\n or newlines)")
    read.add_argument("--document-number")
    read.add_argument("--birth-date", metavar="YYMMDD")
    read.add_argument("--expiry-date", metavar="YYMMDD")
    read.add_argument("--csca", type=Path, metavar="DIR", help="trusted CSCA certificates")
    read.add_argument("--face-out", type=Path, metavar="FILE", help="write the face image here")
    read.add_argument("--json", action="store_true")
    read.set_defaults(func=cmd_read)

    emulate = card_sub.add_parser("emulate", help="serve an emulated eMRTD to pcscd's vpcd reader")
    emulate.add_argument("--identity", type=Path, metavar="FILE", help="identity JSON (default: a demo person)")
    emulate.add_argument("--face", type=Path, metavar="FILE", help="face image, JPEG or JPEG 2000")
    emulate.add_argument("--pki", type=Path, metavar="DIR", default=Path("huduma-test-pki"),
                         help="test CSCA and document signer (made here if missing)")
    emulate.add_argument("--csca-out", type=Path, metavar="DIR",
                         help="also write the test CSCA certificate (only) into DIR")
    emulate.add_argument("--host", default="127.0.0.1")
    emulate.add_argument("--port", type=int, default=35963, help="vpcd's port (default 35963)")
    emulate.add_argument("--wrong-key", action="store_true", help="refuse every BAC attempt")
    emulate.add_argument("--remove-after", type=int, metavar="N", help="pull the card out after N commands")
    emulate.add_argument("--latency", type=float, default=0.0, metavar="S", help="seconds per command")
    emulate.add_argument("--extended-length", action="store_true",
                         help="announce extended Lc/Le in the ATR (reads of up to 64 KB at once)")
    emulate.add_argument("--seed", type=int, metavar="N",
                         help="the chip's random numbers restart from N at every reset "
                              "(for benchmarks that replay a session; never in service)")
    emulate.add_argument("--face-bytes", type=int, default=20_000, metavar="N",
                         help="size of the demo face when no --face is given")
    emulate.set_defaults(func=cmd_emulate)


def _pcsc_reader(name: str | None):  # noqa: ANN202
    from drivers.card.pcsc import PcscCardReader

    return PcscCardReader("card_reader", PcscCardReader.Settings(reader=name))


def cmd_readers(args: argparse.Namespace) -> int:
    from drivers.errors import DeviceError

    reader = _pcsc_reader(None)
    rows = []
    for name in reader.readers():
        row: dict[str, object] = {"reader": name, "card": False, "atr": None}
        try:
            with reader.connect(name) as card:
                row.update(card=True, atr=card.atr.hex(" ").upper())
        except DeviceError:
            pass
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print(bilingual(N_("No card reader found.")))
    else:
        for row in rows:
            print(f"{row['reader']}: {row['atr'] or '-'}")
    return EXIT_OK if rows else EXIT_FAILED


def cmd_read(args: argparse.Namespace) -> int:
    from drivers.card.emrtd.errors import MrzError
    from drivers.card.emrtd.mrz import parse_mrz
    from kiosk_app.identity import CardReadError, IdentityReader

    try:
        if args.mrz:
            key = parse_mrz(args.mrz.replace("\\n", "\n")).bac_key
        elif args.document_number and args.birth_date and args.expiry_date:
            from drivers.card.emrtd.mrz import BacKey

            key = BacKey.from_typed(args.document_number, args.birth_date, args.expiry_date)
        else:
            print(bilingual(N_("Give --mrz, or --document-number with --birth-date and --expiry-date.")),
                  file=sys.stderr)
            return EXIT_USAGE
    except MrzError:
        print(bilingual(N_("Please check the details: the document number, and dates as day, month and year.")),
              file=sys.stderr)
        return EXIT_USAGE
    reader = IdentityReader(_pcsc_reader(args.reader), csca_dir=args.csca)
    try:
        identity = reader.read(key)
    except CardReadError as err:
        print(bilingual(err.message), file=sys.stderr)
        return EXIT_FAILED
    if args.face_out and identity.face:
        args.face_out.write_bytes(identity.face)
    result = {
        "surname": identity.surname, "given_names": identity.given_names,
        "document_number": identity.document_number, "id_number": identity.id_number,
        "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
        "expiry_date": identity.expiry_date.isoformat() if identity.expiry_date else None,
        "sex": identity.sex, "nationality": identity.nationality,
        "face": {"mime": identity.face_mime, "bytes": len(identity.face)} if identity.face else None,
        "passive_authentication": identity.verification,
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        for name, value in result.items():
            print(f"{name}: {value}")
    return EXIT_OK


def cmd_emulate(args: argparse.Namespace) -> int:
    from drivers.card.emrtd.pki import ensure_test_pki
    from drivers.card.emulator import Identity, build_document, demo_face, demo_identity, make_applet
    from drivers.card.vpcd import VpcdCardSlot

    identity = Identity.load(args.identity) if args.identity else demo_identity()
    face = args.face.read_bytes() if args.face else demo_face(args.face_bytes)
    pki = ensure_test_pki(args.pki)
    if args.csca_out:
        args.csca_out.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(args.pki) / "csca.pem", args.csca_out / "csca.pem")
    document = build_document(identity, face, pki)
    applet = make_applet(document, wrong_key=args.wrong_key, extended_length=args.extended_length,
                          seed=args.seed)
    slot = VpcdCardSlot(applet, host=args.host, port=args.port, latency_s=args.latency)
    if args.remove_after:
        limit = args.remove_after

        def pull_out(_apdu: bytes) -> None:
            if slot.exchanges >= limit:
                threading.Thread(target=slot.remove, daemon=True).start()

        slot.on_apdu = pull_out
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    slot.insert(timeout=30)
    print(f"card inserted in vpcd at {args.host}:{args.port}", flush=True)
    done.wait()
    slot.close()
    return EXIT_OK

