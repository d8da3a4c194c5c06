"""The card reader interface.

A reader watches for cards on a monitor thread and emits
:class:`~drivers.events.CardInserted` and :class:`~drivers.events.CardRemoved`; ``connect()``
opens a :class:`CardConnection` to the card in a reader, over which APDUs go as bytes. Both
block and belong on a worker thread.

    with reader.connect() as card:
        response = card.transmit(bytes.fromhex("00A4040C07A0000002471001"))
        sw = response[-2:]
"""
from __future__ import annotations

from typing import ClassVar, Protocol

from drivers.base import Device


class CardConnection(Protocol):
    atr: bytes

    def transmit(self, apdu: bytes) -> bytes:
        """Send one command APDU; return the response data followed by SW1 SW2."""

    def close(self) -> None: ...

    def __enter__(self) -> "CardConnection": ...

    def __exit__(self, *exc: object) -> None: ...


class CardReader(Device):
    family: ClassVar[str] = "card_reader"

    def readers(self) -> list[str]:
        """Names of the readers this adapter sees now."""
        raise NotImplementedError

    def connect(self, reader: str | None = None) -> CardConnection:
        """Connect to the card in ``reader`` (the first reader with a card by default).

        Raises :class:`~drivers.errors.NoDevice` with no reader,
        :class:`~drivers.errors.CardBadlyInserted` when no card answers."""
        raise NotImplementedError
