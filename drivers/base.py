"""What every device adapter has in common: a name, a kind, settings, a state and listeners.

An adapter is built by the registry from config, is ``open()``-ed by the core (which starts any
monitor thread), reports state changes and device events to its listeners *on its own thread*,
and is ``close()``-d when the app stops. ``probe()`` asks the device now and may block: call it
from a worker thread, never from the UI thread.

Example::

    reader = registry.create("card_reader", "card_reader", "simulator", {})
    reader.add_listener(events.put)     # called on the device thread
    reader.open()
    reader.probe()                      # DeviceState(ONLINE)
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from drivers.events import DeviceEvent, DeviceStatusChanged
from drivers.schema import as_dict, settings
from drivers.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

Listener = Callable[[DeviceEvent], None]


def module_usable(module: str, distribution: str) -> tuple[bool, str]:
    """For ``is_usable()``: whether an adapter's optional library imports here, and if not, a
    line for the technician naming what to install."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        return False, f"python module {module!r} ({distribution}) is not installed"
    return True, ""


@settings
class AdapterSettings:
    """Base of every adapter's settings: a frozen dataclass (see :mod:`drivers.schema`) whose
    unknown keys are refused when checked, so typos do not pass. Each subclass is decorated
    with ``@settings`` too, or its fields would not be fields."""


class Device:
    family: ClassVar[str] = ""
    """The device kind's family: ``card_reader``, ``printer``, ``scanner`` or ``camera``."""
    kind: ClassVar[str] = ""
    """The adapter's name in config, such as ``simulator`` or ``escpos-network``."""
    Settings: ClassVar[type[AdapterSettings]] = AdapterSettings

    def __init__(self, name: str, settings: AdapterSettings | None = None) -> None:
        self.name = name
        self.settings = settings if settings is not None else self.Settings()
        self._listeners: list[Listener] = []
        self._state_lock = threading.Lock()
        self._state = DeviceState(DeviceStatus.OFFLINE, detail="not opened")

    @classmethod
    def is_usable(cls) -> tuple[bool, str]:
        """Whether this adapter's libraries are importable here, and if not, why."""
        return True, ""

    # -- listeners --------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def _emit(self, event: DeviceEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's bug must not kill the device thread
                log.exception("device listener failed on %s", type(event).__name__)

    # -- state ------------------------------------------------------------------------------
    @property
    def state(self) -> DeviceState:
        """The last known state; never blocks."""
        return self._state

    def _set_state(self, new: DeviceState) -> None:
        with self._state_lock:
            if new == self._state:
                return
            self._state = new
        log.info("%s (%s) is now %s%s", self.name, self.kind, new.status.value,
                 f" ({new.reason.value})" if new.reason else "")
        self._emit(DeviceStatusChanged(self.name, new))

    # -- lifecycle --------------------------------------------------------------------------
    def open(self) -> None:
        """Start using the device (monitor threads and the like). Must not raise for a
        missing device: it sets the state instead."""
        self._set_state(self.probe())

    def close(self) -> None:
        """Stop threads and release the device. Safe to call twice."""

    def probe(self) -> DeviceState:
        """Ask the device for its state now. May block for a short, bounded time."""
        raise NotImplementedError

    def describe(self) -> dict[str, object]:
        """Settings worth showing a technician (no secrets)."""
        return {"kind": self.kind, **_jsonable(as_dict(self.settings))}


def _jsonable(value: Any) -> Any:
    """``value`` with its paths as text, so that it can be written as JSON."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
