"""The registry: config names an adapter by ``kind``; the registry builds it.

    registry = builtin_registry()
    printer = registry.create("printer", name="printer", kind="simulator",
                              settings={"faults": ["paper_out"]})

An adapter whose library did not import says so through ``is_usable()``, and ``create`` raises
:class:`~drivers.errors.AdapterUnusable`: never a silent fallback to a simulator.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from drivers.base import AdapterSettings, Device
from drivers.errors import AdapterUnusable

FAMILIES = ("card_reader", "printer", "scanner", "camera")


class Registry:
    def __init__(self, adapters: Iterable[type[Device]] = ()) -> None:
        self._adapters: dict[tuple[str, str], type[Device]] = {}
        for cls in adapters:
            self.register(cls)

    def register(self, cls: type[Device]) -> type[Device]:
        if cls.family not in FAMILIES:
            raise ValueError(f"{cls.__name__}.family must be one of {FAMILIES}")
        key = (cls.family, cls.kind)
        if key in self._adapters and self._adapters[key] is not cls:
            raise ValueError(f"two adapters claim {cls.family}/{cls.kind}")
        self._adapters[key] = cls
        return cls

    def kinds(self, family: str) -> list[str]:
        return sorted(kind for fam, kind in self._adapters if fam == family)

    def adapter(self, family: str, kind: str) -> type[Device]:
        try:
            return self._adapters[(family, kind)]
        except KeyError:
            known = ", ".join(self.kinds(family)) or "none"
            raise AdapterUnusable(
                f"no {family} adapter of kind {kind!r} (known: {known})"
            ) from None

    def parse_settings(self, family: str, kind: str, settings: Mapping[str, Any]) -> AdapterSettings:
        """Validate settings for an adapter; raises pydantic's ValidationError."""
        return self.adapter(family, kind).Settings.model_validate(dict(settings))

    def create(self, family: str, name: str, kind: str,
               settings: Mapping[str, Any] | AdapterSettings | None = None) -> Device:
        cls = self.adapter(family, kind)
        usable, why = cls.is_usable()
        if not usable:
            raise AdapterUnusable(f"{family} adapter {kind!r} cannot be used here: {why}")
        if not isinstance(settings, AdapterSettings):
            settings = cls.Settings.model_validate(dict(settings or {}))
        return cls(name, settings)


def builtin_registry() -> Registry:
    """A fresh registry holding every adapter that ships with the kiosk."""
    from drivers.camera.opencv_camera import OpencvCamera
    from drivers.camera.simulator import SimulatedCamera
    from drivers.card.pcsc import PcscCardReader
    from drivers.card.simulator import SimulatedCardReader
    from drivers.printer.escpos_network import EscposNetworkPrinter
    from drivers.printer.escpos_serial import EscposSerialPrinter
    from drivers.printer.escpos_usb import EscposUsbPrinter
    from drivers.printer.simulator import SimulatedPrinter
    from drivers.scanner.camera_scanner import CameraScanner
    from drivers.scanner.line_scanners import KeyboardWedgeScanner, SerialScanner
    from drivers.scanner.simulator import SimulatedScanner

    return Registry([PcscCardReader, SimulatedCardReader, SimulatedPrinter, EscposNetworkPrinter,
                     EscposUsbPrinter, EscposSerialPrinter, SimulatedScanner, CameraScanner,
                     KeyboardWedgeScanner, SerialScanner,
                     SimulatedCamera, OpencvCamera])
