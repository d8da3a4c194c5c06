"""The UI budget's own machinery on a rendered window: the frame watch counts all the work of a
frame (not only our presenter calls), work that can wait runs in quiet frames one step at a
time, and a change of language or look makes only the screen on show again at once."""
from __future__ import annotations

import gc
import time

from kiosk_app.session import SessionState
from tests.screens.conftest import assert_ui_budget
from tests.screens.test_app import labels


def burn(seconds: float) -> None:
    """Processor work on this thread, as a kv rule or a layout that takes long would be."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_the_frame_watch_counts_timers_and_layout_not_only_our_pieces(make_ui) -> None:  # noqa: ANN001
    from kivy.clock import Clock
    from kivy.uix.widget import Widget

    ui = make_ui()
    watch = ui.kiosk.ui_watch
    ui.pump(2)
    assert ui.frames and all(frame.number == index + 1 for index, frame in enumerate(ui.frames))
    before = len(watch.frames_over_budget)

    Clock.schedule_once(lambda _dt: burn(0.07), 0)        # a timer that is none of our pieces
    ui.pump(2)
    slow = watch.frames_over_budget[before:]
    # Counted although none of our pieces took the time (a clock tick of ours may share the
    # frame: it is there, and tiny).
    assert len(slow) == 1 and slow[0].seconds >= 0.07
    assert sum(piece.seconds for piece in slow[0].pieces) < 0.01

    widget = Widget(size_hint=(None, None))               # a layout callback, run in the frame
    widget.bind(size=lambda *_args: burn(0.07))
    ui.app.root.add_widget(widget)
    widget.size = (10, 10)
    ui.pump(2)
    assert len(watch.frames_over_budget) == before + 1    # set outside a frame: not a frame's
    Clock.schedule_once(lambda _dt: setattr(widget, "size", (20, 20)), 0)
    ui.pump(2)
    assert len(watch.frames_over_budget) == before + 2
    ui.app.root.remove_widget(widget)

    # Sleeping in a frame is a wait, not work: it shows as time elapsed. (Our own pieces count
    # their waits: tests/kiosk_app/test_ui_watch.py.)
    Clock.schedule_once(lambda _dt: time.sleep(0.07), 0)
    ui.pump(2)
    assert len(watch.frames_over_budget) == before + 2
    assert max(frame.elapsed for frame in ui.frames[-2:]) >= 0.07


def test_work_that_can_wait_runs_a_step_a_frame_and_only_in_quiet_frames(make_ui) -> None:  # noqa: ANN001
    from kivy.tests.common import UnitTestTouch

    ui = make_ui()
    idle = ui.app.idle
    ui.wait_until(lambda: len(idle) == 0, timeout=10)   # what the App's start left to do
    ran: list[tuple[str, int]] = []

    def step(name: str, times: int):  # noqa: ANN202
        def run() -> bool:
            ran.append((name, ui.kiosk.ui_watch.frames))
            return sum(1 for done, _frame in ran if done == name) < times
        return run

    touch = UnitTestTouch(5, 5)
    touch.touch_down()                                  # a finger on the screen: nothing runs
    idle.add(step("a", 3))
    idle.add(step("b", 1))
    ui.pump(4)
    assert ran == []
    touch.touch_up()
    ui.wait_until(lambda: len(ran) == 4, timeout=5)
    assert [name for name, _frame in ran] == ["a", "b", "a", "a"]
    frames = [frame for _name, frame in ran]
    assert len(set(frames)) == len(frames)              # never two steps in one frame

    ui.kiosk.dispatcher.call_soon(lambda: None)         # news from a worker: not a quiet frame
    idle.add(step("c", 1))
    ui.pump(1)
    assert [name for name, _frame in ran].count("c") == 0
    ui.wait_until(lambda: ran[-1][0] == "c", timeout=5)
    assert "idle: test_work_that_can_wait_runs_a_step_a_frame_and_only_in_quiet_frames." \
           "<locals>.step.<locals>.run" in {held.what for frame in ui.frames for held in frame.pieces}

    made: list[list[str]] = []

    def lasting() -> bool:
        made.append(["kept for the App's life"])
        ran.append(("lasting", ui.kiosk.ui_watch.frames))
        return False

    idle.add(lasting, lasting=True)                     # what it made is out of the collector's way
    ui.wait_until(lambda: ran[-1][0] == "lasting", timeout=5)
    assert gc.is_tracked(made[0]) and not any(obj is made[0] for obj in gc.get_objects())

    idle.stop()
    idle.add(step("after", 1))
    ui.pump(4)
    assert ran[-1][0] == "lasting"


def test_a_new_language_or_look_makes_the_screen_on_show_again_and_the_others_in_quiet_frames(
        make_ui) -> None:  # noqa: ANN001
    ui = make_ui()
    app = ui.app
    ui.wait_until(lambda: len(app.idle) == 0, timeout=10)
    home, payment = app.views["home"], app.views["payment"]
    ui.tap(ui.screen.ids.kiswahili)
    assert ui.screen is home and home.tr.language == "sw"      # shown: at once
    assert "Omba huduma" in "\n".join(labels(home))
    assert payment.tr.behind                                    # not shown: in quiet frames
    ui.wait_until(lambda: not payment.tr.behind, timeout=10)
    assert payment.tr.language == "sw"

    app.theme.large_text = True                                 # switched on the home screen
    assert home.theme.large_text and home.theme.text_scale > 1
    assert payment.theme.behind and not payment.theme.large_text
    app.kiosk.session.go(SessionState.STATUS_CHECK)             # shown before its turn came:
    status = app.views["status_check"]                          # caught up before it shows
    assert ui.screen is status and not status.theme.behind and status.tr.language == "sw"
    ui.wait_until(lambda: not any(app.views[name].theme.behind for name in app.views), timeout=10)
    assert_ui_budget(ui)
