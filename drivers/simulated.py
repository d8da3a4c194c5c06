"""What every in-process simulator shares: faults injected from config or at run time, a
configurable latency, and a record of what it was sent.

Faults are names (``paper_out``, ``offline``, ...). Each family lists the faults it can show;
when several are injected at once the most serious wins (no device beats offline beats a
hardware error beats a person's error beats busy).
"""
from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Annotated, ClassVar

from drivers.base import AdapterSettings, Device
from drivers.errors import error_for
from drivers.schema import Check, settings
from drivers.status import DeviceState, DeviceStatus, Reason

#: Faults that every simulator can show, most serious first.
COMMON_FAULTS: dict[str, DeviceState] = {
    "no_device": DeviceState(DeviceStatus.NO_DEVICE, Reason.DISCONNECTED, "simulated: unplugged"),
    "offline": DeviceState(DeviceStatus.OFFLINE, Reason.NOT_RESPONDING, "simulated: not answering"),
    "hardware_error": DeviceState(DeviceStatus.HARDWARE_ERROR, None, "simulated: hardware fault"),
    "busy": DeviceState(DeviceStatus.BUSY, None, "simulated: busy"),
}

_SEVERITY = [DeviceStatus.NO_DEVICE, DeviceStatus.OFFLINE, DeviceStatus.HARDWARE_ERROR,
             DeviceStatus.USER_ERROR, DeviceStatus.BUSY, DeviceStatus.ONLINE]


@settings
class SimulatorSettings(AdapterSettings):
    faults: list[str] = dataclasses.field(default_factory=list)
    """Faults shown from the start, by name (see each simulator's ``FAULTS``)."""
    latency_s: Annotated[float, Check(ge=0.0, le=60.0)] = 0.0
    """How long each operation takes, in seconds: for trying slow hardware."""


def _known_faults(fault_names: list[str]) -> Callable[[list[str]], list[str]]:
    """The check of a family's ``faults``: each one a fault the family can show."""

    def check(value: list[str]) -> list[str]:
        unknown = [f for f in value if f not in fault_names]
        if unknown:
            # Only ever run by a full check, so pydantic is already imported.
            from pydantic_core import PydanticCustomError

            raise PydanticCustomError(
                "literal_error", "unknown fault {got}; expected one of {expected}",
                {"expected": ", ".join(fault_names), "got": unknown[0]},
            )
        return value

    return check


class SimulatedDevice(Device):
    kind: ClassVar[str] = "simulator"
    Settings: ClassVar[type[SimulatorSettings]] = SimulatorSettings
    FAULTS: ClassVar[dict[str, DeviceState]] = COMMON_FAULTS

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # Each family's settings refuse faults it cannot show, naming the ones it can: the
        # family's settings class again, with that check on ``faults``. Built with type(), so
        # that the annotation is the type itself and not text (a class statement here would
        # make it text, under ``from __future__ import annotations``, naming a check that no
        # module holds).
        name = f"{cls.__name__}Settings"
        family_settings = type(name, (cls.Settings,), {
            "__module__": cls.__module__,
            "__qualname__": name,
            "__annotations__": {
                "faults": Annotated[list[str], Check(after=_known_faults(sorted(cls.FAULTS)))]},
            "faults": dataclasses.field(default_factory=list),
        })
        cls.Settings = settings(family_settings)

    def __init__(self, name: str, settings: SimulatorSettings | None = None) -> None:
        super().__init__(name, settings)
        self._faults: set[str] = set(self.settings.faults)
        self._fault_lock = threading.Lock()
        self.latency_s: float = self.settings.latency_s
        self._opened = False

    # -- faults -----------------------------------------------------------------------------
    def inject(self, fault: str) -> None:
        """Show a fault from now on (any thread)."""
        if fault not in self.FAULTS:
            raise ValueError(f"{self.family} simulator has no fault {fault!r}")
        with self._fault_lock:
            self._faults.add(fault)
        self._refresh()

    def clear(self, fault: str | None = None) -> None:
        """Clear one fault, or all of them."""
        with self._fault_lock:
            if fault is None:
                self._faults.clear()
            else:
                self._faults.discard(fault)
        self._refresh()

    @property
    def faults(self) -> frozenset[str]:
        return frozenset(self._faults)

    def _current(self) -> DeviceState:
        with self._fault_lock:
            states = [self.FAULTS[f] for f in self._faults]
        if not states:
            return DeviceState.online()
        return min(states, key=lambda s: (_SEVERITY.index(s.status), s.reason is None))

    def _refresh(self) -> None:
        if self._opened:
            self._set_state(self._current())

    def _operate(self) -> None:
        """Wait the configured latency, then raise the error for the current fault, if any."""
        if self.latency_s:
            time.sleep(self.latency_s)
        state = self._current()
        if not state.usable:
            raise error_for(state)

    # -- lifecycle --------------------------------------------------------------------------
    def open(self) -> None:
        self._opened = True
        self._set_state(self._current())

    def close(self) -> None:
        self._opened = False

    def probe(self) -> DeviceState:
        if self.latency_s:
            time.sleep(self.latency_s)
        state = self._current()
        if self._opened:
            self._set_state(state)
        return state
