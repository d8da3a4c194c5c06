"""Track my service and take a queue ticket, on the rendered screens, touched like a person
would: the simulated scanner, camera and printer from config, and a live sandbox over HTTP
(or a backend address where nothing listens, for offline)."""
from __future__ import annotations

from tests.screens.conftest import assert_ui_budget

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from kiosk_app import contract
from kiosk_app.clock import NAIROBI
from kiosk_app.config import KioskConfig, parse_config
from kiosk_app.contract import ApplicationStatus
from kiosk_app.i18n import translator
from kiosk_app.receipts.issuing import ReceiptIssuer
from kiosk_app.receipts.token import MESSAGES
from kiosk_app.services import CATALOGUE_FILE
from kiosk_app.status_check import Found, Unreachable
from tests.conftest import closed_port
from tests.kiosk_app.backend.applications import application, simple_services
from tests.sandbox_fixtures import SandboxServer
from tests.screens.conftest import LANDSCAPE, PORTRAIT
from tests.screens.test_app import labels

SEED = Path(__file__).resolve().parents[2] / "sandbox" / "seed" / "catalogue.json"
DEVICES = ("scanner", "camera", "printer")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One sandbox for this module; each test's kiosk is a device of its own."""
    server = SandboxServer(tmp_path_factory.mktemp("sandbox"))
    yield server
    server.stop()


def kiosk_config(tmp_path: Path, backend: SandboxServer | None = None, *,
                 devices: dict | None = None, catalogue: bool = False) -> KioskConfig:
    """A demo kiosk of its own (data folder, device id) for ``backend``, or offline."""
    data_dir = tmp_path / f"kiosk-{uuid.uuid4().hex[:6]}"
    url = backend.url if backend else f"http://127.0.0.1:{closed_port()}"
    # Small camera frames: the preview's first upload on software GL grows with the frame.
    devices = {"camera": {"settings": {"width": 160, "height": 120}}, **(devices or {})}
    config = parse_config({
        "data_dir": str(data_dir), "demo": True, "display": {"fullscreen": False},
        "device_id": f"KSK-T{uuid.uuid4().hex[:8].upper()}", "devices": devices,
        "backend": {"url": url, "timeout_s": 3,
                    **({"enrolment_code": backend.enrolment_code} if backend else {})}})
    if catalogue:  # a catalogue kept from an earlier day online
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / CATALOGUE_FILE).write_text(json.dumps({
            "etag": None, "fetched_at": datetime.now(timezone.utc).isoformat(),
            "catalogue": json.loads(SEED.read_text())}))
    return config


def seed_service(paid: bool = True) -> contract.Service:
    return simple_services(contract.Catalogue.model_validate_json(SEED.read_text()), paid=paid)[0]


def devices_ready(ui) -> None:  # noqa: ANN001
    ui.wait_until(lambda: all(ui.kiosk.devices.state(f).usable for f in DEVICES), timeout=10)


def submitted(ui, sandbox: SandboxServer, *advance: ApplicationStatus) -> contract.ApplicationIn:  # noqa: ANN001
    """An application this kiosk made, at the sandbox, moved on by the operator."""
    body = application(seed_service())
    ui.kiosk.enroller.ensure()
    ui.kiosk.backend.submit_application(body, idempotency_key=str(uuid.uuid4()))
    for status in advance:
        requests.post(f"{sandbox.url}/v1/operator/applications/{body.reference}/advance",
                      json={"status": status.value}, headers=sandbox.operator_headers,
                      timeout=10).raise_for_status()
    return body


def receipt_for(ui, body: contract.ApplicationIn) -> str:  # noqa: ANN001
    """The QR of the receipt this kiosk printed for ``body``, signed with its own key."""
    config = ui.kiosk.config
    issuer = ReceiptIssuer.for_data_dir(config.data_dir, config.device_id)
    return issuer.token(reference=body.reference, service_code=body.service_code,
                        amount_cents=body.amount_cents, issued_at=body.created_at)


def altered(token: str) -> str:
    """The same receipt with its amount changed by one cent; the signature left as it was."""
    raw = token[len("HK1:"):]
    data = bytearray(base64.b32decode(raw + "=" * (-len(raw) % 8)))
    data[10] ^= 0x01
    return "HK1:" + base64.b32encode(bytes(data)).decode().rstrip("=")


def to_status_check(ui, language: str = "english") -> None:  # noqa: ANN001
    devices_ready(ui)
    ui.tap(ui.screen.ids[language])
    ui.tap(ui.screen.ids.status)
    assert ui.screen.name == "status_check"


def scan(ui, text: str) -> None:  # noqa: ANN001
    ui.kiosk.devices.get("scanner").present(text)
    ui.wait_until(lambda: ui.screen.presenter.phase not in ("scan", "checking")
                  or ui.screen.presenter.error, timeout=15)
    ui.pump(2)  # laid out again before the next touch


def type_reference(ui, body: str) -> None:  # noqa: ANN001
    for char in body:
        ui.tap(ui.screen.keys[char])


def finished(ui) -> str:  # noqa: ANN001
    from screens.app import SCREENS

    return "feedback" if "feedback" in SCREENS else "attract"


# -- check a status ------------------------------------------------------------------------------

def test_check_a_status_by_scanning_a_receipts_qr(make_ui, live: SandboxServer, tmp_path: Path,
                                                  screenshots_dir: Path) -> None:  # noqa: ANN001
    ui = make_ui(kiosk_config(tmp_path, live), size=PORTRAIT)
    body = submitted(ui, live, ApplicationStatus.IN_PROGRESS)
    token = receipt_for(ui, body)
    to_status_check(ui)
    presenter = ui.screen.presenter
    shown = labels(ui.screen)
    assert "Show your receipt's QR code to the camera." in shown
    ui.wait_until(lambda: ui.screen.preview.frames_shown > 0)  # the camera's picture
    for button in (ui.screen.ids.type_instead, ui.screen.ids.back):
        assert button.height >= 48  # 15 mm at this half-size, half-density rendering
    ui.screenshot(screenshots_dir / "status-scan-portrait.png")

    scan(ui, token)
    assert presenter.phase == "result"
    assert ui.kiosk.session.data.scanned == [token]
    assert isinstance(ui.kiosk.session.data.status_result, Found)
    assert ui.screen.preview.texture is None  # the camera's picture is gone with the scan
    shown = labels(ui.screen)
    assert seed_service().name.en in shown
    assert f"Reference: {body.reference}" in shown
    steps = [s.ids.words.text for s in ui.screen.ids.steps.children[::-1]]
    assert [s.split("\n")[0] for s in steps] == [
        "[b]Submitted[/b]  -  Done", "[b]Received by the office[/b]  -  Done",
        "[b]In progress[/b]  -  Now", "[b]Ready for collection[/b]  -  To come",
        "[b]Collected[/b]  -  To come"]
    assert steps[0].split("\n")[1] == body.created_at.astimezone(NAIROBI).strftime(
        "%d/%m/%Y %H:%M")
    assert [s.mark for s in ui.screen.ids.steps.children[::-1]] == [
        "done", "done", "current", "to_come", "to_come"]
    assert any(t.startswith("Where to collect: ") for t in shown)
    assert any("Expected to be ready by: " in t for t in shown)
    said = [text for _lang, text in presenter.spoken()]  # read aloud, when that is on
    assert said[:2] == [seed_service().name.en, "Now: In progress."]
    assert said[2].startswith("Where to collect: ")
    assert ui.kiosk.speaker.last == presenter.spoken()  # said as it appeared
    ui.screenshot(screenshots_dir / "status-result-portrait.png")

    ui.tap(ui.screen.ids.print_status)
    ui.wait_until(lambda: presenter.print_note != "Printing...")
    assert "Printed. Please take your slip." in labels(ui.screen)
    printer = ui.kiosk.devices.get("printer")
    [slip] = [job for job in printer.jobs if job.job_id.startswith(body.reference)]
    assert b"In progress" in slip.data and b"Inashughulikiwa" in slip.data
    assert_ui_budget(ui)

    ui.tap(ui.screen.ids.finish)
    assert ui.screen.name == finished(ui)
    if ui.screen.name == "attract":  # the person is gone: nothing of theirs stays on screen
        assert not any(body.reference in t for t in labels(ui.app.root))
        assert presenter.steps == [] and presenter.reference == ""
        assert not ui.kiosk.session.data.scanned


def test_a_typed_reference_with_one_wrong_character_is_refused_then_accepted(
        make_ui, live: SandboxServer, tmp_path: Path, screenshots_dir: Path) -> None:  # noqa: ANN001
    ui = make_ui(kiosk_config(tmp_path, live), size=LANDSCAPE)
    body = submitted(ui, live)
    to_status_check(ui)
    ui.tap(ui.screen.ids.type_instead)
    presenter = ui.screen.presenter
    assert presenter.phase == "type"
    for key in ui.screen.keys.values():
        assert key.height >= 48 and key.width >= 48
    typed = body.reference[3:].replace("-", "")
    wrong = typed[:-1] + ("0" if typed[-1] != "0" else "1")
    type_reference(ui, wrong[:6])
    assert ui.screen.ids.typed.text == f"HK-{wrong[:4]}-{wrong[4:6]}__-__"
    type_reference(ui, wrong[6:])
    assert ui.screen.ids.typed.text == "HK-" + "-".join([wrong[:4], wrong[4:8], wrong[8:]])
    wrong_words = ("! This reference is not right: a character may be wrong, or two swapped. "
                   "Please check it against your receipt.")
    assert wrong_words in labels(ui.screen)  # at once, before "Check"
    ui.screenshot(screenshots_dir / "status-type-landscape.png")
    ui.tap(ui.screen.ids.check)
    assert presenter.phase == "type" and wrong_words in labels(ui.screen)

    ui.tap(ui.screen.ids.delete)
    assert wrong_words not in labels(ui.screen)
    type_reference(ui, typed[-1])
    assert ui.screen.ids.typed.text == body.reference
    ui.tap(ui.screen.ids.check)
    ui.wait_until(lambda: presenter.phase == "result", timeout=15)
    steps = [s.ids.words.text.split("\n")[0] for s in ui.screen.ids.steps.children[::-1]]
    assert steps[1] == "[b]Received by the office[/b]  -  Now"
    ui.screenshot(screenshots_dir / "status-result-landscape.png")
    assert_ui_budget(ui)

    ui.tap(ui.screen.ids.another)  # another: back to the start, nothing of this one left
    assert presenter.phase == "scan" and presenter.steps == []


def test_a_forged_receipt_is_refused_in_kiswahili(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    ui = make_ui(kiosk_config(tmp_path))
    body = application(seed_service())
    token = receipt_for(ui, body)
    to_status_check(ui, "kiswahili")
    assert "Angalia ombi langu" in labels(ui.screen)
    scan(ui, altered(token))
    presenter = ui.screen.presenter
    assert presenter.phase == "scan"
    sw = translator("sw").gettext
    assert sw(MESSAGES["bad_signature"]) != MESSAGES["bad_signature"]
    assert "! " + sw(MESSAGES["bad_signature"]) in labels(ui.screen)
    assert ui.kiosk.session.data.status_result is not None
    ui.tap(ui.screen.ids.back)
    assert ui.screen.name == "home"


def test_offline_the_receipt_proves_what_it_says_and_the_kiosk_says_it_still_holds_it(
        make_ui, tmp_path: Path, screenshots_dir: Path) -> None:  # noqa: ANN001
    ui = make_ui(kiosk_config(tmp_path, catalogue=True))
    service = seed_service()
    body = application(service)
    ui.kiosk.outbox.enqueue("application", body.model_dump(mode="json"))  # not sent yet
    token = receipt_for(ui, body)
    ui.wait_until(lambda: ui.kiosk.services.current is not None)
    to_status_check(ui)
    scan(ui, token)
    assert ui.screen.presenter.phase == "result"
    assert isinstance(ui.kiosk.session.data.status_result, Unreachable)
    shown = labels(ui.screen)
    assert ("! The office cannot be reached now, so the latest progress cannot be shown. "
            "Please try again later.") in shown
    assert ("This application is still waiting to be sent from this kiosk. It is kept safely "
            "and will be sent when the network is back.") in shown
    issued = body.created_at.astimezone(NAIROBI).strftime("%d/%m/%Y %H:%M")
    amount = f"KES {service.total_cents // 100:,}.{service.total_cents % 100:02d}"
    assert "\n".join(["What your receipt shows:", f"Service: {service.name.en}",
                      f"Amount: {amount}", f"Date: {issued}",
                      f"Reference: {body.reference}"]) in shown
    assert ui.screen.ids.steps.children == []
    assert not ui.screen.ids.print_status.opacity  # nothing from the office to print
    ui.screenshot(screenshots_dir / "status-offline-portrait.png")
    assert_ui_budget(ui)


def test_with_the_scanner_down_only_typing_is_offered(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    ui = make_ui(kiosk_config(tmp_path, devices={"scanner": {"settings": {"faults": ["offline"]}}}))
    ui.wait_until(lambda: ui.kiosk.devices.state("camera").usable
                  and ui.kiosk.devices.state("scanner").detail.startswith("simulated"))
    ui.tap(ui.screen.ids.english)
    ui.tap(ui.screen.ids.status)
    presenter = ui.screen.presenter
    assert presenter.phase == "type" and presenter.camera is None
    assert "! The scanner is not working. You can type the reference instead." in labels(ui.screen)
    ui.tap(ui.screen.ids.type_back)
    assert ui.screen.name == "home"


# -- take a queue ticket -------------------------------------------------------------------------

def take_ticket(ui, category: str, service: str) -> None:  # noqa: ANN001
    ui.tap(ui.screen.ids.english)
    ui.tap(ui.screen.ids.ticket)
    assert ui.screen.name == "queue_ticket"
    ui.tap(ui.screen.category_buttons[category])
    ui.tap(ui.screen.service_buttons[service])
    ui.wait_until(lambda: ui.screen.presenter.phase in ("ticket", "no_ticket"), timeout=15)


def test_take_a_queue_ticket_and_print_it(make_ui, live: SandboxServer, tmp_path: Path,
                                         screenshots_dir: Path) -> None:  # noqa: ANN001
    ui = make_ui(kiosk_config(tmp_path, live), size=LANDSCAPE)
    devices_ready(ui)
    ui.wait_until(lambda: ui.kiosk.services.current is not None, timeout=15)
    take_ticket(ui, "identity", "ID-DUPLICATE")
    presenter = ui.screen.presenter
    assert presenter.phase == "ticket"
    ui.wait_until(lambda: presenter.print_note != "Printing your ticket...")
    shown = labels(ui.screen)
    assert ui.screen.ids.number.text == "A001"
    assert "Counters A: Identity and travel documents" in shown
    assert "You are next." in shown and "Please take your printed ticket." in shown
    printer = ui.kiosk.devices.get("printer")
    [job] = printer.jobs
    assert job.job_id.startswith("A001@") and b"A001" in job.data
    assert ui.kiosk.session.data.ticket.number == "A001"
    assert presenter.spoken() == (
        ("en", "Your number: A001."), ("en", "Counters A: Identity and travel documents"),
        ("en", "You are next."), ("en", "Please take your printed ticket.")) == ui.kiosk.speaker.last
    ui.screenshot(screenshots_dir / "ticket-landscape.png")
    ui.tap(ui.screen.ids.finish)
    assert ui.screen.name == finished(ui)

    # The next person, with the printer out of paper: the number is on screen, to be noted.
    ui.kiosk.session.finish()  # past the feedback screen, when there is one
    ui.pump(3)
    printer.inject("paper_out")
    ui.wait_until(lambda: not ui.kiosk.devices.state("printer").usable)
    ui.resize(PORTRAIT)
    take_ticket(ui, "identity", "PASSPORT-34")
    ui.wait_until(lambda: ui.screen.presenter.print_note != "Printing your ticket...")
    shown = labels(ui.screen)
    assert ui.screen.ids.number.text == "A002"
    assert "1 person is ahead of you." in shown
    assert any(t.startswith("Expected wait: about ") for t in shown)
    assert ("The printer is not working, so no ticket was printed. Please note your number."
            in shown)
    assert len(printer.jobs) == 1
    ui.screenshot(screenshots_dir / "ticket-portrait.png")
    assert_ui_budget(ui)


def test_with_the_backend_offline_the_counters_can_still_serve(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    ui = make_ui(kiosk_config(tmp_path, catalogue=True))
    ui.wait_until(lambda: ui.kiosk.services.current is not None)
    take_ticket(ui, "police", "GOOD-CONDUCT")
    presenter = ui.screen.presenter
    assert presenter.phase == "no_ticket"
    offline = ("! The kiosk cannot reach the queue system now, so it cannot give you a number. "
               "Please go to the counters: the officers can still serve you.")
    assert offline in labels(ui.screen)
    ui.tap(ui.screen.ids.try_again)
    ui.wait_until(lambda: presenter.phase == "no_ticket", timeout=15)
    assert offline in labels(ui.screen)
    ui.tap(ui.screen.ids.choose_again)
    assert presenter.phase == "categories" and ui.screen.category_buttons
    ui.tap(ui.screen.ids.back)
    assert ui.screen.name == "home"
    assert ui.kiosk.devices.get("printer").jobs == []


def test_with_no_catalogue_yet_the_ticket_screen_leads_to_the_counters(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    ui = make_ui(kiosk_config(tmp_path))
    ui.tap(ui.screen.ids.english)
    ui.tap(ui.screen.ids.ticket)
    assert ui.screen.presenter.phase == "no_catalogue"
    shown = labels(ui.screen)
    assert any("Please go to the counters: the officers can still serve you." in t for t in shown)
    ui.tap(ui.screen.ids.catalogue_back)
    assert ui.screen.name == "home"
