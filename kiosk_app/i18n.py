"""Words for people, in English and Kiswahili, from gettext catalogues.

English is the source language: a msgid *is* the English text. Kiswahili lives in
``locale/sw/LC_MESSAGES/huduma.po`` (compiled to ``.mo`` beside it by ``make catalogues``); a
test fails when any string that a person can see has no Kiswahili.

    _ = translator("sw").gettext
    _("Touch the screen to start")        # -> "Gusa skrini kuanza"

``N_`` marks a string for the catalogues without translating it yet (for tables of keys).
"""
from __future__ import annotations

import functools
import gettext
import logging
from pathlib import Path

DOMAIN = "huduma"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES: dict[str, str] = {"en": "English", "sw": "Kiswahili"}
"""Each language's code and its name in itself."""

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogues; translate it later, where it is shown."""
    return message


@functools.cache
def translator(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    try:
        return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
    except OSError:
        # A broken install must still serve people: English, and a loud line for technicians.
        log.error("the %s catalogue is missing from %s; showing English", language, LOCALE_DIR)
        return gettext.NullTranslations()


def gettext_for(language: str):  # noqa: ANN201 - returns the bound gettext
    return translator(language).gettext


def bilingual(message: str, **params: object) -> str:
    """``message`` in English, then in Kiswahili, for places with no language chosen yet
    (the command line, a refused config)."""
    en = message.format(**params)
    sw = translator("sw").gettext(message).format(**params)
    return en if en == sw else f"{en}\n{sw}"
