"""The vpcd card slot: its wire format checked byte by byte against a stand-in for vpcd, then
cards going in and out of the real pcscd's vpcd reader."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from drivers.card.vpcd import VpcdCardSlot
from tests.drivers.card.pcscd import wait_for_card

ATR = bytes.fromhex("3B8E800180318066B1840C016E01830090001C")
OTHER_ATR = bytes.fromhex("3B00")
OK = b"\x90\x00"


class EchoCard:
    """Answers every command with its data (short or extended Lc) and 9000; INS EE makes
    it fail."""

    def __init__(self, atr: bytes = ATR) -> None:
        self.atr = atr
        self.seen: list[bytes] = []

    def process(self, apdu: bytes) -> bytes:
        self.seen.append(apdu)
        if apdu[1] == 0xEE:
            raise ValueError(f"cannot handle {apdu.hex()}")
        if len(apdu) <= 5:
            return OK
        return (apdu[7:] if apdu[4] == 0 else apdu[5:5 + apdu[4]]) + OK


class FakeVpcd:
    """vpcd's side of the wire: listens, and sends and reads length-prefixed messages."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.conn: socket.socket | None = None

    def take(self, slot: VpcdCardSlot) -> bytes:
        """Accept the slot's card and power it up as pcscd does; the ATR it gave."""
        inserting = threading.Thread(target=slot.insert)
        inserting.start()
        self.server.settimeout(3)
        self.conn, _ = self.server.accept()
        self.conn.settimeout(3)
        self.send(b"\x04")
        assert self.receive() == slot.card.atr
        self.send(b"\x01")
        self.send(b"\x04")
        atr = self.receive()
        inserting.join(3)
        assert not inserting.is_alive()
        return atr

    def send(self, message: bytes, *, piecewise: bool = False) -> None:
        assert self.conn is not None
        frame = len(message).to_bytes(2, "big") + message
        if not piecewise:
            self.conn.sendall(frame)
            return
        for byte in frame:  # one byte per TCP segment: the slot must put the message together
            self.conn.sendall(bytes([byte]))
            time.sleep(0.002)

    def receive(self) -> bytes | None:
        header = self._exactly(2)
        return None if header is None else self._exactly(int.from_bytes(header, "big"))

    def _exactly(self, n: int) -> bytes | None:
        assert self.conn is not None
        buf = b""
        while len(buf) < n:
            chunk = self.conn.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.server.close()


@pytest.fixture
def fake_vpcd():  # noqa: ANN201
    fake = FakeVpcd()
    yield fake
    fake.close()


# -- the wire -------------------------------------------------------------------------------------
def test_messages_in_pieces_are_put_together_and_answered_exactly(fake_vpcd) -> None:
    card = EchoCard()
    with VpcdCardSlot(card, port=fake_vpcd.port) as slot:
        assert fake_vpcd.take(slot) == ATR
        data = bytes(range(256)) + bytes(range(44))        # a length over 255: both bytes
        apdu = bytes.fromhex("00100000") + b"\x00" + len(data).to_bytes(2, "big") + data
        fake_vpcd.send(apdu, piecewise=True)
        assert fake_vpcd.receive() == data + OK
        fake_vpcd.send(b"\x02", piecewise=True)             # reset: no answer
        fake_vpcd.send(b"\x00")                             # power off: no answer
        fake_vpcd.send(b"\x04", piecewise=True)
        assert fake_vpcd.receive() == ATR
        assert card.seen == [apdu]
        assert slot.exchanges == 1                          # control messages not counted


def test_a_failing_card_answers_6f00_and_the_log_holds_no_apdu(fake_vpcd, caplog) -> None:
    with VpcdCardSlot(EchoCard(), port=fake_vpcd.port) as slot:
        fake_vpcd.take(slot)
        with caplog.at_level(logging.DEBUG, logger="drivers.card.vpcd"):
            fake_vpcd.send(bytes.fromhex("00EE00000431323334"))
            assert fake_vpcd.receive() == b"\x6f\x00"
        fake_vpcd.send(bytes.fromhex("00100000024142"))     # and it goes on working
        assert fake_vpcd.receive() == b"AB" + OK
    assert [r.getMessage() for r in caplog.records] == [
        "card emulator failed on an APDU (ValueError); answered 6F00"]


def test_on_apdu_sees_each_command_first_and_can_pull_the_card_out(fake_vpcd) -> None:
    card = EchoCard()
    slot = VpcdCardSlot(card, port=fake_vpcd.port)
    hooked: list[tuple[int, bytes]] = []

    def hook(apdu: bytes) -> None:
        hooked.append((slot.exchanges, apdu))
        if slot.exchanges == 2:
            slot.remove()

    slot.on_apdu = hook
    fake_vpcd.take(slot)
    fake_vpcd.send(bytes.fromhex("0010000001AA"))
    assert fake_vpcd.receive() == b"\xaa" + OK
    fake_vpcd.send(bytes.fromhex("0010000001BB"))
    assert fake_vpcd.receive() is None                      # unanswered: the card left
    assert hooked == [(1, bytes.fromhex("0010000001AA")), (2, bytes.fromhex("0010000001BB"))]
    assert card.seen == [bytes.fromhex("0010000001AA")]
    assert not slot.inserted


def test_latency_delays_each_response(fake_vpcd) -> None:
    with VpcdCardSlot(EchoCard(), port=fake_vpcd.port, latency_s=0.15) as slot:
        fake_vpcd.take(slot)
        start = time.monotonic()
        fake_vpcd.send(bytes.fromhex("00A40400"))
        assert fake_vpcd.receive() == OK
        assert time.monotonic() - start >= 0.15


def test_vpcd_hanging_up_empties_the_slot(fake_vpcd) -> None:
    slot = VpcdCardSlot(EchoCard(), port=fake_vpcd.port)
    fake_vpcd.take(slot)
    assert slot.inserted
    fake_vpcd.conn.close()
    deadline = time.monotonic() + 3
    while slot.inserted and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not slot.inserted
    slot.close()


def test_insert_gives_up_when_nothing_listens() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]   # bound, never listening: connections are refused
        slot = VpcdCardSlot(EchoCard(), port=port)
        start = time.monotonic()
        with pytest.raises(TimeoutError, match=f"vpcd did not accept a card on 127.0.0.1:{port}"):
            slot.insert(timeout=0.3)
        assert 0.3 <= time.monotonic() - start < 2
        assert not slot.inserted


# -- through the real pcscd -----------------------------------------------------------------------
def test_pcscd_sees_the_card_go_in_and_out_and_a_swapped_one(pcscd) -> None:
    reader = pcscd.reader_name
    with VpcdCardSlot(EchoCard(), port=pcscd.vpcd_port) as slot:
        slot.insert()
        assert wait_for_card(reader) == ATR
        slot.remove()
        wait_for_card(reader, present=False)
        slot.swap(EchoCard(atr=OTHER_ATR))
        slot.insert()
        assert wait_for_card(reader) == OTHER_ATR
    wait_for_card(reader, present=False)


def test_the_second_slot_is_the_next_port(pcscd, vpcd_slot) -> None:
    slot = vpcd_slot(EchoCard(atr=OTHER_ATR), port=pcscd.vpcd_port + 1)
    slot.insert()
    assert slot.reader == "Virtual PCD 00 01"
    assert wait_for_card("Virtual PCD 00 01") == OTHER_ATR
    wait_for_card("Virtual PCD 00 00", present=False, timeout=0.1)


# -- the private pcscd ----------------------------------------------------------------------------
def test_the_private_pcscd_s_vpcd_listens_on_its_own_two_ports(pcscd) -> None:
    assert _listening_ports(pcscd.pid) == {pcscd.vpcd_port, pcscd.vpcd_port + 1}
    assert pcscd.socket.startswith(str(pcscd.dir)) and pcscd.socket.endswith("pcscd.comm")
    assert pcscd.env == {"PCSCLITE_CSOCK_NAME": pcscd.socket}


def test_a_machine_without_pcscd_is_told_how_to_get_it(monkeypatch) -> None:
    import tests.drivers.card.pcscd as harness

    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    monkeypatch.setattr(harness.os, "access", lambda path, mode: False)
    with pytest.raises(harness.PcscdUnavailable, match="pcscd is not installed: `make test` "
                                                        "installs it"):
        harness.PrivatePcscd()


def _listening_ports(pid: int) -> set[int]:
    """TCP ports that process ``pid`` listens on, from /proc (no ss needed)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:   # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports
