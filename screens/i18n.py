"""The translator that .kv files bind to, so every label changes when the language does.

In kv: ``text: root.tr._("Touch the screen to start")``. Kivy's kv compiler binds to the
``_`` attribute of ``tr``; :meth:`Translator.switch` calls those bindings back, and each label
reads its text again in the new language.
"""
from __future__ import annotations

from typing import Any

from kivy.event import Observable

from kiosk_app.i18n import LANGUAGES, translator


class Translator(Observable):
    def __init__(self, language: str = "en") -> None:
        super().__init__()
        self._bindings: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
        self.language = language
        self._gettext = translator(language).gettext

    def _(self, message: str) -> str:
        return self._gettext(message)

    def both(self, message: str) -> str:
        """English, then Kiswahili: for the attract screen, before a language is chosen."""
        sw = translator("sw").gettext(message)
        return message if sw == message else f"{message}\n{sw}"

    def switch(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        if language == self.language:
            return
        self.language = language
        self._gettext = translator(language).gettext
        for func, args, _kwargs in list(self._bindings):
            func(*args, None, None)

    def fbind(self, name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "_":
            self._bindings.append((func, args, kwargs))
            return True
        return super().fbind(name, func, *args, **kwargs)

    def funbind(self, name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "_":
            key = (func, args, kwargs)
            if key in self._bindings:
                self._bindings.remove(key)
            return None
        return super().funbind(name, func, *args, **kwargs)


class FollowingTranslator(Translator):
    """A screen's own translator, which follows the App's (``lead``) when told to.

    Every label binds to its screen's translator. When the language changes, the App moves the
    screen on show (and the screen about to show) to it at once, and the others in quiet frames
    (screens/idle.py): one screen's words are made again in the touch that changes the
    language, not the words of all eighteen screens (about 190 labels, 30 to 60 ms)."""

    def __init__(self, lead: Translator) -> None:
        super().__init__(lead.language)
        self.lead = lead

    @property
    def behind(self) -> bool:
        return self.language != self.lead.language

    def catch_up(self) -> bool:
        """Take the lead's language now. An idle step: answers False (nothing more to do)."""
        self.switch(self.lead.language)
        return False
