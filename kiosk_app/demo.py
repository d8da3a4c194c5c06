"""Demo mode's stand-ins for a person: a sample ID card to put in the simulated reader.

Only for ``demo`` configs: the card is the emulator's eMRTD (BAC, secure messaging, passive
authentication against a demo CSCA kept in the data folder), so the whole read runs for real.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.card.simulator import SimulatedCardReader

if TYPE_CHECKING:
    from kiosk_app.bootstrap import Kiosk

#: What to type to open the demo card (document number, date of birth, expiry date).
DEMO_CARD_DETAILS = ("AB1234567", "01/01/1990", "30/06/2031")


def insert_demo_card(kiosk: Kiosk) -> bool:
    """Put the demo ID card in the simulated reader (worker thread: it signs a document).
    False when this kiosk is not a demo or its reader is not the simulator."""
    reader = kiosk.devices.get("card_reader")
    if not kiosk.config.demo or not isinstance(reader, SimulatedCardReader):
        return False
    # The card emulator and its test PKI (`cryptography`) are loaded here, on the worker, when
    # a person asks for the sample card, not when the kiosk starts.
    from drivers.card.emrtd.pki import ensure_test_pki
    from drivers.card.emulator import build_document, demo_face, demo_identity, make_applet

    pki = ensure_test_pki(kiosk.config.data_dir / "demo-pki")
    document = build_document(demo_identity(), demo_face(), pki)
    reader.insert_card(make_applet(document))
    return True
