"""``python -m sandbox.openapi [PATH]``: write the sandbox's OpenAPI document (default
``docs/openapi.json``), with sorted keys so that it is stable; ``--check`` exits 1 when the
file differs from what the code would write.

Touches no database: the app is created, never started. Runs on the main thread.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sandbox.server import create_app
from sandbox.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = ROOT / "docs" / "openapi.json"
FIX_COMMAND = ".venv/bin/python -m sandbox.openapi"


def document() -> dict[str, Any]:
    return create_app(Settings(db_url="sqlite://")).openapi()


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.openapi", description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the file is not what the code would write")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != text:
            print(f"{args.path} is stale; write it again with: {FIX_COMMAND}", file=sys.stderr)
            return 1
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
