"""The registry: config names an adapter by ``kind``; the registry builds it.

    registry = builtin_registry()
    printer = registry.create("printer", name="printer", kind="simulator",
                              settings={"faults": ["paper_out"]})

An adapter whose library did not import says so through ``is_usable()``, and ``create`` raises
:class:`~drivers.errors.AdapterUnusable`: never a silent fallback to a simulator.

Settings are checked in full by pydantic (:func:`drivers.schema.checked`), unless the caller
passes ``checked_now=False`` because it checks them in full itself later, before any device is
opened: the kiosk does so to show its first frame without importing pydantic. The settings are
then made as they are (:func:`drivers.schema.made`), or checked in full at once when they are
not of their fields' types.

The built-in adapters are registered by name (``"drivers.camera.opencv_camera:OpencvCamera"``)
and imported when first asked for: a kiosk imports OpenCV, pyscard or the decoders only when its
config names an adapter that needs them (importing them all took a tenth of a second and
30 MB at every start, benchmarks/startup.py).
"""
from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import Any

from drivers.base import AdapterSettings, Device
from drivers.errors import AdapterUnusable
from drivers.schema import Untrusted, checked, made

FAMILIES = ("card_reader", "printer", "scanner", "camera")


class Registry:
    def __init__(self, adapters: Iterable[type[Device]] = ()) -> None:
        self._adapters: dict[tuple[str, str], type[Device] | str] = {}
        for cls in adapters:
            self.register(cls)

    def register_by_name(self, family: str, kind: str, where: str) -> None:
        """Register the adapter ``where`` (``"package.module:Class"``) for ``family``/``kind``,
        imported the first time it is asked for."""
        if family not in FAMILIES:
            raise ValueError(f"{where}: family must be one of {FAMILIES}")
        if (family, kind) in self._adapters:
            raise ValueError(f"two adapters claim {family}/{kind}")
        self._adapters[(family, kind)] = where

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
            found = self._adapters[(family, kind)]
        except KeyError:
            known = ", ".join(self.kinds(family)) or "none"
            raise AdapterUnusable(
                f"no {family} adapter of kind {kind!r} (known: {known})"
            ) from None
        if isinstance(found, str):
            module, _, name = found.partition(":")
            found = getattr(importlib.import_module(module), name)
            if (found.family, found.kind) != (family, kind):
                raise ValueError(f"{module}:{name} is {found.family}/{found.kind}, "
                                 f"registered as {family}/{kind}")
            self._adapters[(family, kind)] = found
        return found

    def parse_settings(self, family: str, kind: str, settings: Mapping[str, Any]) -> AdapterSettings:
        """Validate settings for an adapter in full; raises pydantic's ValidationError."""
        return checked(self.adapter(family, kind).Settings, settings)

    def create(self, family: str, name: str, kind: str,
               settings: Mapping[str, Any] | AdapterSettings | None = None, *,
               checked_now: bool = True) -> Device:
        """The adapter ``kind`` of ``family``, named ``name``, with ``settings`` (a table, or
        settings already made). A table is checked in full (pydantic's ValidationError), unless
        ``checked_now`` is false: then the caller must check it in full with
        :meth:`parse_settings` before the device is opened."""
        cls = self.adapter(family, kind)
        usable, why = cls.is_usable()
        if not usable:
            raise AdapterUnusable(f"{family} adapter {kind!r} cannot be used here: {why}")
        if isinstance(settings, AdapterSettings):
            return cls(name, settings)
        raw = dict(settings or {})
        if checked_now:
            return cls(name, checked(cls.Settings, raw))
        try:
            unchecked = made(cls.Settings, raw)
        except Untrusted:  # not of the fields' types: the full check converts or names it
            return cls(name, checked(cls.Settings, raw))
        try:
            return cls(name, unchecked)
        except ValueError:
            # An adapter that reads a setting as it is built (a printer's URI) refuses a value
            # the full check would have refused: let that check name the setting instead.
            checked(cls.Settings, raw)
            raise


BUILTIN: tuple[tuple[str, str, str], ...] = (
    ("card_reader", "pcsc", "drivers.card.pcsc:PcscCardReader"),
    ("card_reader", "simulator", "drivers.card.simulator:SimulatedCardReader"),
    ("printer", "simulator", "drivers.printer.simulator:SimulatedPrinter"),
    ("printer", "escpos-network", "drivers.printer.escpos_network:EscposNetworkPrinter"),
    ("printer", "escpos-usb", "drivers.printer.escpos_usb:EscposUsbPrinter"),
    ("printer", "escpos-serial", "drivers.printer.escpos_serial:EscposSerialPrinter"),
    ("scanner", "simulator", "drivers.scanner.simulator:SimulatedScanner"),
    ("scanner", "camera", "drivers.scanner.camera_scanner:CameraScanner"),
    ("scanner", "keyboard-wedge", "drivers.scanner.line_scanners:KeyboardWedgeScanner"),
    ("scanner", "serial", "drivers.scanner.line_scanners:SerialScanner"),
    ("camera", "simulator", "drivers.camera.simulator:SimulatedCamera"),
    ("camera", "opencv", "drivers.camera.opencv_camera:OpencvCamera"),
)
"""Every adapter that ships with the kiosk: family, kind, and where its class is."""


def builtin_registry() -> Registry:
    """A fresh registry holding every adapter that ships with the kiosk (each imported when
    first asked for)."""
    registry = Registry()
    for family, kind, where in BUILTIN:
        registry.register_by_name(family, kind, where)
    return registry
