"""The training band: TRAINING / MAFUNZO across the top of every screen of an agent device in
training mode (``agent.training``, or a demo), above whatever the screen shows, so that nobody
takes practice for the real thing. Every slip printed in training says the same
(:mod:`kiosk_app.receipts.documents`).

It sits in the App's root, like the session bar, so no screen can leave it out. Both languages
always, then one line in the language of the moment. UI thread.
"""
from __future__ import annotations

from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk_app.i18n import N_
from screens.theme import Themed

TRAINING = "TRAINING / MAFUNZO"
"""The band's words, in both languages at once (as on the slips)."""
PRACTICE = N_("Practice only: nothing here goes to the real office or the real books.")


class TrainingBand(Themed, BoxLayout):
    shown = BooleanProperty(False)
    """Whether this device is in training mode (fixed for the run)."""
    tr = ObjectProperty(None, rebind=True)
    words = TRAINING
    practice = PRACTICE
