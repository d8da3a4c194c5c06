"""The printer emulator, driven through python-escpos's Network printer and raw sockets."""
from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zxingcpp
from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.printer import Network
from PIL import Image

from drivers.printer.emulator import PrinterEmulator

CLEAR_BUFFERS = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"  # DLE DC4 fn 8
CLEARED = b"\x37\x25\x00"                                    # its answer


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[PrinterEmulator]:
    with PrinterEmulator(port=0, out_dir=tmp_path / "out", paper_width_mm=58,
                         control_port=0) as emu:
        yield emu


def _network(emu: PrinterEmulator) -> Network:
    printer = Network("127.0.0.1", emu.port, timeout=2)
    printer.open()
    return printer


def _send(emu: PrinterEmulator, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", emu.port), timeout=2) as conn:
        conn.sendall(data)


def _until(condition: Callable[[], bool], timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the emulator never got there"
        time.sleep(0.005)


def _process_id(id4: bytes) -> bytes:
    return b"\x1d(H\x06\x00\x30\x30" + id4


def _answer(id4: bytes) -> bytes:
    return b"\x37\x22" + id4 + b"\x00"


def _nothing_comes(conn: socket.socket, wait: float = 0.2) -> bool:
    """True when the printer sends nothing for ``wait`` seconds."""
    conn.settimeout(wait)
    try:
        return conn.recv(16) == b"never"
    except TimeoutError:
        return True
    finally:
        conn.settimeout(2)


def _recv_exactly(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        assert chunk, "the printer closed the connection"
        data += chunk
    return data


def _control(emu: PrinterEmulator, *lines: str) -> list[str]:
    with socket.create_connection(("127.0.0.1", emu.control_port), timeout=2) as conn:
        conn.sendall("".join(line + "\n" for line in lines).encode())
        answers = b""
        while answers.count(b"\n") < len(lines):
            answers += conn.recv(4096)
    return answers.decode().splitlines()


def test_network_printer_job_is_rendered_to_png_and_text(emulator: PrinterEmulator) -> None:
    printer = _network(emulator)
    try:
        printer.set(align="center", bold=True)
        printer.textln("HUDUMA")
        printer.set(align="left", bold=False)
        printer.textln("Receipt R-1")
        printer.qr("HK1.ABC", native=True, size=4)
        printer.cut()
    finally:
        printer.close()
    [job] = emulator.wait_for_jobs(1, timeout=5)
    assert (job.number, job.complete) == (1, True)
    assert job.png == emulator.out_dir / "job-0001.png"
    assert job.txt.read_text() == ("             HUDUMA\n"
                                   "Receipt R-1\n"
                                   "[QR: HK1.ABC]\n"
                                   "----- cut -----\n")
    image = Image.open(job.png)
    assert image.width == 384
    assert [code.text for code in zxingcpp.read_barcodes(image)] == ["HK1.ABC"]


@pytest.mark.parametrize(("faults", "online", "paper", "raw"), [
    ((), True, 2, {1: 0x16, 2: 0x12, 3: 0x12, 4: 0x12}),
    (("paper_near_end",), True, 1, {1: 0x16, 2: 0x12, 3: 0x12, 4: 0x1E}),
    (("paper_out",), False, 0, {1: 0x1E, 2: 0x32, 3: 0x12, 4: 0x72}),
    (("cover_open",), False, 2, {1: 0x1E, 2: 0x16, 3: 0x12, 4: 0x12}),
    (("cutter_error",), False, 2, {1: 0x1E, 2: 0x52, 3: 0x1A, 4: 0x12}),
])
def test_status_answers_as_python_escpos_reads_them(
        emulator: PrinterEmulator, faults: tuple[str, ...], online: bool, paper: int,
        raw: dict[int, int]) -> None:
    for fault in faults:
        emulator.inject(fault)
    printer = _network(emulator)
    try:
        assert printer.is_online() is online
        assert printer.paper_status() == paper
        assert printer.query_status(RT_STATUS_ONLINE) == bytes([raw[1]])
        assert printer.query_status(RT_STATUS_PAPER) == bytes([raw[4]])
        for n in (1, 2, 3, 4):
            assert printer.query_status(b"\x10\x04" + bytes([n])) == bytes([raw[n]])
    finally:
        printer.close()
    assert emulator.jobs == []  # a status-only connection prints nothing


def test_gs_r_paper_sensor(emulator: PrinterEmulator) -> None:
    emulator.inject("paper_near_end")
    emulator.inject("paper_out")
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=2) as conn:
        conn.sendall(b"\x1dr\x01")
        assert conn.recv(16) == b"\x0f"


def test_offline_printer_does_not_answer_nor_print(emulator: PrinterEmulator) -> None:
    emulator.inject("offline")
    printer = _network(emulator)
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            printer.query_status(RT_STATUS_ONLINE)
        assert time.monotonic() - started < 2.5
        printer.textln("lost")
        printer.cut()
    finally:
        printer.close()
    _send(emulator, b"also lost\n")
    deadline = time.monotonic() + 5
    while emulator.received < 24 and time.monotonic() < deadline:  # 14 + 10 bytes
        time.sleep(0.01)
    assert emulator.received == 24
    emulator.clear("offline")
    _send(emulator, b"printed\n")
    [job] = emulator.wait_for_jobs(1, timeout=5)
    assert job.txt.read_text() == "printed\n"


def test_paper_runs_out_mid_job_and_the_rest_prints_once_paper_is_loaded(
        emulator: PrinterEmulator) -> None:
    emulator.inject("paper_out_after", n=12)
    _send(emulator, b"first line\nsecond line\n\x1dV\x00")
    [job] = emulator.wait_for_jobs(1, timeout=5)
    # The record is made when the roll runs out, 22 bytes in: what reached the paper.
    assert (job.complete, job.data, job.received, job.resumed) == (
        False, b"first line\ns", 22, False)
    assert job.txt.read_text() == "first line\ns\n"
    assert emulator.faults == {"paper_out"}
    printer = _network(emulator)
    try:
        assert printer.paper_status() == 0
    finally:
        printer.close()
    _send(emulator, b"waiting\n")
    _until(lambda: emulator.buffered == len(b"econd line\n\x1dV\x00waiting\n"))
    assert len(emulator.jobs) == 1
    emulator.clear("paper_out")  # paper loaded: the mechanism prints on from its buffer
    _, rest, waiting = emulator.wait_for_jobs(3, timeout=5)
    assert (rest.data, rest.complete, rest.resumed, rest.txt.read_text()) == (
        b"econd line\n\x1dV\x00", False, True, "econd line\n----- cut -----\n")
    assert (waiting.data, waiting.complete, waiting.resumed) == (b"waiting\n", True, False)
    _send(emulator, b"new roll\n")
    assert emulator.wait_for_jobs(4, timeout=5)[3].txt.read_text() == "new roll\n"


def test_after_a_paper_end_dle_enq_2_is_ignored_and_the_rest_prints_on_the_new_roll(
        emulator: PrinterEmulator) -> None:
    emulator.inject("paper_out_after", n=12)
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=2) as conn:
        conn.sendall(b"first line\nsecond line\n\x1dV\x00")
        emulator.wait_for_jobs(1, timeout=5)
        conn.sendall(b"\x10\x05\x02" b"\x10\x04\x04")  # DLE ENQ 2, then a status request
        assert conn.recv(16) == b"\x72"  # answered after DLE ENQ 2 was taken: paper end
        assert emulator.buffered == len(b"econd line\n\x1dV\x00")  # nothing dropped
    emulator.clear("paper_out")
    _send(emulator, b"new roll\n")
    jobs = emulator.wait_for_jobs(3, timeout=5)
    assert [(j.data, j.complete, j.resumed) for j in jobs] == [
        (b"first line\ns", False, False),
        (b"econd line\n\x1dV\x00", False, True),  # on top of whatever is printed next
        (b"new roll\n", True, False)]


@pytest.mark.parametrize("stopped_by", ["paper_out", "cover_open", "cutter_error", "offline"])
def test_dle_dc4_fn_8_clears_the_buffers_and_answers_in_every_state(tmp_path: Path,
                                                                    stopped_by: str) -> None:
    data = b"".join(b"line %03d of the receipt\n" % i for i in range(16)) + b"\x1dV\x00"
    with PrinterEmulator(port=0, out_dir=tmp_path, print_rate=4000,
                         faults=["cover_open"]) as emu:  # the job waits whole in the buffer
        with socket.create_connection(("127.0.0.1", emu.port), timeout=2) as conn:
            conn.sendall(data + _process_id(b"0001"))
            _until(lambda: emu.received == len(data))
            emu.inject(stopped_by)
            if stopped_by != "cover_open":
                emu.clear("cover_open")
            conn.sendall(CLEAR_BUFFERS)
            assert _recv_exactly(conn, 3) == CLEARED
            assert (emu.buffered, emu.printed) == (0, 0)
            # A recoverable error is recovered from; paper out, the cover and offline stay.
            assert emu.faults == (set() if stopped_by == "cutter_error" else {stopped_by})
            emu.clear()
            conn.sendall(b"next receipt\n\x1dV\x00" + _process_id(b"0002"))
            assert _recv_exactly(conn, 7) == _answer(b"0002")  # and never 0001
            assert _nothing_comes(conn)
        [job] = emu.wait_for_jobs(1, timeout=5)
    assert (job.data, job.complete, job.resumed) == (b"next receipt\n\x1dV\x00", True, False)


def test_dle_dc4_fn_8_ends_the_job_that_was_printing(tmp_path: Path) -> None:
    data = b"".join(b"line %03d of the receipt\n" % i for i in range(16))  # no cut
    with PrinterEmulator(port=0, out_dir=tmp_path, print_rate=4000,
                         faults=["paper_out_after=100", "cover_open"]) as emu:
        with socket.create_connection(("127.0.0.1", emu.port), timeout=2) as conn:
            conn.sendall(data)
            _until(lambda: emu.received == len(data))
            emu.clear("cover_open")
            [half] = emu.wait_for_jobs(1, timeout=5)
            conn.sendall(CLEAR_BUFFERS)
            assert _recv_exactly(conn, 3) == CLEARED
            emu.clear("paper_out")
            conn.sendall(b"next receipt\n")  # the same connection, still no cut
        jobs = emu.wait_for_jobs(2, timeout=5)
    assert (half.data, half.complete) == (data[:100], False)
    assert [(j.data, j.complete, j.resumed) for j in jobs[1:]] == [
        (b"next receipt\n", True, False)]


def test_after_a_cutter_error_dle_enq_1_prints_on_and_dle_enq_2_clears(tmp_path: Path) -> None:
    with PrinterEmulator(port=0, out_dir=tmp_path, print_rate=4000,
                         faults=["cutter_error"]) as emu:
        with socket.create_connection(("127.0.0.1", emu.port), timeout=2) as conn:
            conn.sendall(b"kept\n\x1dV\x00" + _process_id(b"0001"))
            _until(lambda: emu.received == 8)
            conn.sendall(b"\x10\x05\x01")  # DLE ENQ 1: recover, print on from the buffer
            assert _recv_exactly(conn, 7) == _answer(b"0001")
            assert emu.faults == frozenset()
            emu.inject("cutter_error")
            conn.sendall(b"dropped\n\x1dV\x00" + _process_id(b"0002"))
            _until(lambda: emu.received == 8 + 11)
            conn.sendall(b"\x10\x05\x02" b"\x10\x04\x03")  # DLE ENQ 2, then DLE EOT 3
            assert conn.recv(16) == b"\x12"  # recovered: no cutter error
            assert (emu.buffered, emu.faults) == (0, frozenset())
            conn.sendall(_process_id(b"0003"))
            assert _recv_exactly(conn, 7) == _answer(b"0003")  # never 0002
        jobs = emu.wait_for_jobs(1, timeout=5)
    assert [(j.data, j.complete) for j in jobs] == [(b"kept\n\x1dV\x00", True)]


def test_a_job_sent_with_the_cover_open_waits_and_prints_once_it_is_closed(
        emulator: PrinterEmulator) -> None:
    emulator.inject("cover_open")
    _send(emulator, b"hello\n\x1dV\x00")
    _until(lambda: emulator.received == 9)
    assert (emulator.buffered, emulator.printed, emulator.jobs) == (9, 0, [])
    emulator.clear("cover_open")
    [job] = emulator.wait_for_jobs(1, timeout=5)
    assert (job.complete, job.data, job.received) == (True, b"hello\n\x1dV\x00", 9)


def test_gs_r_is_answered_in_sequence_and_dle_eot_at_once(emulator: PrinterEmulator) -> None:
    emulator.inject("cover_open")
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=2) as conn:
        conn.sendall(b"hello\n" b"\x1dr\x01" b"\x10\x04\x02")
        assert conn.recv(16) == b"\x16"  # DLE EOT 2: cover open, although GS r came first
        assert _nothing_comes(conn)       # GS r waits behind the job data
        emulator.inject("paper_near_end")
        emulator.clear("cover_open")
        assert conn.recv(16) == b"\x03"  # GS r 1, once "hello" has printed: paper near end
    assert emulator.wait_for_jobs(1, timeout=5)[0].data == b"hello\n"


def test_process_id_is_answered_once_the_data_before_it_has_printed(tmp_path: Path) -> None:
    data = b"".join(b"line %03d of the receipt\n" % i for i in range(16))  # 384 bytes
    with PrinterEmulator(port=0, out_dir=tmp_path, print_rate=4000) as emu:
        emu.inject("cover_open")
        with socket.create_connection(("127.0.0.1", emu.port), timeout=2) as conn:
            conn.sendall(data + _process_id(b"0001"))
            _until(lambda: emu.received == len(data))
            assert _nothing_comes(conn)
            assert emu.printed == 0
            emu.clear("cover_open")
            assert _recv_exactly(conn, 7) == _answer(b"0001")
            assert emu.printed == len(data)  # all of it was on the paper before the answer
            conn.sendall(_process_id(b"0002"))  # nothing before it left to print: at once
            assert _recv_exactly(conn, 7) == _answer(b"0002")
        [job] = emu.wait_for_jobs(1, timeout=5)
    assert (job.data, job.complete) == (data, True)


def test_process_id_is_never_answered_for_data_that_did_not_print(tmp_path: Path) -> None:
    data = b"".join(b"line %03d of the receipt\n" % i for i in range(16))  # 384 bytes
    with PrinterEmulator(port=0, out_dir=tmp_path, print_rate=4000,
                         faults=["paper_out_after=100", "cover_open"]) as emu:
        with socket.create_connection(("127.0.0.1", emu.port), timeout=2) as conn:
            conn.sendall(data + b"\x1dV\x00" + _process_id(b"0001"))
            _until(lambda: emu.received == len(data) + 3)
            emu.clear("cover_open")  # printing starts with all of the job in the buffer
            [job] = emu.wait_for_jobs(1, timeout=5)
            assert (job.data, job.complete, job.received) == (data[:100], False, len(data) + 3)
            assert emu.faults == {"paper_out"}
            assert _nothing_comes(conn)  # not while the rest waits in the buffer
            conn.sendall(CLEAR_BUFFERS)  # the rest and its process ID go
            assert _recv_exactly(conn, 3) == CLEARED
            assert emu.buffered == 0
            emu.clear("paper_out")
            conn.sendall(_process_id(b"0002"))
            assert _recv_exactly(conn, 7) == _answer(b"0002")  # and never 0001
            assert _nothing_comes(conn)
    assert [(j.number, j.complete) for j in emu.jobs] == [(1, False)]  # nothing resumed


def test_print_rate_spreads_a_job_over_time_and_stop_is_clean(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="print rate"):
        PrinterEmulator(port=0, out_dir=tmp_path, print_rate=0)
    emu = PrinterEmulator(port=0, out_dir=tmp_path, print_rate=500)
    emu.start()
    threads = list(emu._threads)
    _send(emu, b"x" * 2000 + b"\n")  # four seconds of printing
    _until(lambda: emu.printed > 0)
    emu.inject("cover_open")  # holds the mechanism still while we look
    printed = emu.printed
    assert (emu.received, emu.buffered) == (2001, 2001 - printed) and 0 < printed < 2001
    emu.clear("cover_open")
    _until(lambda: emu.printed > printed)
    emu.stop()  # mid-job: the mechanism does not wait for the rest
    assert [t.name for t in threads if t.is_alive()] == []
    assert emu.jobs == []


def test_disconnect_mid_job_keeps_half_and_resets_the_connection(emulator: PrinterEmulator) -> None:
    emulator.inject("disconnect_mid_job")
    job_bytes = b"0123456789\nabcdefghij\n\x1dV\x00"  # 25 bytes
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=2) as conn:
        conn.sendall(job_bytes)
        with pytest.raises(ConnectionResetError):
            while conn.recv(16) or True:  # the printer never sends anything here but the reset
                time.sleep(0.05)
                conn.sendall(b"\x10\x04\x01")
    [job] = emulator.wait_for_jobs(1, timeout=5)
    assert (job.complete, job.data) == (False, b"0123456789\na")
    assert job.txt.read_text() == "0123456789\na\n"
    assert emulator.faults == frozenset()  # the fault cleared itself
    _send(emulator, b"whole\n")
    assert emulator.wait_for_jobs(2, timeout=5)[1].complete is True


def test_two_jobs_on_one_connection_split_at_the_cuts(emulator: PrinterEmulator) -> None:
    printer = _network(emulator)
    try:
        printer.textln("one")
        printer.cut()
        printer.textln("two")
        printer.cut(mode="PART")
    finally:
        printer.close()
    jobs = emulator.wait_for_jobs(2, timeout=5)
    assert [(j.number, j.txt.name, j.txt.read_text(), j.complete) for j in jobs] == [
        (1, "job-0001.txt", "one\n----- cut -----\n", True),
        (2, "job-0002.txt", "two\n----- cut -----\n", True),
    ]
    assert [j.png.exists() for j in jobs] == [True, True]
    time.sleep(0.2)
    assert len(emulator.jobs) == 2  # nothing after the last cut: no empty third job


def test_control_socket(emulator: PrinterEmulator) -> None:
    assert _control(emulator, "status", "fault cover_open", "fault paper_out_after n=40",
                    "status", "fault jammed", "fault paper_out_after", "clear cover_open",
                    "status", "jobs", "clear", "status", "dance") == [
        "ok",
        "ok",
        "ok",
        "ok cover_open paper_out_after=40",
        "error unknown fault 'jammed'",
        "error paper_out_after needs n=<bytes>",
        "ok",
        "ok paper_out_after=40",
        "ok 0",
        "ok",
        "ok",
        "error unknown command 'dance'",
    ]
    assert _control(emulator, "fault paper_out_after=3") == ["ok"]
    assert emulator.faults == {"paper_out_after"}
    _send(emulator, b"abcdef\n")
    emulator.wait_for_jobs(1, timeout=5)
    assert _control(emulator, "jobs", "status") == ["ok 1", "ok paper_out"]


def test_faults_given_at_construction_and_stop_frees_the_port(tmp_path: Path) -> None:
    emu = PrinterEmulator(port=0, out_dir=tmp_path, faults=["paper_near_end", "paper_out_after=5"])
    assert emu.faults == {"paper_near_end", "paper_out_after"}
    with pytest.raises(ValueError):
        emu.inject("paper_near_end", n=1)
    emu.start()
    port = emu.port
    emu.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_emulate_command_runs_until_sigterm(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    code = ("import argparse, sys; from kiosk_app.printer_emulator_command import "
            "add_printer_emulator_command as add; p = argparse.ArgumentParser(); "
            "add(p.add_subparsers()); a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "emulate", "--port", "0", "--control-port", "0",
         "--out", str(tmp_path), "--width", "58", "--fault", "paper_near_end",
         "--print-rate", "5000"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[3])
    try:
        line = proc.stdout.readline()
        assert line.startswith("printer emulator listening on 127.0.0.1:")
        port = int(line.split(":")[1].split()[0])
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(b"\x10\x04\x04")
            assert conn.recv(16) == b"\x1e"
            conn.sendall(b"Habari\n" + _process_id(b"0001"))
            assert _recv_exactly(conn, 7) == _answer(b"0001")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
