"""The printer emulator, driven through python-escpos's Network printer and raw sockets."""
from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.printer import Network
from PIL import Image

from drivers.printer.emulator import PrinterEmulator


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


def test_paper_runs_out_mid_job(emulator: PrinterEmulator) -> None:
    emulator.inject("paper_out_after", n=12)
    _send(emulator, b"first line\nsecond line\n\x1dV\x00")
    [job] = emulator.wait_for_jobs(1, timeout=5)
    assert (job.complete, job.data, job.received) == (False, b"first line\ns", 26)
    assert job.txt.read_text() == "first line\ns\n"
    assert emulator.faults == {"paper_out"}
    printer = _network(emulator)
    try:
        assert printer.paper_status() == 0
    finally:
        printer.close()
    _send(emulator, b"nothing\n")
    jobs = emulator.wait_for_jobs(2, timeout=5)
    assert (jobs[1].complete, jobs[1].data, jobs[1].txt.read_text()) == (False, b"", "")
    emulator.clear("paper_out")
    _send(emulator, b"new roll\n")
    assert emulator.wait_for_jobs(3, timeout=5)[2].txt.read_text() == "new roll\n"


def test_cover_open_job_is_received_not_printed(emulator: PrinterEmulator) -> None:
    emulator.inject("cover_open")
    _send(emulator, b"hello\n\x1dV\x00")
    [job] = emulator.wait_for_jobs(1, timeout=5)
    assert (job.complete, job.data, job.received) == (False, b"", 9)


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
         "--out", str(tmp_path), "--width", "58", "--fault", "paper_near_end"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[3])
    try:
        line = proc.stdout.readline()
        assert line.startswith("printer emulator listening on 127.0.0.1:")
        port = int(line.split(":")[1].split()[0])
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(b"\x10\x04\x04")
            assert conn.recv(16) == b"\x1e"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
