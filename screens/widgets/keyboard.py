"""The on-screen keyboard: big keys that type into one text box, for a kiosk with no keyboard.

    keyboard = OnScreenKeyboard(layout="letters", tr=tr, idle=app.idle)
    keyboard.prepare()                    # keys made in quiet frames from now
    keyboard.ready()                      # all of them now: the keyboard is shown
    keyboard.target = some_text_input     # every key types into it
    keyboard.layout = "digits"            # a number pad ("phone" and "date" pads too)

Layouts: ``letters`` (capitals, digits, the marks that names, addresses and emails need, a
space and "Delete"), ``digits`` (a number pad with a point), ``phone`` (a number pad with
``+``), ``date`` (a number pad with ``/``), ``pin`` (digits only: an agent's PIN). Each key
is at least 15 mm high and, on the kiosk's panel, about as wide. Keys type at the end of the text box and "Delete" takes the last
character away (no cursor to place: one less thing to learn); the box's ``input_filter``
still decides what it takes.

UI thread only. Each key press is timed against the UI budget.
"""
from __future__ import annotations

import logging
from typing import Any

from kivy.factory import Factory
from kivy.properties import ObjectProperty, OptionProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk_app.i18n import N_
from kiosk_app.ui_watch import UiWatch

log = logging.getLogger(__name__)

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
    "pin": [list("123"), list("456"), list("789"), ["0", DELETE]],
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
    theme = ObjectProperty(None, allownone=True)
    """The screen's theme (screens.theme.Theme): keys made after it is given wear it from
    the start, instead of finding it when first shown."""
    idle = ObjectProperty(None, allownone=True)
    """The App's work for quiet frames (screens.idle.IdleWork), where :meth:`prepare` makes
    the keys; None: they are made when the keyboard is shown."""

    def __init__(self, **kwargs: Any) -> None:
        self.keys: dict[str, Any] = {}
        """The key buttons by what they type (``space`` and ``delete`` for the word keys)."""
        self._made: dict[str, tuple[list[Any], dict[str, Any]]] = {}
        kwargs.setdefault("orientation", "vertical")
        super().__init__(**kwargs)

    def prepare(self) -> None:
        """Make the keys one row per quiet frame from now (forty-odd buttons at once would
        hold the screen): call it when the keyboard may be needed soon. :meth:`ready` makes at
        once whatever is not made by the time it is shown."""
        if self.idle is not None and self._rows_to_make():
            self.idle.add(self._make_a_row, lasting=True)

    def _rows_to_make(self) -> int:
        return len(LAYOUTS[self.layout]) - len(self._rows(self.layout)[0])

    def on_layout(self, _instance: object, _layout: str) -> None:
        self.ready()

    def on_tr(self, _instance: object, tr: Any) -> None:
        if tr is not None:
            tr.fbind("_", self._words)
        self._words()

    def _rows(self, layout: str) -> tuple[list[Any], dict[str, Any]]:
        return self._made.setdefault(layout, ([], {}))

    def _make_row(self, layout: str) -> bool:
        """Make the next row of ``layout``'s keys; False when it has all its rows."""
        lines, keys = self._rows(layout)
        rows = LAYOUTS[layout]
        if len(lines) == len(rows):
            return False
        line = Factory.KeyRow()
        for key in rows[len(lines)]:
            extra = {"theme": self.theme} if self.theme is not None else {}
            button = Factory.KeyButton(text=KEY_WORDS.get(key, key), **extra)
            button.size_hint_x = WIDE.get(key, 1) if layout == "letters" else 1
            button.bind(on_release=lambda _b, key=key: self.press(key))
            line.add_widget(button)
            keys[key] = button
        lines.append(line)
        if layout == self.layout:
            self.add_widget(line)
            self.keys = keys
        self._words()
        return True

    def _make_a_row(self) -> bool:
        """An idle step (screens/idle.py): one more row of the layout on show; True while
        more are to be made. (The pads' dozen keys are made when first asked for: that costs a
        few milliseconds.)"""
        self._make_row(self.layout)
        return self._rows_to_make() > 0

    def ready(self) -> None:
        """Show the keys of ``layout``, making at once any not made yet."""
        while self._make_row(self.layout):
            pass
        lines, self.keys = self._rows(self.layout)
        if self.children[::-1] != lines:
            self.clear_widgets()
            for line in lines:
                self.add_widget(line)

    def _words(self, *_args: object) -> None:
        for _lines, keys in self._made.values():
            for key, words in KEY_WORDS.items():
                if key in keys:
                    keys[key].text = self.tr._(words) if self.tr is not None else words

    def stop_making(self) -> None:
        """Make no more keys in quiet frames (the keyboard is going away)."""
        if self.idle is not None:
            self.idle.discard(self._make_a_row)

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
