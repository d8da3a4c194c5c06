from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import ValidationError

from drivers.base import Device
from drivers.errors import AdapterUnusable
from drivers.printer.simulator import SimulatedPrinter
from drivers.registry import Registry, builtin_registry
from drivers.status import DeviceState


class _NeedsMissingLibrary(Device):
    family: ClassVar[str] = "printer"
    kind: ClassVar[str] = "escpos-usb-test"

    @classmethod
    def is_usable(cls) -> tuple[bool, str]:
        return False, "python module 'usb' is not installed"

    def probe(self) -> DeviceState:  # pragma: no cover - never built
        raise AssertionError


def test_builtin_registry_has_a_simulator_for_every_family() -> None:
    registry = builtin_registry()
    assert registry.kinds("card_reader") == ["pcsc", "simulator"]
    assert registry.kinds("printer") == ["escpos-network", "escpos-serial", "escpos-usb",
                                         "simulator"]
    assert registry.kinds("scanner") == ["camera", "keyboard-wedge", "serial", "simulator"]
    assert registry.kinds("camera") == ["opencv", "simulator"]


def test_create_picks_the_adapter_by_kind_with_its_settings() -> None:
    printer = builtin_registry().create("printer", "printer", "simulator",
                                        {"paper_width_mm": 58, "faults": ["paper_near_end"]})
    assert isinstance(printer, SimulatedPrinter)
    assert printer.profile.columns == 32
    assert printer.faults == {"paper_near_end"}


def test_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(AdapterUnusable) as info:
        builtin_registry().create("printer", "printer", "escpos-netwrk", {})
    assert info.value.detail == ("no printer adapter of kind 'escpos-netwrk' "
                                 "(known: escpos-network, escpos-serial, escpos-usb, simulator)")


def test_unusable_adapter_is_an_error_never_a_silent_simulator() -> None:
    registry = Registry([SimulatedPrinter, _NeedsMissingLibrary])
    with pytest.raises(AdapterUnusable) as info:
        registry.create("printer", "printer", "escpos-usb-test", {})
    assert "python module 'usb' is not installed" in info.value.detail


def test_settings_are_checked_by_the_adapters_own_schema() -> None:
    with pytest.raises(ValidationError) as info:
        builtin_registry().create("printer", "printer", "simulator", {"paper_width": 58})
    assert info.value.errors()[0]["loc"] == ("paper_width",)
    assert info.value.errors()[0]["type"] == "unexpected_keyword_argument"


def test_two_adapters_cannot_claim_one_kind() -> None:
    class Other(SimulatedPrinter):
        pass

    registry = Registry([SimulatedPrinter])
    with pytest.raises(ValueError, match="two adapters claim printer/simulator"):
        registry.register(Other)


def test_builtin_adapters_are_imported_only_when_asked_for() -> None:
    import subprocess
    import sys

    from drivers.registry import BUILTIN

    registry = builtin_registry()
    for family, kind, _where in BUILTIN:
        cls = registry.adapter(family, kind)
        assert (cls.family, cls.kind) == (family, kind)
    # A demo kiosk (simulators only) never imports OpenCV, the decoders or pyscard.
    code = ("import sys; from drivers.registry import builtin_registry; r = builtin_registry(); "
            "[r.create(f, f, 'simulator', {}) for f in ('card_reader', 'printer', 'scanner', 'camera')]; "
            "print(sorted(m for m in ('cv2', 'zxingcpp', 'pyzbar', 'smartcard', 'usb', 'serial') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
