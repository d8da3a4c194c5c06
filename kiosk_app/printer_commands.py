"""``huduma-kiosk printer ...`` and ``huduma-kiosk print ...``: the technician's printer tools.

    huduma-kiosk printer status --printer URI [--width 58|80] [--json]
    huduma-kiosk printer emulate [--host H] [--port P] --out DIR [--width 58|80] [--fault F ...]
    huduma-kiosk print test|receipt|ticket --printer URI [--width 58|80] [--reference R]
                       [--data-dir DIR] [--device-id ID]

URIs: ``tcp://HOST[:PORT]``, ``usb://VID:PID``, ``serial:///dev/ttyUSB0?baud=19200``. A receipt
is signed with this device's key (made in the data folder on first use), so ``huduma-kiosk
receipt verify`` accepts its QR here.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from drivers.errors import DeviceError
from drivers.printer.base import ReceiptPrinter
from drivers.printer.uri import NetworkAddress, SerialAddress, UsbAddress, parse_printer_uri
from drivers.registry import builtin_registry
from kiosk_app.device_words import describe
from kiosk_app.i18n import N_, bilingual
from kiosk_app.printer_emulator_command import add_printer_emulator_command

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_DATA_DIR = Path("/var/lib/huduma-kiosk")
KIND_BY_ADDRESS = {NetworkAddress: "escpos-network", UsbAddress: "escpos-usb",
                   SerialAddress: "escpos-serial"}


def printer_for(uri: str, width: int, *, confirms_printing: bool = True) -> ReceiptPrinter:
    kind = KIND_BY_ADDRESS[type(parse_printer_uri(uri))]
    return builtin_registry().create(  # type: ignore[return-value]
        "printer", "printer", kind,
        {"uri": uri, "paper_width_mm": width, "confirms_printing": confirms_printing})


def _printer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--printer", required=True, metavar="URI",
                        help="tcp://HOST[:PORT], usb://VID:PID or serial:///dev/DEVICE?baud=N")
    parser.add_argument("--width", type=int, choices=[58, 80], default=80, help="paper width, mm")


def add_printer_commands(sub: argparse._SubParsersAction) -> None:
    printer = sub.add_parser("printer", help="receipt printers: status, emulate")
    printer_sub = printer.add_subparsers(dest="printer_command", required=True, metavar="ACTION")
    status = printer_sub.add_parser("status", help="ask a printer for its state")
    _printer_options(status)
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    add_printer_emulator_command(printer_sub)

    print_ = sub.add_parser("print", help="print a test page, a receipt or a queue ticket")
    print_.add_argument("document", choices=["test", "receipt", "ticket"])
    _printer_options(print_)
    print_.add_argument("--reference", default="HK-2026-000123", help="the receipt's reference")
    print_.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                        help="where this device's receipt key lives")
    print_.add_argument("--device-id", default="KSK-DEMO-0001")
    print_.add_argument("--no-confirm", dest="confirms_printing", action="store_false",
                        help="for a printer that does not answer GS ( H (process ID): count the "
                             "job as printed once it is sent, as the config's "
                             "confirms_printing = false does")
    print_.set_defaults(func=cmd_print)


BAD_ADDRESS = N_("The printer address is not right: {detail}")


def _refusal(err: ValueError) -> int:
    print(bilingual(BAD_ADDRESS, detail=str(err)), file=sys.stderr)
    return EXIT_USAGE


def cmd_status(args: argparse.Namespace) -> int:
    try:
        printer = printer_for(args.printer, args.width)
    except (ValueError, DeviceError) as err:
        return _refusal(ValueError(str(err)))
    state = printer.probe()
    printer.close()
    if args.json:
        print(json.dumps({"printer": args.printer, **state.to_dict()}))
    else:
        print(f"{args.printer}: {describe('printer', state, 'en')}")
        print(f"{args.printer}: {describe('printer', state, 'sw')}")
    return EXIT_OK if state.usable else EXIT_FAILED


def document_bytes(args: argparse.Namespace, printer: ReceiptPrinter) -> bytes:
    from kiosk_app.receipts import documents

    now = datetime.now(timezone.utc).replace(microsecond=0)
    if args.document == "test":
        return documents.test_page(args.device_id, printer.profile, now)
    if args.document == "ticket":
        return documents.queue_ticket("A042", "Certificate of good conduct",
                                      "Cheti cha tabia njema", now, 3, printer.profile)
    from kiosk_app.receipts.issuing import ReceiptIssuer

    issuer = ReceiptIssuer.for_data_dir(args.data_dir, args.device_id)
    data = issuer.receipt(reference=args.reference, service_code="GOOD_CONDUCT",
                          service_name_en="Certificate of good conduct",
                          service_name_sw="Cheti cha tabia njema", official_fee_cents=105_000,
                          convenience_fee_cents=5_000, payment_method="mpesa",
                          mpesa_code="SKL4H2J9QX", issued_at=now)
    return documents.receipt(data, printer.profile)


def cmd_print(args: argparse.Namespace) -> int:
    try:
        printer = printer_for(args.printer, args.width, confirms_printing=args.confirms_printing)
    except (ValueError, DeviceError) as err:
        return _refusal(ValueError(str(err)))
    try:
        printer.print_job(document_bytes(args, printer), job_id=args.reference)
    except DeviceError as err:
        print(describe("printer", err.state, "en"), file=sys.stderr)
        print(describe("printer", err.state, "sw"), file=sys.stderr)
        return EXIT_FAILED
    finally:
        printer.close()
    print(bilingual(N_("Printed.")))
    return EXIT_OK
