"""``python -m sandbox``: run the reference backend on loopback.

    python -m sandbox [--host 127.0.0.1] [--port 8765] [--db sqlite:///path.sqlite3
                                                         | postgresql+psycopg://user@host/db]
                      [--confirm-after S] [--slow-answer S] [--no-answer-after S]
                      [--enrolment-code CODE] [--operator-key KEY] [--catalogue FILE]

Blocking: runs uvicorn on the main thread until SIGTERM or Ctrl-C.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sandbox.settings import DEFAULT_CATALOGUE, DEFAULT_DB_FILE, Settings


def make_parser(prog: str = "python -m sandbox") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="The Huduma Kiosk reference backend.")
    add_options(parser)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """The sandbox's options, shared with ``huduma-kiosk sandbox``."""
    defaults = Settings()
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", metavar="URL",
                        help=f"SQLAlchemy URL: sqlite:///FILE or postgresql+psycopg://USER@HOST/DB "
                             f"(default: sqlite:///{DEFAULT_DB_FILE} in this folder)")
    parser.add_argument("--catalogue", type=Path, metavar="FILE", default=DEFAULT_CATALOGUE,
                        help="the catalogue seed, loaded into the database at start")
    parser.add_argument("--enrolment-code", default=defaults.enrolment_code)
    parser.add_argument("--operator-key", default=defaults.operator_key)
    parser.add_argument("--confirm-after", type=float, default=defaults.confirm_after_s,
                        metavar="S", help="seconds until an M-Pesa push gets its final answer")
    parser.add_argument("--slow-answer", type=float, default=defaults.slow_answer_s, metavar="S",
                        help="seconds the first answer for a ...0009 phone is held back")
    parser.add_argument("--no-answer-after", type=float, default=defaults.no_answer_after_s,
                        metavar="S", help="seconds until a ...0003 phone fails with 1037")
    parser.add_argument("--lockout", type=float, default=defaults.lockout_s, metavar="S",
                        help="an agent's first lock after five wrong PINs (doubles each time)")


def settings_from(args: argparse.Namespace) -> Settings:
    db_url = args.db or f"sqlite:///{Path(DEFAULT_DB_FILE).resolve()}"
    return Settings(db_url=db_url, enrolment_code=args.enrolment_code,
                    operator_key=args.operator_key, confirm_after_s=args.confirm_after,
                    slow_answer_s=args.slow_answer, no_answer_after_s=args.no_answer_after,
                    lockout_s=args.lockout, catalogue_path=args.catalogue)


def run(args: argparse.Namespace) -> int:
    from sandbox.catalogue_store import SeedError
    from sandbox.server import serve, shown_url

    settings = settings_from(args)
    print(f"Huduma sandbox on http://{args.host}:{args.port}\n"
          f"  database:  {shown_url(settings.db_url)}\n  catalogue: {settings.catalogue_path}",
          file=sys.stderr, flush=True)
    try:
        serve(settings, host=args.host, port=args.port)
    except SeedError as err:
        print(err, file=sys.stderr)
        return 2
    except ModuleNotFoundError as err:
        if err.name not in ("psycopg", "psycopg2"):
            raise
        print("The sandbox needs psycopg for PostgreSQL: pip install 'huduma-kiosk[postgres]'",
              file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(make_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
