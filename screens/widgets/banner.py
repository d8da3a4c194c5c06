"""The device status banner: what is not working, in words, and what to do instead.

Presenter thread: everything here runs on the UI thread; probing devices and the backend goes
to the workers, and the answers come back as device events or through the dispatcher.
"""
from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk_app.backend import Health
from kiosk_app.device_words import FALLBACK_WORDS, describe
from kiosk_app.devices import DeviceState
from kiosk_app.i18n import N_
from kiosk_app.outbox.store import OutboxSummary
from kiosk_app.outbox.sync import SYNC_KINDS
from screens.base import Presenter
from screens.theme import Themed

BACKEND_OFFLINE = N_("Working offline: applications are kept safely and sent when the network is back.")
WAITING = N_("Waiting to be sent: {count}. Kept safely on this kiosk; nothing needs to be done again.")
SET_ASIDE = N_("Not accepted by the office: {count}. A technician has been told.")


class DeviceBannerPresenter(Presenter):
    text = StringProperty("")
    visible = BooleanProperty(False)
    severity = OptionProperty("warning", options=["warning", "fail"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.backend_reachable: bool | None = None
        self.outbox_summary: OutboxSummary | None = None
        self.kiosk.devices.add_listener(self)
        dispatcher = self.kiosk.dispatcher
        self.kiosk.sync.add_listener(
            lambda summary: dispatcher.call_soon(self.on_outbox_summary, summary))
        self.tr.fbind("_", self._update)

    def on_device_state_changed(self, family: str, state: DeviceState) -> None:
        """UI thread (from the event queue)."""
        self._update()

    def on_backend_health(self, health: Health) -> None:
        """UI thread (through the dispatcher)."""
        self.backend_reachable = health.reachable
        self._update()

    def on_outbox_summary(self, summary: OutboxSummary) -> None:
        """UI thread (through the dispatcher): what waits to be sent to the backend."""
        self.outbox_summary = summary
        self._update()

    def refresh(self) -> None:
        """Ask every device and the backend for their state, on workers; returns at once."""
        for device in self.kiosk.devices.devices.values():
            self.kiosk.workers.submit(device.probe)
        self.kiosk.workers.submit(self.kiosk.backend.health, on_done=self.on_backend_health)
        self.kiosk.workers.submit(self.kiosk.outbox.summary, SYNC_KINDS,
                                  on_done=self.on_outbox_summary)

    def _update(self, *_args: object) -> None:
        lang = self.tr.language
        _ = self.tr._
        lines, fail = [], False
        for family, state in self.kiosk.devices.states().items():
            if not state.usable:
                fail = True
                lines.append(f"! {describe(family, state, lang)}. {_(FALLBACK_WORDS[family])}")
            elif state.warning:
                lines.append(f"! {describe(family, state, lang)}")
        if self.backend_reachable is False:
            lines.append(f"! {_(BACKEND_OFFLINE)}")
        summary = self.outbox_summary
        if summary is not None:
            waiting = summary.counts.get("pending", 0) + summary.counts.get("sending", 0)
            if waiting:
                lines.append(_(WAITING).format(count=waiting))
            if summary.counts.get("failed", 0):
                lines.append(f"! {_(SET_ASIDE).format(count=summary.counts['failed'])}")
        self.text = "\n".join(lines)
        self.visible = bool(lines)
        self.severity = "fail" if fail else "warning"


class DeviceBanner(Themed, BoxLayout):
    presenter = ObjectProperty(None, rebind=True)
    text = StringProperty("")
    visible = BooleanProperty(False)
    severity = StringProperty("warning")
    texture_height = NumericProperty(0)

    def on_presenter(self, _instance: object, presenter: DeviceBannerPresenter) -> None:
        presenter.bind(text=self.setter("text"), visible=self.setter("visible"),
                       severity=self.setter("severity"))
        self.text, self.visible, self.severity = presenter.text, presenter.visible, presenter.severity
