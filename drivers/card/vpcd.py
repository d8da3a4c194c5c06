"""A card slot that plugs one of our card emulators into ``pcscd`` through the vpcd driver.

Device: a virtual card. Debian's ``vsmartcard-vpcd`` is a PC/SC reader driver that ``pcscd``
loads; it listens on a TCP port for the "card" to connect. This module is that card's side: it
connects, answers vpcd's requests with a card object (anything with ``atr: bytes`` and
``process(apdu: bytes) -> bytes``, such as :class:`~drivers.card.simulator.BlankCard` or the
eMRTD emulator), and disconnects when the card is pulled out. Everything above ``pcscd``, our
:class:`~drivers.card.pcsc.PcscCardReader` included, cannot tell it from a card in a real reader.

Transport: TCP to vpcd (by default ``127.0.0.1:35963``, Debian's ``/etc/reader.conf.d/vpcd``).
Every message either way is a 2-byte big-endian length and then that many bytes. A 1-byte
message from vpcd is a control code: 0 power off, 1 power on, 2 reset, 4 "send the ATR" (we
answer with the ATR as a message); anything longer is a command APDU, answered with the
response APDU. ``pcscd`` asks for the ATR every few hundred milliseconds to see that the card
is still there, so control messages keep coming while a card sits in the slot.

vpcd's port is set by its reader.conf entry: ``DEVICENAME /dev/null:PORT`` (or ``CHANNELID
PORT`` when there is no DEVICENAME). One entry opens *two* slots, on PORT ("Virtual PCD 00 00")
and PORT+1 ("Virtual PCD 00 01"). The vpcd of Debian 12 (vsmartcard-vpcd 3.3) listens on every
interface, not only loopback: it belongs on test and development machines, never in a kiosk
image.

Limits: a message holds at most 65535 bytes, so a response APDU carries at most 65533 data
bytes and SW1 SW2 (ISO 7816-4's extended Le allows 65536); the slot answers 6F00 to a card
that gives more. vpcd writes each message's length and body in two writes without
TCP_NODELAY, so the slot turns on TCP_NODELAY and quick ACKs on its side: an APDU's round trip
through pcscd then takes well under a millisecond instead of about 48 ms.

Thread: ``insert()`` starts one daemon thread per inserted card that serves vpcd until the card
is removed or vpcd hangs up. ``on_apdu`` and the card's ``process`` run on that thread.

Command and response APDUs may hold personal data: they are never logged, only counted.

    slot = VpcdCardSlot(BlankCard(), port=35963)
    slot.insert()             # pcscd sees a card in "Virtual PCD 00 00"
    ...                       # talk to it through PC/SC
    slot.remove()             # the card is pulled out
    slot.swap(OtherCard())
    slot.insert()             # and another goes in

    # pull the card out in the middle of a read, after the third APDU:
    slot.on_apdu = lambda apdu: slot.remove() if slot.exchanges == 3 else None
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

VPCD_PORT = 0x8C7B
"""vpcd's port in Debian's own configuration (35963)."""

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4

_SW_NO_PRECISE_DIAGNOSIS = b"\x6f\x00"
_RETRY_CONNECT_S = 0.05


class EmulatedCard(Protocol):
    atr: bytes

    def process(self, apdu: bytes) -> bytes: ...


class VpcdCardSlot:
    """One card, inserted into and removed from a vpcd slot."""

    def __init__(self, card: EmulatedCard, *, host: str = "127.0.0.1", port: int = VPCD_PORT,
                 latency_s: float = 0.0) -> None:
        self.card = card
        self.host = host
        self.port = port
        self.latency_s = latency_s
        """Seconds to wait before each response APDU: a slow card."""
        self.on_apdu: Callable[[bytes], None] | None = None
        """Called on the slot's thread with each command APDU before the card sees it (after
        ``exchanges`` is counted). It may call ``remove()``: the APDU then goes unanswered,
        as when a card leaves the reader mid-exchange."""
        self.exchanges = 0
        """Command APDUs received since this slot was made (control messages not counted)."""
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._powered = threading.Event()
        self._power_on_seen = False

    # -- the person at the reader -------------------------------------------------------------
    @property
    def inserted(self) -> bool:
        return self._sock is not None

    def insert(self, timeout: float = 5.0) -> None:
        """Connect to vpcd, retrying until it accepts, and serve it; return once pcscd has
        powered the card up and read its ATR, which is when PC/SC clients start to see it
        (pcscd looks at the slot every few hundred milliseconds).

        Raises :class:`TimeoutError` when that has not happened in ``timeout`` seconds (pcscd
        not running, or vpcd configured on another port)."""
        with self._lock:
            if self._sock is not None:
                return
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port),
                                                timeout=max(0.1, deadline - time.monotonic()))
                break
            except OSError as err:
                if time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"vpcd did not accept a card on {self.host}:{self.port} "
                        f"within {timeout:g} s") from err
                time.sleep(_RETRY_CONNECT_S)
        # Small messages each way: Nagle's algorithm waiting on delayed ACKs would add about
        # 40 ms to every exchange. No Nagle on our side; quick ACKs for vpcd's (_recv_exact).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        thread = threading.Thread(target=self._serve, args=(sock,),
                                  name=f"vpcd-slot-{self.port}", daemon=True)
        with self._lock:
            self._sock, self._thread = sock, thread
            self._powered.clear()
            self._power_on_seen = False
        thread.start()
        if not self._powered.wait(max(0.0, deadline - time.monotonic())):
            self.remove()
            raise TimeoutError(f"vpcd on {self.host}:{self.port} took the card but pcscd did "
                               f"not power it up within {timeout:g} s")

    def remove(self) -> None:
        """Pull the card out: close the connection (pcscd sees the slot empty at its next poll,
        a few hundred milliseconds later) and wait for the slot's thread to end."""
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = self._thread = None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # vpcd hung up first
            sock.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def swap(self, card: EmulatedCard) -> None:
        """Put another card in the slot. vpcd reads the new ATR at its next power-up: swap
        while removed, then insert, to look like a different card going in."""
        self.card = card

    def close(self) -> None:
        self.remove()

    def __enter__(self) -> "VpcdCardSlot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the slot's thread ----------------------------------------------------------------------
    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                header = _recv_exact(sock, 2)
                if header is None:
                    break
                message = _recv_exact(sock, int.from_bytes(header, "big"))
                if message is None:
                    break
                if len(message) == 1:
                    answer = self._control(message[0])
                else:
                    answer = self._exchange(sock, message)
                    if self._sock is not sock:
                        break  # removed mid-exchange: the APDU goes unanswered
                if answer is not None:
                    sock.sendall(len(answer).to_bytes(2, "big") + answer)
                if message == bytes([CTRL_ATR]) and self._power_on_seen:
                    self._powered.set()  # the ATR read at power-up is out: pcscd has the card
        except OSError:
            pass  # the card was removed (socket closed under us) or vpcd went away
        finally:
            with self._lock:
                if self._sock is sock:  # vpcd hung up on its own: the slot is empty again
                    self._sock = self._thread = None
            sock.close()

    def _control(self, code: int) -> bytes | None:
        if code == CTRL_ATR:
            return bytes(self.card.atr)
        if code in (CTRL_ON, CTRL_RESET, CTRL_OFF):
            # A chip loses everything volatile (a BAC session, say) when its power goes.
            reset = getattr(self.card, "reset", None)
            if reset is not None:
                reset()
            if code != CTRL_OFF:
                self._power_on_seen = True
        else:
            log.warning("vpcd sent an unknown control code %d; ignored", code)
        return None

    def _exchange(self, sock: socket.socket, apdu: bytes) -> bytes | None:
        self.exchanges += 1
        if self.on_apdu is not None:
            self.on_apdu(apdu)
            if self._sock is not sock:
                return None  # the hook pulled the card out before it saw the APDU
        if self.latency_s:
            time.sleep(self.latency_s)
        try:
            response = bytes(self.card.process(apdu))
        except Exception as err:  # the card must answer something; the APDU is not logged
            log.warning("card emulator failed on an APDU (%s); answered 6F00", type(err).__name__)
            return _SW_NO_PRECISE_DIAGNOSIS
        if not 2 <= len(response) <= 0xFFFF:
            log.warning("card emulator gave a %d-byte response; answered 6F00", len(response))
            return _SW_NO_PRECISE_DIAGNOSIS
        return response


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    """Exactly ``n`` bytes (TCP may deliver a message in pieces), or None at end of stream."""
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
        # vpcd writes a message's length and its body in two writes, without TCP_NODELAY on
        # its side: Nagle holds the body until the length is ACKed. ACK at once (Linux resets
        # quick-ACK mode by itself, so set it after every read).
        if _QUICKACK is not None:
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
    return bytes(buf)


_QUICKACK = getattr(socket, "TCP_QUICKACK", None)
