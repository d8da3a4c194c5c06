"""Smart-card readers through PC/SC: ``pcscd`` and any reader it has a driver for.

Device: a contact or contactless reader (CCID over USB in a kiosk; vpcd with our card emulator
in tests and development, see :mod:`drivers.card.vpcd`). Transport: libpcsclite's Unix socket
to ``pcscd``, through pyscard's low-level :mod:`smartcard.scard` API, which is the one that
takes timeouts and can be cancelled.

Threads: ``open()`` starts one monitor thread (``<name>-pcsc-monitor``) with its own PC/SC
context. It waits in ``SCardGetStatusChange`` at most ``poll_s`` at a time, on the matching
readers and on the ``\\\\?PnP?\\Notification`` pseudo-reader (readers coming and going; the
list is read again after every timeout too, as pcsc-lite 1.9 only notices a change during a
call), and emits :class:`~drivers.events.CardInserted` / :class:`~drivers.events.CardRemoved`
and state changes on that thread. A card already in a reader when the monitor starts is
reported as inserted. When ``pcscd`` goes away the monitor reports every card removed, sets
the state to OFFLINE and keeps trying to reach the service again. ``connect()`` and
``transmit()`` block: call them on a worker thread. One :class:`PcscConnection` belongs to one
thread at a time.

``transmit`` does the T=0 work itself, as ISO 7816-4 asks of the terminal: on ``61xx`` it sends
GET RESPONSE and joins the pieces; on ``6Cxx`` it sends the command again with Le = xx. Command
and response APDUs may hold personal data and are never logged; ATRs are.

Known flaws: the connection is shared (``SCARD_SHARE_SHARED``) and takes no PC/SC transaction,
so another program on the machine could slip APDUs between ours. A card pulled out mid-APDU
is seen as removed only once pcscd notices (its next poll of the reader, a few hundred
milliseconds with vpcd); until then the failed exchange waits, at most a second.

    reader = PcscCardReader("card_reader", PcscCardReader.Settings(reader="ACR1252"))
    reader.add_listener(events.put)          # CardInserted, on the monitor thread
    reader.open()
    with reader.connect() as card:           # the first reader with a card
        card.transmit(bytes.fromhex("00A4040C07A0000002471001"))   # -> b"\\x90\\x00"
    reader.close()
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Annotated, Any, ClassVar

from drivers.base import AdapterSettings
from drivers.card.reader import CardReader
from drivers.errors import (CardBadlyInserted, CardRemoved as CardRemovedError, DeviceBusy,
                            HardwareError, NoDevice)
from drivers.events import CardInserted, CardRemoved
from drivers.schema import Check, settings
from drivers.status import DeviceState, DeviceStatus, Reason

try:
    from smartcard import scard
except ImportError:  # is_usable() says so; the registry refuses to build the adapter
    scard = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

PNP_READER = "\\\\?PnP?\\Notification"
"""pcsc-lite's pseudo-reader whose state changes when a reader is added or removed."""

_REMOVAL_WAIT_S = 1.0
"""How long a failed exchange waits for pcscd to tell whether the card was pulled out."""
_SCARD_ABSENT = 0x0002
"""SCardStatus's "no card" bit (pcsclite.h); pyscard does not export it."""
_MAX_RESPONSE_ROUNDS = 256
"""GET RESPONSE rounds before giving up on a card that never stops saying 61xx."""


@settings
class PcscCardReaderSettings(AdapterSettings):
    reader: str | None = None
    """A part of the reader's name, as pcscd lists it (``"ACR1252"``); None uses every reader
    and connects to the first one holding a card."""
    poll_s: Annotated[float, Check(gt=0.0, le=10.0)] = 0.5
    """Longest single wait of the monitor inside pcscd, in seconds: how soon ``close()`` returns
    without a cancel and how often a stopped pcscd is tried again."""
    connect_timeout_s: Annotated[float, Check(gt=0.0, le=60.0)] = 5.0
    """Longest wait, in seconds, for another program to let go of the card in ``connect()``,
    and for pcscd to answer a ``probe()``."""


class PcscConnection:
    """A connection to one card; closes its own PC/SC context when closed."""

    def __init__(self, context: int, card: int, protocol: int, reader: str, atr: bytes) -> None:
        self._context = context
        self._handle: int | None = card
        self._protocol = protocol
        self.reader = reader
        self.atr = atr
        self.protocol = {scard.SCARD_PROTOCOL_T0: "T=0",
                         scard.SCARD_PROTOCOL_T1: "T=1"}.get(protocol, f"0x{protocol:x}")
        """The protocol pcscd chose with the card: ``"T=0"`` or ``"T=1"``."""
        self.extended_length = supports_extended_length(atr)
        """Whether the card's ATR says it takes extended Lc/Le fields (ISO 7816-4, 8.1.1.2.7)."""
        self.max_response = 65536 if self.extended_length else 256
        """The most data bytes one command may ask for (Le)."""

    def transmit(self, apdu: bytes) -> bytes:
        """Send one command APDU; return the response data followed by SW1 SW2.

        Raises :class:`~drivers.errors.CardRemoved` when the card left (or was reset) and
        :class:`~drivers.errors.HardwareError` for any other PC/SC failure."""
        command = bytes(apdu)
        if len(command) < 4:
            raise ValueError(f"a command APDU has at least 4 bytes, not {len(command)}")
        response = self._exchange(command)
        if response[-2] not in (0x61, 0x6C):
            return response  # the usual case: one exchange, nothing to put together
        data = bytearray()
        resent = False
        for round_ in range(_MAX_RESPONSE_ROUNDS):
            if round_:
                response = self._exchange(command)
            sw1, sw2 = response[-2], response[-1]
            if sw1 == 0x6C and not resent:
                # Wrong Le: the card says how many bytes it has; ask again for exactly that.
                corrected = with_le(command, sw2)
                if corrected is not None:
                    command, resent = corrected, True
                    continue
            data += response[:-2]
            if sw1 != 0x61:
                return bytes(data) + response[-2:]
            # More bytes wait: GET RESPONSE on the command's logical channel.
            command, resent = bytes([_channel_bits(apdu[0]), 0xC0, 0x00, 0x00, sw2]), False
        raise HardwareError(f"the card still had more to send after {_MAX_RESPONSE_ROUNDS} "
                            "GET RESPONSE commands")

    def _exchange(self, command: bytes) -> bytes:
        if self._handle is None:
            raise ValueError("transmit on a closed card connection")
        rv, response = scard.SCardTransmit(self._handle, self._protocol, list(command))
        if rv in _CARD_GONE:
            raise CardRemovedError(f"card removed during the exchange ({_message(rv)})")
        if rv == scard.SCARD_S_SUCCESS and len(response) >= 2:
            return bytes(response)
        # A reader that loses the card mid-APDU fails the exchange (vpcd even reports success
        # with no status word); only pcscd's next look at the reader says whether it left.
        if self._card_left():
            raise CardRemovedError("card removed during the exchange")
        if rv == scard.SCARD_S_SUCCESS:
            raise HardwareError(f"the reader returned {len(response)} bytes, no status word")
        raise HardwareError(f"PC/SC transmit failed: {_message(rv)}")

    def _card_left(self) -> bool:
        deadline = time.monotonic() + _REMOVAL_WAIT_S
        while True:
            rv, _reader, state, _protocol, _atr = scard.SCardStatus(self._handle)
            if rv in _CARD_GONE or (rv == scard.SCARD_S_SUCCESS and state & _SCARD_ABSENT):
                return True
            if rv != scard.SCARD_S_SUCCESS or time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def close(self) -> None:
        card, self._handle = self._handle, None
        if card is not None:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
            scard.SCardReleaseContext(self._context)

    def __enter__(self) -> "PcscConnection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PcscCardReader(CardReader):
    kind: ClassVar[str] = "pcsc"
    Settings: ClassVar[type[PcscCardReaderSettings]] = PcscCardReaderSettings
    settings: PcscCardReaderSettings

    def __init__(self, name: str, settings: PcscCardReaderSettings | None = None) -> None:
        super().__init__(name, settings)
        self._stop = threading.Event()
        self._first_round = threading.Event()
        self._thread: threading.Thread | None = None
        self._monitor_lock = threading.Lock()
        self._monitor_context: int | None = None

    @classmethod
    def is_usable(cls) -> tuple[bool, str]:
        if scard is None:
            return False, "pyscard is not installed"
        return True, ""

    # -- readers ------------------------------------------------------------------------------
    def readers(self) -> list[str]:
        """The matching readers pcscd lists now; none when pcscd is not running."""
        rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rv != scard.SCARD_S_SUCCESS:
            return []
        try:
            names = self._list(context)
            return names or []
        finally:
            scard.SCardReleaseContext(context)

    def _list(self, context: int) -> list[str] | None:
        """Matching reader names, or None when the service is gone."""
        rv, names = scard.SCardListReaders(context, [])
        if rv == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if rv != scard.SCARD_S_SUCCESS:
            return None
        return self._matching(names)

    def _matching(self, names: list[str]) -> list[str]:
        wanted = self.settings.reader
        return [n for n in names if wanted is None or wanted in n]

    def _state_for(self, names: list[str] | None) -> DeviceState:
        if names is None:
            return DeviceState(DeviceStatus.OFFLINE, Reason.NOT_RESPONDING,
                               "the PC/SC service (pcscd) is not running")
        if not names:
            wanted = self.settings.reader
            return DeviceState(DeviceStatus.NO_DEVICE, Reason.DISCONNECTED,
                               f"no reader whose name holds {wanted!r}" if wanted
                               else "no card reader")
        return DeviceState.online(detail=", ".join(names))

    def probe(self) -> DeviceState:
        """Ask pcscd for the readers now, waiting at most ``connect_timeout_s``."""
        result: list[DeviceState] = []

        def survey() -> None:
            rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if rv != scard.SCARD_S_SUCCESS:
                result.append(self._state_for(None))
                return
            try:
                result.append(self._state_for(self._list(context)))
            finally:
                scard.SCardReleaseContext(context)

        worker = threading.Thread(target=survey, name=f"{self.name}-pcsc-probe", daemon=True)
        worker.start()
        worker.join(self.settings.connect_timeout_s)
        state = result[0] if result else DeviceState(
            DeviceStatus.OFFLINE, Reason.NOT_RESPONDING,
            f"pcscd did not answer in {self.settings.connect_timeout_s:g} s")
        if self._thread is not None:
            self._set_state(state)
        return state

    # -- cards ----------------------------------------------------------------------------------
    def connect(self, reader: str | None = None) -> PcscConnection:
        rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rv != scard.SCARD_S_SUCCESS:
            raise NoDevice("the PC/SC service (pcscd) is not running",
                           reason=Reason.NOT_RESPONDING)
        try:
            return self._connect(context, reader)
        except BaseException:
            scard.SCardReleaseContext(context)
            raise

    def _connect(self, context: int, reader: str | None) -> PcscConnection:
        names = self._list(context)
        if names is None:
            raise NoDevice("the PC/SC service (pcscd) is not running",
                           reason=Reason.NOT_RESPONDING)
        if reader is not None:
            if reader not in names:
                raise NoDevice(f"no reader named {reader!r}", reason=Reason.DISCONNECTED)
            names = [reader]
        if not names:
            raise NoDevice(self._state_for(names).detail, reason=Reason.DISCONNECTED)
        rv, states = scard.SCardGetStatusChange(
            context, 0, [(n, scard.SCARD_STATE_UNAWARE) for n in names])
        if rv != scard.SCARD_S_SUCCESS:
            raise HardwareError(f"PC/SC status failed: {_message(rv)}")
        holding = [n for n, event, _atr in states if event & scard.SCARD_STATE_PRESENT]
        if not holding:
            raise CardBadlyInserted("no card in the reader")
        name = holding[0]
        deadline = time.monotonic() + self.settings.connect_timeout_s
        while True:
            rv, card, protocol = scard.SCardConnect(
                context, name, scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            if rv != scard.SCARD_E_SHARING_VIOLATION or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        if rv in _NO_CARD:
            raise CardBadlyInserted(f"the card does not answer ({_message(rv)})")
        if rv == scard.SCARD_E_SHARING_VIOLATION:
            raise DeviceBusy("another program holds the card")
        if rv in (scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE):
            raise NoDevice(f"reader {name!r} went away", reason=Reason.DISCONNECTED)
        if rv != scard.SCARD_S_SUCCESS:
            raise HardwareError(f"PC/SC connect failed: {_message(rv)}")
        rv, _reader, _state, _protocol, atr = scard.SCardStatus(card)
        if rv != scard.SCARD_S_SUCCESS:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
            raise CardBadlyInserted(f"the card left as it was connected ({_message(rv)})")
        log.info("connected to the card in %s (%s, ATR %s)", name,
                 "T=0" if protocol == scard.SCARD_PROTOCOL_T0 else "T=1", bytes(atr).hex())
        return PcscConnection(context, card, protocol, name, bytes(atr))

    # -- the monitor ------------------------------------------------------------------------------
    def open(self) -> None:
        """Start the monitor and wait (at most ``connect_timeout_s``) until it has set the
        state; cards already in the readers are reported just after."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._first_round.clear()
        self._thread = threading.Thread(target=self._monitor, name=f"{self.name}-pcsc-monitor",
                                        daemon=True)
        self._thread.start()
        self._first_round.wait(self.settings.connect_timeout_s)

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        with self._monitor_lock:
            if self._monitor_context is not None:
                scard.SCardCancel(self._monitor_context)
        thread.join(self.settings.poll_s + 5)

    def _monitor(self) -> None:
        watch = _Watch(self)
        try:
            while not self._stop.is_set():
                watch.round()
        except Exception:  # a bug here must show, not leave a dead monitor behind silently
            log.exception("%s: PC/SC monitor failed", self.name)
            self._set_state(DeviceState(DeviceStatus.HARDWARE_ERROR, None, "monitor failed"))
        finally:
            watch.release()
            self._first_round.set()


class _Watch:
    """The monitor thread's view of pcscd: its context, the readers and the cards in them."""

    def __init__(self, reader: PcscCardReader) -> None:
        self.reader = reader
        self.context: int | None = None
        self.relist = True
        self.pnp = True
        self.pnp_state = scard.SCARD_STATE_UNAWARE
        self.states: dict[str, int] = {}
        """Each matching reader's last event state, passed back as its current state."""
        self.cards: dict[str, int] = {}
        """Readers holding a card, with pcscd's card event count when it was seen."""

    def round(self) -> None:
        settings = self.reader.settings
        if self.context is None and not self._establish():
            self.reader._first_round.set()
            self.reader._stop.wait(settings.poll_s)
            return
        fresh = self.relist
        if self.relist:
            rv, names = scard.SCardListReaders(self.context, [])
            if rv not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_NO_READERS_AVAILABLE):
                return self._lost(rv)
            self._readers_now(self.reader._matching(names))
        watched = ([(PNP_READER, self.pnp_state)] if self.pnp else []) + list(self.states.items())
        self.reader._first_round.set()  # the state is known: open() may return
        if not watched:  # no PnP and no reader: nothing to wait on but the clock
            self.reader._stop.wait(settings.poll_s)
            self.relist = True
            return
        rv, changes = scard.SCardGetStatusChange(self.context, int(settings.poll_s * 1000),
                                                 watched)
        if rv == scard.SCARD_S_SUCCESS:
            self._changes(changes)
        elif rv == scard.SCARD_E_TIMEOUT:
            # List the readers again now and then: pcsc-lite 1.9's PnP pseudo-reader tells only
            # of readers that come or go during a call, not between two calls.
            self.relist = True
        elif rv == scard.SCARD_E_CANCELLED:
            pass
        elif rv == scard.SCARD_E_UNKNOWN_READER:
            # A reader we knew left; or, on a list fresh from this round, the PC/SC service has
            # no PnP pseudo-reader (it is not pcsc-lite): then new readers show at the next
            # timeout. (A reader leaving in the instant between listing and waiting lands here
            # too; it costs only that quicker notice of new readers.)
            if fresh:
                self.pnp = False
            self.relist = True
        else:
            self._lost(rv)

    def release(self) -> None:
        with self.reader._monitor_lock:
            context, self.context = self.context, None
            self.reader._monitor_context = None
        if context is not None:
            scard.SCardReleaseContext(context)

    def _establish(self) -> bool:
        rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rv != scard.SCARD_S_SUCCESS:
            self.reader._set_state(self.reader._state_for(None))
            return False
        with self.reader._monitor_lock:
            if self.reader._stop.is_set():
                scard.SCardReleaseContext(context)
                return False
            self.context = self.reader._monitor_context = context
        self.relist, self.pnp_state = True, scard.SCARD_STATE_UNAWARE
        return True

    def _lost(self, rv: int) -> None:
        """pcscd went away, and every card with it: start again after ``poll_s``."""
        log.warning("%s: lost the PC/SC service: %s", self.reader.name, _message(rv))
        self.release()
        for name in list(self.cards):
            self._removed(name)
        self.states.clear()
        self.reader._set_state(self.reader._state_for(None))
        self.reader._stop.wait(self.reader.settings.poll_s)

    def _readers_now(self, names: list[str]) -> None:
        for gone in set(self.states) - set(names):
            if gone in self.cards:
                self._removed(gone)
            del self.states[gone]
        self.states = {n: self.states.get(n, scard.SCARD_STATE_UNAWARE) for n in names}
        self.relist = False
        self.reader._set_state(self.reader._state_for(names))

    def _changes(self, changes: list[tuple[str, int, Any]]) -> None:
        for name, event, atr in changes:
            if name == PNP_READER:
                if event & scard.SCARD_STATE_CHANGED:
                    self.relist = True
                self.pnp_state = event & ~scard.SCARD_STATE_CHANGED
                continue
            if name not in self.states:
                continue
            self.states[name] = event & ~scard.SCARD_STATE_CHANGED
            if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_IGNORE):
                self.relist = True
            present = bool(event & scard.SCARD_STATE_PRESENT) and not (
                event & (scard.SCARD_STATE_UNAVAILABLE | scard.SCARD_STATE_UNKNOWN))
            count = event >> 16
            if name in self.cards and (not present or self.cards[name] != count):
                self._removed(name)  # gone, or gone and back between two looks
            if present and name not in self.cards:
                self.cards[name] = count
                atr_bytes = bytes(atr or b"")
                log.info("%s: card inserted in %s (ATR %s)", self.reader.name, name,
                         atr_bytes.hex() or "none: the card does not answer")
                self.reader._emit(CardInserted(self.reader.name, name, atr_bytes))

    def _removed(self, name: str) -> None:
        del self.cards[name]
        log.info("%s: card removed from %s", self.reader.name, name)
        self.reader._emit(CardRemoved(self.reader.name, name))


# -- APDU and ATR helpers -----------------------------------------------------------------------
def with_le(apdu: bytes, le: int) -> bytes | None:
    """The same command asking for ``le`` bytes (the answer to ``6Cxx``), or None when the
    APDU's form is not one of ISO 7816-4's four cases."""
    n = len(apdu)
    if n == 4:                                        # case 1: add Le
        return apdu + bytes([le])
    if n == 5:                                        # case 2 short: replace Le
        return apdu[:4] + bytes([le])
    if apdu[4] != 0:                                  # short Lc
        lc = apdu[4]
        if n == 5 + lc:                               # case 3 short: add Le
            return apdu + bytes([le])
        if n == 6 + lc:                               # case 4 short: replace Le
            return apdu[:-1] + bytes([le])
        return None
    if n == 7:                                        # case 2 extended
        return apdu[:5] + bytes([0, le])
    lc = int.from_bytes(apdu[5:7], "big")
    if n == 7 + lc:                                   # case 3 extended
        return apdu + bytes([0, le])
    if n == 9 + lc:                                   # case 4 extended
        return apdu[:-2] + bytes([0, le])
    return None


def _channel_bits(cla: int) -> int:
    """GET RESPONSE goes on the command's logical channel (0-3 in a first interindustry CLA)."""
    return cla & 0x03 if cla < 0x40 else 0x00


def historical_bytes(atr: bytes) -> bytes:
    """The ATR's historical bytes (ISO 7816-3, 8.2), or b"" for a malformed ATR."""
    if len(atr) < 2:
        return b""
    count = atr[1] & 0x0F
    indicator = atr[1] >> 4          # which of TAi TBi TCi TDi follow
    i = 2
    while True:
        i += bin(indicator).count("1")
        if i > len(atr):
            return b""
        if not indicator & 0x8:
            break
        indicator = atr[i - 1] >> 4  # TDi, the last of this group
    return atr[i:i + count] if i + count <= len(atr) else b""


def supports_extended_length(atr: bytes) -> bool:
    """Whether the card capabilities in the ATR's historical bytes (ISO 7816-4, 8.1.1.2.7,
    compact-TLV tag 7) set "extended Lc and Le fields" (bit 0x40 of the third software function
    table). False when the ATR does not say."""
    hist = historical_bytes(atr)
    if not hist or hist[0] not in (0x00, 0x80):
        return False
    objects = hist[1:-3] if hist[0] == 0x00 else hist[1:]   # 00: three status bytes at the end
    i = 0
    while i < len(objects):
        tag, length = objects[i] >> 4, objects[i] & 0x0F
        value = objects[i + 1:i + 1 + length]
        if tag == 0x7:
            return len(value) >= 3 and bool(value[2] & 0x40)
        i += 1 + length
    return False


def _message(rv: int) -> str:
    return f"{scard.SCardGetErrorMessage(rv).rstrip('.')} (0x{rv & 0xFFFFFFFF:08X})"


def _codes(*names: str) -> frozenset[int]:
    return frozenset(getattr(scard, n) for n in names) if scard is not None else frozenset()


_CARD_GONE = _codes("SCARD_W_REMOVED_CARD", "SCARD_E_NO_SMARTCARD", "SCARD_W_RESET_CARD")
_NO_CARD = _codes("SCARD_E_NO_SMARTCARD", "SCARD_W_UNRESPONSIVE_CARD", "SCARD_W_REMOVED_CARD",
                  "SCARD_W_UNPOWERED_CARD")

