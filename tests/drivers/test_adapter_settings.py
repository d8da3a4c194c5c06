"""Every adapter's settings are plain dataclasses (drivers/schema.py): made at once without
pydantic, as the kiosk does before its first frame, or checked in full, as the config's check
does; both give the same object, and the full check still refuses a wrong setting by name."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from drivers.base import AdapterSettings
from drivers.registry import BUILTIN, builtin_registry
from drivers.schema import Untrusted, as_dict, checked, made
from drivers.status import DeviceStatus, Reason

ROOT = Path(__file__).resolve().parents[2]

#: What each adapter needs beyond its defaults (the settings with no default).
REQUIRED: dict[str, dict[str, Any]] = {
    "escpos-network": {"uri": "tcp://10.0.0.7"},
    "escpos-usb": {"uri": "usb://04b8:0e15"},
    "escpos-serial": {"uri": "serial:///dev/ttyUSB0"},
    "opencv": {"source": "camera:0"},
}

ADAPTERS = [(family, kind) for family, kind, _where in BUILTIN]


def _settings_class(family: str, kind: str) -> type[AdapterSettings]:
    return builtin_registry().adapter(family, kind).Settings


@pytest.mark.parametrize(("family", "kind"), ADAPTERS)
def test_every_settings_class_is_a_settings_dataclass(family: str, kind: str) -> None:
    cls = _settings_class(family, kind)
    # A subclass left without @settings would keep its annotations as class attributes, not
    # fields: made and checked would ignore them.
    for klass in cls.__mro__:
        if issubclass(klass, AdapterSettings):
            assert "__dataclass_params__" in vars(klass), klass
            assert klass.__dataclass_params__.frozen, klass


@pytest.mark.parametrize(("family", "kind"), ADAPTERS)
def test_made_and_checked_give_the_same_defaults(family: str, kind: str) -> None:
    cls = _settings_class(family, kind)
    raw = REQUIRED.get(kind, {})
    fast, full = made(cls, raw), checked(cls, raw)
    assert fast == full == cls(**raw)
    assert as_dict(fast) == as_dict(full)
    assert checked(cls, as_dict(fast)) == fast


def test_describe_gives_the_settings_as_plain_json() -> None:
    camera = builtin_registry().create("camera", "camera", "simulator", {"faults": ["busy"]})
    described = camera.describe()
    assert described == {"kind": "simulator", "faults": ["busy"], "latency_s": 0.0,
                          "width": 640, "height": 480, "fps": 15.0}
    json.dumps(described)


@pytest.mark.parametrize(("family", "kind", "raw", "kind_of_error", "loc"), [
    ("printer", "simulator", {"faults": ["paper_jam"]}, "literal_error", ("faults",)),
    ("card_reader", "simulator", {"faults": ["paper_out"]}, "literal_error", ("faults",)),
    ("scanner", "simulator", {"faults": ["lens_blocked"]}, "literal_error", ("faults",)),
    ("camera", "simulator", {"faults": ["cover_open"]}, "literal_error", ("faults",)),
    ("printer", "simulator", {"latency_s": 61}, "less_than_equal", ("latency_s",)),
    ("scanner", "simulator", {"latency_s": -1}, "greater_than_equal", ("latency_s",)),
    ("printer", "simulator", {"paper_width_mm": 57}, "literal_error", ("paper_width_mm",)),
    ("printer", "simulator", {"paper_width": 58}, "unexpected_keyword_argument", ("paper_width",)),
    ("camera", "simulator", {"width": 8}, "greater_than_equal", ("width",)),
    ("printer", "escpos-network", {}, "missing", ("uri",)),
    ("printer", "escpos-network", {"uri": "usb://04b8:0e15"}, "printer_uri", ("uri",)),
    ("printer", "escpos-usb", {"uri": "tcp://10.0.0.7"}, "printer_uri", ("uri",)),
    ("printer", "escpos-serial", {"uri": "tcp://10.0.0.7"}, "printer_uri", ("uri",)),
    ("printer", "escpos-usb", {"uri": "usb://04b8:0e15", "in_ep": 1}, "greater_than_equal",
     ("in_ep",)),
    ("printer", "escpos-network", {"uri": "tcp://h", "timeout_s": 0}, "greater_than",
     ("timeout_s",)),
    ("card_reader", "pcsc", {"poll_s": 11}, "less_than_equal", ("poll_s",)),
    ("card_reader", "pcsc", {"reader": 3}, "string_type", ("reader",)),
    ("scanner", "camera", {"max_side": 100}, "greater_than_equal", ("max_side",)),
    ("scanner", "keyboard-wedge", {"max_gap_s": 3}, "less_than_equal", ("max_gap_s",)),
    ("scanner", "serial", {"baud": 100}, "greater_than_equal", ("baud",)),
    ("scanner", "serial", {"port": "/dev/ttyACM0"}, "unexpected_keyword_argument", ("port",)),
    ("camera", "opencv", {"source": "usb:0"}, "source_error", ("source",)),
    ("camera", "opencv", {"source": "camera:0", "height": 9000}, "less_than_equal",
     ("height",)),
])
def test_a_wrong_setting_is_refused_naming_it(family: str, kind: str, raw: dict[str, Any],
                                              kind_of_error: str, loc: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        builtin_registry().parse_settings(family, kind, raw)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [(kind_of_error, loc)]


def test_an_unknown_fault_names_the_ones_the_family_can_show() -> None:
    with pytest.raises(ValidationError) as info:
        builtin_registry().parse_settings("printer", "simulator", {"faults": ["jam"]})
    (error,) = info.value.errors()
    names = "busy, cover_open, hardware_error, no_device, offline, paper_near_end, paper_out"
    assert error["ctx"] == {"expected": names, "got": "jam"}
    assert error["msg"] == f"unknown fault jam; expected one of {names}"


def test_each_family_has_its_own_settings_class() -> None:
    registry = builtin_registry()
    classes = {family: registry.adapter(family, "simulator").Settings
               for family in ("card_reader", "printer", "scanner", "camera")}
    assert {cls.__name__ for cls in classes.values()} == {
        "SimulatedCardReaderSettings", "SimulatedPrinterSettings", "SimulatedScannerSettings",
        "SimulatedCameraSettings"}
    assert [f.name for f in dataclasses.fields(classes["printer"])] == [
        "faults", "latency_s", "paper_width_mm"]
    assert classes["printer"]().faults == []


# -- creating devices without the full check ----------------------------------------------------

def test_created_unchecked_the_settings_are_those_of_the_full_check() -> None:
    registry = builtin_registry()
    raw = {"faults": ["paper_near_end"], "latency_s": 0, "paper_width_mm": 58}
    fast = registry.create("printer", "printer", "simulator", raw, checked_now=False)
    full = registry.create("printer", "printer", "simulator", raw)
    assert fast.settings == full.settings
    assert isinstance(fast.settings.latency_s, float)


def test_created_unchecked_a_constraint_waits_for_the_full_check() -> None:
    # The caller of checked_now=False checks in full before opening: the kiosk's config check.
    printer = builtin_registry().create("printer", "printer", "simulator", {"latency_s": 61},
                                        checked_now=False)
    assert printer.settings.latency_s == 61.0


@pytest.mark.parametrize(("raw", "loc"), [
    ({"latency_s": "slow"}, ("latency_s",)),     # a wrong type: made does not take it
    ({"paper_width": 58}, ("paper_width",)),     # an unknown key likewise
])
def test_created_unchecked_what_made_does_not_take_is_checked_at_once(
        raw: dict[str, Any], loc: tuple[str, ...]) -> None:
    with pytest.raises(Untrusted):
        made(_settings_class("printer", "simulator"), raw)
    with pytest.raises(ValidationError) as info:
        builtin_registry().create("printer", "printer", "simulator", raw, checked_now=False)
    assert info.value.errors()[0]["loc"] == loc


def test_created_unchecked_a_setting_the_adapter_reads_at_once_is_named() -> None:
    # The printer reads its URI as it is built: the full check names the setting at fault.
    with pytest.raises(ValidationError) as info:
        builtin_registry().create("printer", "printer", "escpos-network", {"uri": "tcp://"},
                                  checked_now=False)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("printer_uri", ("uri",))]


@pytest.mark.parametrize(("family", "settings"), [
    ("printer", {"faults": ["paper_out"]}),
    ("card_reader", {"faults": ["card_badly_inserted"], "card_inserted": True}),
    ("scanner", {"faults": ["busy"], "latency_s": 0.5}),
    ("camera", {"faults": ["lens_blocked"], "width": 320, "height": 240}),
])
def test_created_unchecked_the_simulators_import_no_pydantic(family: str,
                                                             settings: dict[str, Any]) -> None:
    code = textwrap.dedent(f"""
        import sys
        from drivers.registry import builtin_registry

        device = builtin_registry().create({family!r}, {family!r}, "simulator", {settings!r},
                                           checked_now=False)
        assert device.faults == set({settings!r}["faults"])
        print(sorted(m for m in sys.modules if m.startswith("pydantic")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_no_adapter_module_imports_pydantic() -> None:
    modules = sorted({where.partition(":")[0] for _family, _kind, where in BUILTIN})
    code = (f"import importlib, sys; [importlib.import_module(m) for m in {modules!r}]; "
            "print(sorted(m for m in sys.modules if m.startswith('pydantic')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_kiosk_keeps_a_device_whose_settings_are_refused_as_a_problem() -> None:
    # kiosk_app's DeviceHub builds the devices before the config's full check when that check
    # waits for the first frame: a setting it will refuse must not stop the kiosk from starting.
    from kiosk_app.devices import DeviceHub

    def device(kind: str, settings: dict[str, Any]) -> SimpleNamespace:
        return SimpleNamespace(kind=kind, settings=settings)

    enabled = {"printer": device("escpos-network", {"uri": "tcp://"}),
               "scanner": device("simulator", {"latency_s": "slow"}),
               "camera": device("simulator", {"width": 320})}
    config = SimpleNamespace(devices=SimpleNamespace(enabled=lambda: enabled))
    hub = DeviceHub(config, builtin_registry())  # type: ignore[arg-type]
    assert sorted(hub.devices) == ["camera"]
    for family in ("printer", "scanner"):
        state = hub.state(family)
        assert (state.status, state.reason) == (DeviceStatus.NO_DEVICE, Reason.ADAPTER_UNUSABLE)
