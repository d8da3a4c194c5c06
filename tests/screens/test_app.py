"""The first screens, rendered headless and touched like a person would."""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from drivers.card.simulator import SimulatedCardReader
from drivers.printer.simulator import SimulatedPrinter
from kiosk_app.clock import ManualClock
from kiosk_app.config import KioskConfig, parse_config
from kiosk_app.session import SessionState
from tests.screens.conftest import LANDSCAPE, PORTRAIT


def labels(widget) -> list[str]:  # noqa: ANN001
    """Every text shown under ``widget``, in tree order."""
    out = []
    for w in widget.walk(restrict=True):
        text = getattr(w, "text", None)
        if isinstance(text, str) and text and w.opacity > 0:
            out.append(text)
    return out


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_attract_then_kiswahili_then_home(make_ui, size) -> None:  # noqa: ANN001
    ui = make_ui(size=size)
    attract = ui.screen
    assert attract.name == "attract"
    shown = labels(attract)
    assert "Touch the screen to start\nGusa skrini kuanza" in shown
    assert "English" in shown and "Kiswahili" in shown

    ui.tap(attract.ids.kiswahili)
    assert ui.screen.name == "home"
    assert ui.kiosk.session.state is SessionState.HOME and ui.kiosk.session.language == "sw"
    home = ui.screen
    shown = labels(home)
    assert "Ungependa kufanya nini?" in shown
    assert any(t.startswith("Omba huduma") for t in shown)
    assert any(t.startswith("Chukua tiketi ya foleni") for t in shown)
    assert home.ids.language.text == "English"
    for button in (home.ids.apply, home.ids.status, home.ids.ticket, home.ids.finish):
        x, y = button.to_window(button.x, button.y)
        assert 0 <= x and x + button.width <= size[0] + 1 and 0 <= y and y + button.height <= size[1] + 1
        assert button.height >= 48  # 15 mm at this half-size, half-density rendering

    ui.tap(home.ids.language)
    assert "What would you like to do?" in labels(home)
    assert home.ids.language.text == "Kiswahili"

    ui.tap(home.ids.finish)
    assert ui.screen.name == "attract" and ui.kiosk.session.state is SessionState.ATTRACT


def test_a_touch_anywhere_starts_in_the_kiosks_language(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    config = parse_config({"language": "sw", "data_dir": str(tmp_path / "d"), "demo": True,
                           "display": {"fullscreen": False}})
    ui = make_ui(config)
    ui.tap_at(ui.window.width / 2, ui.window.height * 0.8)  # the title, not a button
    assert ui.screen.name == "home"
    assert "Ungependa kufanya nini?" in labels(ui.screen)


def test_a_step_not_offered_yet_says_so_and_leads_back(make_ui, monkeypatch) -> None:  # noqa: ANN001
    import screens.app

    # A kiosk where this step has no screen (every step from home has one now).
    monkeypatch.delitem(screens.app.SCREEN_FOR_STATE, SessionState.QUEUE_TICKET)
    ui = make_ui()
    ui.tap(ui.screen.ids.english)
    ui.tap(ui.screen.ids.ticket)
    assert ui.screen.name == "unavailable"
    assert "Take a queue ticket" in labels(ui.screen)
    ui.tap(ui.screen.ids.back)
    assert ui.screen.name == "home"


def test_attract_screenshot_for_the_readme(make_ui, screenshots_dir: Path) -> None:  # noqa: ANN001
    ui = make_ui()
    ui.pump(5)
    path = ui.screenshot(screenshots_dir / "attract-portrait.png")
    image = Image.open(path).convert("RGB")
    assert image.size == PORTRAIT
    green = image.getpixel((10, PORTRAIT[1] // 2))
    assert green[1] > 90 and green[0] < 30  # the house green, not a blank frame
    ui.resize(LANDSCAPE)
    path = ui.screenshot(screenshots_dir / "attract-landscape.png")
    assert Image.open(path).size == LANDSCAPE
    ui.tap(ui.screen.ids.english)
    ui.screenshot(screenshots_dir / "home-landscape.png")
    ui.resize(PORTRAIT)
    ui.screenshot(screenshots_dir / "home-portrait.png")


def test_no_key_or_close_request_leaves_the_kiosk(make_ui) -> None:  # noqa: ANN001
    ui = make_ui()
    for key in (27, 292, 1001):  # Escape, F11, Android back
        assert ui.window.dispatch("on_keyboard", key, 0, None, []) is True
    assert ui.window.dispatch("on_request_close") is True
    assert ui.app.root.get_root_window() is ui.window


def test_the_time_limit_warns_offers_more_time_and_wipes(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    clock = ManualClock()
    config = parse_config({"data_dir": str(tmp_path / "d"), "demo": True,
                           "display": {"fullscreen": False},
                           "time_limits": {"idle_s": 60, "warning_s": 30}})
    ui = make_ui(config, clock=clock)
    ui.tap(ui.screen.ids.kiswahili)
    ui.tap(ui.screen.ids.apply)
    assert ui.screen.name == "identify"
    ui.kiosk.session.data.answers["surname"] = "personal"

    clock.advance(60)
    ui.run_for(0.6)
    warning = ui.app.timeout_warning
    assert warning._window is not None
    assert "Kipindi hiki kitaisha baada ya sekunde 30, na ulichoandika kitafutwa." in labels(warning)
    clock.advance(10)
    ui.run_for(0.6)
    assert "Kipindi hiki kitaisha baada ya sekunde 20, na ulichoandika kitafutwa." in labels(warning)

    ui.tap(warning.ids.more_time)
    assert warning._window is None and ui.screen.name == "identify"
    assert ui.kiosk.session.data.answers == {"surname": "personal"}

    clock.advance(60)
    ui.run_for(0.6)
    assert warning._window is not None
    clock.advance(30)
    ui.run_for(0.6)
    assert warning._window is None
    assert ui.screen.name == "attract"
    assert ui.kiosk.session.data.answers == {} and ui.kiosk.session.language == "en"
    assert "Touch the screen to start\nGusa skrini kuanza" in labels(ui.screen)
    assert not any("personal" in text for text in labels(ui.app.root))


def test_the_banner_says_what_is_down_and_what_to_do(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    config = parse_config({"data_dir": str(tmp_path / "d"), "demo": True,
                           "display": {"fullscreen": False},
                           "devices": {"printer": {"settings": {"faults": ["paper_out"]}}}})
    ui = make_ui(config)
    banner = ui.app.root.children[-1]
    ui.wait_until(lambda: "receipt printer" in banner.text)
    assert banner.visible and banner.severity == "fail"
    assert ("! receipt printer: needs attention (paper out). The printer is not working. "
            "Your receipt will be shown on screen and sent by SMS.") in banner.text.splitlines()
    ui.tap(ui.screen.ids.kiswahili)
    assert ("! printa ya risiti: inahitaji kushughulikiwa (karatasi imekwisha). Printa haifanyi "
            "kazi. Risiti yako itaonyeshwa kwenye skrini na kutumwa kwa SMS.") in banner.text.splitlines()

    printer = ui.kiosk.devices.get("printer")
    printer.clear("paper_out")            # a technician loads paper
    ui.wait_until(lambda: "printa" not in banner.text)
    printer.inject("cover_open")           # from the device's side, any thread
    ui.wait_until(lambda: "kifuniko kiko wazi" in banner.text)


@pytest.fixture
def silent_backend(silent_server: int) -> str:
    """A backend that accepts connections and never answers: the worst network there is."""
    return f"http://127.0.0.1:{silent_server}"


def test_slow_devices_and_a_silent_backend_never_hold_the_ui_thread(
        make_ui, tmp_path: Path, silent_backend: str) -> None:  # noqa: ANN001
    slow = {"settings": {"latency_s": 1.0}}
    config = parse_config({"data_dir": str(tmp_path / "d"), "demo": True,
                           "display": {"fullscreen": False},
                           "backend": {"url": silent_backend, "timeout_s": 2},
                           "devices": {f: slow for f in ("card_reader", "printer", "scanner", "camera")}})
    ui = make_ui(config)
    watch = ui.kiosk.ui_watch
    started = time.perf_counter()
    ui.tap(ui.screen.ids.english)        # while every device is still opening, slowly
    ui.app.banner_presenter.refresh()    # and asked again: probes and a health check
    ui.tap(ui.screen.ids.status)
    ui.tap(ui.screen.ids.back)
    ui.run_for(2.5)                       # past the devices' 1 s and the backend's 2 s
    assert time.perf_counter() - started >= 2.5
    assert ui.screen.name == "home"
    assert watch.count > 0
    assert watch.over_budget == [], watch.over_budget
    gaps = [b - a for a, b in zip(ui.frame_times, ui.frame_times[1:])]
    assert max(gaps) < 0.5, f"a frame waited {max(gaps):.2f} s"
    ui.wait_until(lambda: ui.app.banner_presenter.backend_reachable is False, timeout=5)

    # The same watch catches a blocking call when one is made on the UI thread.
    printer = ui.kiosk.devices.get("printer")
    printer.latency_s = 0.2
    ui.kiosk.dispatcher.call_soon(printer.probe)
    ui.pump(3)
    assert [h.what for h in watch.over_budget] == ["SimulatedDevice.probe"]
    assert watch.over_budget[0].seconds >= 0.2


def test_a_keyboard_wedge_scanner_types_through_the_window(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    config = parse_config({"data_dir": str(tmp_path / "d"), "demo": True,
                           "display": {"fullscreen": False},
                           "devices": {"scanner": {"kind": "keyboard-wedge"}}})
    ui = make_ui(config)
    ui.tap(ui.screen.ids.english)
    for ch in "HKQ:A042":
        ui.window.dispatch("on_textinput", ch)
    ui.window.dispatch("on_key_down", 13, 0, None, [])
    ui.pump(3)
    assert ui.kiosk.session.data.scanned == ["HKQ:A042"]


def test_the_banner_says_what_waits_to_be_sent_until_the_backend_has_it(  # noqa: ANN001
        make_ui, tmp_path: Path, sandbox_factory) -> None:
    import requests

    from kiosk_app.contract import Catalogue
    from tests.conftest import config_for_tests
    from tests.kiosk_app.backend.applications import application, simple_services

    config = config_for_tests(tmp_path / "data")
    config = replace(config, backend=replace(config.backend, 
        enrolment_code="HUDUMA-TEST", timeout_s=2.0))
    ui = make_ui(config)
    kiosk = ui.app.kiosk
    seed = Path(__file__).resolve().parents[2] / "sandbox" / "seed" / "catalogue.json"
    service = simple_services(Catalogue.model_validate_json(seed.read_text()))[0]
    body = application(service)
    kiosk.outbox.enqueue("application", body.model_dump(mode="json"))
    kiosk.sync.wake()
    banner = ui.app.root.children[-1]
    ui.app.banner_presenter.refresh()
    ui.wait_until(lambda: "Waiting to be sent: 1." in banner.text, timeout=10)
    assert banner.visible
    # The backend comes up where the kiosk expects it; the next upkeep round notices, the
    # sync worker stops waiting, and the banner's line goes when the backend has it.
    port = int(config.backend.url.rsplit(":", 1)[1])
    sandbox = sandbox_factory(port=port)
    kiosk.upkeep.wake()
    ui.wait_until(lambda: "Waiting to be sent" not in banner.text, timeout=30)
    held = requests.get(f"{sandbox.url}/v1/operator/applications",
                        headers=sandbox.operator_headers, timeout=10).json()
    assert [a["reference"] for a in held] == [body.reference]
