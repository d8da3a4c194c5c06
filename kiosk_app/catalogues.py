"""Keeping the gettext catalogues in step with the code (a developer's tool, and the tests').

    python -m kiosk_app.catalogues update    # extract, merge into sw.po, compile sw.mo
    python -m kiosk_app.catalogues check     # exit 1 if a string lacks Kiswahili or .mo is stale

Strings are found in Python (``_()``, ``N_()``, ``gettext()``, ``tr._()``) and in ``.kv`` files
(``tr._("...")`` and ``tr.both("...")``).
"""
from __future__ import annotations

import ast
import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from kiosk_app.i18n import DOMAIN, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("kiosk_app", "agent_mode", "screens", "drivers")
KEYWORDS = {"_": None, "N_": None, "gettext": None, "both": None}
# Babel's Python extractor does not look inside f-strings; this finds N_("...") wherever it is.
_PY_MARK = re.compile(r"""\bN_\(\s*(?P<q>["'])(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*\)""")
_KV_CALL = re.compile(r"""\btr\.(?:_|both)\(\s*(?P<q>["'])(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*\)""")


def extract(root: Path = ROOT) -> dict[str, list[tuple[str, int]]]:
    """Every msgid and where it is used."""
    found: dict[str, list[tuple[str, int]]] = {}
    for package in SOURCES:
        for path in sorted((root / package).rglob("*.py")):
            if path.name == "catalogues.py":
                continue
            where = str(path.relative_to(root))
            with path.open("rb") as fh:
                for lineno, _func, message, _comments in extract_python(fh, KEYWORDS, [], {}):
                    if isinstance(message, str) and message:
                        found.setdefault(message, []).append((where, lineno))
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for m in _PY_MARK.finditer(line):
                    text = ast.literal_eval(m.group("q") + m.group("text") + m.group("q"))
                    if (where, lineno) not in found.get(text, []):
                        found.setdefault(text, []).append((where, lineno))
        for path in sorted((root / package).rglob("*.kv")):
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for m in _KV_CALL.finditer(line):
                    text = ast.literal_eval(m.group("q") + m.group("text") + m.group("q"))
                    found.setdefault(text, []).append((str(path.relative_to(root)), lineno))
    return found


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as fh:
        return read_po(fh, locale=language)


def update(language: str = "sw") -> Catalog:
    """Merge the extracted strings into the language's .po (keeping translations), compile .mo."""
    found = extract()
    old = load(language)
    new = Catalog(locale=language, domain=DOMAIN, project="Huduma Kiosk",
                  msgid_bugs_address="", fuzzy=False)
    for msgid, locations in sorted(found.items()):
        previous = old.get(msgid)
        new.add(msgid, previous.string if previous else "", locations=locations,
                flags=("python-format",) if "{" in msgid else ())
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, new, width=100, sort_output=True)
    with path.with_suffix(".mo").open("wb") as fh:
        write_mo(fh, new)
    return new


def problems(language: str = "sw") -> list[str]:
    """What is missing or stale; empty when the catalogue is complete."""
    out = []
    catalog = load(language)
    for msgid, locations in sorted(extract().items()):
        message = catalog.get(msgid)
        where = "%s:%d" % locations[0]
        if message is None:
            out.append(f"{where}: not in {language}.po: {msgid!r}")
        elif not message.string:
            out.append(f"{where}: no {language} translation: {msgid!r}")
        elif set(re.findall(r"{\w+}", msgid)) != set(re.findall(r"{\w+}", message.string)):
            out.append(f"{where}: placeholders differ in {language}: {msgid!r}")
    mo = po_path(language).with_suffix(".mo")
    if not mo.exists():
        out.append(f"{mo} is missing: run `make catalogues`")
    else:
        with mo.open("rb") as fh:
            compiled = read_mo(fh)
        for message in catalog:
            if message.id and message.string and compiled.get(message.id) is None:
                out.append(f"{mo} is older than its .po: run `make catalogues`")
                break
            if message.id and compiled.get(message.id) is not None and \
                    compiled.get(message.id).string != message.string:
                out.append(f"{mo} is older than its .po: run `make catalogues`")
                break
    return out


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update("sw")
        print(f"updated {po_path('sw')}")
    found = problems("sw")
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
