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
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from drivers.errors import CoverOpen, DeviceOffline, HardwareError, NoDevice, PaperOut
from drivers.printer import escpos_base
from drivers.printer.escpos_base import (PROCESS_ID_REQUEST, RT_CLEAR_BUFFERS,
                                         RT_STATUS_OFFLINE_CAUSE, EscposPrinter, EscposSettings,
                                         PrinterReplies, state_from_status)
from drivers.printer.escpos_network import EscposNetworkPrinter
from drivers.printer.escpos_serial import EscposSerialPrinter
from drivers.printer.escpos_usb import EscposUsbPrinter
from drivers.schema import checked, settings as settings_class
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


# -- replies: status bytes and process IDs on one stream --------------------------------------
def test_replies_tell_status_bytes_from_a_process_id() -> None:
    replies = PrinterReplies()
    for byte in b"\x12\x37\x22" b"00" b"07\x00\x72":  # a process ID split across reads
        replies.feed(bytes([byte]))
    assert (list(replies.statuses), replies.process_ids) == ([0x12, 0x72], [b"0007"])
    replies.feed(b"\x37\x25\x00\x1e")  # the answer to a buffer clear is not a status
    assert (list(replies.statuses), replies.process_ids) == ([0x12, 0x72, 0x1E], [b"0007"])
    assert replies.clears == 1
    replies.feed(b"\x37\x26\x00")  # another block: dropped
    assert (len(replies.statuses), replies.process_ids, replies.clears) == (3, [b"0007"], 1)


STATUS_BYTES = st.integers(0, 255).filter(lambda b: b != 0x37)
"""Anything outside a block is a status answer; wrong fixed bits are for state_from_status."""
PROCESS_IDS = st.binary(min_size=4, max_size=4).map(lambda b: bytes(0x20 + x % 95 for x in b))


@settings(max_examples=300, deadline=None)
@given(replies=st.lists(st.one_of(STATUS_BYTES.map(lambda b: ("status", b)),
                                  PROCESS_IDS.map(lambda i: ("id", i)),
                                  st.just(("cleared", b""))), max_size=30),
       cuts=st.lists(st.integers(1, 8), max_size=40))
def test_interleaved_replies_are_all_read_in_order(replies: list[tuple[str, object]],
                                                   cuts: list[int]) -> None:
    wire = b"".join(bytes([r]) if kind == "status" else
                    b"\x37\x22" + r + b"\x00" if kind == "id" else b"\x37\x25\x00"
                    for kind, r in replies)  # type: ignore[operator]
    reader = PrinterReplies()
    pos = 0
    for cut in cuts:  # as the transport happens to hand the bytes over
        reader.feed(wire[pos:pos + cut])
        pos += cut
    reader.feed(wire[pos:])
    assert list(reader.statuses) == [r for kind, r in replies if kind == "status"]
    assert reader.process_ids == [r for kind, r in replies if kind == "id"]
    assert reader.clears == sum(kind == "cleared" for kind, _ in replies)


# -- the work above the transport, against a scripted transport ----------------------------
@settings_class
class _ScriptedSettings(EscposSettings):
    pass


class ScriptedPrinter(EscposPrinter):
    """A transport that answers DLE EOT from ``rounds``, one (n1, n2, n4) triple per round (the
    last one again once they run out; None: no answer), and answers a job's process ID in
    front of the answer to DLE EOT 4 of the ``confirm_in``-th status round after the job
    (0: at once; None: never). It answers DLE DC4 fn 8 unless silent or ``answers_clear`` is
    false, after ``clear_reads`` more empty reads; whatever is sent before that answer has
    been read goes to ``sent_before_cleared`` too."""

    kind: ClassVar[str] = "scripted"
    Settings: ClassVar = _ScriptedSettings

    def __init__(self, rounds: list[tuple[int, int, int] | None], *, confirm_in: int | None = 0,
                 confirms_printing: bool = True, answers_clear: bool = True,
                 clear_reads: int = 0) -> None:
        super().__init__("printer", _ScriptedSettings(uri="tcp://printer", timeout_s=0.2,
                                                      confirms_printing=confirms_printing))
        self.rounds = list(rounds)
        self.confirm_in = confirm_in
        self.sent: list[bytes] = []
        self.sent_before_cleared: list[bytes] = []
        self.answers_clear = answers_clear
        self.clear_reads = clear_reads
        self._clear_owed: int | None = None
        """Empty reads left before the answer to DLE DC4 fn 8 comes; None: none owed."""
        self.opened = 0
        self._reply = b""
        self._process_id = b""
        self._rounds_since_job = 0

    def _open(self) -> None:
        self.opened += 1

    def _raw(self, data: bytes) -> None:
        self.sent.append(data)
        if self._clear_owed is not None:
            self.sent_before_cleared.append(data)
        if data == RT_CLEAR_BUFFERS and self.answers_clear and self.rounds[0] is not None:
            self._clear_owed = self.clear_reads
        if data.startswith(b"\x1b@"):  # a job, and the process-ID request after it
            assert data[-11:-4] == PROCESS_ID_REQUEST or not self.profile.confirms_printing
            self._process_id, self._rounds_since_job = data[-4:], 0
            if self.confirm_in == 0:
                self._answer_process_id()
        index = {RT_STATUS_ONLINE: 0, RT_STATUS_OFFLINE_CAUSE: 1, RT_STATUS_PAPER: 2}.get(data)
        if index is None:
            return
        answers = self.rounds[0]
        if index == 2:
            self._rounds_since_job += 1
            if self._rounds_since_job == self.confirm_in:
                self._answer_process_id()
            if len(self.rounds) > 1:
                self.rounds.pop(0)
        self._reply += b"" if answers is None else bytes([answers[index]])

    def _answer_process_id(self) -> None:
        if self._process_id and self.profile.confirms_printing:
            self._reply += b"\x37\x22" + self._process_id + b"\x00"
            self._process_id = b""

    def _read(self, n: int, timeout: float) -> bytes:
        if self._clear_owed is not None and not self._reply:
            if self._clear_owed == 0:
                self._reply, self._clear_owed = b"\x37\x25\x00", None
            else:
                self._clear_owed -= 1
        reply, self._reply = self._reply[:n], self._reply[n:]
        if not reply:
            time.sleep(min(timeout, 0.002))
        return reply

    def _close(self) -> None:
        pass


STATUS_ROUND = [RT_STATUS_ONLINE, RT_STATUS_OFFLINE_CAUSE, RT_STATUS_PAPER]
JOB = b"\x1b@Jina: Wanjiku Kamau ID 12345678\n\x1dV\x00"
PAPER_END, COVER_OPEN = (0x1A, 0x32, 0x72), (0x1A, 0x16, 0x12)


def confirmed(job: bytes, process_id: bytes) -> bytes:
    return job + PROCESS_ID_REQUEST + process_id


def test_print_job_asks_status_then_sends_the_job_with_a_process_id_request() -> None:
    printer = ScriptedPrinter([OK])
    printer.print_job(JOB, job_id="R-1")
    printer.print_job(JOB, job_id="R-2")
    assert printer.sent == STATUS_ROUND + [confirmed(JOB, b"0001")] + STATUS_ROUND + [
        confirmed(JOB, b"0002")]
    assert printer.state == DeviceState.online()


def test_status_is_asked_while_waiting_for_the_process_id() -> None:
    printer = ScriptedPrinter([OK], confirm_in=3)
    printer.print_job(JOB, job_id="R-1")
    assert printer.sent == STATUS_ROUND + [confirmed(JOB, b"0001")] + STATUS_ROUND * 3


@pytest.mark.parametrize(("before", "error"), [
    (PAPER_END, PaperOut),
    (COVER_OPEN, CoverOpen),
    ((0x1A, 0x12, 0x12), DeviceOffline),
    ((0x1A, 0x52, 0x12), HardwareError),
])
def test_print_job_refuses_before_sending_anything(before: tuple[int, int, int],
                                                   error: type[Exception]) -> None:
    printer = ScriptedPrinter([before])
    with pytest.raises(error):
        printer.print_job(JOB, job_id="R-1")
    assert printer.sent == STATUS_ROUND


@pytest.mark.parametrize(("during", "error"), [(PAPER_END, PaperOut), (COVER_OPEN, CoverOpen)])
def test_paper_out_or_cover_open_before_the_process_id_means_not_printed(
        during: tuple[int, int, int], error: type[Exception]) -> None:
    printer = ScriptedPrinter([OK, OK, during], confirm_in=None)
    with pytest.raises(error):
        printer.print_job(JOB, job_id="R-1")
    # What is left of the job in the printer's buffer is dropped at once.
    assert printer.sent == STATUS_ROUND + [confirmed(JOB, b"0001")] + STATUS_ROUND * 2 + [
        RT_CLEAR_BUFFERS]
    assert printer.state.status is USER


def test_after_a_fault_the_next_job_the_printer_is_ready_for_clears_the_buffers_first() -> None:
    printer = ScriptedPrinter([PAPER_END])
    with pytest.raises(PaperOut):
        printer.print_job(JOB, job_id="R-1")
    with pytest.raises(PaperOut):  # still out of paper: refused, nothing but the status asked
        printer.print_job(JOB, job_id="R-1")
    printer.rounds = [OK]  # paper loaded
    printer.print_job(JOB, job_id="R-1")
    printer.print_job(JOB, job_id="R-2")  # and only that one
    assert printer.sent == STATUS_ROUND * 3 + [RT_CLEAR_BUFFERS, confirmed(JOB, b"0001")] + (
        STATUS_ROUND + [confirmed(JOB, b"0002")])


def test_nothing_is_sent_until_the_printer_has_answered_the_buffer_clear(
        caplog: pytest.LogCaptureFixture) -> None:
    # The answer (37 25 00) comes three reads after the clear, at the fault and again before
    # the next job; Epson asks that nothing follow the clear before it.
    printer = ScriptedPrinter([OK, OK, PAPER_END], confirm_in=None, clear_reads=3)
    with pytest.raises(PaperOut):
        printer.print_job(JOB, job_id="R-1")
    printer.rounds, printer.confirm_in = [OK], 0  # paper loaded
    printer.print_job(JOB, job_id="R-1")
    assert printer.sent == STATUS_ROUND + [confirmed(JOB, b"0001")] + STATUS_ROUND * 2 + [
        RT_CLEAR_BUFFERS] + STATUS_ROUND + [RT_CLEAR_BUFFERS, confirmed(JOB, b"0002")]
    assert printer.sent_before_cleared == []
    assert "DLE DC4" not in caplog.text


def test_a_printer_that_never_answers_the_clear_gets_the_next_job_with_a_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    printer = ScriptedPrinter([PAPER_END], answers_clear=False)
    with pytest.raises(PaperOut):
        printer.print_job(JOB, job_id="R-1")
    printer.rounds = [OK]
    printer.print_job(JOB, job_id="R-1")
    printer.print_job(JOB, job_id="R-2")
    assert printer.sent == STATUS_ROUND * 2 + [RT_CLEAR_BUFFERS, confirmed(JOB, b"0001")] + (
        STATUS_ROUND + [confirmed(JOB, b"0002")])
    assert caplog.text.count("did not answer DLE DC4 fn 8") == 1


class _VirtualClock:
    """``time.monotonic`` for the adapter, moved only by the printer below: waiting takes no
    real time, and how long the adapter waited is exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class _SlowPrinter(ScriptedPrinter):
    """Takes ``latency`` seconds (on the virtual clock) to answer each DLE EOT, reports paper
    out from ``paper_out_after`` seconds after the job was sent, confirms nothing and never
    answers the buffer clear; an empty read waits out its whole timeout."""

    def __init__(self, clock: _VirtualClock, latency: float, paper_out_after: float) -> None:
        super().__init__([OK], confirm_in=None, answers_clear=False)
        self.clock, self.latency, self.paper_out_after = clock, latency, paper_out_after
        self.job_sent_at: float | None = None

    def _raw(self, data: bytes) -> None:
        if data.startswith(b"\x1b@"):
            self.job_sent_at = self.clock.now
        elif data in STATUS_ROUND:
            out = (self.job_sent_at is not None
                   and self.clock.now - self.job_sent_at >= self.paper_out_after)
            self.rounds = [PAPER_END if out else OK]
        super()._raw(data)
        if data in STATUS_ROUND:
            self.clock.now += self.latency

    def _read(self, n: int, timeout: float) -> bytes:
        reply = super()._read(n, 0.0)
        if not reply:
            self.clock.now += timeout
        return reply


def test_the_clear_after_a_fault_is_awaited_only_until_the_confirmation_budget_ends(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _VirtualClock()
    monkeypatch.setattr(escpos_base, "time", clock)
    monkeypatch.setattr(escpos_base, "PRINT_START_S", 0.5)
    monkeypatch.setattr(escpos_base, "SLOWEST_PRINT_BYTES_PER_S", 10 ** 9)
    printer = _SlowPrinter(clock, latency=0.06, paper_out_after=0.3)
    budget = printer.confirm_budget(len(JOB))
    assert budget == pytest.approx(0.7)  # the last poll starts before 0.5 s, 0.2 s before the end
    with pytest.raises(PaperOut):
        printer.print_job(JOB, job_id="R-1")
    # Status rounds take 0.18 s: the round from 0.38 s to 0.56 s finds the roll out, and the
    # clear's answer is awaited until 0.7 s, not 0.76 s.
    assert printer.sent == STATUS_ROUND + [confirmed(JOB, b"0001")] + STATUS_ROUND * 2 + [
        RT_CLEAR_BUFFERS]
    assert printer.job_sent_at is not None
    assert clock.now - printer.job_sent_at == pytest.approx(budget)


def test_a_process_id_that_came_before_the_fault_means_printed() -> None:
    # The roll ran out after the last line: the answer is on the wire ahead of the status.
    printer = ScriptedPrinter([OK, PAPER_END], confirm_in=1)
    printer.print_job(JOB, job_id="R-1")
    assert printer.sent == STATUS_ROUND + [confirmed(JOB, b"0001")] + STATUS_ROUND


def test_a_printer_gone_silent_before_the_process_id_is_offline_and_not_printed() -> None:
    printer = ScriptedPrinter([OK, None], confirm_in=None)
    with pytest.raises(DeviceOffline):
        printer.print_job(JOB, job_id="R-1")
    assert printer.sent == STATUS_ROUND + [confirmed(JOB, b"0001"), RT_STATUS_ONLINE,
                                           RT_CLEAR_BUFFERS]


def test_never_confirmed_but_fine_counts_as_printed_within_the_budget(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(escpos_base, "PRINT_START_S", 0.2)
    printer = ScriptedPrinter([OK], confirm_in=None)
    budget = printer.confirm_budget(len(JOB))
    assert budget == pytest.approx(0.2 + len(JOB) / 200 + 0.2)
    started = time.monotonic()
    printer.print_job(JOB, job_id="R-1")
    elapsed = time.monotonic() - started
    assert budget - 0.2 <= elapsed < budget + 1.0  # polls until the budget's last round
    rounds = printer.sent[len(STATUS_ROUND) + 1:]
    assert len(rounds) >= 3 * 2 and rounds == STATUS_ROUND * (len(rounds) // 3)
    assert "did not confirm printing" in caplog.text and "R-1" in caplog.text


def test_a_printer_without_process_ids_gets_the_job_and_one_status_round_as_before() -> None:
    printer = ScriptedPrinter([OK, OK], confirms_printing=False)
    printer.print_job(JOB, job_id="R-1")
    assert printer.sent == STATUS_ROUND + [JOB] + STATUS_ROUND
    printer = ScriptedPrinter([OK, PAPER_END], confirms_printing=False)
    with pytest.raises(PaperOut):
        printer.print_job(JOB, job_id="R-2")
    assert printer.sent == STATUS_ROUND + [JOB] + STATUS_ROUND + [RT_CLEAR_BUFFERS]


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
    ScriptedPrinter([OK]).print_job(JOB, job_id="R-1")
    with pytest.raises(PaperOut):
        ScriptedPrinter([OK, PAPER_END], confirm_in=None).print_job(JOB, job_id="R-2")
    assert "R-1" in caplog.text and "R-2" in caplog.text
    assert "Wanjiku" not in caplog.text and "12345678" not in caplog.text


def test_settings_refuse_a_uri_for_another_transport_and_give_the_profile() -> None:
    with pytest.raises(ValidationError, match="is not for this adapter"):
        checked(EscposNetworkPrinter.Settings, {"uri": "usb://04b8:0e15"})
    with pytest.raises(ValidationError, match="has no host"):
        checked(EscposNetworkPrinter.Settings, {"uri": "tcp://"})
    for printer, uri in ((EscposUsbPrinter, "tcp://10.0.0.7"),
                         (EscposSerialPrinter, "usb://04b8:0e15")):
        with pytest.raises(ValidationError, match="is not for this adapter"):
            checked(printer.Settings, {"uri": uri})
    settings = EscposNetworkPrinter.Settings(uri="tcp://10.0.0.7", paper_width_mm=58,
                                             native_qr=False, cutter=False)
    assert (settings.timeout_s, settings.confirms_printing) == (1.5, True)
    profile = EscposNetworkPrinter("printer", settings).profile
    assert (profile.paper_width_mm, profile.columns, profile.dots_per_line,
            profile.native_qr, profile.cutter) == (58, 32, 384, False, False)
    settings = EscposNetworkPrinter.Settings(uri="tcp://10.0.0.7", confirms_printing=False)
    assert EscposNetworkPrinter("printer", settings).profile.confirms_printing is False


# -- network ------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def answering_server() -> Iterator[tuple[int, list[bytes], list[int]]]:
    """A tiny printer: answers each DLE EOT n from ``status`` and each process-ID request at
    once, drops DLE ENQ, and keeps everything else."""
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
                    while True:
                        found = [(i, what) for what in (b"\x10\x04", b"\x10\x05",
                                                        PROCESS_ID_REQUEST)
                                 if (i := buffer.find(what)) >= 0]
                        if not found:
                            break
                        i, what = min(found)
                        end = i + (11 if what == PROCESS_ID_REQUEST else 3)
                        if len(buffer) < end:
                            break
                        received.append(buffer[:i]) if i else None
                        if what == b"\x10\x04":
                            conn.sendall(bytes([status[{1: 0, 2: 1, 4: 2}[buffer[i + 2]]]]))
                        elif what == PROCESS_ID_REQUEST:
                            conn.sendall(b"\x37\x22" + buffer[end - 4:end] + b"\x00")
                        buffer = buffer[end:]
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
            if (i := bytes(received).find(PROCESS_ID_REQUEST)) >= 0 and len(received) >= i + 11:
                os.write(master, b"\x37\x22" + bytes(received[i + 7:i + 11]) + b"\x00")
                received[i:i + 11] = b""

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
