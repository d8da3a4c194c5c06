"""Identify: put the card on the reader, or type details instead."""
from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk_app.demo import insert_demo_card
from kiosk_app.device_words import FALLBACK_WORDS
from kiosk_app.devices import DeviceState
from kiosk_app.session import SessionState
from screens.base import Presenter, View, action


class IdentifyPresenter(Presenter):
    demo = BooleanProperty(False)
    reader_problem = StringProperty("")
    """A catalogue key when the card reader cannot be used, else empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.demo = self.kiosk.config.demo and self.kiosk.devices.get("card_reader") is not None
        self.kiosk.devices.add_listener(self)
        self.on_device_state_changed("card_reader", self.kiosk.devices.state("card_reader"))

    def on_device_state_changed(self, family: str, state: DeviceState) -> None:
        if family == "card_reader":
            self.reader_problem = "" if state.usable else FALLBACK_WORDS["card_reader"]

    @action
    def insert_demo_card(self) -> None:
        self.kiosk.workers.submit(insert_demo_card, self.kiosk)

    @action
    def type_instead(self) -> None:
        self.session.go(SessionState.TYPED_IDENTITY)

    @action
    def back(self) -> None:
        self.session.go(self.session.home)


class IdentifyView(View):
    kv_file = "identify.kv"
