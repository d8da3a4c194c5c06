"""Applying on the rendered screens, touched like a person would, with a sandbox backend over
HTTP for the catalogue: finding a service (by category and by search), the form one question
per page (typed on the on-screen keyboard, chosen with big buttons, a document photographed
with the simulated camera), the review, confirming, and the time limit running out half-way
through a form."""
from __future__ import annotations

from dataclasses import replace
from tests.screens.conftest import assert_ui_budget

import json
from pathlib import Path
from typing import Any

from kiosk_app import contract
from kiosk_app.clock import ManualClock
from kiosk_app.config import KioskConfig
from kiosk_app.session import SessionState
from sandbox.answers import check_answers
from tests.conftest import config_for_tests
from tests.sandbox.helpers import TEST_CATALOGUE
from tests.screens.conftest import LANDSCAPE, PORTRAIT
from tests.screens.test_app import labels

PERSON = ("Sample Applicant Tester", "23456789", "01/01/1990")
"""Typed details: the name shows as SAMPLE APPLICANT TESTER, the ID number only as *****789."""


def live_config(data_dir: Path, sandbox: Any, **changes: object) -> KioskConfig:
    """The test kiosk's settings with the sandbox as its backend."""
    config = config_for_tests(data_dir, **changes)
    backend = replace(config.backend, url=sandbox.url, enrolment_code=sandbox.enrolment_code)
    return replace(config, backend=backend)


def to_catalogue(ui: Any, language: str = "english", *, wait: bool = True) -> None:
    """From the attract screen to the catalogue, with typed details, once the kiosk's upkeep
    has the catalogue from the backend (unless ``wait`` is False)."""
    if wait:
        ui.wait_until(lambda: ui.kiosk.services.current is not None, timeout=30)
    # As at a kiosk, where nobody touches it in the first second: every screen's view is
    # built (in the idle frames after start) before the first touch.
    ui.wait_until(lambda: all(ui.app.views.made(name) for name in ui.app.views), timeout=10)
    ui.tap(ui.screen.ids[language])
    ui.tap(ui.screen.ids.apply)
    ui.tap(ui.screen.ids.type_instead)
    ids = ui.screen.ids
    ids.full_name.text, ids.id_number.text, ids.birth_date.text = PERSON
    ui.tap(ids.submit)
    assert ui.screen.name == "catalogue"


def shown(ui: Any) -> list[str]:
    return labels(ui.screen)


def type_on(ui: Any, text: str) -> None:
    """Type ``text`` on the form's on-screen keyboard, one touch per key."""
    keyboard = ui.screen.ids.keyboard
    for char in text:
        ui.tap(keyboard.keys["space" if char == " " else char.upper()])


def tap_in_list(ui: Any, scroll: Any, button: Any) -> None:
    """Touch a button in a scrolling list, scrolled into view first, as a person would."""
    ui.pump(4)                                            # a new list is laid out first
    scroll.scroll_to(button, padding=0, animate=False)
    ui.pump(2)
    ui.tap(button)


def pick(ui: Any, code: str) -> None:
    """Touch a category or a service in the catalogue."""
    view = ui.screen
    tap_in_list(ui, view.ids.scroll, view.item_buttons[code])


def choose(ui: Any, part: str, value: str) -> None:
    """Touch the button of a choice."""
    answer = ui.screen.parts[part]
    tap_in_list(ui, answer.ids.scroll, answer.buttons[value])
    assert answer.presenter.chosen == value


def test_find_a_service_by_category_and_by_search_then_apply_for_a_free_one(  # noqa: ANN001
        make_ui, tmp_path: Path, sandbox, screenshots_dir: Path) -> None:
    ui = make_ui(live_config(tmp_path / "data", sandbox), size=LANDSCAPE)
    to_catalogue(ui)
    view = ui.screen
    assert "Choose a service" in shown(ui)
    assert "[b]Police services[/b]" in view.item_buttons["police"].text
    ui.screenshot(screenshots_dir / "catalogue-landscape.png")
    pick(ui, "police")
    assert "Police services" in shown(ui) and list(view.item_buttons) == [
        "GOOD-CONDUCT", "POLICE-ABSTRACT"]
    conduct = view.item_buttons["GOOD-CONDUCT"].text
    assert "Fee: KES 1,050.00" in conduct and "Ready in about 10 working days" in conduct
    abstract = view.item_buttons["POLICE-ABSTRACT"].text
    assert "Free of charge" in abstract and "Done the same day" in abstract
    ui.tap(view.ids.back)
    assert "Choose a service" in shown(ui) and "police" in view.item_buttons

    ui.tap(view.ids.search)
    assert "Type a word from the name of the service." in shown(ui)
    for key in "HELBX":
        ui.tap(view.ids.keyboard.keys[key])
    assert view.item_buttons == {}
    assert "No service has these words. Try other words, or go back to the list." in shown(ui)
    ui.tap(view.ids.keyboard.keys["delete"])
    assert list(view.item_buttons) == ["HELB-COMPLIANCE"]
    ui.screenshot(screenshots_dir / "catalogue-search-landscape.png")
    pitch_mm = 2 * ui.kiosk.config.display.pixel_pitch_mm  # a pixel here is two on the panel
    for button in [*view.ids.keyboard.keys.values(), view.item_buttons["HELB-COMPLIANCE"]]:
        assert button.height >= 48  # 15 mm at this half-size, half-density rendering
        assert min(button.size) * pitch_mm >= 15          # each way, on the kiosk's panel
    pick(ui, "HELB-COMPLIANCE")
    assert ui.kiosk.session.state is SessionState.FORM
    form = ui.screen
    assert "Question 1 of 2" in shown(ui)
    ui.tap(form.ids.next)                                 # nothing chosen yet
    assert "! Please answer this question." in shown(ui)
    choose(ui, "choice", "never")
    ui.tap(form.ids.next)
    assert "Question 2 of 2" in shown(ui) and "You may leave this question out." in shown(ui)
    assert form.ids.keyboard.layout == "letters" and form.ids.next.text == "Check my answers"
    ui.tap(form.ids.next)                                 # the email is optional
    assert ui.screen.name == "review"
    review = shown(ui)
    assert "This service is free of charge." in review and "Not answered" in review
    assert ui.screen.ids.confirm.text == "Confirm and send"
    ui.screenshot(screenshots_dir / "review-free-landscape.png")
    ui.tap(ui.screen.ids.confirm)
    session = ui.kiosk.session
    assert session.state is SessionState.SUBMITTING
    assert contract.normalise_reference(session.data.reference) == session.data.reference
    assert session.data.answers == {"loan_status": "never"}
    assert_ui_budget(ui)


def test_fill_a_form_in_kiswahili_review_change_and_confirm(  # noqa: ANN001
        make_ui, tmp_path: Path, sandbox_factory, screenshots_dir: Path) -> None:
    sandbox = sandbox_factory(catalogue=TEST_CATALOGUE)
    ui = make_ui(live_config(tmp_path / "data", sandbox), size=PORTRAIT)
    to_catalogue(ui, "kiswahili")
    view = ui.screen
    assert "Chagua huduma" in shown(ui)
    pick(ui, "registration")
    assert "Ada: KES 100.00" in view.item_buttons["BIRTH_CERT"].text
    pick(ui, "BIRTH_CERT")

    form = ui.screen
    assert form.name == "form"
    assert "Swali 1 kati ya 7" in shown(ui) and "Jina kamili la mtoto" in shown(ui)
    type_on(ui, "Baby Tester")
    assert form.answer_box.text == "BABY TESTER"
    pitch_mm = 2 * ui.kiosk.config.display.pixel_pitch_mm  # a pixel here is two on the panel
    for button in [*form.ids.keyboard.keys.values(), form.ids.next, form.ids.back]:
        assert min(button.size) * pitch_mm >= 15          # each way, on the kiosk's panel
    ui.screenshot(screenshots_dir / "form-text-portrait.png")
    ui.tap(form.ids.next)

    assert "Swali 2 kati ya 7" in shown(ui) and form.ids.keyboard.layout == "date"
    assert "Siku/mwezi/mwaka, kwa mfano 17/05/2001." in shown(ui)
    said = " ".join(words for _language, words in form.presenter.spoken())
    assert "Swali 2 kati ya 7 Tarehe ya kuzaliwa Siku/mwezi/mwaka" in said
    assert "BABY TESTER" not in said                      # a question is said, never an answer
    type_on(ui, "29/02/2023")
    ui.tap(form.ids.next)                                 # refused: 2023 had no 29 February
    assert "! Hakuna tarehe kama hiyo. Tafadhali angalia siku na mwezi." in shown(ui)
    assert "Swali 2 kati ya 7" in shown(ui)
    ui.screenshot(screenshots_dir / "form-refused-portrait.png")
    ui.tap(form.ids.keyboard.keys["delete"])
    assert form.answer_box.text == "29/02/202"
    type_on(ui, "4")
    assert shown(ui).count("! Hakuna tarehe kama hiyo. Tafadhali angalia siku na mwezi.") == 0
    ui.tap(form.ids.next)

    assert "Jinsia" in shown(ui) and not form.ids.keyboard_column.opacity
    choose(ui, "choice", "female")
    assert form.parts["choice"].buttons["female"].text.startswith("\u2713")
    assert not form.parts["choice"].buttons["male"].text.startswith("\u2713")
    ui.screenshot(screenshots_dir / "form-choice-portrait.png")
    ui.tap(form.ids.next)

    assert "Alizaliwa hospitalini?" in shown(ui)
    assert [b.words for b in form.parts["yes_no"].buttons.values()] == ["Ndiyo", "Hapana"]
    choose(ui, "yes_no", "yes")
    ui.tap(form.ids.next)

    assert form.ids.keyboard.layout == "digits"
    type_on(ui, "5")
    ui.tap(form.ids.next)
    assert "! Tafadhali andika nambari kuanzia 1 hadi 3." in shown(ui)
    ui.tap(form.ids.keyboard.keys["delete"])
    type_on(ui, "2")
    ui.tap(form.ids.next)

    assert form.ids.keyboard.layout == "phone" and "Unaweza kuacha swali hili." in shown(ui)
    ui.tap(form.ids.next)                                 # optional: left out
    assert form.ids.next.text == "Angalia majibu yangu"
    ui.tap(form.ids.next)

    review = ui.screen
    assert review.name == "review"
    text = shown(ui)
    assert "Angalia ombi lako" in text and "Cheti cha kuzaliwa" in text
    assert "Kwa ajili ya SAMPLE APPLICANT TESTER, nambari ya kitambulisho *****789" in text
    assert not any("23456789" in line for line in text)
    for answer in ("BABY TESTER", "29/02/2024", "Ke", "Ndiyo", "2", "Haijajibiwa"):
        assert answer in text, answer
    assert text.count("KES 50.00") == 2 and "KES 100.00" in text and "Jumla ya kulipa" in text
    assert review.ids.confirm.text == "Thibitisha na ulipe"
    ui.screenshot(screenshots_dir / "review-portrait.png")

    ui.tap(review.ids.change)                             # back to the form, answers kept
    assert ui.screen.name == "form" and form.answer_box.text == "BABY TESTER"
    ui.tap(form.ids.next)
    assert form.answer_box.text == "29/02/2024"
    for _ in range(6):
        ui.tap(form.ids.next)
    assert ui.screen.name == "review"
    ui.tap(review.ids.confirm)

    session = ui.kiosk.session
    assert session.state is SessionState.PAYMENT
    assert contract.normalise_reference(session.data.reference) == session.data.reference
    assert session.data.answers == {"child_name": "BABY TESTER", "date_of_birth": "2024-02-29",
                                    "sex": "female", "born_in_hospital": "yes", "copies": "2"}
    service = ui.kiosk.services.service("BIRTH_CERT")
    assert check_answers(service, session.data.answers) == {}  # the backend's own check
    assert_ui_budget(ui)


def everything_shown_or_held(ui: Any) -> list[str]:
    """Every text of every screen (shown or not), of the form's answer widgets, of the
    time-limit warning, and every property and attribute of every presenter."""
    texts: list[str] = []
    widgets = [*ui.app.manager.screens, *ui.app.views["form"].parts.values(),
               ui.app.timeout_warning, ui.app.root]
    for top in widgets:
        for widget in top.walk(restrict=True):
            for name in ("text", "words", "hint_text"):
                value = getattr(widget, name, None)
                if isinstance(value, str) and value:
                    texts.append(value)
    presenters = [view.presenter for view in ui.app.views.values()]
    for presenter in presenters:
        for name in presenter.properties():
            texts.append(repr(getattr(presenter, name)))
        for name, value in vars(presenter).items():
            if name not in ("kiosk", "session", "tr"):
                texts.append(repr(value))
    return texts


def test_the_time_limit_running_out_in_the_middle_of_a_form_leaves_nothing(  # noqa: ANN001
        make_ui, tmp_path: Path, sandbox, screenshots_dir: Path) -> None:
    clock = ManualClock()
    config = live_config(tmp_path / "data", sandbox)
    config = replace(config, time_limits=replace(config.time_limits,
        idle_s=60, warning_s=30))
    ui = make_ui(config, size=LANDSCAPE, clock=clock)
    to_catalogue(ui)
    view = ui.screen
    pick(ui, "civil_registration")
    pick(ui, "BIRTH-CERT-COPY")
    form = ui.screen
    choose(ui, "choice", "child")
    ui.tap(form.ids.next)
    type_on(ui, "Sample Child")
    ui.tap(form.ids.next)
    assert form.ids.keyboard.layout == "date"
    type_on(ui, "17/05/20")                               # half-way through a date
    ui.screenshot(screenshots_dir / "form-date-landscape.png")
    assert ui.kiosk.session.data.answers == {"whose": "child",
                                             "registered_full_name": "SAMPLE CHILD"}
    personal = ("SAMPLE CHILD", "17/05/20", "SAMPLE APPLICANT", "TESTER", "23456789", "*****789")
    assert any("17/05/20" in text for text in everything_shown_or_held(ui))  # the check sees

    clock.advance(60)                                     # nobody touches the screen
    ui.run_for(0.6)
    warning = ui.app.timeout_warning
    assert warning._window is not None
    assert ("This session will end in 30 seconds, and what you entered will be cleared."
            in labels(warning))
    clock.advance(30)                                     # nobody answers the warning
    ui.run_for(0.6)
    assert warning._window is None
    assert ui.screen.name == "attract" and ui.kiosk.session.state is SessionState.ATTRACT
    assert not ui.kiosk.session.data.holds_personal_data()
    left = [text for text in everything_shown_or_held(ui) for value in personal
            if value.casefold() in text.casefold()]
    assert left == []
    assert ui.app.views["form"].answer_box.text == ""
    assert ui.app.views["form"].presenter.draft is None
    assert_ui_budget(ui)


def test_a_document_photographed_with_the_camera_goes_with_the_application(  # noqa: ANN001
        make_ui, tmp_path: Path, sandbox, screenshots_dir: Path) -> None:
    ui = make_ui(live_config(tmp_path / "data", sandbox), size=PORTRAIT)
    to_catalogue(ui)
    view = ui.screen
    pick(ui, "lands")
    pick(ui, "LAND-SEARCH")
    form = ui.screen
    type_on(ui, "Nairobi/Block 12/345")
    ui.tap(form.ids.next)
    choose(ui, "choice", "mombasa")
    ui.tap(form.ids.next)
    choose(ui, "choice", "buying")
    ui.tap(form.ids.next)

    photo = form.parts["photo"]
    assert "Question 4 of 4" in shown(ui)
    assert "Hold the document flat in front of the camera." in shown(ui)
    ui.wait_until(lambda: photo.ids.preview.frames_shown > 0, timeout=10)
    assert not form.ids.next.opacity and not photo.ids.skip.opacity  # required: no way round
    ui.tap(photo.ids.take)
    ui.wait_until(lambda: form.presenter.photo_state == "taken", timeout=10)
    assert photo.ids.photo.texture is not None
    assert "Can you read the document in this photo?" in shown(ui)
    ui.screenshot(screenshots_dir / "form-photo-portrait.png")
    ui.tap(photo.ids.retake)
    assert form.presenter.photo_state == "preview" and photo.ids.photo.texture is None
    ui.tap(photo.ids.take)
    ui.wait_until(lambda: form.presenter.photo_state == "taken", timeout=10)
    ui.tap(photo.ids.use_photo)

    assert ui.screen.name == "review" and "Photo taken" in shown(ui)
    jpeg = ui.kiosk.session.data.attachments["title_deed_photo"]
    assert jpeg.startswith(contract.JPEG_START) and len(jpeg) <= contract.ATTACHMENT_MAX_BYTES
    service = ui.kiosk.services.service("LAND-SEARCH")
    sent = {"title_deed_photo": contract.encode_attachment(jpeg)}
    assert check_answers(service, ui.kiosk.session.data.answers, sent) == {}
    assert photo.ids.preview.texture is None               # the camera's picture is gone
    assert_ui_budget(ui)


def test_when_the_camera_does_not_work_an_optional_photo_is_left_out_and_a_required_one_leads_back(  # noqa: ANN001, E501
        make_ui, tmp_path: Path, sandbox) -> None:
    config = live_config(tmp_path / "data", sandbox)
    config = replace(config, devices=replace(config.devices, camera=replace(
        config.devices.camera, settings={"faults": ["no_device"]})))
    ui = make_ui(config, size=PORTRAIT)
    to_catalogue(ui)
    view = ui.screen
    pick(ui, "lands")
    pick(ui, "LAND-SEARCH")
    form = ui.screen
    type_on(ui, "Nairobi/Block 12/345")
    ui.tap(form.ids.next)
    choose(ui, "choice", "mombasa")
    ui.tap(form.ids.next)
    choose(ui, "choice", "buying")
    ui.tap(form.ids.next)
    photo = form.parts["photo"]
    assert ("The camera is not working. This service needs a photo of this document. Please go "
            "back to the services, or ask an officer for help.") in shown(ui)
    assert photo.ids.to_services.opacity and not photo.ids.skip.opacity
    ui.tap(photo.ids.to_services)
    assert ui.screen.name == "catalogue"

    pick(ui, "identity")
    pick(ui, "ID-DUPLICATE")
    choose(ui, "choice", "lost")
    for _ in range(3):                                    # the optional abstract and station
        ui.tap(form.ids.next)
    assert "The camera is not working. You can go on without this photo." in shown(ui)
    assert photo.ids.skip.opacity and not photo.ids.to_services.opacity
    ui.tap(photo.ids.skip)
    assert "Question 5 of 7" in shown(ui)
    assert ui.kiosk.session.data.attachments == {}
    assert_ui_budget(ui)


def test_with_no_catalogue_yet_it_says_so_then_shows_the_services_when_they_come(  # noqa: ANN001
        make_ui, tmp_path: Path, sandbox_factory) -> None:
    config = config_for_tests(tmp_path / "data")         # the backend is not there (yet)
    ui = make_ui(config, size=PORTRAIT)
    to_catalogue(ui, "kiswahili", wait=False)
    view = ui.screen
    assert ("Orodha ya huduma bado haijafika kwenye kioski hiki. Inapakuliwa mara ya kwanza "
            "kioski kinapopata mtandao. Tafadhali jaribu tena baadaye au muulize afisa."
            ) in shown(ui)
    assert view.item_buttons == {} and view.ids.back.opacity
    ui.tap(view.ids.back)                                 # a way back, never a dead end
    assert ui.screen.name == "home"

    ui.tap(ui.screen.ids.apply)
    ui.tap(ui.screen.ids.type_instead)
    ids = ui.screen.ids
    ids.full_name.text, ids.id_number.text, ids.birth_date.text = PERSON
    ui.tap(ids.submit)
    assert ui.screen.name == "catalogue" and view.item_buttons == {}
    # The backend comes up where the kiosk expects it; the next upkeep round fetches the
    # catalogue and the screen on show follows.
    sandbox_factory(port=int(config.backend.url.rsplit(":", 1)[1]))
    ui.kiosk.upkeep.wake()
    ui.wait_until(lambda: "police" in view.item_buttons, timeout=30)
    assert "Chagua huduma" in shown(ui)
    assert not any(text.startswith("Orodha ya huduma bado") for text in shown(ui))
    assert_ui_budget(ui)


def test_a_service_with_nothing_to_ask_goes_straight_to_the_review_and_back(  # noqa: ANN001
        make_ui, tmp_path: Path, sandbox_factory) -> None:
    catalogue = json.loads(TEST_CATALOGUE.read_text(encoding="utf-8"))
    search = next(s for s in catalogue["services"] if s["code"] == "LAND_SEARCH")
    search.update(online=True, fees=[{"code": "search", "amount_cents": 50_000,
                                      "label": {"en": "Search", "sw": "Utafutaji"}}])
    catalogue["categories"].append({"code": "lands", "name": {"en": "Land", "sw": "Ardhi"}})
    seed = tmp_path / "catalogue.json"
    seed.write_text(json.dumps(catalogue), encoding="utf-8")
    ui = make_ui(live_config(tmp_path / "data", sandbox_factory(catalogue=seed)), size=PORTRAIT)
    to_catalogue(ui)
    pick(ui, "lands")
    pick(ui, "LAND_SEARCH")
    ui.wait_until(lambda: ui.screen.name == "review")
    assert ui.kiosk.session.state is SessionState.REVIEW
    assert "KES 500.00" in shown(ui) and ui.screen.ids.confirm.text == "Confirm and pay"
    ui.tap(ui.screen.ids.change)                          # nothing to change: the services
    ui.wait_until(lambda: ui.screen.name == "catalogue")
    assert ui.kiosk.session.state is SessionState.CATALOGUE
    assert_ui_budget(ui)
