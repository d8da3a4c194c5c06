"""``huduma-kiosk sandbox ...``: the reference backend, for demos, development and tests.

    huduma-kiosk sandbox [--host 127.0.0.1] [--port 8765] [--db URL] [--confirm-after S]
                         [--slow-answer S] [--no-answer-after S] [--lockout S]
                         [--enrolment-code CODE] [--operator-key KEY] [--catalogue FILE]
    huduma-kiosk sandbox advance REFERENCE STATUS [--note-en TEXT --note-sw TEXT]
                         [--url URL] [--operator-key KEY]

The first serves the kiosk API until Ctrl-C (listening on loopback unless told otherwise; the
database is a SQLite file in the current folder unless ``--db`` says otherwise). The second
moves an application along, as the back office would, through the running sandbox's HTTP API.

Only the serving handler imports :mod:`sandbox.server`, and only when it runs: the kiosk's
core never depends on the backend's code. Blocking: both run on the main thread.
"""
from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

from kiosk_app import contract
from kiosk_app.config import DEMO_ENROLMENT_CODE
from kiosk_app.i18n import N_, bilingual

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_URL = "http://127.0.0.1:8765"
DEFAULT_DB_FILE = "huduma-sandbox.sqlite3"
DEFAULT_OPERATOR_KEY = "demo-operator"

PORT_TAKEN = N_("Port {port} on {host} is already in use. Stop what is using it, or choose "
                "another port with --port.")
NO_BACKEND = N_("No answer from the sandbox at {url}. Is it running?")
NOTE_NEEDS_BOTH = N_("A note needs both languages: give --note-en and --note-sw.")
ADVANCED = N_("{reference} is now {status}.")


def add_sandbox_command(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sandbox", help="run the reference backend (or move an application)",
                            description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", metavar="URL",
                        help=f"SQLAlchemy URL (default: sqlite:///{DEFAULT_DB_FILE} in this folder)")
    parser.add_argument("--catalogue", type=Path, metavar="FILE",
                        help="the catalogue seed (default: the one shipped with the sandbox)")
    parser.add_argument("--enrolment-code", default=DEMO_ENROLMENT_CODE)
    parser.add_argument("--operator-key", default=DEFAULT_OPERATOR_KEY)
    parser.add_argument("--confirm-after", type=float, default=3.0, metavar="S",
                        help="seconds until an M-Pesa push gets its final answer")
    parser.add_argument("--slow-answer", type=float, default=8.0, metavar="S",
                        help="seconds the first answer for a ...0009 phone is held back")
    parser.add_argument("--no-answer-after", type=float, default=10.0, metavar="S",
                        help="seconds until a ...0003 phone fails with 1037")
    parser.add_argument("--lockout", type=float, default=60.0, metavar="S",
                        help="an agent's first lock after five wrong PINs (doubles each time)")
    parser.set_defaults(func=cmd_sandbox)

    actions = parser.add_subparsers(dest="sandbox_command", metavar="ACTION")
    move = actions.add_parser("advance", help="move an application to its next status")
    move.add_argument("reference", help="e.g. HK-7M2Q-K9XD-38")
    move.add_argument("status", choices=[status.value for status in contract.ApplicationStatus])
    move.add_argument("--note-en", help="why (for a rejection), in English")
    move.add_argument("--note-sw", help="why (for a rejection), in Kiswahili")
    move.add_argument("--url", default=DEFAULT_URL, help=f"the sandbox (default: {DEFAULT_URL})")
    move.add_argument("--operator-key", dest="advance_operator_key", default=None,
                      help=f"the back office's key (default: {DEFAULT_OPERATOR_KEY})")
    move.set_defaults(func=cmd_advance)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def cmd_sandbox(args: argparse.Namespace) -> int:
    from sandbox.server import SeedError, Settings, serve, shown_url

    if not _port_free(args.host, args.port):
        print(bilingual(PORT_TAKEN, host=args.host, port=args.port), file=sys.stderr)
        return EXIT_FAILED
    db_url = args.db or f"sqlite:///{Path(DEFAULT_DB_FILE).resolve()}"
    options = {} if args.catalogue is None else {"catalogue_path": args.catalogue}
    settings = Settings(db_url=db_url, enrolment_code=args.enrolment_code,
                        operator_key=args.operator_key, confirm_after_s=args.confirm_after,
                        slow_answer_s=args.slow_answer, no_answer_after_s=args.no_answer_after,
                        lockout_s=args.lockout, **options)
    print(f"Huduma sandbox on http://{args.host}:{args.port}\n"
          f"  database:  {shown_url(settings.db_url)}\n  catalogue: {settings.catalogue_path}",
          file=sys.stderr, flush=True)
    try:
        serve(settings, host=args.host, port=args.port)
    except SeedError as err:
        print(err, file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def cmd_advance(args: argparse.Namespace) -> int:
    import requests  # here, not at the top: every command's start (`run` too) imports this module

    if (args.note_en is None) != (args.note_sw is None):
        print(bilingual(NOTE_NEEDS_BOTH), file=sys.stderr)
        return EXIT_USAGE
    body: dict[str, object] = {"status": args.status}
    if args.note_en is not None:
        body["note"] = {"en": args.note_en, "sw": args.note_sw}
    url = args.url.rstrip("/") + contract.Paths.ADVANCE.format(reference=args.reference)
    key = args.advance_operator_key or args.operator_key
    try:
        answer = requests.post(url, json=body, headers={contract.OPERATOR_HEADER: key},
                               timeout=10)
    except requests.RequestException:
        print(bilingual(NO_BACKEND, url=args.url), file=sys.stderr)
        return EXIT_FAILED
    if answer.status_code != 200:
        try:
            problem = contract.Problem.model_validate_json(answer.content)
        except ValueError:
            print(f"HTTP {answer.status_code}", file=sys.stderr)
        else:
            print(f"{problem.message.en}\n{problem.message.sw}", file=sys.stderr)
        return EXIT_FAILED
    application = contract.Application.model_validate_json(answer.content)
    print(bilingual(ADVANCED, reference=application.reference,
                    status=application.status.value))
    return EXIT_OK
