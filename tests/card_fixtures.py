"""A private pcscd for the test run, and card slots that plug emulated cards into it.

libpcsclite reads PCSCLITE_CSOCK_NAME once, at this process's first PC/SC call: the ``pcscd``
fixture must come before any PC/SC use in the process (every PC/SC test asks for it), and
every such test talks to this one daemon. A test that needs a second daemon talks to it from
a subprocess (see ``PrivatePcscd.env``).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator

import pytest

from drivers.card.vpcd import EmulatedCard, VpcdCardSlot
from tests.drivers.card.pcscd import PrivatePcscd, wait_for_card


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PrivatePcscd]:
    daemon = PrivatePcscd()
    saved = os.environ.get("PCSCLITE_CSOCK_NAME")
    os.environ.update(daemon.env)
    try:
        yield daemon
    finally:
        daemon.stop()
        if saved is None:
            os.environ.pop("PCSCLITE_CSOCK_NAME", None)
        else:
            os.environ["PCSCLITE_CSOCK_NAME"] = saved


class WatchedSlot(VpcdCardSlot):
    """A slot in step with this process's PC/SC: ``insert()`` returns once a client sees the
    card and ``remove()`` once it sees the reader empty, so a test never races pcscd's polling
    (a card pulled and put back between two polls would go unseen). ``remove()`` called on the
    slot's own thread (from ``on_apdu``) does not wait: pcscd is waiting on that very APDU."""

    def __init__(self, card: EmulatedCard, *, daemon: PrivatePcscd, **kwargs: object) -> None:
        kwargs.setdefault("port", daemon.vpcd_port)
        super().__init__(card, **kwargs)  # type: ignore[arg-type]
        self.daemon = daemon
        self.reader = slot_reader(daemon, self.port)

    def insert(self, timeout: float = 5.0) -> None:
        super().insert(timeout)
        wait_for_card(self.reader, timeout=timeout)

    def remove(self) -> None:
        thread, was_inserted = self._thread, self.inserted
        super().remove()
        if (was_inserted and thread is not threading.current_thread()
                and self.daemon.pid is not None):
            wait_for_card(self.reader, present=False)


SlotFactory = Callable[..., WatchedSlot]


@pytest.fixture
def vpcd_slot(pcscd: PrivatePcscd) -> Iterator[SlotFactory]:
    """Makes ``VpcdCardSlot``-s on the daemon's vpcd port (``port=pcscd.vpcd_port + 1`` for
    its second slot), in step with PC/SC (see :class:`WatchedSlot`). Every slot made is
    removed and closed after the test, so the next one starts with empty readers."""
    made: list[WatchedSlot] = []

    def make(card: EmulatedCard, **kwargs: object) -> WatchedSlot:
        slot = WatchedSlot(card, daemon=pcscd, **kwargs)
        made.append(slot)
        return slot

    yield make
    for slot in made:
        slot.close()
    if pcscd.pid is not None:  # a card pulled out by on_apdu is not waited for until here
        for reader in sorted({slot.reader for slot in made}):
            wait_for_card(reader, present=False)


def slot_reader(daemon: PrivatePcscd, port: int) -> str:
    """The reader name of the vpcd slot on ``port`` ("Virtual PCD 00 00" on vpcd_port, "... 00
    01" on the next)."""
    return f"{daemon.reader_name[:-2]}{port - daemon.vpcd_port:02d}"
