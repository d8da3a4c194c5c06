"""Headless Kivy: one real window (SDL offscreen, Mesa EGL) for the whole run, real widgets,
real touches through Kivy's input dispatch. Each test builds its own App and kiosk on it."""
from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk_app.bootstrap import build
from kiosk_app.config import KioskConfig
from kiosk_app.ui_watch import Frame, UiWatch
from tests.conftest import config_for_tests

PORTRAIT = (540, 960)
LANDSCAPE = (960, 540)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/screens" in str(item.path):
            item.add_marker(pytest.mark.kivy)


@pytest.fixture(scope="session")
def window():  # noqa: ANN201
    from screens.window import configure

    # Made large enough for both orientations: the offscreen surface does not grow later.
    configure(KioskConfig.demo_config(), size=(960, 960))
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    assert EventLoop.window is not None, "no Kivy window: is Mesa's EGL installed?"
    return EventLoop.window


class Ui:
    """Drives one running App: frames, touches, waiting and screenshots."""

    def __init__(self, app, window) -> None:  # noqa: ANN001
        self.app = app
        self.window = window
        self.kiosk = app.kiosk
        self.frame_times: list[float] = []
        self.frames: list[Frame] = []
        """Every frame of the App's, from its first, as its frame watch measured it."""

    def pump(self, frames: int = 2) -> None:
        from kivy.base import EventLoop

        for _ in range(frames):
            EventLoop.idle()
            self.frame_times.append(time.perf_counter())

    def run_for(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.pump(1)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        end = time.perf_counter() + timeout
        waited = False
        while not condition():
            if time.perf_counter() > end:
                raise AssertionError("timed out waiting for the UI")
            self.pump(1)
            waited = True
        if waited:
            # What came true in that frame (a screen switched to) lays itself out over the next
            # frame or two, as its labels get their textures: a touch aimed before then could
            # land where its button no longer is.
            self.settle()

    def settle(self, frames: int = 6) -> None:
        """Run frames until nothing on the window moves or changes size (at most ``frames``)."""
        def layout() -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
            return [(tuple(w.pos), tuple(w.size)) for w in self.app.root.walk()]

        before = layout()
        for _ in range(frames):
            self.pump(1)
            now = layout()
            if now == before:
                return
            before = now

    def tap(self, widget) -> None:  # noqa: ANN001
        from kivy.tests.common import UnitTestTouch

        assert widget.get_root_window() is not None, f"{widget} is not on screen"
        # Aim where the widget settles: a screen just switched to may still be laid out (on a
        # busy machine, over several frames), and a touch aimed at the old layout misses.
        x, y = widget.to_window(*widget.center)
        for _ in range(10):
            self.pump(1)
            settled = widget.to_window(*widget.center)
            if settled == (x, y):
                break
            x, y = settled
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.pump(1)
        touch.touch_up()
        self.pump(2)

    def tap_at(self, x: float, y: float) -> None:
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.pump(1)
        touch.touch_up()
        self.pump(2)

    @property
    def screen(self):  # noqa: ANN201
        return self.app.manager.current_screen

    def resize(self, size: tuple[int, int]) -> None:
        self.window.size = size
        self.pump(4)

    def screenshot(self, path: Path) -> Path:
        self.pump(2)
        path.parent.mkdir(parents=True, exist_ok=True)
        written = self.window.screenshot(str(path))  # Kivy adds a counter to the name
        Path(written).replace(path)
        return path


@pytest.fixture
def make_ui(window, tmp_path: Path) -> Iterator[Callable[..., Ui]]:  # noqa: ANN001
    from kivy.app import App

    from screens.app import HudumaApp
    from screens.dispatch import KivyDispatcher

    apps: list[HudumaApp] = []

    def make(config: KioskConfig | None = None, size: tuple[int, int] = PORTRAIT, *,
             all_views: bool = True, **parts) -> Ui:
        """A running App; ``all_views`` builds every screen's view before the first frame, as a
        kiosk has them a second after start (False: only the first, as at start)."""
        config = config or config_for_tests(tmp_path / "data")
        watch = UiWatch()
        frames: list[Frame] = []
        watch.frame_listeners.append(frames.append)
        kiosk = build(config, dispatcher=KivyDispatcher(watch), ui_watch=watch, **parts)
        window.size = size
        app = HudumaApp(config, kiosk=kiosk)
        app._run_prepare()  # builds the root, puts it in the window, dispatches on_start
        apps.append(app)
        if all_views:
            dict(app.views)  # noqa: the views are built when first asked for
            gc.freeze()  # as the App does with the views it builds: they live as long as it
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


@pytest.fixture
def screenshots_dir(tmp_path: Path) -> Path:
    """Where screenshots go: docs/screenshots under `make screenshots`, else a temporary folder."""
    return Path(os.environ.get("HUDUMA_SCREENSHOTS_DIR") or tmp_path / "screenshots")


# --- the UI budget over the citizen's journeys (issue 7) ----------------------------------------
#
# "No frame during the journeys takes more than 50 ms of work on the UI thread." The App's
# frame watch (screens/frame_watch.py) measures every frame: all the work of the UI thread in it
# (touches and presenter actions, timers and workers' news, kv rules, layout, label textures,
# drawing commands), as the processor time the thread spent, so that neither other programs on
# a busy machine nor the software renderer finishing earlier frames count as the kiosk's work.
# Our own pieces of work (presenter actions, dispatcher callbacks) are also held to the budget on
# the clock, waits included: a file, a lock or the network waited on there counts.
#
# One frame is left out, narrowly: the App's first (number 1). It draws the kiosk as it
# starts, before anyone can touch it: every label of the first screen gets its texture, and
# every view the harness built before it (``all_views``, as a kiosk has them a second after
# start) is laid out at the window's size: 45 to 90 ms. That is start-up, which
# benchmarks/startup.py and tests/screens/test_startup.py measure; the journey begins after it.
UI_BUDGET_REPORT: list[tuple[str, Frame | None, int]] = []


def assert_ui_budget(ui: Ui, *, ignore: frozenset[str] = frozenset()) -> None:
    """No frame of this journey after the App's first took more than the UI budget of work,
    and none of our pieces of work held the UI thread longer (``ignore``: pieces by name that a
    test knows to be over, with its reason)."""
    watch = ui.kiosk.ui_watch
    journey = [frame for frame in ui.frames if frame.number > 1]
    worst = max(journey, key=lambda frame: frame.seconds, default=None)
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
    UI_BUDGET_REPORT.append((test, worst, len(journey)))
    frames = [frame for frame in journey if frame.seconds > watch.budget_s]
    pieces = [held for held in watch.over_budget if held.what not in ignore]
    assert not frames and not pieces, (
        f"the UI thread was held over its {watch.budget_s * 1000:.0f} ms budget: "
        + "; ".join([*(f"frame {frame.number}: {frame}" for frame in frames),
                     *(f"{held.what} {held.seconds * 1000:.0f} ms" for held in pieces)]))


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    if not UI_BUDGET_REPORT or terminalreporter.verbosity < 1:
        return
    terminalreporter.section("The longest frame of UI-thread work in each journey (issue 7)")
    for test, worst, count in UI_BUDGET_REPORT:
        figure = (f"{worst.seconds * 1000:5.1f} ms of work ({worst.elapsed * 1000:5.0f} ms "
                  f"elapsed), frame {worst.number} of {count + 1}") if worst else "no frames"
        terminalreporter.write_line(f"{figure}  {test}")
