"""The agent role's App, headless, for the screen tests: its own fixture (``make_agent_ui``),
the agent device's settings against a live sandbox, and the steps of an agent's day as touches
and keys on the rendered widgets.

    ui = make_agent_ui(agent_live_config(tmp_path, sandbox))
    sign_in_with_pin(ui, "BA-0001", "2468")          # the agent picker, the PIN pad, "Sign in"
    start_shift(ui, "2000")
    for name in every_agent_screen(ui, "sw"): ...    # the gallery and the touch-target check
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kiosk_app.bootstrap import build
from kiosk_app.config import AgentConfig, KioskConfig
from kiosk_app.session import SessionState as S
from kiosk_app.ui_watch import Frame, UiWatch
from tests.agent_mode.conftest import DEVICE_ID, PINS, keep_catalogue, keep_enrolment
from tests.conftest import config_for_tests
from tests.screens.conftest import PORTRAIT, Ui
from tests.screens.test_app import labels

PAID, FREE = "GOOD-CONDUCT", "KRA-PIN"
"""A service with a fee (KES 1,050: 1,000 official, 50 convenience; commission KES 50) and one
without, from the sandbox's seeded catalogue."""
PERSON = ("Juma Otieno Barasa", "23456789", "17/05/1985")
"""A customer's typed details (made up)."""


def agent_live_config(tmp_path: Path, sandbox: Any, **changes: object) -> KioskConfig:
    """An agent device (simulated devices, not a demo) with the sandbox as its backend."""
    config = config_for_tests(tmp_path / "data", role="agent", device_id=DEVICE_ID, demo=False)
    config = replace(config, backend=replace(
        config.backend, url=sandbox.url, enrolment_code=sandbox.enrolment_code, timeout_s=3.0))
    if isinstance(changes.get("agent"), dict):
        changes["agent"] = AgentConfig(**changes["agent"])  # type: ignore[arg-type]
    return replace(config, **changes)


def agent_offline_config(tmp_path: Path, sandbox: Any, **changes: object) -> KioskConfig:
    """An agent device enrolled with ``sandbox`` once (its agents and their PIN hashes kept),
    the catalogue kept, and now no backend at all."""
    config = config_for_tests(tmp_path / "data", role="agent", device_id=DEVICE_ID, demo=False)
    if isinstance(changes.get("agent"), dict):
        changes["agent"] = AgentConfig(**changes["agent"])  # type: ignore[arg-type]
    config = replace(config, **changes)
    keep_enrolment(config, sandbox)
    keep_catalogue(config)
    return config


def training_config(tmp_path: Path, sandbox: Any) -> KioskConfig:
    """An agent device in training mode, with the sandbox as its training backend."""
    config = config_for_tests(tmp_path / "data", role="agent", device_id=DEVICE_ID, demo=False)
    return replace(config, agent=AgentConfig(
        training=True, training_backend_url=sandbox.url,
        training_enrolment_code=sandbox.enrolment_code))


@pytest.fixture
def make_agent_ui(window, tmp_path: Path) -> Iterator[Callable[..., Ui]]:  # noqa: ANN001
    """A running agent App (screens/agent_app.py) on the test window; as ``make_ui``."""
    from kivy.app import App

    from screens.agent_app import AgentApp
    from screens.dispatch import KivyDispatcher

    apps: list[AgentApp] = []

    def make(config: KioskConfig, size: tuple[int, int] = PORTRAIT, *,
             all_views: bool = True, **parts: Any) -> Ui:
        watch = UiWatch()
        frames: list[Frame] = []
        watch.frame_listeners.append(frames.append)
        kiosk = build(config, dispatcher=KivyDispatcher(watch), ui_watch=watch, **parts)
        window.size = size
        app = AgentApp(config, kiosk=kiosk)
        app._run_prepare()
        apps.append(app)
        if all_views:
            dict(app.views)  # noqa: built before the first touch, as on a device after start
            gc.freeze()  # as the App does with each view it builds ahead: they live as long
        ui = Ui(app, window)
        ui.frames = frames
        ui.pump(3)
        return ui

    yield make
    for app in apps:
        for modal in (app.timeout_warning, getattr(app, "cancel_confirmation", None)):
            if modal is not None and modal._window is not None:
                modal.dismiss(animation=False)
        app.dispatch("on_stop")
        if app.root is not None and app.root.parent is not None:
            window.remove_widget(app.root)
        App._running_app = None
    apps.clear()
    gc.collect()


# -- steps, by touches and keys ---------------------------------------------------------------
def shown(ui: Ui) -> str:
    return "\n".join(labels(ui.screen))


def tap_keys(ui: Ui, pad: Any, text: str) -> None:
    """Touch each key of an on-screen pad in turn."""
    for char in text:
        ui.tap(pad.keys[char])


def press(ui: Ui, key: int, text: str = "") -> None:
    """A key of the physical keyboard, as the window gets it from SDL."""
    ui.window.dispatch("on_key_down", key, 0, text or None, [])
    ui.window.dispatch("on_key_up", key, 0)
    ui.pump(2)


def type_keys(ui: Ui, text: str) -> None:
    """Characters typed on the physical keyboard into the field that has the focus."""
    ui.window.dispatch("on_textinput", text)
    ui.pump(1)


def sign_in_with_pin(ui: Ui, number: str, pin: str | None = None) -> None:
    """The agent's number touched in the picker, the PIN on the pad, then "Sign in"."""
    ui.wait_until(lambda: ui.screen.name == "sign_in"
                  and number in ui.screen.agent_buttons, timeout=30)
    ui.tap(ui.screen.agent_buttons[number])
    tap_keys(ui, ui.screen.ids.pin_pad, pin or PINS[number])
    ui.tap(ui.screen.ids.sign_in)


def start_shift(ui: Ui, shillings: str) -> None:
    ui.wait_until(lambda: ui.screen.name == "shift"
                  and ui.app.presenters["shift"].mode == "start", timeout=20)
    tap_keys(ui, ui.screen.ids.pad, shillings)
    ui.tap(ui.screen.ids.count)
    ui.wait_until(lambda: ui.screen.name == "agent_home"
                  and ui.app.presenters["agent_home"].shift_open, timeout=20)


def new_customer_typed(ui: Ui, person: tuple[str, str, str] = PERSON) -> None:
    """"New customer", "Type my details instead", the customer's details, "Continue"."""
    ui.tap(ui.screen.ids.new_customer)
    assert ui.screen.name == "identify"
    ui.tap(ui.screen.ids.type_instead)
    ids = ui.screen.ids
    ids.full_name.text, ids.id_number.text, ids.birth_date.text = person
    ui.tap(ids.submit)
    assert ui.screen.name == "catalogue"


def every_agent_screen(ui: Ui, language: str = "en") -> Iterator[str]:
    """Every screen of the agent's App in turn, in ``language``; yields each one's name while
    it is on show and settled. The App's config must have a live sandbox as its backend."""
    from tests.kiosk_app.backend.applications import answers_for
    from tests.screens.journey import HeldWorkers, sample_identity

    kiosk, session, app = ui.kiosk, ui.kiosk.session, ui.app

    def on_show(name: str, ready: Callable[[], bool] = lambda: True) -> str:
        ui.wait_until(lambda: ui.screen.name == name and ready(), timeout=20)
        ui.pump(3)
        return name

    ui.wait_until(lambda: kiosk.services.service(PAID) is not None and kiosk.upkeep.online,
                  timeout=30)
    sign_in = app.presenters["sign_in"]
    ui.wait_until(lambda: bool(sign_in.agents), timeout=30)
    if language != session.language:
        ui.tap(ui.screen.ids.language)
    ui.tap(ui.screen.agent_buttons["BA-0001"])
    yield on_show("sign_in")
    tap_keys(ui, ui.screen.ids.pin_pad, PINS["BA-0001"])
    ui.tap(ui.screen.ids.sign_in)
    yield on_show("shift", lambda: app.presenters["shift"].mode == "start")
    tap_keys(ui, ui.screen.ids.pad, "2000")
    ui.tap(ui.screen.ids.count)
    yield on_show("agent_home", lambda: app.presenters["agent_home"].shift_open)

    session.go(S.IDENTIFY)
    yield on_show("identify")
    session.go(S.CARD_UNLOCK)
    yield on_show("card_unlock")
    session.begin_card_read()  # the read itself is never started: the screen stays
    app.presenters["card_reading"].show_progress(0.4)
    yield on_show("card_reading")
    session.card_read_succeeded(sample_identity())
    yield on_show("identity_confirm")
    session.confirm_identity(False)
    session.go(S.TYPED_IDENTITY)
    yield on_show("typed_identity")
    session.data.identity = sample_identity()
    session.go(S.CATALOGUE)
    yield on_show("catalogue")
    session.choose_service(PAID)
    yield on_show("form")
    session.data.answers.update(answers_for(kiosk.services.service(PAID)) or {})
    session.go(S.REVIEW)
    yield on_show("review")
    ui.tap(ui.screen.ids.confirm)
    yield on_show("consent")
    ui.tap(ui.screen.ids.agree)
    yield on_show("charge", lambda: app.presenters["charge"].cash_ok)
    ui.tap(ui.screen.ids.mpesa)
    yield on_show("payment")
    session.go(S.CHARGE)
    ui.wait_until(lambda: app.presenters["charge"].cash_ok, timeout=20)
    held = HeldWorkers(kiosk)
    try:
        ui.tap(ui.screen.ids.cash)
        yield on_show("submitting")
    finally:
        held.release()
    yield on_show("receipt")
    ui.tap(ui.screen.ids.finish)
    yield on_show("agent_home")

    ui.tap(ui.screen.ids.cash_float)
    yield on_show("float")
    ui.tap(ui.screen.ids.back)
    ui.tap(ui.screen.ids.report)
    yield on_show("report", lambda: bool(app.presenters["report"].table))
    ui.tap(ui.screen.ids.back)
    ui.tap(ui.screen.ids.day_end)
    yield on_show("day_end", lambda: bool(app.presenters["day_end"].figures))
    ui.tap(ui.screen.ids.back)
    ui.tap(ui.screen.ids.shift)
    yield on_show("shift", lambda: app.presenters["shift"].mode == "end")

    # A step with no screen of its own, shown as the app would.
    session.go(S.AGENT_HOME)
    app.views["unavailable"]  # noqa: B018
    app.manager.current = "unavailable"
    yield on_show("unavailable")
    app.manager.current = "agent_home"
    session.sign_out()
    ui.pump(2)
