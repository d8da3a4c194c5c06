"""An in-process card reader with a card you can insert and remove from code.

For demo mode and fast tests. The card is any object with ``atr`` and ``process(apdu) ->
response``; the default blank card knows no application (SELECT gives 6A82). The full eMRTD
card that tests use behind the real ``pcscd`` is the card emulator, not this.

Device thread: insert/remove events are emitted on the thread that calls ``insert_card`` or
``remove_card``.

    reader = SimulatedCardReader("card_reader")
    reader.open()
    reader.insert_card()
    with reader.connect() as card:
        card.transmit(bytes.fromhex("00A4040C07A0000002471001"))   # -> b"\\x6a\\x82"
    reader.sent    # [b"\\x00\\xa4..."]: every APDU, in order
"""
from __future__ import annotations

import threading
from typing import ClassVar, Protocol

from drivers.card.reader import CardReader
from drivers.errors import CardBadlyInserted, CardRemoved as CardRemovedError, NoDevice
from drivers.events import CardInserted, CardRemoved
from drivers.schema import settings
from drivers.simulated import COMMON_FAULTS, SimulatedDevice, SimulatorSettings
from drivers.status import DeviceState, DeviceStatus, Reason


class SimulatedCard(Protocol):
    atr: bytes

    def process(self, apdu: bytes) -> bytes: ...


class BlankCard:
    """A card with no application: it answers SELECT with 6A82 and anything else with 6D00."""

    atr = bytes.fromhex("3B8880010000000000000000")

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) >= 2 and apdu[1] == 0xA4:
            return b"\x6a\x82"
        return b"\x6d\x00"


@settings
class SimulatedCardReaderSettings(SimulatorSettings):
    reader_name: str = "Huduma Simulated Reader 00 00"
    """The PC/SC-style name the reader shows."""
    card_inserted: bool = False
    """Start with a blank card in the reader."""


class _Connection:
    def __init__(self, reader: "SimulatedCardReader", card: SimulatedCard) -> None:
        self._reader = reader
        self._card = card
        self.atr = card.atr

    def transmit(self, apdu: bytes) -> bytes:
        self._reader._operate()
        if self._reader._card is not self._card:
            raise CardRemovedError("card removed during the exchange")
        self._reader.sent.append(bytes(apdu))
        return bytes(self._card.process(bytes(apdu)))

    def close(self) -> None:
        pass

    def __enter__(self) -> "_Connection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SimulatedCardReader(SimulatedDevice, CardReader):
    Settings: ClassVar = SimulatedCardReaderSettings
    FAULTS: ClassVar = {
        **COMMON_FAULTS,
        "card_badly_inserted": DeviceState(
            DeviceStatus.USER_ERROR, Reason.CARD_BADLY_INSERTED, "simulated: card upside down"
        ),
    }

    def __init__(self, name: str, settings: SimulatedCardReaderSettings | None = None) -> None:
        super().__init__(name, settings)
        self._card: SimulatedCard | None = BlankCard() if self.settings.card_inserted else None
        self._lock = threading.Lock()
        self.sent: list[bytes] = []

    def readers(self) -> list[str]:
        if self._current().status is DeviceStatus.NO_DEVICE:
            return []
        return [self.settings.reader_name]

    def insert_card(self, card: SimulatedCard | None = None) -> None:
        card = card or BlankCard()
        with self._lock:
            self._card = card
        self._emit(CardInserted(self.name, self.settings.reader_name, card.atr))

    def remove_card(self) -> None:
        with self._lock:
            had = self._card is not None
            self._card = None
        if had:
            self._emit(CardRemoved(self.name, self.settings.reader_name))

    @property
    def card_present(self) -> bool:
        return self._card is not None

    def connect(self, reader: str | None = None) -> _Connection:
        self._operate()
        if reader not in (None, self.settings.reader_name):
            raise NoDevice(f"no reader named {reader!r}")
        card = self._card
        if card is None:
            raise CardBadlyInserted("no card in the reader")
        return _Connection(self, card)
