"""The eMRTD reader against the applet in process (no daemon): the exact protocol."""
from __future__ import annotations

import pytest

from drivers.card.apdu import CommandApdu
from drivers.card.emrtd.applet import EmrtdApplet
from drivers.card.emrtd.pa import PaStatus
from drivers.card.emrtd.pki import ensure_test_pki
from drivers.card.emrtd.reader import EmrtdReader, ReadFailed
from drivers.card.emulator import build_document, demo_face, demo_identity


class Connection:
    """A card connection straight into an applet, recording what was sent."""

    def __init__(self, applet: EmrtdApplet, *, extended: bool) -> None:
        self.applet = applet
        self.atr = applet.atr
        self.extended_length = extended
        self.sent: list[CommandApdu] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(CommandApdu.parse(apdu))
        return self.applet.process(apdu)


@pytest.fixture(scope="module")
def document(tmp_path_factory):  # noqa: ANN001, ANN201
    return build_document(demo_identity(), demo_face(20_000),
                          ensure_test_pki(tmp_path_factory.mktemp("pki")))


def test_short_reads_use_223_bytes_under_secure_messaging(document) -> None:  # noqa: ANN001
    card = Connection(EmrtdApplet(document.files, document.bac_key), extended=False)
    result = EmrtdReader(card).read(demo_identity().bac_key)
    assert result.read_length == 0xDF
    assert [(c.cla, c.ins) for c in card.sent[:3]] == [(0x00, 0xA4), (0x00, 0x84), (0x00, 0x82)]
    assert all(c.cla == 0x0C for c in card.sent[3:])  # everything after BAC is protected
    assert result.pa.status is PaStatus.NOT_VERIFIABLE


def test_extended_reads_step_down_to_what_the_chip_accepts(document) -> None:  # noqa: ANN001
    card = Connection(EmrtdApplet(document.files, document.bac_key, max_le=0x1000), extended=True)
    result = EmrtdReader(card).read(demo_identity().bac_key)
    assert result.read_length == 0x1000
    assert result.face is not None and len(result.face.data) == 20_000
    short = Connection(EmrtdApplet(document.files, document.bac_key), extended=False)
    assert result.apdus < EmrtdReader(short).read(demo_identity().bac_key).apdus / 4


def test_a_card_that_refuses_reads_is_an_error_not_a_partial_document(document) -> None:  # noqa: ANN001
    card = Connection(EmrtdApplet(document.files, document.bac_key, max_le=0x10), extended=False)
    with pytest.raises(ReadFailed) as info:
        EmrtdReader(card).read(demo_identity().bac_key)
    assert info.value.sw == 0x6700
