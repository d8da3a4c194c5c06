"""From "I confirm" to "thank you" on the rendered screens, touched like a person would, against
the simulated printer and a live sandbox: each M-Pesa answer explained, the receipt printed (or
shown on the screen when the printer cannot print), the application at the backend exactly
once, the rating, and back to the attract screen by itself.

The steps before the payment (catalogue, form, review) are set up through the session's own
transitions in most tests here; the whole journey, card to thank-you by touches, is the last."""
from __future__ import annotations

from dataclasses import replace
from tests.screens.conftest import assert_ui_budget

import json
from datetime import date
from pathlib import Path

import requests
import zxingcpp
from PIL import Image

from kiosk_app import contract
from kiosk_app.applying import application_key
from kiosk_app.clock import ManualClock
from kiosk_app.contract import MpesaResult, PaymentStatus
from kiosk_app.identity import Identity
from kiosk_app.outbox import OutboxStatus
from kiosk_app.payments import EXPLANATIONS
from kiosk_app.services import CATALOGUE_FILE
from kiosk_app.session import SessionState as S
from tests.conftest import config_for_tests
from tests.kiosk_app.backend.applications import answers_for
from tests.kiosk_app.receipts.test_documents import printed_lines
from tests.screens.conftest import LANDSCAPE
from tests.screens.test_app import labels

SEED = Path(__file__).resolve().parents[2] / "sandbox" / "seed" / "catalogue.json"
PAID, FREE = "GOOD-CONDUCT", "KRA-PIN"
PENDING_HEADING = "Check your phone and enter your M-Pesa PIN"


def live_config(tmp_path: Path, sandbox):  # noqa: ANN001, ANN201
    config = config_for_tests(tmp_path / "data")
    return replace(config, backend=replace(
        config.backend, url=sandbox.url, enrolment_code=sandbox.enrolment_code, timeout_s=3.0))


def offline_config(tmp_path: Path):  # noqa: ANN201
    """No backend answers; the catalogue is the one the kiosk kept from before."""
    config = config_for_tests(tmp_path / "data")
    path = config.data_dir / CATALOGUE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"etag": None, "fetched_at": "2026-01-01T08:00:00+00:00",
                                "catalogue": json.loads(SEED.read_text())}))
    return config


def fast(ui, **times: float):  # noqa: ANN001, ANN201
    """The payment screen, following payments quickly."""
    presenter = ui.app.presenters["payment"]
    for name, value in {"poll_s": 0.1, "answer_within_s": 20.0, "start_timeout_s": 2.0,
                        "continue_after_s": 20.0, **times}.items():
        setattr(presenter, name, value)
    return presenter


def to_payment(ui, code: str = PAID, online: bool = True) -> None:  # noqa: ANN001
    """As the catalogue, form and review screens leave it: a service chosen, its form answered,
    and "I confirm" touched (the session's own transitions)."""
    kiosk = ui.kiosk
    ui.wait_until(lambda: kiosk.services.service(code) is not None
                  and kiosk.upkeep.online is online, timeout=30)
    service = kiosk.services.service(code)
    session = kiosk.session
    session.start("en")
    session.go(S.IDENTIFY)
    session.go(S.TYPED_IDENTITY)
    session.data.identity = Identity(source="typed", surname="TESTER",
                                     given_names="SAMPLE APPLICANT", document_number="23456789",
                                     id_number="23456789", birth_date=date(1990, 1, 1))
    session.go(S.CATALOGUE)
    session.choose_service(code)
    session.data.answers.update(answers_for(service))
    session.go(S.REVIEW)
    session.confirm_application(service.total_cents)
    ui.pump(3)


def type_number(ui, number: str) -> None:  # noqa: ANN001
    ids = ui.screen.ids
    while ids.phone.text:
        ui.tap(ids.phone_pad.keys["delete"])
    for digit in number:
        ui.tap(ids.phone_pad.keys[digit])
    assert ids.phone.text == number


def pay(ui, number: str) -> None:  # noqa: ANN001
    type_number(ui, number)
    ui.tap(ui.screen.ids.pay)


def shown(ui) -> str:  # noqa: ANN001
    return "\n".join(labels(ui.screen))


def printed_text(ui, reference: str) -> list[str]:  # noqa: ANN001
    jobs = [job for job in ui.kiosk.devices.get("printer").jobs if job.job_id == reference]
    assert len(jobs) == 1
    return [text for text, _width in printed_lines(jobs[0].data)]


def held_by(sandbox) -> list[dict]:  # noqa: ANN001
    return requests.get(f"{sandbox.url}{contract.Paths.OPERATOR_APPLICATIONS}",
                        headers=sandbox.operator_headers, timeout=10).json()


def test_each_mpesa_refusal_is_explained_then_a_paid_application_is_printed_and_sent_once(
        make_ui, tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    sandbox = sandbox_factory(confirm_after=0.3, no_answer_after=0.3)
    ui = make_ui(live_config(tmp_path, sandbox))
    fast(ui)
    to_payment(ui)
    assert ui.screen.name == "payment"
    assert "Total to pay: KES 1,050.00" in shown(ui)
    assert ui.kiosk.services.service(PAID).name.en in shown(ui)

    pay(ui, "0712")
    assert ("! This is not a Kenyan mobile number. Type it as 07XX XXX XXX or 01XX XXX XXX."
            in shown(ui))
    assert ui.kiosk.session.state is S.PAYMENT and ui.kiosk.session.data.payment is None

    refusals = [("0712340001", MpesaResult.CANCELLED), ("0712340002", MpesaResult.INSUFFICIENT_FUNDS),
                ("0712340003", MpesaResult.NO_ANSWER), ("0712340004", MpesaResult.WRONG_PIN)]
    presenter = ui.app.presenters["payment"]
    for number, code in refusals:
        pay(ui, number)
        assert PENDING_HEADING in shown(ui)
        ui.wait_until(lambda: presenter.phase == "failed", timeout=20)
        ui.pump(2)
        words = shown(ui)
        assert "The payment did not go through" in words
        assert "! " + EXPLANATIONS[code] in words
        assert ui.kiosk.session.data.payment.result_code == code
        if code is MpesaResult.CANCELLED:
            ui.tap(ui.screen.ids.try_again)      # the same number is kept, ready to pay again
            assert ui.screen.ids.phone.text == number
        else:
            ui.tap(ui.screen.ids.other_number)   # another number: typed afresh
            assert ui.screen.ids.phone.text == ""

    pay(ui, "0712 340 000".replace(" ", ""))
    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=30)
    ui.pump(2)
    done = ui.kiosk.session.data.receipt
    payment = ui.kiosk.session.data.payment
    assert payment.status is PaymentStatus.CONFIRMED and done.sent and done.printed
    words = shown(ui)
    assert done.reference in words and "Your reference" in words
    assert "Your receipt is printing. Please take it from the printer." in words
    assert ui.screen.ids.qr.opacity == 0  # printed: no QR on the screen

    lines = printed_text(ui, done.reference)
    assert done.reference in lines
    assert "M-Pesa code / Nambari ya M-Pesa" + payment.mpesa_receipt.rjust(17) in lines
    assert not any("Waiting to be sent" in line for line in lines)

    held = held_by(sandbox)
    assert [(a["reference"], a["service_code"], a["amount_cents"]) for a in held] == [
        (done.reference, PAID, 105000)]
    assert ui.kiosk.outbox.get(application_key(done.reference)).status is OutboxStatus.SENT
    assert_ui_budget(ui)

    ui.tap(ui.screen.ids.finish)
    ui.pump(2)
    assert ui.screen.name == "attract"
    everything = "\n".join(labels(ui.app.root))
    assert done.reference not in everything and "0712340000" not in everything
    assert presenter.phone == "" and ui.app.presenters["receipt"].reference == ""


def test_a_slow_answer_is_unknown_never_failed_then_settled_without_a_second_push(
        make_ui, tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    sandbox = sandbox_factory(confirm_after=0.3, slow_answer=2.0)
    ui = make_ui(live_config(tmp_path, sandbox))
    presenter = fast(ui, start_timeout_s=0.5)
    phases: list[str] = []
    presenter.bind(phase=lambda _p, phase: phases.append(phase))
    to_payment(ui)
    pay(ui, "0712340009")
    ui.wait_until(lambda: presenter.phase == "unknown", timeout=20)
    ui.pump(2)
    words = shown(ui)
    assert "Waiting for M-Pesa" in words and EXPLANATIONS[PaymentStatus.UNKNOWN] in words
    assert "Do not pay" in words
    assert not any(button in ui.screen.ids and ui.screen.ids[button].get_root_window()
                   for button in ("pay", "try_again", "other_number"))
    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=30)
    assert "failed" not in phases and "gave_up" not in phases
    done = ui.kiosk.session.data.receipt
    assert ui.kiosk.session.data.payment.status is PaymentStatus.CONFIRMED
    assert not done.payment_to_confirm
    body = ui.kiosk.outbox.get(application_key(done.reference)).payload
    assert body["payment_id"] == ui.kiosk.session.data.payment.payment_id
    assert_ui_budget(ui)


def test_no_answer_in_time_the_application_goes_ahead_with_its_payment_to_be_confirmed(
        make_ui, tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    sandbox = sandbox_factory(confirm_after=60)   # M-Pesa keeps the person waiting
    ui = make_ui(live_config(tmp_path, sandbox))
    presenter = fast(ui, answer_within_s=1.5, continue_after_s=1.0)
    to_payment(ui)
    pay(ui, "0712340000")
    ui.wait_until(lambda: "Time left to answer on your phone:" in shown(ui), timeout=10)
    ui.wait_until(lambda: presenter.phase == "gave_up", timeout=20)
    ui.pump(2)
    words = shown(ui)
    assert "Your application will go ahead" in words and "Do not pay again" in words
    ui.wait_until(lambda: "Going on by itself in" in shown(ui), timeout=5)
    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=30)  # by itself
    ui.pump(2)
    done = ui.kiosk.session.data.receipt
    assert done.payment_to_confirm and done.printed
    assert "Your M-Pesa payment will be confirmed later. Do not pay again." in shown(ui)
    lines = printed_text(ui, done.reference)
    assert "Payment to be confirmed. Do not pay again." in lines
    body = ui.kiosk.outbox.get(application_key(done.reference)).payload
    assert body["payment"] == "mpesa" and body["payment_id"].startswith("PAY-")
    assert_ui_budget(ui)


def test_paper_out_shows_the_reference_and_a_scannable_qr_then_prints_when_paper_is_loaded(
        make_ui, tmp_path: Path, sandbox_factory, screenshots_dir: Path) -> None:  # noqa: ANN001
    sandbox = sandbox_factory(confirm_after=0.2)
    ui = make_ui(live_config(tmp_path, sandbox))
    fast(ui)
    printer = ui.kiosk.devices.get("printer")
    ui.wait_until(lambda: printer.state.status.value == "online", timeout=10)
    printer.inject("paper_out")
    to_payment(ui)
    pay(ui, "0712340000")
    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=30)
    ui.pump(3)
    done = ui.kiosk.session.data.receipt
    assert (done.printed, done.print_problem) == (False, "paper_out")
    words = shown(ui)
    assert done.reference in words
    assert "! The printer has run out of paper." in words
    assert ("Please write down your reference, or take a photo of it and of this QR code with "
            "your phone.") in words
    assert ("Any Huduma kiosk can print your receipt again or show how your application is "
            "going, with this reference.") in words
    qr = ui.screen.ids.qr
    assert qr.opacity == 1 and qr.texture is not None
    assert qr.texture.size == (len(done.qr), len(done.qr))
    picture = ui.screenshot(screenshots_dir / "receipt-paper-out-portrait.png")
    found = zxingcpp.read_barcodes(Image.open(picture))
    assert [code.text for code in found] == [done.token]  # what a phone's camera reads
    assert printer.jobs == []

    printer.clear("paper_out")  # a technician loads paper while the person is still here
    ui.wait_until(lambda: "Your receipt is printing" in shown(ui), timeout=10)
    assert [job.job_id for job in printer.jobs] == [done.reference]
    assert ui.screen.ids.qr.opacity == 0
    assert_ui_budget(ui)


def test_offline_no_mpesa_but_a_way_on_and_a_free_application_rated_then_back_to_attract(
        make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    clock = ManualClock()
    ui = make_ui(offline_config(tmp_path), size=LANDSCAPE, clock=clock)
    fast(ui)
    to_payment(ui, online=False)
    assert ui.screen.name == "payment"
    words = shown(ui)
    assert "M-Pesa cannot be used right now" in words
    assert ("! This kiosk cannot reach the payment service, so paying by M-Pesa is not possible "
            "right now.") in words
    assert ("You can come back later, or go to an officer at the counter or a Huduma agent: "
            "they can take your application and your payment.") in words
    ui.tap(ui.screen.ids.check_again)
    assert "M-Pesa cannot be used right now" in shown(ui)
    ui.app.tr.switch("sw")  # the same words in Kiswahili
    ui.pump(2)
    assert "M-Pesa haiwezi kutumika sasa hivi" in shown(ui)
    assert "Rudi kwenye ombi langu" in shown(ui)
    ui.app.tr.switch("en")
    ui.tap(ui.screen.ids.back_offline)
    assert ui.kiosk.session.state is S.REVIEW
    reference = ui.kiosk.session.data.reference
    ui.kiosk.session.confirm_application(105000)
    ui.pump(2)
    assert ui.kiosk.session.data.reference == reference  # the same application

    # Cancel asks first; "no" keeps everything.
    ui.tap(ui.screen.ids.cancel_offline)
    assert "Do you want to stop?" in shown(ui)
    ui.tap(ui.screen.ids.keep_going)
    assert ui.kiosk.session.state is S.PAYMENT and "M-Pesa cannot" in shown(ui)

    # Left alone, the screen keeps the kiosk's time limit: a countdown, then it is all cleared.
    clock.advance(ui.kiosk.session.idle_s + 1)
    ui.run_for(0.6)
    assert "This session will end in" in shown(ui)
    clock.advance(ui.kiosk.session.warning_s)
    ui.run_for(0.6)
    assert ui.screen.name == "attract" and ui.kiosk.session.data.identity is None

    # A service with no fee goes straight to sending; offline, it is accepted all the same.
    to_payment(ui, FREE, online=False)
    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=20)
    ui.pump(2)
    done = ui.kiosk.session.data.receipt
    assert (done.payment, done.sent, done.printed) == ("none", False, True)
    assert ("Your application is kept safely on this kiosk and will be sent to the office by "
            "itself when the network is back. You do not need to do anything.") in shown(ui)
    lines = printed_text(ui, done.reference)
    assert "No fee to pay / Hakuna ada ya kulipa" in lines
    assert "Waiting to be sent / Linasubiri kutumwa" in lines

    ui.app.presenters["thank_you"].back_after_s = 0.5
    ui.tap(ui.screen.ids.rate)
    assert ui.screen.name == "feedback"
    for face in range(1, 6):
        assert ui.screen.ids[f"face_{face}"].height >= 48  # 15 mm at this rendering
    ui.tap(ui.screen.ids.reason_quick_service)
    ui.tap(ui.screen.ids.reason_hard_to_use)
    ui.tap(ui.screen.ids.reason_quick_service)  # changed their mind
    assert ui.screen.ids.reason_hard_to_use.text.endswith("Hard to use")
    assert "\u2713" in ui.screen.ids.reason_hard_to_use.text
    assert "\u2713" not in ui.screen.ids.reason_quick_service.text
    assert "Happy" in shown(ui) and "Very unhappy" in shown(ui)
    ui.tap(ui.screen.ids.face_4)
    ui.wait_until(lambda: ui.screen.name == "thank_you", timeout=10)
    assert "Thank you!" in shown(ui)
    row = ui.kiosk.outbox.rows("feedback")[0]
    assert (row.payload["rating"], row.payload["reasons"], row.payload["reference"],
            row.payload["service_code"], row.payload["language"]) == (
        4, ["hard_to_use"], done.reference, FREE, "en")
    ui.wait_until(lambda: ui.screen.name == "attract", timeout=10)  # by itself
    assert ui.kiosk.session.data.reference is None
    assert done.reference not in "\n".join(labels(ui.app.root))
    assert_ui_budget(ui)


def test_the_whole_journey_by_touches_a_card_a_paid_service_a_receipt_a_rating(
        make_ui, tmp_path: Path, sandbox_factory, screenshots_dir: Path) -> None:  # noqa: ANN001
    """Attract, the demo ID card read and confirmed, a service found in the catalogue, its form
    answered, reviewed, paid by M-Pesa, the receipt printed, a rating, thanks, and back to the
    attract screen by itself: every step a touch on a rendered widget."""
    from tests.screens.test_apply_form import choose, pick
    from tests.screens.test_identify import to_card_unlock, type_details

    sandbox = sandbox_factory(confirm_after=0.3)
    ui = make_ui(live_config(tmp_path, sandbox))
    fast(ui)
    ui.app.presenters["thank_you"].back_after_s = 1.0
    ui.wait_until(lambda: ui.kiosk.services.current is not None, timeout=30)

    to_card_unlock(ui)                                  # attract, English, apply, the card in
    type_details(ui, "AB1234567", "01/01/1990", "30/06/2031")
    ui.wait_until(lambda: ui.screen.name == "identity_confirm", timeout=20)
    ui.tap(ui.screen.ids.yes)
    assert ui.screen.name == "catalogue"

    pick(ui, "police")
    pick(ui, PAID)
    service = ui.kiosk.services.service(PAID)
    for field in service.fields:                        # one question a page, all choices
        assert ui.screen.name == "form"
        choose(ui, "choice", field.choices[0].value)
        ui.tap(ui.screen.ids.next)
    assert ui.screen.name == "review"
    assert "KES 1,050.00" in shown(ui)
    ui.tap(ui.screen.ids.confirm)

    assert ui.screen.name == "payment"
    assert "Total to pay: KES 1,050.00" in shown(ui)
    pay(ui, "0712340000")
    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=30)
    ui.pump(2)
    done = ui.kiosk.session.data.receipt
    assert done.printed and done.sent
    assert done.reference in shown(ui)
    assert "Your receipt is printing. Please take it from the printer." in shown(ui)
    ui.screenshot(screenshots_dir / "receipt-portrait.png")
    assert done.reference in printed_text(ui, done.reference)

    body = contract.ApplicationIn.model_validate(
        ui.kiosk.outbox.get(application_key(done.reference)).payload)
    assert body.applicant.chip_verified and body.applicant.document_number == "12345678"
    assert body.answers == {f.name: f.choices[0].value for f in service.fields}
    assert (body.payment, body.payment_id) == ("mpesa",
                                               ui.kiosk.session.data.payment.payment_id)
    assert [a["reference"] for a in held_by(sandbox)] == [done.reference]

    ui.tap(ui.screen.ids.rate)
    assert ui.screen.name == "feedback"
    ui.tap(ui.screen.ids.reason_quick_service)
    ui.tap(ui.screen.ids.face_5)
    ui.wait_until(lambda: ui.screen.name == "thank_you", timeout=10)
    assert "Thank you!" in shown(ui)
    ui.wait_until(lambda: ui.screen.name == "attract", timeout=10)
    feedback = ui.kiosk.outbox.rows("feedback")[0].payload
    assert (feedback["rating"], feedback["reasons"], feedback["reference"]) == (
        5, ["quick_service"], done.reference)
    session = ui.kiosk.session
    assert session.data.identity is None and session.data.receipt is None
    everything = "\n".join(labels(ui.app.root))
    assert done.reference not in everything and "WANJIKU" not in everything
    assert_ui_budget(ui)
