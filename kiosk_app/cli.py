"""The ``huduma-kiosk`` command: the kiosk itself, and the technician's tools over SSH.

    huduma-kiosk run [--role kiosk|agent] [--demo] [--config FILE]
    huduma-kiosk doctor [--json] [--demo] [--config FILE] [--language en|sw]
    huduma-kiosk agent sign-in|shift|float|reconcile|report|z-report ...   (agent_mode.commands)

Exit status: 0 when all is well, 1 when something a citizen needs is down, 2 for a refused
config or a wrong command line.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk_app import __version__
from kiosk_app.i18n import LANGUAGES
from kiosk_app.logs import setup_logging

if TYPE_CHECKING:
    from kiosk_app.config import KioskConfig, PendingCheck

EXIT_OK, EXIT_DOWN, EXIT_USAGE = 0, 1, 2


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    from kiosk_app.config import DEFAULT_CONFIG_PATH

    parser.add_argument("--config", type=Path, metavar="FILE",
                        help=f"the config file (default: $HUDUMA_KIOSK_CONFIG or {DEFAULT_CONFIG_PATH})")
    parser.add_argument("--demo", action="store_true",
                        help="demo mode: simulated devices; the built-in config unless --config is given")


def resolve_config(args: argparse.Namespace) -> KioskConfig:
    """The config the command line names, checked in full."""
    return _resolve_config(args, at_once=False)[0]


def _resolve_config(args: argparse.Namespace, *,
                    at_once: bool) -> tuple[KioskConfig, PendingCheck | None]:
    """The config the command line names; ``at_once`` (``run``): made without pydantic, with
    its full check to run after the first frame (kiosk_app/config.py, load_config_at_once)."""
    from kiosk_app.config import (DEFAULT_CONFIG_PATH, KioskConfig, load_config,
                                  load_config_at_once)

    path = args.config or (None if args.demo else Path(os.environ.get("HUDUMA_KIOSK_CONFIG",
                                                                      DEFAULT_CONFIG_PATH)))
    pending = None
    if path is None:
        # The demo of an agent's device is a device of its own (its id, its agents).
        config = KioskConfig.demo_config(role=getattr(args, "role", None) or "kiosk")
    else:
        config, pending = load_config_at_once(path) if at_once else (load_config(path), None)
        if args.demo:
            config = replace(config, demo=True)
    role = getattr(args, "role", None)
    if role:
        config = replace(config, role=role)
    return config, pending


def cmd_run(args: argparse.Namespace) -> int:
    # Until the first screen is up, the cyclic garbage collector is off: start-up makes objects
    # that live as long as the kiosk (and next to no cyclic garbage), and collections that
    # walked them again and again held the start by some 30 ms. The App freezes them and turns
    # the collector back on (screens/app.py, on_start); here it is on again whatever happens.
    gc.disable()
    try:
        config, pending = _resolve_config(args, at_once=True)
        setup_logging(args.log_level)
        # The one place the core reaches up into screens/, and only when asked to run the UI.
        from screens.launch import run_app

        # Demo mode brings its own backend when none answers on loopback (stopped on the way
        # out).
        from kiosk_app.demo_backend import DemoBackend

        backend = DemoBackend.for_config(config)
        if backend is not None:
            backend.start()
        try:
            return run_app(config, config_check=pending)
        finally:
            if backend is not None:
                backend.stop()
    finally:
        gc.enable()


def cmd_doctor(args: argparse.Namespace) -> int:
    from kiosk_app.bootstrap import build
    from kiosk_app.diagnostics import run_doctor

    config = resolve_config(args)
    setup_logging("WARNING")
    language = args.language or config.language
    kiosk = build(config)
    try:
        kiosk.devices.open_all()
        report = run_doctor(kiosk)
    finally:
        kiosk.close()
    if args.json:
        print(json.dumps(report.to_dict(language), indent=2, ensure_ascii=False))
    else:
        print(report.table(language))
    return EXIT_OK if report.ok else EXIT_DOWN


def make_parser(*, tools: bool = True) -> argparse.ArgumentParser:
    """The whole command line; with ``tools=False``, only ``run`` and ``doctor`` (see
    :func:`runs_the_kiosk`)."""
    parser = argparse.ArgumentParser(prog="huduma-kiosk", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"huduma-kiosk {__version__}")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the kiosk's touch screen")
    run.add_argument("--role", choices=["kiosk", "agent"], help="override the config's role")
    _add_config_options(run)
    run.set_defaults(func=cmd_run)

    doctor = sub.add_parser("doctor", help="check config, devices, backend and outbox")
    doctor.add_argument("--json", action="store_true", help="print JSON instead of a table")
    doctor.add_argument("--language", choices=sorted(LANGUAGES), help="language of the report")
    _add_config_options(doctor)
    doctor.set_defaults(func=cmd_doctor)
    if not tools:
        return parser

    # The agent's commands live with the agent's domain: the one other place the core reaches
    # up, lazily (the module imports nothing more until an agent command runs).
    from agent_mode.commands import add_agent_commands
    from kiosk_app.backend_commands import add_backend_commands
    from kiosk_app.card_commands import add_card_commands
    from kiosk_app.outbox_commands import add_outbox_commands
    from kiosk_app.printer_commands import add_printer_commands
    from kiosk_app.receipt_commands import add_receipt_commands
    from kiosk_app.sandbox_command import add_sandbox_command
    from kiosk_app.scan_commands import add_scan_command

    add_agent_commands(sub)
    add_backend_commands(sub)
    add_card_commands(sub)
    add_outbox_commands(sub)
    add_printer_commands(sub)
    add_receipt_commands(sub)
    add_sandbox_command(sub)
    add_scan_command(sub)
    return parser


def runs_the_kiosk(argv: list[str]) -> bool:
    """Whether ``argv`` is ``run`` (after the options of the whole command): the kiosk starting,
    as at every boot of a device. Its command line is then read without the technician's
    commands: their modules, and argparse's words for their thirty-odd parsers, held the first
    frame by some 10 ms. Anything else, or anything unexpected, gets the whole command line."""
    words = iter(argv)
    for word in words:
        if word == "--log-level":
            next(words, None)
        elif not word.startswith("--log-level="):
            return word == "run"
    return False


def main(argv: list[str] | None = None) -> int:
    # Start-up makes objects for the whole run, which the cyclic collector need not walk while
    # they are made. It is back on for every command but `run`, which keeps it off until its
    # first screen is up (cmd_run).
    gc.disable()
    from kiosk_app.config import ConfigError

    try:
        argv = sys.argv[1:] if argv is None else argv
        args = make_parser(tools=not runs_the_kiosk(argv)).parse_args(argv)
        if args.func is not cmd_run:
            gc.enable()
        return args.func(args)
    except ConfigError as err:
        print(err.bilingual(), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    finally:
        gc.enable()


if __name__ == "__main__":
    sys.exit(main())
