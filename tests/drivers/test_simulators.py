"""The in-process simulators: what they record, the faults they show, the events they emit."""
from __future__ import annotations

import threading
import time

import pytest

from drivers.camera.simulator import SimulatedCamera
from drivers.card.simulator import SimulatedCardReader
from drivers.errors import CardBadlyInserted, CoverOpen, DeviceOffline, NoDevice, PaperOut
from drivers.events import CardInserted, CardRemoved, CodeScanned, DeviceStatusChanged
from drivers.printer.simulator import PrintedJob, SimulatedPrinter
from drivers.scanner.simulator import SimulatedScanner
from drivers.status import DeviceState, DeviceStatus, Reason

SELECT_EMRTD = bytes.fromhex("00A4040C07A0000002471001")


def test_printer_keeps_every_job_it_accepts() -> None:
    printer = SimulatedPrinter("printer")
    printer.open()
    printer.print_job(b"\x1b@hello\n", job_id="R-1")
    printer.print_job(b"\x1b@again\n", job_id="R-2")
    assert printer.jobs == [PrintedJob("R-1", b"\x1b@hello\n"), PrintedJob("R-2", b"\x1b@again\n")]


@pytest.mark.parametrize("fault, error, reason", [
    ("paper_out", PaperOut, Reason.PAPER_OUT),
    ("cover_open", CoverOpen, Reason.COVER_OPEN),
    ("offline", DeviceOffline, Reason.NOT_RESPONDING),
    ("no_device", NoDevice, Reason.DISCONNECTED),
])
def test_printer_faults_from_config_refuse_the_job(fault, error, reason) -> None:
    printer = SimulatedPrinter("printer", SimulatedPrinter.Settings(faults=[fault]))
    printer.open()
    with pytest.raises(error) as info:
        printer.print_job(b"x", job_id="R-1")
    assert info.value.state.reason is reason
    assert printer.jobs == []
    assert not printer.state.usable


def test_paper_near_end_is_a_warning_not_a_failure() -> None:
    printer = SimulatedPrinter("printer", SimulatedPrinter.Settings(faults=["paper_near_end"]))
    printer.open()
    printer.print_job(b"x", job_id="R-1")
    assert printer.state == DeviceState(DeviceStatus.ONLINE, Reason.PAPER_NEAR_END,
                                        "simulated: roll nearly empty")
    assert printer.state.usable and printer.state.warning


def test_the_most_serious_fault_wins() -> None:
    printer = SimulatedPrinter("printer", SimulatedPrinter.Settings(
        faults=["paper_near_end", "paper_out", "offline"]))
    assert printer.probe().status is DeviceStatus.OFFLINE
    printer.clear("offline")
    assert printer.probe().reason is Reason.PAPER_OUT
    printer.clear("paper_out")
    assert printer.probe().reason is Reason.PAPER_NEAR_END


def test_injected_faults_tell_the_listeners_in_order() -> None:
    events = []
    printer = SimulatedPrinter("printer")
    printer.add_listener(events.append)
    printer.open()
    printer.inject("paper_out")
    printer.clear("paper_out")
    assert [(e.device, e.state.status, e.state.reason) for e in events] == [
        ("printer", DeviceStatus.ONLINE, None),
        ("printer", DeviceStatus.USER_ERROR, Reason.PAPER_OUT),
        ("printer", DeviceStatus.ONLINE, None),
    ]
    assert all(isinstance(e, DeviceStatusChanged) for e in events)


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="no fault 'paper_out'"):
        SimulatedCamera("camera").inject("paper_out")


def test_latency_makes_the_device_slow() -> None:
    printer = SimulatedPrinter("printer", SimulatedPrinter.Settings(latency_s=0.2))
    start = time.monotonic()
    printer.print_job(b"x")
    assert time.monotonic() - start >= 0.2


def test_card_reader_records_apdus_and_emits_insert_and_remove() -> None:
    events = []
    reader = SimulatedCardReader("card_reader")
    reader.add_listener(events.append)
    reader.open()
    with pytest.raises(CardBadlyInserted):
        reader.connect()
    reader.insert_card()
    with reader.connect() as card:
        assert card.transmit(SELECT_EMRTD) == b"\x6a\x82"
        assert card.transmit(bytes.fromhex("0084000008")) == b"\x6d\x00"
    reader.remove_card()
    assert reader.sent == [SELECT_EMRTD, bytes.fromhex("0084000008")]
    assert [type(e) for e in events] == [DeviceStatusChanged, CardInserted, CardRemoved]
    assert events[1].atr == bytes.fromhex("3B8880010000000000000000")


def test_card_removed_mid_exchange_is_an_error() -> None:
    from drivers.errors import CardRemoved as CardRemovedError

    reader = SimulatedCardReader("card_reader", SimulatedCardReader.Settings(card_inserted=True))
    reader.open()
    connection = reader.connect()
    reader.remove_card()
    with pytest.raises(CardRemovedError):
        connection.transmit(SELECT_EMRTD)


def test_unplugged_reader_lists_no_readers() -> None:
    reader = SimulatedCardReader("card_reader", SimulatedCardReader.Settings(faults=["no_device"]))
    assert reader.readers() == []
    assert reader.probe().status is DeviceStatus.NO_DEVICE


def test_scanner_emits_one_scan_per_code_shown_on_its_own_thread() -> None:
    got: list[tuple[CodeScanned, str]] = []
    scanner = SimulatedScanner("scanner")
    scanner.add_listener(lambda e: got.append((e, threading.current_thread().name))
                         if isinstance(e, CodeScanned) else None)
    scanner.open()
    scanner.present("HK1.example").join(2)
    assert [(e.text, e.raw, name) for e, name in got] == [("HK1.example", b"HK1.example",
                                                          "scanner-scan")]


def test_scanner_with_a_fault_scans_nothing() -> None:
    got = []
    scanner = SimulatedScanner("scanner", SimulatedScanner.Settings(faults=["hardware_error"]))
    scanner.add_listener(got.append)
    scanner.open()
    scanner.present("HK1.example").join(2)
    assert [type(e) for e in got] == [DeviceStatusChanged]


def test_camera_keeps_only_the_newest_frame_and_forgets_it_on_stop() -> None:
    camera = SimulatedCamera("camera", SimulatedCamera.Settings(width=64, height=48, fps=100))
    camera.open()
    assert camera.latest() is None
    camera.start()
    deadline = time.monotonic() + 2
    while (camera.latest() is None or camera.latest().seq < 3) and time.monotonic() < deadline:
        time.sleep(0.01)
    frame = camera.latest()
    assert frame is not None and frame.image.shape == (48, 64, 3) and frame.seq >= 3
    camera.stop()
    assert camera.latest() is None
