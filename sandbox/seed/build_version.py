"""Recompute the seeded catalogue's ``version`` from its content, and write it back.

The version is the first 12 hex digits of the SHA-256 of the catalogue without its ``version``
key, written as canonical JSON (keys sorted, no spaces, UTF-8). The backend builds the
catalogue's ETag from it, so any change to the content, ``published_at`` included, gives a new
version and devices fetch the new catalogue.

    python -m sandbox.seed.build_version            # rewrite sandbox/seed/catalogue.json
    python -m sandbox.seed.build_version --check    # exit 1 if the stored version is stale
    python -m sandbox.seed.build_version FILE       # another catalogue file

Run it after every edit of the catalogue. The file is validated against
:class:`kiosk_app.contract.Catalogue` before anything is written.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from kiosk_app.contract import Catalogue

CATALOGUE_FILE = Path(__file__).with_name("catalogue.json")
VERSION_LENGTH = 12


def content_version(catalogue: dict[str, Any]) -> str:
    """The version that ``catalogue`` (parsed JSON) should carry."""
    content = {key: value for key, value in catalogue.items() if key != "version"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:VERSION_LENGTH]


def dump(catalogue: dict[str, Any]) -> str:
    """The catalogue as stored: two-space indent, Kiswahili letters as they are, one final
    newline."""
    return json.dumps(catalogue, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=CATALOGUE_FILE)
    parser.add_argument("--check", action="store_true",
                        help="only check that the stored version is current")
    args = parser.parse_args(argv)

    text = args.file.read_text(encoding="utf-8")
    catalogue = json.loads(text)
    version = content_version(catalogue)
    Catalogue.model_validate({**catalogue, "version": version})

    if args.check:
        if catalogue.get("version") != version:
            print(f"{args.file}: version {catalogue.get('version')!r} is stale; "
                  f"the content's version is {version!r}", file=sys.stderr)
            return 1
        print(f"{args.file}: version {version} is current")
        return 0

    catalogue = {"version": version, **{k: v for k, v in catalogue.items() if k != "version"}}
    new_text = dump(catalogue)
    if new_text != text:
        args.file.write_text(new_text, encoding="utf-8")
    print(f"{args.file}: version {version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
