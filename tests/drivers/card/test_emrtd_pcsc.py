"""ID cards and passports read end to end: our eMRTD emulator behind the real pcscd (a private
instance with its own socket and vpcd port), read through the PC/SC adapter, the eMRTD reader
and the kiosk's identity reader."""
from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from PIL import Image

from drivers.card.apdu import CommandApdu, sw_of
from drivers.card.emrtd.errors import BacError
from drivers.card.emrtd.lds import FID
from drivers.card.emrtd.mrz import BacKey
from drivers.card.emrtd.pa import PaStatus
from drivers.card.emrtd.pki import ensure_test_pki, load_certificates
from drivers.card.emrtd.reader import AID, EmrtdReader
from drivers.card.emulator import (
    Identity,
    alter_data_group,
    build_document,
    demo_face,
    demo_identity,
    make_applet,
)
from drivers.card.pcsc import PcscCardReader
from kiosk_app.identity import CardReadError, IdentityReader

PASSPORT = Identity(document_type="P", issuing_state="KEN", document_number="AK0123456",
                    surname="OTIENO", given_names="BARACK OCHIENG", nationality="KEN",
                    birth_date="1985-07-14", sex="M", expiry_date="2032-02-29",
                    personal_number="23456789")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):  # noqa: ANN001, ANN201
    return ensure_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def csca_dir(pki, tmp_path_factory) -> Path:  # noqa: ANN001
    directory = tmp_path_factory.mktemp("csca")
    (directory / "csca.pem").write_bytes((pki.directory / "csca.pem").read_bytes())
    return directory


@pytest.fixture
def reader(pcscd):  # noqa: ANN001, ANN201
    device = PcscCardReader("card_reader", PcscCardReader.Settings(reader="Virtual PCD"))
    yield device
    device.close()


def test_an_id_card_reads_whole_and_checks(reader, vpcd_slot, pki, csca_dir: Path) -> None:  # noqa: ANN001
    identity, face = demo_identity(), demo_face(20_000)
    vpcd_slot(make_applet(build_document(identity, face, pki))).insert()
    with reader.connect() as card:
        document = EmrtdReader(card).read(identity.bac_key, csca=load_certificates(csca_dir))
    mrz = document.mrz
    assert (mrz.format, mrz.document_number, mrz.surname, mrz.given_names, mrz.birth_date,
            mrz.expiry_date, mrz.sex, mrz.nationality) == (
        "TD1", "AB1234567", "WANJIKU", "AMINA NJERI", "900101", "310630", "F", "KEN")
    assert document.face is not None and document.face.data == face
    assert document.face.mime == "image/jpeg"
    assert document.details is not None and document.details.personal_number == "12345678"
    assert document.pa.status is PaStatus.VALID and document.pa.reason is None
    assert sorted(document.data_groups) == [1, 2, 11]


def test_the_kiosk_reads_the_person_not_verifiable_without_a_csca(reader, vpcd_slot, pki) -> None:  # noqa: ANN001
    identity = demo_identity()
    vpcd_slot(make_applet(build_document(identity, demo_face(), pki))).insert()
    person = IdentityReader(reader).read(identity.bac_key)
    assert (person.surname, person.given_names, person.id_number, person.birth_date.isoformat(),
            person.expiry_date.isoformat()) == ("WANJIKU", "AMINA NJERI", "12345678",
                                                "1990-01-01", "2031-06-30")
    assert person.verification == "not_verifiable"


def test_an_altered_data_group_is_refused(reader, vpcd_slot, pki, csca_dir: Path) -> None:  # noqa: ANN001
    identity = demo_identity()
    forged = alter_data_group(build_document(identity, demo_face(), pki), 2)
    vpcd_slot(make_applet(forged)).insert()
    with reader.connect() as card:
        document = EmrtdReader(card).read(identity.bac_key, csca=load_certificates(csca_dir))
    assert (document.pa.status, document.pa.reason, document.pa.detail) == (
        PaStatus.INVALID, "dg_hash_mismatch", "DG2")
    with pytest.raises(CardReadError) as info:
        IdentityReader(reader, csca_dir=csca_dir).read(identity.bac_key)
    assert info.value.key == "forged"


def test_data_groups_need_bac_first(reader, vpcd_slot, pki) -> None:  # noqa: ANN001
    vpcd_slot(make_applet(build_document(demo_identity(), demo_face(), pki))).insert()
    with reader.connect() as card:
        assert sw_of(card.transmit(CommandApdu(0x00, 0xA4, 0x04, 0x0C, AID).encode())) == 0x9000
        select_dg1 = CommandApdu(0x00, 0xA4, 0x02, 0x0C, FID["DG1"].to_bytes(2, "big")).encode()
        assert card.transmit(select_dg1) == b"\x69\x82"
        assert card.transmit(bytes.fromhex("00B0000004")) == b"\x69\x82"
        assert card.transmit(bytes.fromhex("00B0810004")) == b"\x69\x82"  # by short file id


def test_wrong_details_end_in_a_clear_message(reader, vpcd_slot, pki) -> None:  # noqa: ANN001
    identity = demo_identity()
    vpcd_slot(make_applet(build_document(identity, demo_face(), pki))).insert()
    wrong = BacKey(document_number="AB1234567", birth_date="900102", expiry_date="310630")
    with reader.connect() as card, pytest.raises(BacError):
        EmrtdReader(card).read(wrong)
    with pytest.raises(CardReadError) as info:
        IdentityReader(reader).read(wrong)
    assert info.value.key == "wrong_details"
    assert info.value.message == "These details do not match the card. Please check them and try again."


def test_a_chip_with_other_keys_refuses_every_attempt(reader, vpcd_slot, pki) -> None:  # noqa: ANN001
    identity = demo_identity()
    vpcd_slot(make_applet(build_document(identity, demo_face(), pki), wrong_key=True)).insert()
    with pytest.raises(CardReadError) as info:
        IdentityReader(reader).read(identity.bac_key)
    assert info.value.key == "wrong_details"


def test_a_card_pulled_out_mid_read_gives_no_partial_identity(reader, vpcd_slot, pki) -> None:  # noqa: ANN001
    identity = demo_identity()
    slot = vpcd_slot(make_applet(build_document(identity, demo_face(30_000), pki)))

    def pull_out(_apdu: bytes) -> None:
        if slot.exchanges == 12:  # after BAC, in the middle of the face
            import threading

            threading.Thread(target=slot.remove, daemon=True).start()

    slot.on_apdu = pull_out
    slot.insert()
    with pytest.raises(CardReadError) as info:
        IdentityReader(reader).read(identity.bac_key)
    assert info.value.key == "card_removed"
    assert info.value.message.startswith("The card was taken out before we finished.")


def test_a_passport_with_a_large_jpeg2000_face_reads_past_offset_32767(
        reader, vpcd_slot, pki, csca_dir: Path) -> None:  # noqa: ANN001
    buffer = io.BytesIO()
    image = Image.effect_noise((200, 260), 90).convert("RGB")
    image.save(buffer, "JPEG2000", quality_mode="rates", quality_layers=[2])
    face = buffer.getvalue()
    assert len(face) > 40_000
    vpcd_slot(make_applet(build_document(PASSPORT, face, pki))).insert()
    with reader.connect() as card:
        document = EmrtdReader(card).read(PASSPORT.bac_key, csca=load_certificates(csca_dir))
    assert document.mrz.format == "TD3" and document.mrz.surname == "OTIENO"
    assert document.face.mime == "image/jp2" and document.face.data == face
    assert document.pa.status is PaStatus.VALID


def test_no_personal_data_reaches_any_log(reader, vpcd_slot, pki, csca_dir: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    identity, face = demo_identity(), demo_face()
    document = build_document(identity, face, pki)
    vpcd_slot(make_applet(document)).insert()
    with caplog.at_level(logging.DEBUG):
        person = IdentityReader(reader, csca_dir=csca_dir).read(identity.bac_key)
        with pytest.raises(CardReadError):
            IdentityReader(reader).read(BacKey("AB1234567", "900102", "310630"))
    text = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert "card read:" in caplog.text  # the read was logged, without the person
    secrets = [identity.document_number, "WANJIKU", "AMINA", "12345678", "900101", "310630",
               "NYERI", identity.mrz.to_text().splitlines()[0], repr(person)]
    for secret in secrets[:-1]:
        assert secret not in text, secret
    assert face[100:120].hex() not in text and str(face[100:120]) not in text
    assert "AB1234567" not in repr(person) and "WANJIKU" not in repr(person)


def test_a_reset_card_has_forgotten_its_bac_session(reader, vpcd_slot, pki) -> None:  # noqa: ANN001
    from smartcard import scard

    identity = demo_identity()
    vpcd_slot(make_applet(build_document(identity, demo_face(), pki))).insert()
    with reader.connect() as card:
        emrtd = EmrtdReader(card)
        emrtd.select_application()
        emrtd.authenticate(identity.bac_key)
        assert emrtd.select_file(FID["DG1"])
        rv, _protocol = scard.SCardReconnect(card._handle, scard.SCARD_SHARE_SHARED,
                                             scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
                                             scard.SCARD_RESET_CARD)
        assert rv == scard.SCARD_S_SUCCESS
        # After the reset the chip answers protected commands as a fresh chip: no session.
        assert card.transmit(bytes.fromhex("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")) \
            == b"\x69\x88"


def test_a_chip_announcing_extended_length_is_read_in_few_large_reads(
        reader, vpcd_slot, pki, csca_dir: Path) -> None:  # noqa: ANN001
    """Through the real pcscd and vpcd: the ATR's card capabilities let the reader ask for the
    whole face at once, and the result is the same document as with short reads."""
    identity, face = demo_identity(), demo_face(20_000)
    document = build_document(identity, face, pki)
    results = {}
    slot = vpcd_slot(make_applet(document))
    for extended in (False, True):
        slot.swap(make_applet(document, extended_length=extended))
        slot.insert()
        with reader.connect() as card:
            assert card.extended_length is extended
            results[extended] = EmrtdReader(card).read(identity.bac_key,
                                                       csca=load_certificates(csca_dir))
        slot.remove()
    short, extended_read = results[False], results[True]
    assert extended_read.face is not None and extended_read.face.data == face
    assert extended_read.data_groups == short.data_groups
    assert extended_read.pa.status is PaStatus.VALID
    assert (short.read_length, extended_read.read_length) == (0xDF, 0x8000)
    assert extended_read.apdus < 20 < 100 < short.apdus
