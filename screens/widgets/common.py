"""The shared widgets every screen is made of, each wearing the screen's theme.

Their looks are in ``widgets.kv`` and ``forms.kv``: colours by role and font sizes times
``theme.text_scale``, so large text and high contrast reach every screen that uses them. A
screen's own labels read ``root.theme`` (see :mod:`screens.theme`).

- :class:`BigButton`: the main action, at least 15 mm high; :class:`QuietButton`: the others.
- :class:`Heading`: a screen's title; :class:`Message`: a line of plain words;
  :class:`ErrorMessage`: what went wrong (with a "!" and words, never colour alone).
- :class:`FieldLabel` and :class:`FieldInput`: a form's label and text box.
- :class:`PlainScreen`: a screen with the theme's background.
"""
from __future__ import annotations

from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.textinput import TextInput

from screens.theme import Themed


class BigButton(Themed, Button):
    pass


class QuietButton(Themed, Button):
    pass


class Heading(Themed, Label):
    pass


class Message(Themed, Label):
    pass


class ErrorMessage(Themed, Label):
    pass


class FieldLabel(Themed, Label):
    pass


class FieldInput(Themed, TextInput):
    pass


class PlainScreen(Themed, Screen):
    pass
