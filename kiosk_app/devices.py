"""The devices this kiosk has, built from config, and what the core knows of their state.

A device that could not be built (unknown kind, missing library) is kept as a problem with its
state, so the screens show it and the technician mode explains it: never a crash, never a
silent simulator in its place.

The devices are built from their settings as they are, without pydantic (``checked_now=False``):
the config's own check checks every device's settings in full, at load or, for ``huduma-kiosk
run``, on a worker once the first frame is shown, and nothing is opened before it passes.

Threads: ``open_all`` and ``probe_all`` block and run on a worker; ``on_device_event`` and the
listeners' ``on_device_state_changed(family, state)`` run on the UI thread.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from drivers.base import Device
from drivers.errors import DeviceError
from drivers.events import DeviceEvent, DeviceStatusChanged
from drivers.registry import FAMILIES, Registry
from drivers.status import DeviceState, DeviceStatus, Reason
from kiosk_app.config import KioskConfig

log = logging.getLogger(__name__)

NOT_FITTED = DeviceState(DeviceStatus.NO_DEVICE, None, "not fitted (disabled in config)")


class DeviceHub:
    def __init__(self, config: KioskConfig, registry: Registry,
                 overrides: Mapping[str, Device | None] | None = None) -> None:
        self.devices: dict[str, Device] = {}
        self._states: dict[str, DeviceState] = {}
        self._listeners: list[object] = []
        overrides = dict(overrides or {})
        enabled = config.devices.enabled()
        for family in FAMILIES:
            if overrides.get(family) is not None:
                self.devices[family] = overrides[family]  # type: ignore[assignment]
            elif family in enabled:
                dev = enabled[family]
                try:
                    self.devices[family] = registry.create(family, family, dev.kind,
                                                           dev.settings, checked_now=False)
                except DeviceError as err:
                    log.error("%s cannot be used: %s", family, err.detail)
                    self._states[family] = DeviceState(DeviceStatus.NO_DEVICE,
                                                       Reason.ADAPTER_UNUSABLE, err.detail)
                except ValueError as err:
                    # Settings the config's full check refuses (pydantic's ValidationError is
                    # a ValueError), met here first when that check waits for the first frame:
                    # it names them to the technician and stops the kiosk before anything opens.
                    log.error("%s settings refused (%s)", family, type(err).__name__)
                    self._states[family] = DeviceState(DeviceStatus.NO_DEVICE,
                                                       Reason.ADAPTER_UNUSABLE,
                                                       "settings refused by the config check")
            else:
                self._states[family] = NOT_FITTED
        for family, device in self.devices.items():
            self._states[family] = device.state

    @property
    def families(self) -> list[str]:
        """The families config expects on this kiosk (fitted ones, working or not)."""
        return [f for f in FAMILIES if self._states.get(f) is not NOT_FITTED]

    def get(self, family: str) -> Device | None:
        return self.devices.get(family)

    def state(self, family: str) -> DeviceState:
        return self._states.get(family, NOT_FITTED)

    def states(self) -> dict[str, DeviceState]:
        return {f: self.state(f) for f in self.families}

    def add_listener(self, listener: object) -> None:
        self._listeners.append(listener)

    def connect(self, put: object) -> None:
        """Send every device's events to ``put`` (the event queue's), on the device's thread."""
        for device in self.devices.values():
            device.add_listener(put)  # type: ignore[arg-type]

    # -- blocking: worker thread ------------------------------------------------------------
    def open_all(self) -> dict[str, DeviceState]:
        for family, device in self.devices.items():
            try:
                device.open()
            except DeviceError as err:
                log.error("%s did not open: %s", family, err.detail)
            except Exception as err:  # an adapter bug must not stop the kiosk
                log.exception("%s failed to open", family)
                device._set_state(DeviceState(DeviceStatus.HARDWARE_ERROR, None,
                                              f"open failed: {type(err).__name__}"))
        return {f: d.state for f, d in self.devices.items()}

    def close_all(self) -> None:
        for family, device in self.devices.items():
            try:
                device.close()
            except Exception:
                log.exception("%s failed to close", family)

    # -- UI thread --------------------------------------------------------------------------
    def on_device_event(self, event: DeviceEvent) -> None:
        if isinstance(event, DeviceStatusChanged) and event.device in self.devices:
            self.update(event.device, event.state)

    def update(self, family: str, state: DeviceState) -> None:
        if self._states.get(family) == state:
            return
        self._states[family] = state
        for listener in list(self._listeners):
            fn = getattr(listener, "on_device_state_changed", None)
            if fn is not None:
                fn(family, state)
