"""How the screens look for the person at them: large text, high contrast, colours by role.

One :class:`Theme` per App, given to every view as ``theme`` (as ``tr`` is) and reset at the end
of each session to the kiosk's settings (``display.large_text``, ``display.high_contrast``). In
kv, a screen reads it through its root; the shared widgets (:class:`Themed`) find it on the
screen they are on::

    canvas.before:
        Color:
            rgba: root.theme.background
    Label:
        color: root.theme.text
        font_size: sp(26) * root.theme.text_scale

Colours are by role, never by hue: ``background`` and ``text``, ``brand`` (the attract screen)
and ``brand_text``, ``button``/``button_down``/``button_text``, ``quiet_button``/...,
``brand_button``/..., ``warning``/``warning_text``, ``fail``/``fail_text``, ``error_text`` (on
the background), ``field``/``field_text`` (text boxes) and ``bar`` (the bars at the edges).
High contrast is white on black with black on yellow buttons: every pair of :data:`PAIRS` has a
contrast of at least 7:1 (WCAG 2.x, level AAA), and at least 4.5:1 in the standard look.
Nothing is said by colour alone: a warning or an error also carries a sign and words.

The agent role wears the same colours, denser (``dense``): smaller text, tighter spacing and
lower buttons, for a trained person at a desk who uses the screens all day, with a keyboard
beside them. Buttons stay at least 15 mm high on the panel (``touch``); screens space their
parts by ``gap`` and ``margin``.
"""
from __future__ import annotations

from typing import Any

from kivy.event import EventDispatcher
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, ObjectProperty

Colour = tuple[float, float, float, float]

LARGE_TEXT_SCALE = 1.3
"""How much larger text is with large text switched on."""
DENSE_TEXT_SCALE = 0.8
"""How much smaller text is in the agent's denser look."""

STANDARD: dict[str, Colour] = {
    # The house palette: Kenyan green, white and near-black, with amber and red for faults.
    "background": (0.97, 0.97, 0.95, 1),
    "text": (0.08, 0.09, 0.10, 1),
    "brand": (0.0, 0.42, 0.25, 1),
    "brand_text": (1, 1, 1, 1),
    "button": (0.0, 0.42, 0.25, 1),
    "button_down": (0.0, 0.30, 0.18, 1),
    "button_text": (1, 1, 1, 1),
    "quiet_button": (0.85, 0.86, 0.84, 1),
    "quiet_button_down": (0.70, 0.71, 0.69, 1),
    "quiet_button_text": (0.08, 0.09, 0.10, 1),
    "brand_button": (1, 1, 1, 1),
    "brand_button_down": (0.85, 0.85, 0.85, 1),
    "brand_button_text": (0.0, 0.30, 0.18, 1),
    "warning": (0.96, 0.70, 0.0, 1),
    "warning_text": (0.08, 0.09, 0.10, 1),
    "fail": (0.73, 0.0, 0.0, 1),
    "fail_text": (1, 1, 1, 1),
    "error_text": (0.65, 0.0, 0.0, 1),
    "field": (1, 1, 1, 1),
    "field_text": (0.08, 0.09, 0.10, 1),
    "bar": (0.90, 0.90, 0.87, 1),
}
HIGH_CONTRAST: dict[str, Colour] = {
    # White on black; black on yellow for what can be touched.
    "background": (0, 0, 0, 1),
    "text": (1, 1, 1, 1),
    "brand": (0, 0, 0, 1),
    "brand_text": (1, 1, 1, 1),
    "button": (1, 0.9, 0, 1),
    "button_down": (0.8, 0.72, 0, 1),
    "button_text": (0, 0, 0, 1),
    "quiet_button": (1, 1, 1, 1),
    "quiet_button_down": (0.8, 0.8, 0.8, 1),
    "quiet_button_text": (0, 0, 0, 1),
    "brand_button": (1, 0.9, 0, 1),
    "brand_button_down": (0.8, 0.72, 0, 1),
    "brand_button_text": (0, 0, 0, 1),
    "warning": (1, 0.9, 0, 1),
    "warning_text": (0, 0, 0, 1),
    "fail": (0.6, 0, 0, 1),
    "fail_text": (1, 1, 1, 1),
    "error_text": (1, 0.9, 0, 1),
    "field": (1, 1, 1, 1),
    "field_text": (0, 0, 0, 1),
    "bar": (0, 0, 0, 1),
}
ROLES = tuple(STANDARD)

#: Each text colour with the colour it is drawn on.
PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "background"),
    ("text", "bar"),
    ("error_text", "background"),
    ("brand_text", "brand"),
    ("button_text", "button"),
    ("button_text", "button_down"),
    ("quiet_button_text", "quiet_button"),
    ("quiet_button_text", "quiet_button_down"),
    ("brand_button_text", "brand_button"),
    ("brand_button_text", "brand_button_down"),
    ("warning_text", "warning"),
    ("fail_text", "fail"),
    ("field_text", "field"),
)


def relative_luminance(colour: Any) -> float:
    """WCAG 2.x relative luminance of an sRGB colour given as 0..1 floats."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(float(c)) for c in tuple(colour)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: Any, background: Any) -> float:
    """WCAG 2.x contrast ratio, 1 to 21."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


class Theme(EventDispatcher):
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    dense = BooleanProperty(False)
    """The agent's denser look: smaller text, tighter spacing, lower buttons."""
    text_scale = NumericProperty(1.0)
    """Multiply every font size by this (1, or :data:`LARGE_TEXT_SCALE` with large text; times
    :data:`DENSE_TEXT_SCALE` in the dense look)."""
    touch = NumericProperty(dp(96))
    """The least height of a button: dp(96), 24 mm on the panel; dense, dp(64), 16 mm (the
    touch-target rule is 15 mm)."""
    gap = NumericProperty(dp(24))
    """Space between the parts of a screen."""
    margin = NumericProperty(dp(40))
    """Space around a screen's content."""

    background = ColorProperty(STANDARD["background"])
    text = ColorProperty(STANDARD["text"])
    brand = ColorProperty(STANDARD["brand"])
    brand_text = ColorProperty(STANDARD["brand_text"])
    button = ColorProperty(STANDARD["button"])
    button_down = ColorProperty(STANDARD["button_down"])
    button_text = ColorProperty(STANDARD["button_text"])
    quiet_button = ColorProperty(STANDARD["quiet_button"])
    quiet_button_down = ColorProperty(STANDARD["quiet_button_down"])
    quiet_button_text = ColorProperty(STANDARD["quiet_button_text"])
    brand_button = ColorProperty(STANDARD["brand_button"])
    brand_button_down = ColorProperty(STANDARD["brand_button_down"])
    brand_button_text = ColorProperty(STANDARD["brand_button_text"])
    warning = ColorProperty(STANDARD["warning"])
    warning_text = ColorProperty(STANDARD["warning_text"])
    fail = ColorProperty(STANDARD["fail"])
    fail_text = ColorProperty(STANDARD["fail_text"])
    error_text = ColorProperty(STANDARD["error_text"])
    field = ColorProperty(STANDARD["field"])
    field_text = ColorProperty(STANDARD["field_text"])
    bar = ColorProperty(STANDARD["bar"])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("large_text", self._apply)
        self.fbind("high_contrast", self._apply)
        self.fbind("dense", self._apply)
        self._apply()

    def _apply(self, *_args: object) -> None:
        self.text_scale = ((LARGE_TEXT_SCALE if self.large_text else 1.0)
                           * (DENSE_TEXT_SCALE if self.dense else 1.0))
        self.touch, self.gap, self.margin = ((dp(64), dp(12), dp(16)) if self.dense
                                             else (dp(96), dp(24), dp(40)))
        palette = HIGH_CONTRAST if self.high_contrast else STANDARD
        for role, colour in palette.items():
            setattr(self, role, colour)

    def colour(self, role: str) -> Colour:
        return tuple(getattr(self, role))  # type: ignore[return-value]


DEFAULT = Theme()
"""The standard look, which a shared widget wears until it finds the theme of the screen it is
on. Never changed: switches go to the App's own theme."""


class Themed:
    """A shared widget that takes the theme of the screen (or bar, or dialog) it is on.

    Kv builds a tree from the leaves up, so a widget usually has no screen above it yet when it
    gets its parent: it then waits on the topmost ancestor it has until that one is attached,
    and looks again. A widget given ``theme=`` keeps it.
    """

    theme = ObjectProperty(DEFAULT, rebind=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._theme_watch: Any = None
        self.fbind("parent", self._look_for_theme)  # type: ignore[attr-defined]

    def _look_for_theme(self, *_args: object) -> None:
        if self._theme_watch is not None:
            self._theme_watch.funbind("parent", self._look_for_theme)
            self._theme_watch = None
        if self.theme is not DEFAULT:
            return
        top, node = self, self.parent  # type: ignore[attr-defined]
        while node is not None:
            if node is top:
                return  # up to the Window (its own parent), and no theme on the way: the default
            theme = getattr(node, "theme", None)
            if isinstance(theme, Theme) and theme is not DEFAULT:
                self.theme = theme
                return
            top, node = node, getattr(node, "parent", None)
        if top is not self:
            self._theme_watch = top
            top.fbind("parent", self._look_for_theme)


class FollowingTheme(Theme):
    """A screen's own theme, which follows the App's (``lead``) when told to.

    Every widget of a screen reads its screen's theme. When the look is switched (large text,
    high contrast: the theme's switches, its boolean properties), the App moves the screen on
    show (and the screen about to show) to it at once, and the others in quiet frames
    (screens/idle.py): the person's touch makes one screen's words again at the new size, not
    those of all eighteen screens (about 200 labels, 30 to 45 ms)."""

    def __init__(self, lead: Theme, **kwargs: Any) -> None:
        self.lead = lead
        super().__init__(**{**self.looks(lead), **kwargs})

    @staticmethod
    def looks(theme: Theme) -> dict[str, bool]:
        return {name: getattr(theme, name) for name, prop in theme.properties().items()
                if isinstance(prop, BooleanProperty)}

    @property
    def behind(self) -> bool:
        return self.looks(self) != self.looks(self.lead)

    def catch_up(self) -> bool:
        """Take the lead's look now. An idle step: answers False (nothing more to do)."""
        for name, value in self.looks(self.lead).items():
            setattr(self, name, value)
        return False
