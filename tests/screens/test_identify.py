"""Identifying with an ID card on the rendered screens, touched like a person would, against the
demo's emulated card in the simulated reader (BAC, secure messaging, passive authentication)."""
from __future__ import annotations

from pathlib import Path

from kiosk_app.config import parse_config
from kiosk_app.session import SessionState
from tests.screens.conftest import assert_ui_budget
from tests.screens.test_app import labels


def demo(tmp_path: Path, **extra):  # noqa: ANN003, ANN201
    return parse_config({"data_dir": str(tmp_path / "d"), "demo": True,
                         "display": {"fullscreen": False},
                         "identity": {"csca_dir": str(tmp_path / "d" / "demo-pki")}, **extra})


def to_card_unlock(ui) -> None:  # noqa: ANN001
    ui.tap(ui.screen.ids.english)
    ui.tap(ui.screen.ids.apply)
    assert ui.screen.name == "identify"
    ui.tap(ui.screen.ids.demo_card)
    ui.wait_until(lambda: ui.screen.name == "card_unlock", timeout=20)


def type_details(ui, number: str, born: str, expires: str) -> None:  # noqa: ANN001
    ids = ui.screen.ids
    ids.document_number.text, ids.birth_date.text, ids.expiry_date.text = number, born, expires
    ui.tap(ids.read)


def test_read_a_card_and_confirm_who_it_is_screenshot(make_ui, tmp_path: Path,
                                                     screenshots_dir: Path) -> None:  # noqa: ANN001
    ui = make_ui(demo(tmp_path))
    to_card_unlock(ui)
    ids = ui.screen.ids
    ids.document_number.text, ids.birth_date.text = "AB1234567", "01/01/1990"
    ui.screenshot(screenshots_dir / "card-unlock-portrait.png")
    type_details(ui, "ab1234567", "01/01/1990", "30/06/2031")
    ui.wait_until(lambda: ui.screen.name == "identity_confirm", timeout=20)
    shown = labels(ui.screen)
    assert "AMINA NJERI WANJIKU" in shown and "Is this you?" in shown
    assert "The card's security check passed." in shown
    ui.wait_until(lambda: ui.screen.ids.photo.texture is not None)  # decoded on a worker
    assert ui.screen.ids.photo.texture.size == (240, 320)
    ui.screenshot(screenshots_dir / "identity-confirm-portrait.png")
    ui.tap(ui.screen.ids.yes)
    assert ui.kiosk.session.state is SessionState.CATALOGUE
    assert ui.kiosk.session.data.identity.surname == "WANJIKU"
    assert_ui_budget(ui)

    ui.kiosk.session.cancel()  # the person walks away: nothing of them stays on any screen
    ui.pump(3)
    assert ui.screen.name == "attract"
    everything = labels(ui.app.root)
    assert not any("AMINA" in text or "WANJIKU" in text for text in everything)
    assert ui.app.views["identity_confirm"].ids.photo.texture is None


def test_three_failed_reads_offer_typed_details(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    ui = make_ui(demo(tmp_path))
    to_card_unlock(ui)
    type_details(ui, "AB1234567", "32/01/1990", "30/06/2031")  # no such date: not a try
    ui.wait_until(lambda: "! Please check the details: the document number, and dates as day, "
                  "month and year." in labels(ui.screen), timeout=5)
    for attempt in range(2):
        type_details(ui, "AB1234567", "02/01/1990", "30/06/2031")
        ui.wait_until(lambda: ui.kiosk.session.state is SessionState.CARD_UNLOCK
                      and ui.kiosk.session.data.card_failures == attempt + 1, timeout=20)
        ui.pump(2)
        assert ("! These details do not match the card. Please check them and try again."
                in labels(ui.screen))
        assert ui.screen.ids.birth_date.text == ""
    type_details(ui, "AB1234567", "02/01/1990", "30/06/2031")
    ui.wait_until(lambda: ui.screen.name == "typed_identity", timeout=20)
    assert "Your card could not be read. You can type your details instead." in labels(ui.screen)

    ids = ui.screen.ids
    ids.full_name.text, ids.id_number.text, ids.birth_date.text = "Sample Tester", "12", "01/01/1990"
    ui.tap(ids.submit)
    assert "! An ID number has 6 to 9 digits." in labels(ui.screen)
    ids.id_number.text = "12345678"
    ui.tap(ids.submit)
    assert ui.kiosk.session.state is SessionState.CATALOGUE
    identity = ui.kiosk.session.data.identity
    assert (identity.source, identity.surname, identity.given_names, identity.id_number) == (
        "typed", "TESTER", "SAMPLE", "12345678")
    assert_ui_budget(ui)


def test_in_kiswahili_too(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    ui = make_ui(demo(tmp_path))
    ui.tap(ui.screen.ids.kiswahili)
    ui.tap(ui.screen.ids.apply)
    assert "Nani anaomba?" in labels(ui.screen)
    ui.tap(ui.screen.ids.demo_card)
    ui.wait_until(lambda: ui.screen.name == "card_unlock", timeout=20)
    assert "Fungua kadi yako" in labels(ui.screen)
    assert_ui_budget(ui)
