"""``huduma-kiosk agent ...``: the agent's books from the command line, for agents and technicians
over SSH.

    huduma-kiosk agent sign-in --agent BA-0001 [--pin-stdin]
    huduma-kiosk agent shift start --agent BA-0001 --opening 3000 [--pin-stdin]
    huduma-kiosk agent shift end --agent BA-0001 --closing 5580 [--pin-stdin]
    huduma-kiosk agent shift status --agent BA-0001
    huduma-kiosk agent float top-up|bank --agent BA-0001 --amount 2000 [--pin-stdin]
    huduma-kiosk agent reconcile --agent BA-0001 [--date 2026-03-02] [--send-again] [--json]
    huduma-kiosk agent report --agent BA-0001 --from 2026-03-01 --to 2026-03-31 [--json] [--print]
    huduma-kiosk agent z-report --agent BA-0001 [--date 2026-03-02] [--printer URI] [--json]

All take ``--config FILE`` or ``--demo`` (the demo agent device) like the other commands, and
run on the device's own data (its outbox, the agent's file, its enrolment). What changes the
books (a shift, the float) asks for the agent's PIN first: typed at a hidden prompt, or one line
on standard input with ``--pin-stdin``; never on the command line, where others could read it.
Amounts are in shillings (``1500``, ``1,500.50``), dates in Nairobi, ``YYYY-MM-DD``.

Exit status: 0 done (for ``reconcile``: the books match), 1 refused, not matching or not
printed (said in English and Kiswahili), 2 a wrong command line or config.

Importing this module costs next to nothing at the kiosk's start (it builds the parser only);
the commands' work is in :mod:`agent_mode.command_handlers`, imported when one runs. Blocking
(disk, network, printer) on the calling thread.
"""
from __future__ import annotations

import argparse
from typing import Any


def _handler(name: str) -> Any:
    """The command ``name`` of :mod:`agent_mode.command_handlers`, imported when it runs."""
    def run(args: argparse.Namespace) -> int:
        from agent_mode import command_handlers

        return getattr(command_handlers, name)(args)

    run.__name__ = name
    return run


def add_agent_commands(sub: argparse._SubParsersAction) -> None:
    from kiosk_app.cli import _add_config_options

    agent = sub.add_parser("agent", help="the agent's books: sign-in, shifts, float, "
                                         "reconciliation, reports, Z-report")
    agent_sub = agent.add_subparsers(dest="agent_command", required=True, metavar="ACTION")

    def command(parent: Any, name: str, help_text: str, func: Any, *,
                pin: bool = False) -> argparse.ArgumentParser:
        parser = parent.add_parser(name, help=help_text)
        parser.add_argument("--agent", required=True, metavar="NUMBER",
                            help="the agent's number, e.g. BA-0001")
        if pin:
            parser.add_argument("--pin-stdin", action="store_true",
                                help="read the PIN from the first line of standard input")
        _add_config_options(parser)
        parser.set_defaults(func=func)
        return parser

    command(agent_sub, "sign-in", "check an agent's PIN as the device does",
            _handler("cmd_sign_in"), pin=True)

    shift = agent_sub.add_parser("shift", help="start or end a shift, with the cash counted")
    shift_sub = shift.add_subparsers(dest="shift_command", required=True, metavar="ACTION")
    start = command(shift_sub, "start", "start a shift", _handler("cmd_shift_start"), pin=True)
    start.add_argument("--opening", required=True, metavar="KES",
                       help="the cash counted in the drawer, in shillings")
    end = command(shift_sub, "end", "end the open shift", _handler("cmd_shift_end"), pin=True)
    end.add_argument("--closing", required=True, metavar="KES",
                     help="the cash counted in the drawer, in shillings")
    command(shift_sub, "status", "the open shift and the cash expected now",
            _handler("cmd_shift_status"))

    float_ = agent_sub.add_parser("float", help="cash into the drawer, or takings to the bank")
    float_sub = float_.add_subparsers(dest="float_command", required=True, metavar="ACTION")
    for name, help_text in (("top-up", "cash put into the drawer from the bank"),
                            ("bank", "takings taken out of the drawer to the bank")):
        moved = command(float_sub, name, help_text, _handler("cmd_float"), pin=True)
        moved.add_argument("--amount", required=True, metavar="KES", help="in shillings")

    reconcile = command(agent_sub, "reconcile", "this device's books against the office's",
                        _handler("cmd_reconcile"))
    reconcile.add_argument("--date", metavar="YYYY-MM-DD", help="the day (default: today)")
    reconcile.add_argument("--send-again", action="store_true",
                           help="queue the entries the office lacks, and send what waits")
    reconcile.add_argument("--json", action="store_true", help="print JSON")

    report = command(agent_sub, "report", "transactions and commission for a range of days",
                     _handler("cmd_report"))
    report.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--json", action="store_true", help="print JSON")
    report.add_argument("--language", choices=["en", "sw"], default="sw",
                        help="the headings' first language (English is always beside)")
    report.add_argument("--print", dest="print_it", action="store_true",
                        help="print it too, every transaction listed")
    _printer_options(report, "with --print")

    z = command(agent_sub, "z-report", "print the day's Z-report", _handler("cmd_z_report"))
    z.add_argument("--date", metavar="YYYY-MM-DD", help="the day (default: today)")
    _printer_options(z)
    z.add_argument("--json", action="store_true", help="print the report's figures as JSON too")


def _printer_options(parser: argparse.ArgumentParser, when: str = "") -> None:
    parser.add_argument("--printer", metavar="URI",
                        help="tcp://HOST[:PORT], usb://VID:PID or serial:///dev/DEVICE?baud=N "
                             f"(default: the config's printer){', ' + when if when else ''}")
    parser.add_argument("--width", type=int, choices=[58, 80], default=80,
                        help="paper width with --printer, mm")
