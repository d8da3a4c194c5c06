from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import ClassVar

import pytest
from escpos.constants import (RT_MASK_LOWPAPER, RT_MASK_NOPAPER, RT_MASK_PAPER,
                              RT_STATUS_ONLINE, RT_STATUS_PAPER)
from pydantic import ValidationError

from drivers.errors import CoverOpen, DeviceOffline, HardwareError, NoDevice, PaperOut
from drivers.printer.escpos_base import (RT_STATUS_OFFLINE_CAUSE, EscposPrinter, EscposSettings,
                                         state_from_status)
from drivers.printer.escpos_network import EscposNetworkPrinter
from drivers.printer.escpos_serial import EscposSerialPrinter
from drivers.printer.escpos_usb import EscposUsbPrinter
from drivers.status import DeviceState, DeviceStatus, Reason

ONLINE, OFFLINE, BUSY = DeviceStatus.ONLINE, DeviceStatus.OFFLINE, DeviceStatus.BUSY
USER, HW = DeviceStatus.USER_ERROR, DeviceStatus.HARDWARE_ERROR
OK = (0x12, 0x12, 0x12)  # online; no offline cause; paper adequate


# -- DLE EOT answers -> DeviceState -------------------------------------------------------------
def test_python_escpos_names_the_same_paper_bytes() -> None:
    assert (RT_MASK_PAPER, RT_MASK_LOWPAPER, RT_MASK_NOPAPER) == (0x12, 0x1E, 0x72)
    assert (RT_STATUS_ONLINE, RT_STATUS_OFFLINE_CAUSE, RT_STATUS_PAPER) == (
        b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04")


@pytest.mark.parametrize(("printer", "cause", "paper", "status", "reason"), [
    (0x12, 0x12, 0x12, ONLINE, None),
    (0x16, 0x12, 0x12, ONLINE, None),                           # drawer pin 3 high: ignored
    (0x12, 0x12, 0x1E, ONLINE, Reason.PAPER_NEAR_END),
    (0x12, 0x12, 0x16, ONLINE, Reason.PAPER_NEAR_END),          # one near-end bit of two
    (0x12, 0x12, 0x72, USER, Reason.PAPER_OUT),                 # sensor: end; not stopped yet
    (0x12, 0x12, 0x32, USER, Reason.PAPER_OUT),                 # one paper-end bit of two
    (0x1A, 0x32, 0x72, USER, Reason.PAPER_OUT),                 # offline, stopped at paper end
    (0x1A, 0x32, 0x7E, USER, Reason.PAPER_OUT),                 # near end and end both set
    (0x1A, 0x16, 0x12, USER, Reason.COVER_OPEN),
    (0x1A, 0x36, 0x72, USER, Reason.COVER_OPEN),                # cover open wins over paper end
    (0x1A, 0x56, 0x12, USER, Reason.COVER_OPEN),                # ... and over the error bit
    (0x1A, 0x52, 0x12, HW, None),                               # error occurred
    (0x1A, 0x1A, 0x12, BUSY, None),                             # FEED button held
    (0x1A, 0x12, 0x12, OFFLINE, None),
    (0x1A, 0x12, 0x1E, OFFLINE, None),                          # offline beats near end
    (0x00, 0x12, 0x12, HW, None),                               # not a status byte
    (0x12, 0x92, 0x12, HW, None),                               # bit 7 set
    (0x12, 0x12, 0x13, HW, None),                               # bit 0 set
])
def test_status_bytes_map_to_states(printer: int, cause: int, paper: int,
                                    status: DeviceStatus, reason: Reason | None) -> None:
    state = state_from_status(printer, cause, paper)
    assert (state.status, state.reason) == (status, reason)


def test_a_garbled_answer_names_the_request_and_byte() -> None:
    assert state_from_status(0x12, 0x12, 0xFF).detail == "unexpected answer 0xff to DLE EOT 4"


# -- the work above the transport, against a scripted transport ----------------------------
class _ScriptedSettings(EscposSettings):
    pass


class ScriptedPrinter(EscposPrinter):
    """A transport that answers DLE EOT from ``rounds``, one (n1, n2, n4) triple per round."""

    kind: ClassVar[str] = "scripted"
    Settings: ClassVar = _ScriptedSettings

    def __init__(self, rounds: list[tuple[int, int, int] | None]) -> None:
        super().__init__("printer", _ScriptedSettings(uri="tcp://printer", timeout_s=0.2))
        self.rounds = list(rounds)
        self.sent: list[bytes] = []
        self.opened = 0
        self._reply = b""

    def _open(self) -> None:
        self.opened += 1

    def _raw(self, data: bytes) -> None:
        self.sent.append(data)
        index = {RT_STATUS_ONLINE: 0, RT_STATUS_OFFLINE_CAUSE: 1, RT_STATUS_PAPER: 2}.get(data)
        if index is None:
            return
        answers = self.rounds[0]
        if index == 2:
            self.rounds.pop(0)
        self._reply = b"" if answers is None else bytes([answers[index]])

    def _read(self, n: int, timeout: float) -> bytes:
        reply, self._reply = self._reply, b""
        return reply

    def _close(self) -> None:
        pass


STATUS_ROUND = [RT_STATUS_ONLINE, RT_STATUS_OFFLINE_CAUSE, RT_STATUS_PAPER]
JOB = b"\x1b@Jina: Wanjiku Kamau ID 12345678\n\x1dV\x00"


def test_print_job_asks_status_sends_then_asks_again() -> None:
    printer = ScriptedPrinter([OK, OK])
    printer.print_job(JOB, job_id="R-1")
    assert printer.sent == STATUS_ROUND + [JOB] + STATUS_ROUND
    assert printer.state == DeviceState.online()


@pytest.mark.parametrize(("before", "error"), [
    ((0x1A, 0x32, 0x72), PaperOut),
    ((0x1A, 0x16, 0x12), CoverOpen),
    ((0x1A, 0x12, 0x12), DeviceOffline),
    ((0x1A, 0x52, 0x12), HardwareError),
])
def test_print_job_refuses_before_sending_anything(before: tuple[int, int, int],
                                                   error: type[Exception]) -> None:
    printer = ScriptedPrinter([before])
    with pytest.raises(error):
        printer.print_job(JOB, job_id="R-1")
    assert JOB not in printer.sent


@pytest.mark.parametrize(("after", "error"), [
    ((0x12, 0x12, 0x72), PaperOut),
    ((0x1A, 0x16, 0x12), CoverOpen),
])
def test_paper_out_or_cover_open_while_sending_means_not_printed(
        after: tuple[int, int, int], error: type[Exception]) -> None:
    printer = ScriptedPrinter([OK, after])
    with pytest.raises(error):
        printer.print_job(JOB, job_id="R-1")
    assert printer.sent == STATUS_ROUND + [JOB] + STATUS_ROUND
    assert printer.state.status is USER


def test_no_answer_is_offline_and_the_job_is_refused() -> None:
    printer = ScriptedPrinter([None])
    assert printer.probe() == DeviceState(OFFLINE, Reason.NOT_RESPONDING,
                                          "no answer to DLE EOT 1 within 0.2 s")
    printer = ScriptedPrinter([None])
    with pytest.raises(DeviceOffline):
        printer.print_job(JOB)
    assert printer.sent == [RT_STATUS_ONLINE]


def test_near_end_still_prints() -> None:
    near_end = (0x12, 0x12, 0x1E)
    printer = ScriptedPrinter([near_end, near_end])
    printer.print_job(JOB)
    assert printer.state.reason is Reason.PAPER_NEAR_END and printer.state.usable


def test_job_bytes_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ScriptedPrinter([OK, OK]).print_job(JOB, job_id="R-1")
    with pytest.raises(PaperOut):
        ScriptedPrinter([OK, (0x12, 0x12, 0x72)]).print_job(JOB, job_id="R-2")
    assert "R-1" in caplog.text and "R-2" in caplog.text
    assert "Wanjiku" not in caplog.text and "12345678" not in caplog.text


def test_settings_refuse_a_uri_for_another_transport_and_give_the_profile() -> None:
    with pytest.raises(ValidationError, match="is not for this adapter"):
        EscposNetworkPrinter.Settings(uri="usb://04b8:0e15")
    with pytest.raises(ValidationError, match="has no host"):
        EscposNetworkPrinter.Settings(uri="tcp://")
    settings = EscposNetworkPrinter.Settings(uri="tcp://10.0.0.7", paper_width_mm=58,
                                             native_qr=False, cutter=False)
    assert settings.timeout_s == 1.5
    profile = EscposNetworkPrinter("printer", settings).profile
    assert (profile.paper_width_mm, profile.columns, profile.dots_per_line,
            profile.native_qr, profile.cutter) == (58, 32, 384, False, False)


# -- network ------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def answering_server() -> Iterator[tuple[int, list[bytes], list[int]]]:
    """A tiny printer: answers each DLE EOT n from ``status`` and keeps everything else."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []
    status = list(OK)

    def serve() -> None:
        while True:
            try:
                conn = listener.accept()[0]
            except OSError:
                return
            with conn:
                buffer = b""
                while chunk := conn.recv(4096):
                    buffer += chunk
                    while (i := buffer.find(b"\x10\x04")) >= 0 and len(buffer) > i + 2:
                        received.append(buffer[:i]) if i else None
                        conn.sendall(bytes([status[{1: 0, 2: 1, 4: 2}[buffer[i + 2]]]]))
                        buffer = buffer[i + 3:]
                if buffer:
                    received.append(buffer)

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], received, status
    listener.close()


def test_closed_port_is_no_device_fast() -> None:
    printer = EscposNetworkPrinter("printer", EscposNetworkPrinter.Settings(
        uri=f"tcp://127.0.0.1:{_free_port()}"))
    started = time.monotonic()
    state = printer.probe()
    assert time.monotonic() - started < 0.5
    assert (state.status, state.reason) == (DeviceStatus.NO_DEVICE, Reason.DISCONNECTED)
    with pytest.raises(NoDevice):
        printer.print_job(JOB)


def test_silent_printer_is_offline_within_the_time_limit(silent_server: int) -> None:
    printer = EscposNetworkPrinter("printer", EscposNetworkPrinter.Settings(
        uri=f"tcp://127.0.0.1:{silent_server}"))
    started = time.monotonic()
    state = printer.probe()
    elapsed = time.monotonic() - started
    assert state == DeviceState(OFFLINE, Reason.NOT_RESPONDING, "no answer to DLE EOT 1 within 1.5 s")
    assert 1.4 < elapsed < 2.0  # gives up in under 2 s: never python-escpos's 60 s
    started = time.monotonic()
    with pytest.raises(DeviceOffline):
        printer.print_job(JOB)
    assert time.monotonic() - started < 2.0


def test_network_job_reaches_the_printer_whole(
        answering_server: tuple[int, list[bytes], list[int]]) -> None:
    port, received, status = answering_server
    printer = EscposNetworkPrinter("printer", EscposNetworkPrinter.Settings(
        uri=f"tcp://127.0.0.1:{port}"))
    assert printer.probe() == DeviceState.online()
    printer.print_job(JOB, job_id="R-1")
    status[2] = 0x72
    assert printer.probe().reason is Reason.PAPER_OUT
    with pytest.raises(PaperOut):
        printer.print_job(JOB, job_id="R-2")
    time.sleep(0.05)  # the server thread files the last chunk after the connection closes
    assert received == [JOB]


# -- serial, through a pseudo-terminal ---------------------------------------------------------
def test_serial_printer_over_a_pty() -> None:
    pytest.importorskip("serial")
    master, slave = os.openpty()
    received = bytearray()

    def serve() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            received.extend(chunk)
            for _ in range(chunk.count(b"\x10\x04")):
                os.write(master, b"\x12")

    threading.Thread(target=serve, daemon=True).start()
    printer = EscposSerialPrinter("printer", EscposSerialPrinter.Settings(
        uri=f"serial://{os.ttyname(slave)}?baud=9600", timeout_s=0.5))
    try:
        assert printer.probe() == DeviceState.online()
        printer.print_job(JOB)
        time.sleep(0.05)
        assert JOB in bytes(received)
    finally:
        printer.close()
        os.close(slave)
        os.close(master)


def test_missing_serial_port_is_no_device() -> None:
    pytest.importorskip("serial")
    printer = EscposSerialPrinter("printer", EscposSerialPrinter.Settings(
        uri="serial:///dev/ttyHUDUMA-absent"))
    assert printer.probe().status is DeviceStatus.NO_DEVICE


# -- USB --------------------------------------------------------------------------------------
def test_unplugged_usb_printer_is_no_device() -> None:
    usable, why = EscposUsbPrinter.is_usable()
    if not usable:
        pytest.skip(why)
    printer = EscposUsbPrinter("printer", EscposUsbPrinter.Settings(uri="usb://ffff:fffe"))
    state = printer.probe()
    assert (state.status, state.detail) == (DeviceStatus.NO_DEVICE, "no USB device ffff:fffe")


@pytest.mark.parametrize(("adapter", "module", "why"), [
    (EscposUsbPrinter, "usb.core", "python module 'usb' (pyusb) is not installed"),
    (EscposSerialPrinter, "serial", "python module 'serial' (pyserial) is not installed"),
])
def test_adapters_say_when_their_library_is_missing(monkeypatch: pytest.MonkeyPatch,
                                                    adapter: type[EscposPrinter], module: str,
                                                    why: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    assert adapter.is_usable() == (False, why)
