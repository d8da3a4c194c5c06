"""``huduma-kiosk printer emulate``: run the receipt printer emulator until SIGTERM or SIGINT.

    huduma-kiosk printer emulate --port 9100 --out receipts --width 58 --fault paper_near_end \\
        --control-port 9101 --print-rate 3000
    printer emulator listening on 127.0.0.1:9100 (control on 127.0.0.1:9101)

Faults that take a number are written ``--fault paper_out_after=2000`` (bytes printed before
the roll runs out). ``--print-rate`` makes the emulated printer take each job into its buffer
and print it over time, as a real one does; without it every command prints as it arrives.
"""
from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2


def add_printer_emulator_command(printer_sub: argparse._SubParsersAction) -> None:
    emulate = printer_sub.add_parser(
        "emulate", help="serve an emulated network receipt printer that renders jobs to PNG")
    emulate.add_argument("--host", default="127.0.0.1")
    emulate.add_argument("--port", type=int, default=9100, help="print port (default 9100; 0: any free)")
    emulate.add_argument("--out", type=Path, required=True, metavar="DIR",
                         help="where job-0001.png and job-0001.txt go")
    emulate.add_argument("--width", type=int, choices=[58, 80], default=80, help="paper width, mm")
    emulate.add_argument("--fault", action="append", default=[], metavar="NAME",
                         help="paper_near_end, paper_out, cover_open, cutter_error, offline, "
                              "disconnect_mid_job, paper_out_after=N (may be given more than "
                              "once)")
    emulate.add_argument("--control-port", type=int, metavar="C",
                         help="line-based control port: fault NAME, clear [NAME], status, jobs")
    emulate.add_argument("--print-rate", type=float, metavar="BYTES_PER_S",
                         help="print the buffered job data at this many bytes a second "
                              "(default: each command the moment it arrives)")
    emulate.set_defaults(func=cmd_printer_emulate)


def cmd_printer_emulate(args: argparse.Namespace) -> int:
    from drivers.printer.emulator import PrinterEmulator  # Pillow: only when emulating

    try:
        emulator = PrinterEmulator(host=args.host, port=args.port, out_dir=args.out,
                                   paper_width_mm=args.width, faults=args.fault,
                                   control_port=args.control_port, print_rate=args.print_rate)
    except ValueError as err:
        print(f"printer emulate: {err}", flush=True)
        return EXIT_USAGE
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with emulator:
        control = (f"control on {args.host}:{emulator.control_port}"
                   if emulator.control_port is not None else "no control port")
        print(f"printer emulator listening on {args.host}:{emulator.port} ({control})", flush=True)
        done.wait()
    return EXIT_OK
