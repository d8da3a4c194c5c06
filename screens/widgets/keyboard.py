"""The on-screen keyboard: big keys that type into one text box, for a kiosk with no keyboard.

    keyboard = OnScreenKeyboard(layout="letters", tr=tr)
    keyboard.target = some_text_input     # every key types into it
    keyboard.layout = "digits"            # a number pad ("phone" and "date" pads too)

Layouts: ``letters`` (capitals, digits, the marks that names, addresses and emails need, a
space and "Delete"), ``digits`` (a number pad with a point), ``phone`` (a number pad with
``+``), ``date`` (a number pad with ``/``). Each key is at least 15 mm high and, on the
kiosk's panel, about as wide. Keys type at the end of the text box and "Delete" takes the last
character away (no cursor to place: one less thing to learn); the box's ``input_filter``
still decides what it takes.

UI thread only. Each key press is timed against the UI budget.
"""
from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ObjectProperty, OptionProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk_app.i18n import N_
from kiosk_app.ui_watch import UiWatch

SPACE = "space"
DELETE = "delete"
KEY_WORDS = {SPACE: N_("Space"), DELETE: N_("Delete")}
"""The keys that are words, not characters (catalogue keys)."""

LAYOUTS: dict[str, list[list[str]]] = {
    "letters": [list("1234567890"), list("QWERTYUIOP"), list("ASDFGHJKL'"),
                list("ZXCVBNM-./"), ["@", ",", SPACE, DELETE]],
    "digits": [list("123"), list("456"), list("789"), [".", "0", DELETE]],
    "phone": [list("123"), list("456"), list("789"), ["+", "0", DELETE]],
    "date": [list("123"), list("456"), list("789"), ["/", "0", DELETE]],
}
WIDE = {SPACE: 3, DELETE: 3}
"""How many key widths the word keys of the letters take."""


class OnScreenKeyboard(BoxLayout):
    """Dispatches ``on_key(key)`` after each key has typed: bind it to a presenter action, so
    typing counts as activity for the session's time limit."""

    __events__ = ("on_key",)
    layout = OptionProperty("letters", options=list(LAYOUTS))
    target = ObjectProperty(None, allownone=True)
    """The TextInput the keys type into."""
    tr = ObjectProperty(None, rebind=True)
    watch = ObjectProperty(None, allownone=True)
    """A UiWatch that times each key press (the kiosk's)."""

    def __init__(self, **kwargs: Any) -> None:
        self.keys: dict[str, Any] = {}
        """The key buttons by what they type (``space`` and ``delete`` for the word keys)."""
        kwargs.setdefault("orientation", "vertical")
        super().__init__(**kwargs)
        self._build()

    def on_layout(self, _instance: object, _layout: str) -> None:
        self._build()

    def on_tr(self, _instance: object, tr: Any) -> None:
        if tr is not None:
            tr.fbind("_", self._words)
        self._words()

    def _build(self) -> None:
        self.clear_widgets()
        self.keys = {}
        letters = self.layout == "letters"
        for row in LAYOUTS[self.layout]:
            line = Factory.KeyRow()
            for key in row:
                button = Factory.KeyButton(text=key)
                button.size_hint_x = WIDE.get(key, 1) if letters else 1
                button.bind(on_release=lambda _b, key=key: self.press(key))
                line.add_widget(button)
                self.keys[key] = button
            self.add_widget(line)
        self._words()

    def _words(self, *_args: object) -> None:
        for key, words in KEY_WORDS.items():
            if key in self.keys:
                self.keys[key].text = self.tr._(words) if self.tr is not None else words

    def press(self, key: str) -> None:
        """A key was touched: type it into the target."""
        watch = self.watch or UiWatch()
        with watch.measure("OnScreenKeyboard.press"):
            target = self.target
            if target is None or target.disabled:
                return
            if key == DELETE:
                self._delete(target)
            else:
                self._type(target, " " if key == SPACE else key)
        self.dispatch("on_key", key)

    def on_key(self, key: str) -> None:
        """After a key has typed (default handler: nothing)."""

    @staticmethod
    def _type(target: Any, chars: str) -> None:
        if callable(target.input_filter):
            chars = target.input_filter(chars, False)
        elif target.input_filter == "int":
            chars = "".join(c for c in chars if c.isdigit())
        if chars:
            target.text += chars
            if not target.multiline:
                target.cursor = (len(target.text), 0)

    @staticmethod
    def _delete(target: Any) -> None:
        if target.text:
            target.text = target.text[:-1]
            if not target.multiline:
                target.cursor = (len(target.text), 0)
