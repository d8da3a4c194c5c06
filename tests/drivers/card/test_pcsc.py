"""The PC/SC adapter against the real pcscd (a private one, see ``pcscd.py``), with small
emulated cards plugged in through vpcd: exact APDUs, T=0 response handling, the monitor's
events and states, cards pulled out mid-exchange, and pcscd itself going away and back."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest
from smartcard import scard as pcsc_lite

import drivers.card.pcsc as pcsc
from drivers.card.pcsc import (PcscCardReader, historical_bytes, supports_extended_length,
                               with_le)
from drivers.card.vpcd import VpcdCardSlot
from drivers.errors import (AdapterUnusable, CardBadlyInserted, CardRemoved as CardRemovedError,
                            NoDevice)
from drivers.events import CardInserted, CardRemoved, DeviceStatusChanged
from drivers.registry import builtin_registry
from drivers.status import DeviceState, DeviceStatus, Reason
from tests.drivers.card.pcscd import PrivatePcscd

OK = b"\x90\x00"
SELECT = bytes.fromhex("00A4040C07A0000002471001")


def make_atr(historical: bytes) -> bytes:
    """A direct-convention ATR offering T=0 and T=1 with these historical bytes, and its TCK
    (ISO 7816-3: the XOR of T0 to the last historical byte)."""
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for b in body:
        tck ^= b
    return b"\x3b" + body + bytes([tck])


# Card service data, pre-issuing data and a status indicator; no card capabilities.
TEST_ATR = bytes.fromhex("3B8E800180318066B1840C016E01830090001C")
# Card capabilities 73 00 00 C0: command chaining and extended Lc/Le.
EXTENDED_ATR = make_atr(bytes.fromhex("80 73 0000C0"))
# T=0 only, no historical bytes.
T0_ATR = bytes.fromhex("3B00")


class TestCard:
    """SELECT answers 9000. INS 10 echoes its data. INS 20 has 300 bytes to give: 6100, then
    256 bytes and 612C on GET RESPONSE, then the last 44 and 9000. INS 30 has exactly 8 bytes
    and answers 6C08 to any other Le. INS B0 returns as many bytes as Le asks (extended Le
    too). It records every APDU it sees."""

    __test__ = False  # a card, not a pytest class

    LONG = bytes(range(256)) + bytes(range(44))
    EIGHT = bytes.fromhex("0102030405060708")

    def __init__(self, atr: bytes = TEST_ATR) -> None:
        self.atr = atr
        self.seen: list[bytes] = []
        self._pending = b""

    def process(self, apdu: bytes) -> bytes:
        self.seen.append(apdu)
        ins = apdu[1]
        if ins == 0xA4:
            return OK
        if ins == 0x10:
            return apdu[5:5 + apdu[4]] + OK
        if ins == 0x20:
            self._pending = self.LONG
            return b"\x61\x00"
        if ins == 0xC0:
            n = apdu[4] or 256
            part, self._pending = self._pending[:n], self._pending[n:]
            return part + (bytes([0x61, len(self._pending) & 0xFF]) if self._pending else OK)
        if ins == 0x30:
            return self.EIGHT + OK if apdu[4] == 8 else b"\x6c\x08"
        if ins == 0xB0:
            n = int.from_bytes(apdu[5:7], "big") if len(apdu) == 7 else (apdu[4] or 256)
            return pattern(n) + OK
        return b"\x6d\x00"


def pattern(n: int) -> bytes:
    return bytes(i % 251 for i in range(n))


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def reader(pcscd: PrivatePcscd):  # noqa: ANN201
    device = PcscCardReader("card_reader", PcscCardReader.Settings(reader=pcscd.reader_name,
                                                                    poll_s=0.2))
    yield device
    device.close()


# -- helpers that need no daemon --------------------------------------------------------------
@pytest.mark.parametrize("apdu, le, expected", [
    ("00B00000", 8, "00B0000008"),                       # case 1: Le added
    ("00B0000000", 8, "00B0000008"),                     # case 2: Le replaced
    ("0010000002AABB", 4, "0010000002AABB04"),           # case 3: Le added
    ("0010000002AABB00", 4, "0010000002AABB04"),         # case 4: Le replaced
    ("00B00000000800", 8, "00B00000000008"),             # case 2 extended
    ("0010000000000102", 8, "00100000000001020008"),     # case 3 extended
    ("00100000000001020000", 8, "00100000000001020008"), # case 4 extended
    ("0010000005AA", 8, None),                           # Lc says 5, one byte follows
])
def test_with_le_puts_the_card_s_le_into_each_apdu_case(apdu, le, expected) -> None:
    corrected = with_le(bytes.fromhex(apdu), le)
    assert (corrected.hex().upper() if corrected else None) == expected


def test_extended_length_comes_from_the_card_capabilities_in_the_atr() -> None:
    assert historical_bytes(TEST_ATR) == bytes.fromhex("80318066B1840C016E0183009000")
    assert historical_bytes(EXTENDED_ATR) == bytes.fromhex("80730000C0")
    assert not supports_extended_length(TEST_ATR)       # no card capabilities at all
    assert supports_extended_length(EXTENDED_ATR)
    assert not supports_extended_length(make_atr(bytes.fromhex("8073000080")))  # chaining only
    # Category 00: the compact-TLV objects are followed by three status bytes.
    assert supports_extended_length(make_atr(bytes.fromhex("00730000C0 009000")))
    assert not supports_extended_length(T0_ATR)
    assert not supports_extended_length(bytes.fromhex("3B8F"))   # cut short


def test_without_pyscard_the_adapter_is_unusable_and_never_built(monkeypatch) -> None:
    monkeypatch.setattr(pcsc, "scard", None)
    assert PcscCardReader.is_usable() == (False, "pyscard is not installed")
    with pytest.raises(AdapterUnusable, match="pyscard is not installed"):
        builtin_registry().create("card_reader", "card_reader", "pcsc", {})


def test_the_registry_builds_it_from_config() -> None:
    reader = builtin_registry().create("card_reader", "card_reader", "pcsc",
                                       {"reader": "ACR1252", "poll_s": 0.25})
    assert isinstance(reader, PcscCardReader)
    assert reader.describe() == {"kind": "pcsc", "reader": "ACR1252", "poll_s": 0.25,
                                 "connect_timeout_s": 5.0}


class FakePcscLite:
    """Stands in for ``smartcard.scard`` where the real pcscd cannot go: readers plugged in and
    out (vpcd's readers are fixed by pcscd's config). Constants come from the real module."""

    def __init__(self, *, pnp: bool = True) -> None:
        self.pnp = pnp
        self.readers: dict[str, bytes | None] = {}   # reader -> ATR of the card in it, or None
        self.counts: dict[str, int] = {}             # reader -> card events so far
        self.changed = threading.Condition()
        self.cancelled = False

    def __getattr__(self, name: str) -> object:
        return getattr(pcsc_lite, name)

    # what the test does
    def plug(self, name: str) -> None:
        self._change(lambda: self.readers.setdefault(name, None))

    def unplug(self, name: str) -> None:
        self._change(lambda: self.readers.pop(name))

    def insert(self, name: str, atr: bytes) -> None:
        self._change(lambda: self._card(name, atr))

    def remove(self, name: str) -> None:
        self._change(lambda: self._card(name, None))

    def _card(self, name: str, atr: bytes | None) -> None:
        self.readers[name] = atr
        self.counts[name] = self.counts.get(name, 0) + 1

    def _change(self, change: Callable[[], object]) -> None:
        with self.changed:
            change()
            self.changed.notify_all()

    # the PC/SC calls the adapter makes
    def SCardEstablishContext(self, scope: int) -> tuple[int, int]:  # noqa: N802
        return pcsc_lite.SCARD_S_SUCCESS, 1

    def SCardReleaseContext(self, context: int) -> int:  # noqa: N802
        return pcsc_lite.SCARD_S_SUCCESS

    def SCardCancel(self, context: int) -> int:  # noqa: N802
        self._change(lambda: setattr(self, "cancelled", True))
        return pcsc_lite.SCARD_S_SUCCESS

    def SCardListReaders(self, context: int, groups: list) -> tuple[int, list[str]]:  # noqa: N802
        with self.changed:
            names = sorted(self.readers)
        return (pcsc_lite.SCARD_S_SUCCESS if names else pcsc_lite.SCARD_E_NO_READERS_AVAILABLE,
                names)

    def SCardGetStatusChange(self, context: int, timeout_ms: int,  # noqa: N802
                             states: list[tuple[str, int]]) -> tuple[int, list]:
        deadline = time.monotonic() + timeout_ms / 1000
        with self.changed:
            if not self.pnp and any(name == pcsc.PNP_READER for name, _ in states):
                return pcsc_lite.SCARD_E_UNKNOWN_READER, []
            readers_at_start = len(self.readers)
            while True:
                now = [self._event(name, readers_at_start) for name, _ in states]
                if any(event != current for event, (_, current) in zip(now, states)):
                    return pcsc_lite.SCARD_S_SUCCESS, [
                        (name, event | (pcsc_lite.SCARD_STATE_CHANGED if event != current else 0),
                         list(self.readers.get(name) or b""))
                        for (name, current), event in zip(states, now)]
                if self.cancelled:
                    self.cancelled = False
                    return pcsc_lite.SCARD_E_CANCELLED, []
                left = deadline - time.monotonic()
                if left <= 0:
                    return pcsc_lite.SCARD_E_TIMEOUT, []
                self.changed.wait(left)

    def _event(self, name: str, readers_at_start: int) -> int:
        if name == pcsc.PNP_READER:  # as pcsc-lite 1.9: a change during this call only
            return pcsc_lite.SCARD_STATE_CHANGED if len(self.readers) != readers_at_start else 0
        if name not in self.readers:
            return pcsc_lite.SCARD_STATE_UNKNOWN
        card = pcsc_lite.SCARD_STATE_PRESENT if self.readers[name] else pcsc_lite.SCARD_STATE_EMPTY
        return card | self.counts.get(name, 0) << 16


@pytest.mark.parametrize("pnp", [True, False], ids=["pnp", "no-pnp"])
def test_readers_plugged_in_and_out_while_the_monitor_runs(monkeypatch, pnp) -> None:
    fake = FakePcscLite(pnp=pnp)
    monkeypatch.setattr(pcsc, "scard", fake)
    reader = PcscCardReader("card_reader", PcscCardReader.Settings(reader="ACR", poll_s=0.2))
    got: list[object] = []
    reader.add_listener(got.append)
    reader.open()
    fake.plug("Other Reader 00 00")
    fake.plug("ACS ACR1252 00 00")
    wait_until(lambda: len(got) >= 2)
    fake.insert("ACS ACR1252 00 00", TEST_ATR)
    wait_until(lambda: len(got) >= 3)
    fake.unplug("ACS ACR1252 00 00")          # with the card in it
    wait_until(lambda: len(got) >= 5)
    start = time.monotonic()
    reader.close()
    assert time.monotonic() - start < 1.0
    assert got == [
        DeviceStatusChanged("card_reader", DeviceState(DeviceStatus.NO_DEVICE, Reason.DISCONNECTED,
                                                       "no reader whose name holds 'ACR'")),
        DeviceStatusChanged("card_reader", DeviceState.online(detail="ACS ACR1252 00 00")),
        CardInserted("card_reader", "ACS ACR1252 00 00", TEST_ATR),
        CardRemoved("card_reader", "ACS ACR1252 00 00"),
        DeviceStatusChanged("card_reader", DeviceState(DeviceStatus.NO_DEVICE, Reason.DISCONNECTED,
                                                       "no reader whose name holds 'ACR'")),
    ]


# -- through the real pcscd ---------------------------------------------------------------------
def test_an_empty_reader_is_listed_and_connecting_says_no_card(pcscd, reader) -> None:
    assert PcscCardReader("any").readers() == ["Virtual PCD 00 00", "Virtual PCD 00 01"]
    assert reader.readers() == [pcscd.reader_name] == ["Virtual PCD 00 00"]
    assert reader.probe() == DeviceState.online(detail="Virtual PCD 00 00")
    with pytest.raises(CardBadlyInserted, match="no card in the reader"):
        reader.connect()


def test_a_reader_that_is_not_there(pcscd) -> None:
    absent = PcscCardReader("card_reader", PcscCardReader.Settings(reader="ACR1252"))
    assert absent.readers() == []
    assert absent.probe() == DeviceState(DeviceStatus.NO_DEVICE, Reason.DISCONNECTED,
                                         "no reader whose name holds 'ACR1252'")
    with pytest.raises(NoDevice) as info:
        absent.connect()
    assert info.value.reason is Reason.DISCONNECTED
    with pytest.raises(NoDevice, match="no reader named 'Nope'"):
        PcscCardReader("any").connect("Nope")


def test_exact_apdus_with_61xx_chaining_and_6cxx_resent(reader, vpcd_slot) -> None:
    card = TestCard()
    vpcd_slot(card).insert()
    with reader.connect() as connection:
        assert (connection.atr, connection.reader, connection.protocol) == (
            TEST_ATR, "Virtual PCD 00 00", "T=1")
        assert (connection.extended_length, connection.max_response) == (False, 256)
        assert connection.transmit(SELECT) == OK
        assert connection.transmit(bytes.fromhex("0010000003414243")) == b"ABC" + OK
        assert connection.transmit(bytes.fromhex("0020000000")) == TestCard.LONG + OK
        assert connection.transmit(bytes.fromhex("0030000000")) == TestCard.EIGHT + OK
    assert [a.hex().upper() for a in card.seen] == [
        "00A4040C07A0000002471001",
        "0010000003414243",
        "0020000000", "00C0000000", "00C000002C",   # 61 00, then 256 bytes and 61 2C
        "0030000000", "0030000008",                 # 6C 08: the same command with Le = 8
    ]


def test_t0_is_named_and_its_responses_handled_the_same(reader, vpcd_slot) -> None:
    card = TestCard(atr=T0_ATR)
    vpcd_slot(card).insert()
    with reader.connect() as connection:
        assert (connection.atr, connection.protocol) == (T0_ATR, "T=0")
        assert connection.transmit(bytes.fromhex("0020000000")) == TestCard.LONG + OK
    assert [a.hex().upper() for a in card.seen] == ["0020000000", "00C0000000", "00C000002C"]


def test_get_response_keeps_the_logical_channel_and_drops_secure_messaging(reader,
                                                                           vpcd_slot) -> None:
    card = TestCard()
    vpcd_slot(card).insert()
    with reader.connect() as connection:
        connection.transmit(bytes.fromhex("0120000000"))   # logical channel 1
        connection.transmit(bytes.fromhex("0C20000000"))   # secure messaging, channel 0
    assert [a[:2].hex().upper() for a in card.seen] == ["0120", "01C0", "01C0",
                                                        "0C20", "00C0", "00C0"]


def test_the_monitor_emits_insert_and_remove_on_its_thread(reader, vpcd_slot) -> None:
    got: list[tuple[object, str]] = []
    reader.add_listener(lambda e: got.append((e, threading.current_thread().name)))
    reader.open()
    slot = vpcd_slot(TestCard())
    slot.insert()
    wait_until(lambda: len(got) >= 2)
    slot.remove()
    wait_until(lambda: len(got) >= 3)
    reader.close()
    assert [e for e, _ in got] == [
        DeviceStatusChanged("card_reader", DeviceState.online(detail="Virtual PCD 00 00")),
        CardInserted("card_reader", "Virtual PCD 00 00", TEST_ATR),
        CardRemoved("card_reader", "Virtual PCD 00 00"),
    ]
    assert {name for _, name in got} == {"card_reader-pcsc-monitor"}


def test_a_card_already_in_is_reported_when_the_monitor_starts(reader, vpcd_slot) -> None:
    vpcd_slot(TestCard(atr=EXTENDED_ATR)).insert()
    got = []
    reader.add_listener(got.append)
    reader.open()
    wait_until(lambda: len(got) >= 2)
    assert got[1] == CardInserted("card_reader", "Virtual PCD 00 00", EXTENDED_ATR)
    assert reader.state.status is DeviceStatus.ONLINE


def test_the_monitor_stops_at_once_when_closed(pcscd) -> None:
    slow = PcscCardReader("card_reader", PcscCardReader.Settings(poll_s=10))
    slow.open()
    time.sleep(0.2)  # in SCardGetStatusChange by now
    start = time.monotonic()
    slow.close()
    assert time.monotonic() - start < 1.0  # SCardCancel, not the 10 s wait
    slow.close()  # twice is fine


def test_a_card_pulled_out_mid_exchange_is_card_removed(reader, vpcd_slot) -> None:
    card = TestCard()
    slot = vpcd_slot(card)
    slot.on_apdu = lambda apdu: slot.remove() if slot.exchanges == 3 else None
    slot.insert()
    with reader.connect() as connection:
        assert connection.transmit(SELECT) == OK
        assert connection.transmit(bytes.fromhex("0010000001AA")) == b"\xaa" + OK
        with pytest.raises(CardRemovedError):
            connection.transmit(bytes.fromhex("0010000001BB"))
        with pytest.raises(CardRemovedError):
            connection.transmit(SELECT)   # and it stays gone
    assert card.seen == [SELECT, bytes.fromhex("0010000001AA")]  # the third never reached it


def test_a_card_swapped_for_another_is_a_new_card(reader, vpcd_slot) -> None:
    slot = vpcd_slot(TestCard())
    slot.insert()
    connection = reader.connect()
    slot.remove()
    slot.swap(TestCard(atr=EXTENDED_ATR))
    slot.insert()
    with pytest.raises(CardRemovedError):
        connection.transmit(SELECT)
    connection.close()
    with reader.connect() as again:
        assert again.atr == EXTENDED_ATR


def test_2kb_responses_and_commands_with_extended_length(reader, vpcd_slot) -> None:
    card = TestCard(atr=EXTENDED_ATR)
    vpcd_slot(card).insert()
    with reader.connect() as connection:
        assert (connection.extended_length, connection.max_response) == (True, 65536)
        assert connection.transmit(bytes.fromhex("00B00000000800")) == pattern(2048) + OK
        data = pattern(2000)
        command = bytes.fromhex("00100000") + b"\x00" + len(data).to_bytes(2, "big") + data
        card.process = lambda apdu: apdu[7:] + OK  # type: ignore[method-assign]
        assert connection.transmit(command) == data + OK


def test_the_largest_response_through_vpcd_is_65535_bytes(reader, vpcd_slot) -> None:
    """vpcd frames every message with a 2-byte length: a response APDU holds at most 65535
    bytes, so 65533 data bytes and SW1 SW2, not the 65536 of ISO 7816-4's extended Le.
    pcscd and pyscard pass that much; the emulator side answers 6F00 to anything longer."""
    card = TestCard(atr=EXTENDED_ATR)
    vpcd_slot(card).insert()
    with reader.connect() as connection:
        assert connection.transmit(bytes.fromhex("00B0000000FFFD")) == pattern(65533) + OK
        assert connection.transmit(bytes.fromhex("00B0000000FFFE")) == b"\x6f\x00"


def test_a_slow_card_makes_slow_exchanges(reader, vpcd_slot) -> None:
    vpcd_slot(TestCard(), latency_s=0.2).insert()
    with reader.connect() as connection:
        start = time.monotonic()
        connection.transmit(SELECT)
        assert time.monotonic() - start >= 0.2


def test_round_trip_per_apdu_through_pcscd_and_vpcd(reader, vpcd_slot, capsys) -> None:
    slot = vpcd_slot(TestCard())
    slot.insert()
    with reader.connect() as connection:
        connection.transmit(SELECT)
        rounds = 500
        start = time.perf_counter()
        for _ in range(rounds):
            connection.transmit(SELECT)
        mean_ms = (time.perf_counter() - start) / rounds * 1000
    with capsys.disabled():
        print(f"\nmean round trip per APDU through pcscd + vpcd: {mean_ms:.3f} ms "
              f"({rounds} SELECTs)")


# Shows, through the daemon that PCSCLITE_CSOCK_NAME names, each vpcd reader's ATR (or null),
# once reader 00 00 holds a card or 3 s have passed.
_SHOW_CARDS = """
import json, time
from smartcard import scard
rv, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
names = ["Virtual PCD 00 00", "Virtual PCD 00 01"]
rv, states = scard.SCardGetStatusChange(ctx, 0, [(n, scard.SCARD_STATE_UNAWARE) for n in names])
if not states[0][1] & scard.SCARD_STATE_PRESENT:
    rv, _ = scard.SCardGetStatusChange(ctx, 3000, [(names[0], states[0][1] & ~2)])
    rv, states = scard.SCardGetStatusChange(ctx, 0, [(n, scard.SCARD_STATE_UNAWARE) for n in names])
print(json.dumps({n: bytes(a).hex() if e & scard.SCARD_STATE_PRESENT else None
                  for n, e, a in states}))
"""


def test_two_private_daemons_never_see_each_other_s_cards(pcscd, reader, vpcd_slot) -> None:
    ours = vpcd_slot(TestCard())
    with PrivatePcscd() as other, VpcdCardSlot(TestCard(atr=EXTENDED_ATR),
                                               port=other.vpcd_port) as theirs:
        assert other.socket != pcscd.socket and other.vpcd_port not in (
            pcscd.vpcd_port, pcscd.vpcd_port + 1)
        theirs.insert()
        ours.insert()
        # This process's libpcsclite is bound to our daemon: ask the other from a subprocess.
        shown = subprocess.run([sys.executable, "-c", _SHOW_CARDS], env={**os.environ, **other.env},
                               capture_output=True, text=True, timeout=30, check=True)
        assert json.loads(shown.stdout) == {"Virtual PCD 00 00": EXTENDED_ATR.hex(),
                                            "Virtual PCD 00 01": None}
        with reader.connect() as connection:
            assert connection.atr == TEST_ATR
        ours.remove()
        with pytest.raises(CardBadlyInserted):
            reader.connect()   # their card is still in, in their daemon only
        assert theirs.inserted
        other_pid = other.pid
    assert other_pid is not None and not _alive(other_pid)


def test_pcscd_stopping_turns_the_reader_offline_and_back(pcscd, reader, vpcd_slot) -> None:
    got = []
    reader.add_listener(got.append)
    reader.open()
    slot = vpcd_slot(TestCard())
    slot.insert()
    wait_until(lambda: len(got) >= 2)
    try:
        pcscd.stop_daemon()
        wait_until(lambda: reader.state.status is DeviceStatus.OFFLINE)
        offline = DeviceState(DeviceStatus.OFFLINE, Reason.NOT_RESPONDING,
                              "the PC/SC service (pcscd) is not running")
        assert reader.probe() == offline
        assert reader.readers() == []
        with pytest.raises(NoDevice) as info:
            reader.connect()
        assert info.value.reason is Reason.NOT_RESPONDING
        wait_until(lambda: not slot.inserted)   # vpcd hung up on the card
    finally:
        pcscd.start_daemon()   # the same socket and port
    wait_until(lambda: reader.state.status is DeviceStatus.ONLINE)
    slot.insert()
    wait_until(lambda: len(got) >= 6)
    online = DeviceStatusChanged("card_reader", DeviceState.online(detail="Virtual PCD 00 00"))
    assert got == [
        online,
        CardInserted("card_reader", "Virtual PCD 00 00", TEST_ATR),
        CardRemoved("card_reader", "Virtual PCD 00 00"),  # the card went with the service
        DeviceStatusChanged("card_reader", offline),
        online,
        CardInserted("card_reader", "Virtual PCD 00 00", TEST_ATR),
    ]
    with reader.connect() as connection:
        assert connection.transmit(SELECT) == OK


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
