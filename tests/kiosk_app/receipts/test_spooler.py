"""Print jobs through the outbox: nothing lost, nothing printed twice."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from drivers.events import DeviceStatusChanged
from drivers.printer.simulator import PrintedJob, SimulatedPrinter
from drivers.status import Reason
from kiosk_app.outbox import Outbox, OutboxStatus
from kiosk_app.receipts.spooler import PrintSpooler
from kiosk_app.ui_dispatch import ImmediateDispatcher
from kiosk_app.workers import Workers


class Told:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_print_job_printed(self, job) -> None:  # noqa: ANN001
        self.calls.append(("printed", job.job_id))

    def on_print_job_waiting(self, job, state) -> None:  # noqa: ANN001
        self.calls.append(("waiting", job.job_id, state.reason))


@pytest.fixture
def printer() -> SimulatedPrinter:
    device = SimulatedPrinter("printer")
    device.open()
    return device


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    box = Outbox(tmp_path / "outbox.sqlite3")
    yield box
    box.close()


def test_a_job_prints_once_and_is_marked_sent(printer, outbox) -> None:  # noqa: ANN001
    spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher())
    told = Told()
    spooler.add_listener(told)
    job = spooler.submit(b"\x1b@receipt\n", job_id="HK-1", document="receipt")
    spooler.submit(b"\x1b@receipt\n", job_id="HK-1", document="receipt")  # a retried submit
    assert spooler.pump() == 1 and spooler.pump() == 0
    assert printer.jobs == [PrintedJob("HK-1", b"\x1b@receipt\n")]
    assert outbox.get(job.key).status is OutboxStatus.SENT
    assert told.calls == [("printed", "HK-1")]


def test_paper_out_leaves_it_pending_and_paper_loaded_prints_it_exactly_once(
        printer, outbox) -> None:  # noqa: ANN001
    workers = Workers(ImmediateDispatcher())
    spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher(), workers=workers)
    told = Told()
    spooler.add_listener(told)
    printer.add_listener(spooler.on_device_event)
    printer.inject("paper_out")
    first = spooler.submit(b"R1", job_id="HK-1", document="receipt")
    spooler.submit(b"R2", job_id="HK-2", document="receipt")
    assert spooler.pump() == 0
    assert [j.job_id for j in spooler.waiting()] == ["HK-1", "HK-2"]
    row = outbox.get(first.key)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, "paper_out")
    assert told.calls == [("waiting", "HK-1", Reason.PAPER_OUT)]

    printer.clear("paper_out")  # paper loaded: the printer says so, the spooler prints
    workers.shutdown(wait=True)
    assert printer.jobs == [PrintedJob("HK-1", b"R1"), PrintedJob("HK-2", b"R2")]
    assert spooler.waiting() == []
    spooler.pump()
    printer.clear()
    assert len(printer.jobs) == 2


def test_a_crash_mid_print_loses_nothing(printer, outbox, tmp_path: Path) -> None:  # noqa: ANN001
    spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher())
    job = spooler.submit(b"R1", job_id="HK-1", document="receipt")
    assert outbox.claim("print") is not None  # the process dies here, the job half-sent
    outbox.close()
    again = Outbox(tmp_path / "outbox.sqlite3")
    restarted = PrintSpooler(again, printer, dispatcher=ImmediateDispatcher())
    assert restarted.start() == 1
    assert printer.jobs == [PrintedJob("HK-1", b"R1")]
    assert again.get(job.key).attempts == 2
    again.close()


def test_no_printer_prints_nothing_and_keeps_everything(outbox) -> None:  # noqa: ANN001
    spooler = PrintSpooler(outbox, None, dispatcher=ImmediateDispatcher())
    spooler.submit(b"R1", job_id="HK-1", document="receipt")
    assert spooler.pump() == 0 and len(spooler.waiting()) == 1


def test_a_status_change_of_another_device_does_nothing(printer, outbox) -> None:  # noqa: ANN001
    class NoWorkers:
        def submit(self, *a, **k):  # noqa: ANN002, ANN003, ANN201
            raise AssertionError("pumped for a scanner event")

    spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher(), workers=NoWorkers())
    from drivers.status import DeviceState

    spooler.on_device_event(DeviceStatusChanged("scanner", DeviceState.online()))


def test_the_kiosk_prints_what_waits_when_the_printer_comes_back(demo_config) -> None:  # noqa: ANN001
    from kiosk_app.bootstrap import build
    from kiosk_app.ui_dispatch import QueueDispatcher

    ui = QueueDispatcher()
    printer = SimulatedPrinter("printer", SimulatedPrinter.Settings(faults=["paper_out"]))
    kiosk = build(demo_config, printer=printer, dispatcher=ui)
    kiosk.start()

    def run_ui_until(condition) -> None:  # noqa: ANN001
        deadline = time.monotonic() + 5
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            ui.run_pending(timeout=0.05)

    run_ui_until(lambda: kiosk.devices.state("printer").reason is Reason.PAPER_OUT)
    kiosk.spooler.submit(b"R1", job_id="HK-1", document="receipt")
    kiosk.spooler.pump()
    assert printer.jobs == [] and len(kiosk.spooler.waiting()) == 1
    printer.clear("paper_out")  # the device thread tells the event queue, the UI thread tells
    run_ui_until(lambda: printer.jobs)  # the spooler, which prints on a worker
    assert printer.jobs == [PrintedJob("HK-1", b"R1")]

    # The next person's receipt waits for paper; they give up and go: it is withdrawn.
    printer.inject("paper_out")
    run_ui_until(lambda: kiosk.devices.state("printer").reason is Reason.PAPER_OUT)
    kiosk.session.start()
    kiosk.spooler.submit(b"R2", job_id="HK-2", document="receipt")
    kiosk.spooler.pump()
    kiosk.session.finish()
    run_ui_until(lambda: not kiosk.spooler.waiting())
    printer.clear("paper_out")
    kiosk.spooler.pump()
    assert printer.jobs == [PrintedJob("HK-1", b"R1")]
    kiosk.close()


def test_what_waits_for_a_person_who_has_gone_is_withdrawn_not_printed_late(
        printer, outbox) -> None:  # noqa: ANN001
    """Paper out: the receipt and ticket wait while the person is there; they leave (the
    session is wiped); paper loaded later prints only the technician's test page, not a
    receipt into an empty tray for the next person to take."""
    workers = Workers(ImmediateDispatcher())
    spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher(), workers=workers)
    printer.add_listener(spooler.on_device_event)
    printer.inject("paper_out")
    receipt = spooler.submit(b"R1", job_id="HK-1", document="receipt")
    ticket = spooler.submit(b"T1", job_id="A001", document="queue_ticket")
    spooler.submit(b"TEST", job_id="test", document="test_page")
    assert spooler.pump() == 0

    spooler.on_session_wiped(object(), "timed_out")
    workers.shutdown(wait=True)
    assert outbox.get(receipt.key) is None and outbox.get(ticket.key) is None
    assert [j.document for j in spooler.waiting()] == ["test_page"]

    workers = Workers(ImmediateDispatcher())
    spooler._workers = workers  # the same spooler, a fresh pool for the rest of the test
    printer.clear("paper_out")
    workers.shutdown(wait=True)
    assert printer.jobs == [PrintedJob("test", b"TEST")]


def test_a_receipt_that_printed_is_not_withdrawn_and_the_next_person_keeps_theirs(
        printer, outbox) -> None:  # noqa: ANN001
    workers = Workers(ImmediateDispatcher())
    spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher(), workers=workers)
    first = spooler.submit(b"R1", job_id="HK-1", document="receipt")
    assert spooler.pump() == 1
    spooler.on_session_wiped(object(), "finished")
    printer.inject("paper_out")
    second = spooler.submit(b"R2", job_id="HK-2", document="receipt")  # the next person
    spooler.pump()
    workers.shutdown(wait=True)
    assert outbox.get(first.key).status is OutboxStatus.SENT
    assert outbox.get(second.key).status is OutboxStatus.PENDING


def test_at_start_an_old_receipt_is_withdrawn_and_a_fresh_one_prints(
        printer, tmp_path: Path) -> None:  # noqa: ANN001
    from kiosk_app.clock import ManualClock

    clock = ManualClock()
    box = Outbox(tmp_path / "box.sqlite3", clock=clock)
    spooler = PrintSpooler(box, None, dispatcher=ImmediateDispatcher(), clock=clock)
    spooler.submit(b"OLD", job_id="HK-1", document="receipt")
    spooler.submit(b"PAGE", job_id="test", document="test_page")
    clock.advance(600)                       # the kiosk was off for ten minutes
    spooler.submit(b"NEW", job_id="HK-2", document="receipt")   # queued just before a crash
    clock.advance(5)
    restarted = PrintSpooler(box, printer, dispatcher=ImmediateDispatcher(), clock=clock)
    assert restarted.start() == 2
    assert printer.jobs == [PrintedJob("test", b"PAGE"), PrintedJob("HK-2", b"NEW")]
    box.close()
