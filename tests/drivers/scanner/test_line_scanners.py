"""Scanners that type: a keyboard wedge fed like the UI feeds it, and a serial scanner on
pyserial's loopback port (a real pyserial port: what is written comes back as read)."""
from __future__ import annotations

import threading
import time

from hypothesis import given, strategies as st

from drivers.events import CodeScanned
from drivers.scanner.line_scanners import KeyboardWedgeScanner, LineAssembler, SerialScanner

TOKEN = "HK1:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def scans_of(scanner) -> list[str]:  # noqa: ANN001
    got: list[str] = []
    scanner.add_listener(lambda e: got.append(e.text) if isinstance(e, CodeScanned) else None)
    return got


def test_a_wedge_scan_is_one_event_per_line_and_a_person_typing_is_none() -> None:
    clock = Clock()
    wedge = KeyboardWedgeScanner("scanner", clock=clock)
    got = scans_of(wedge)
    for ch in TOKEN + "\r":           # a scanner: every character within a few ms
        wedge.feed(ch)
        clock.t += 0.005
    for ch in "HKQ:A042\n":
        wedge.feed(ch)
        clock.t += 0.005
    for ch in "hello\r":              # a person: 300 ms between keys
        wedge.feed(ch)
        clock.t += 0.3
    wedge.feed("ab\r")                # shorter than a code
    assert got == [TOKEN, "HKQ:A042"]


def test_a_serial_scanner_reads_lines_on_its_own_thread() -> None:
    scanner = SerialScanner("scanner", SerialScanner.Settings(url="loop://"))
    got: list[tuple[str, str]] = []
    scanner.add_listener(lambda e: got.append((e.text, threading.current_thread().name))
                         if isinstance(e, CodeScanned) else None)
    scanner.open()
    assert scanner.state.usable
    scanner._port.write((TOKEN + "\r\nHKQ:A042\r\n").encode())
    deadline = time.monotonic() + 3
    while len(got) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    scanner.close()
    assert got == [(TOKEN, "scanner-serial"), ("HKQ:A042", "scanner-serial")]


def test_a_missing_serial_port_is_a_state_not_a_crash() -> None:
    scanner = SerialScanner("scanner", SerialScanner.Settings(url="/dev/ttyNOPE9"))
    scanner.open()
    assert (scanner.state.status.value, scanner.state.reason.value) == ("no_device", "disconnected")
    scanner.close()


@given(st.text(max_size=300), st.lists(st.floats(0, 1), max_size=300))
def test_any_characters_at_any_pace_never_raise(text: str, gaps: list[float]) -> None:
    lines = LineAssembler(max_gap_s=0.1, min_length=4)
    now = 0.0
    for i, ch in enumerate(text):
        now += gaps[i] if i < len(gaps) else 0.001
        for line in lines.feed(ch, now):
            assert "\r" not in line and "\n" not in line and len(line) >= 4
