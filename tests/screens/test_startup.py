"""Start-up: the first frame shows with one screen built; those within reach follow, nearest
first, and a screen needed sooner is built before its presenter hears of it."""
from __future__ import annotations

import logging
from pathlib import Path

from kiosk_app.session import TRANSITIONS, SessionState
from screens.lazy_views import LazyViews, nearest_first

ROOT = Path(__file__).resolve().parents[2]


def test_screens_are_built_nearest_first_from_where_the_person_is() -> None:
    from screens.app import SCREEN_FOR_STATE, SCREENS

    def screen_for(state: SessionState) -> str:
        return SCREEN_FOR_STATE.get(state, "unavailable")

    order = nearest_first(SessionState.ATTRACT, TRANSITIONS, screen_for)
    assert order[:2] == ["attract", "home"]
    assert set(order[2:5]) == {"identify", "status_check", "queue_ticket"}
    assert set(order) == {screen_for(state) for state in TRANSITIONS}  # the kiosk's states
    assert set(order) <= set(SCREENS)
    assert nearest_first(SessionState.ATTRACT, TRANSITIONS, screen_for, within=2) == order[:5]
    assert nearest_first(SessionState.REVIEW, TRANSITIONS, screen_for, within=1)[0] == "review"

    made: list[str] = []
    views = LazyViews(["a", "b", "c"], lambda name: made.append(name) or name.upper())
    assert views.next_to_make(["c"]) == "c" and made == []
    assert views["b"] == "B" and made == ["b"] and views.made("b")
    assert views.next_to_make(["b", "a"]) == "a"
    assert list(views.values()) == ["A", "B", "C"] and made == ["b", "a", "c"]
    assert views.next_to_make() is None


def test_the_first_frame_shows_with_one_screen_and_the_rest_follow(make_ui, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.INFO, logger="screens.app")
    ui = make_ui(all_views=False)
    app = ui.app
    assert "first interactive frame" in [r.getMessage() for r in caplog.records]
    assert ui.screen.name == "attract"
    assert len(app.manager.screens) < len(app.views)  # not all built in the first frames

    # A screen needed before its turn is built before its presenter hears of its state, so
    # that a view following its presenter's events misses none.
    unlock = app.presenters["card_unlock"]
    heard: list[bool] = []
    follow = unlock.on_session_state_changed
    unlock.on_session_state_changed = lambda s, old, new: (
        heard.append(app.views.made("card_unlock")), follow(s, old, new))
    session = ui.kiosk.session
    session.start("en")
    session.go(SessionState.IDENTIFY)
    session.go(SessionState.CARD_UNLOCK)
    assert heard[-1] is True and ui.screen.name == "card_unlock"

    # The screens within two touches of where the person is are built in the frames after,
    # and only those: a view costs megabytes once shown.
    from screens.app import SCREEN_FOR_STATE, VIEWS_WITHIN

    def within() -> list[str]:
        return nearest_first(session.state, TRANSITIONS, app.screen_for, within=VIEWS_WITHIN)

    ui.wait_until(lambda: app.views.next_to_make(within()) is None)
    assert {"card_reading", "typed_identity", "identity_confirm"} <= set(within())
    assert all(app.views.made(name) for name in within())
    assert not app.views.made("receipt") and not app.views.made("thank_you")
    assert {screen.name for screen in app.manager.screens} < set(app.views)
    assert set(SCREEN_FOR_STATE.values()) <= set(app.views)


# -- what waits until after the first frame ----------------------------------------------------
#
# benchmarks/startup.py measures `huduma-kiosk run --demo` to its first interactive frame. What
# that frame does not need is loaded or done after it: on the workers that first use it (the
# backend client's `requests`, the keys' and the outbox's `cryptography`, the chip reader, the
# QR maker, the demo card), or with the view that needs it (each screen's rules). These tests
# pin that down, so that an import at the top of a module does not quietly undo it.

DEFERRED_MODULES = (
    "requests", "urllib3", "http.client",                 # the backend client, on its workers
    "cryptography", "asn1crypto",                         # keys, outbox sealing, passive authentication
    "drivers.card.emrtd.crypto", "drivers.card.emrtd.pa", "drivers.card.emrtd.pki",
    "drivers.card.emrtd.reader", "drivers.card.emulator",  # a card read, the demo card
    "qrcode", "PIL.ImageDraw", "drivers.printer.render",  # a receipt's QR on the screen, the emulator
    "drivers.printer.emulator", "cv2", "numpy", "smartcard", "zxingcpp", "pyzbar",
    # the technician's commands: `run` reads its command line without them (kiosk_app/cli.py)
    "agent_mode.commands", "kiosk_app.backend_commands", "kiosk_app.card_commands",
    "kiosk_app.outbox_commands", "kiosk_app.printer_commands", "kiosk_app.receipt_commands",
    "kiosk_app.sandbox_command", "kiosk_app.scan_commands",
    # pydantic: the config and the devices' settings are made at once and checked in full on a
    # worker after the first frame (drivers/schema.py); the API's bodies load with their first
    # use (kiosk_app/lazy.py)
    "pydantic", "pydantic_core", "kiosk_app.contract",
    # the other screens, and what only they use: imported in the quiet frames after the first
    # (screens/lazy_views.py, ScreenRef)
    "screens.home.home", "screens.payment.payment", "screens.form.form",
    "screens.status_check.status_check", "kiosk_app.applying", "kiosk_app.payments",
    "kiosk_app.status_check", "kiosk_app.tickets", "kiosk_app.forms",
)
"""Modules that `huduma-kiosk run` has not loaded when its first frame is shown."""

FIRST_FRAME = """
import gc, json, logging, os, sys

class FirstFrame(logging.Handler):
    def emit(self, record):
        if record.getMessage() == "first interactive frame":
            from kivy.lang import Builder
            with open(sys.argv[1], "w") as out:
                json.dump({"modules": sorted(sys.modules), "gc": gc.isenabled(),
                           "frozen": gc.get_freeze_count(),
                           "kv": sorted(os.path.basename(f) for f in Builder.files)}, out)
            os._exit(0)

logging.getLogger("screens.app").addHandler(FirstFrame())
from kiosk_app.cli import main
main(["run", "--demo", "--config", sys.argv[2]])
"""


def test_the_first_frame_loads_only_what_it_shows(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    config = tmp_path / "kiosk.toml"
    # Demo mode, with a backend that is not on loopback: no sandbox is started for it, and the
    # process is gone before anything would call it.
    config.write_text(f'data_dir = "{data}"\n[backend]\nurl = "http://192.0.2.1:9"\n'
                      '[display]\nfullscreen = false\n')
    script, found = tmp_path / "first_frame.py", tmp_path / "first_frame.json"
    script.write_text(FIRST_FRAME)
    env = {**os.environ, "HOME": str(tmp_path), "KIVY_HOME": str(tmp_path / "kivy"),
           "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, str(script), str(found), str(config)], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert found.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    seen = json.loads(found.read_text())
    assert sorted(set(DEFERRED_MODULES) & set(seen["modules"])) == []
    # The rules of the shared widgets and of the first screen only; the others come with their
    # views (screens/app.py, _make_view).
    assert seen["kv"] == sorted(["style.kv", "widgets.kv", "forms.kv", "session_bar.kv",
                                 "access.kv", "keyboard.kv", "attract.kv"])
    # The collector, off while the kiosk starts (kiosk_app/cli.py), is on again, with what the
    # start made frozen.
    assert seen["gc"] is True and seen["frozen"] > 0


def test_the_first_touch_is_served_while_the_kiosk_is_still_starting(  # noqa: ANN001
        make_ui, tmp_path: Path, caplog) -> None:
    """The devices, the outbox, the kept catalogue, the keys and the backend are started on the
    workers only once the first frame is up; a person who touches the attract screen at once is
    served while that is still going on, and the UI thread waits for none of it."""
    import threading
    import time

    from drivers.card.simulator import SimulatedCardReader
    from drivers.status import DeviceStatus
    from kiosk_app.config import parse_config

    opening, release = threading.Event(), threading.Event()
    opened_at: list[float] = []

    class HeldReader(SimulatedCardReader):
        def open(self) -> None:  # a worker thread: the first thing the kiosk's start does
            opened_at.append(time.time())
            opening.set()
            release.wait(60)
            super().open()

    caplog.set_level(logging.INFO, logger="screens.app")
    config = parse_config({"data_dir": str(tmp_path / "d"), "demo": True,
                           "display": {"fullscreen": False}})
    try:
        ui = make_ui(config, all_views=False, card_reader=HeldReader("card_reader"))
        assert opening.wait(10), "the kiosk's start never reached the devices"
        first_frame = next(r.created for r in caplog.records
                           if r.getMessage() == "first interactive frame")
        assert opened_at[0] >= first_frame
        assert ui.kiosk.devices.state("card_reader").status is not DeviceStatus.ONLINE

        ui.tap_at(ui.window.width / 2, ui.window.height * 0.8)  # the attract screen, at once
        assert ui.screen.name == "home" and ui.kiosk.session.state is SessionState.HOME
        # Served while the start is still held on its worker: nothing on the UI thread waited
        # for it (had it, the reader would be open by now).
        assert ui.kiosk.devices.state("card_reader").status is not DeviceStatus.ONLINE
    finally:
        release.set()
    ui.wait_until(lambda: ui.kiosk.devices.state("card_reader").status is DeviceStatus.ONLINE)
    ui.wait_until(lambda: ui.kiosk.devices.state("printer").status is DeviceStatus.ONLINE)
    # The touch came before the quiet frames had loaded the other screens: it loaded them all
    # (their modules, every presenter, the home screen's view), and still within the budget.
    from tests.screens.conftest import assert_ui_budget

    assert ui.app.presenters.all_made()
    assert_ui_budget(ui)


def test_a_config_refused_by_its_full_check_stops_the_kiosk_before_anything_opens(
        tmp_path: Path) -> None:
    """`huduma-kiosk run` makes its config at once and checks it in full on a worker after the
    first frame (kiosk_app/config.py, load_config_at_once). A value out of its bounds is
    refused then as it would have been before the window: both languages, exit status 2, and
    no device, outbox or backend touched."""
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{data}"\n[backend]\nurl = "http://192.0.2.1:9"\n'
                      '[display]\nfullscreen = false\n[time_limits]\nidle_s = 5\n'
                      '[devices.printer]\nsettings = { latency_s = 99 }\n')
    env = {**os.environ, "HOME": str(tmp_path), "KIVY_HOME": str(tmp_path / "kivy"),
           "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-m", "kiosk_app", "run", "--demo", "--config",
                          str(config)], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2, run.stderr[-3000:]
    assert "first interactive frame" in run.stderr
    assert "time_limits.idle_s: expected a value of at least 10" in run.stderr
    assert "devices.printer.settings.latency_s" in run.stderr
    assert f"Mipangilio katika {config} imekataliwa:" in run.stderr, run.stderr[-2000:]
    assert not (data / "outbox.sqlite3").exists()


def test_screens_are_found_by_name_and_their_presenters_made_together() -> None:
    from screens.lazy_views import LazyPresenters, ScreenRef

    ref = ScreenRef.named("card_unlock")
    assert ref == ScreenRef("screens.card_unlock.card_unlock", "CardUnlockView",
                            "CardUnlockPresenter")
    view_cls, presenter_cls = ref.classes()
    assert (view_cls.__name__, presenter_cls.__name__) == ("CardUnlockView", "CardUnlockPresenter")

    made: list[str] = []
    presenters = LazyPresenters(["a", "b", "c"], lambda name: made.append(name) or name.upper())
    assert presenters.make_one("a") == "A" and made == ["a"] and not presenters.all_made()
    assert presenters["c"] == "C" and made == ["a", "b", "c"]  # the rest together, in order
    assert presenters.all_made() and presenters["b"] == "B" and made == ["a", "b", "c"]


KV_CLASSES = """
import json, os, re, sys
os.environ["KIVY_LOG_MODE"] = "PYTHON"
import logging
logging.disable(logging.CRITICAL)
from kivy.factory import Factory
from kivy.lang import Builder
import screens.app  # what the App has loaded by its first frame
from screens.lazy_views import ScreenRef

ref = ScreenRef.named(sys.argv[1])
ref.classes()
path = ref.module.replace(".", "/") + ".kv"
Builder.load_file(path)
text = open(path, encoding="utf-8").read()
used = set(re.findall(r"^\\s*([A-Z][A-Za-z0-9_]*):\\s*$", text, re.M))
used |= set(re.findall(r"@([A-Z][A-Za-z0-9_]*)", text))
print(json.dumps(sorted(u for u in used if u not in Factory.classes)))
"""


def test_each_screens_module_brings_the_classes_its_rules_use(tmp_path: Path) -> None:
    """Screens are imported when first needed (ScreenRef), not all before the first frame: a
    screen whose rules use a shared widget (the on-screen keyboard, the camera preview) must
    import it itself, or its view fails to build when it is the first to need it (the agent's
    sign-in did)."""
    import json
    import os
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from screens.agent_app import AGENT_SCREENS
    from screens.app import SCREENS

    env = {**os.environ, "HOME": str(tmp_path), "KIVY_HOME": str(tmp_path / "kivy"),
           "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}

    def missing(name: str) -> tuple[str, list[str]]:
        # A Kivy home of its own each: processes that start together would race to make one.
        own = {**env, "KIVY_HOME": str(tmp_path / f"kivy-{name}")}
        run = subprocess.run([sys.executable, "-c", KV_CLASSES, name], env=own, cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        return name, json.loads(run.stdout.strip().splitlines()[-1])

    names = sorted(set(SCREENS) | {n for n in AGENT_SCREENS if (ROOT / "screens" / n).is_dir()})
    with ThreadPoolExecutor(4) as pool:
        found = dict(pool.map(missing, names))
    assert {name: classes for name, classes in found.items() if classes} == {}
