"""The UI watch: frames and our pieces of work within them, against the budget."""
from __future__ import annotations

import threading
import time

from kiosk_app.ui_watch import Frame, Held, UiWatch, ready_wait_s


def test_a_frame_keeps_the_pieces_timed_in_it_longest_first_and_is_kept_when_over_budget() -> None:
    watch = UiWatch(budget_s=0.050)
    heard: list[Frame] = []
    watch.frame_listeners.append(heard.append)

    watch.frame_begun()
    watch.record("FormPresenter.next", 0.004)
    watch.record("EventQueue._drain", 0.012)
    assert watch.pieces_in_frame == 2
    first = watch.frame_ended(0.020, 0.031)
    assert first == Frame(0.020, 0.031, (Held("EventQueue._drain", 0.012),
                                         Held("FormPresenter.next", 0.004)), 1)
    assert watch.pieces_in_frame == 0 and watch.last_frame is first

    watch.frame_begun()
    second = watch.frame_ended(0.061, 0.055)        # waited for nothing: elapsed is the work
    assert (second.seconds, second.elapsed, second.pieces, second.number) == (0.061, 0.061, (), 2)
    assert watch.frames == 2 and watch.worst_frame is second
    assert watch.frames_over_budget == [second] and watch.over_budget == []
    assert heard == [first, second]
    assert str(second) == "a frame of 61 ms of work (61 ms elapsed)"

    watch.record("outside any frame", 0.001)       # the command line, a test calling directly
    assert watch.count == 3 and watch.pieces_in_frame == 0
    watch.reset()
    assert (watch.frames, watch.frames_over_budget, watch.worst_frame.seconds) == (0, [], 0.0)


def test_a_piece_timed_on_another_thread_is_not_the_frames() -> None:
    watch = UiWatch()
    watch.frame_begun()
    worker = threading.Thread(target=watch.record, args=("SimulatedDevice.probe", 0.2))
    worker.start()
    worker.join()
    assert watch.frame_ended(0.001, 0.001).pieces == ()
    assert [held.what for held in watch.over_budget] == ["SimulatedDevice.probe"]


def test_a_piece_counts_its_waits() -> None:
    """A sleep stands for a file, a lock or the network waited on: it holds the UI thread."""
    watch = UiWatch()
    with watch.measure("waits"):
        time.sleep(0.06)
    assert watch.over_budget[0].what == "waits" and watch.over_budget[0].seconds >= 0.06


def test_the_time_other_programs_had_the_processor_is_read_per_thread() -> None:
    first = ready_wait_s()
    assert first >= 0.0 and ready_wait_s() >= first
