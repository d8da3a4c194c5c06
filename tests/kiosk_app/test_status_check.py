"""Track my service, in the core: a receipt's QR or a typed reference, against a live sandbox
and with the office out of reach; what the receipt proves offline; what this kiosk still
holds; forged receipts refused with the token's own words."""
from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from drivers.printer.simulator import SimulatedPrinter
from kiosk_app import contract
from kiosk_app.backend.client import BackendClient
from kiosk_app.backend.enrolment import Enroller
from kiosk_app.clock import ManualClock, SystemClock
from kiosk_app.config import BackendConfig, KioskConfig
from kiosk_app.contract import Application, ApplicationStatus, StatusEvent, Text
from kiosk_app.outbox import Outbox
from kiosk_app.outbox.sealing import OUTBOX_KEY_FILE
from kiosk_app.receipts.issuing import ReceiptIssuer
from kiosk_app.receipts.keys import DeviceKey
from kiosk_app.receipts.spooler import PrintSpooler
from kiosk_app.receipts.token import MESSAGES, ReceiptClaims, issue
from kiosk_app.services import CATALOGUE_FILE, ServiceCatalogue
from kiosk_app.status_check import (NOT_A_RECEIPT, WRONG_REFERENCE, BadReference, Found, Kept,
                                    Mark, NotAReceipt, NotFound, Refused, StatusChecker,
                                    Unreachable, clean_typed, group_reference, print_status,
                                    reference_problem, slip_timeline, steps)
from kiosk_app.ui_dispatch import ImmediateDispatcher
from tests.conftest import closed_port
from tests.kiosk_app.backend.applications import application, simple_services
from tests.sandbox_fixtures import SandboxServer

S = ApplicationStatus
UTC = timezone.utc


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One sandbox for this module's live tests; each test is a kiosk of its own."""
    server = SandboxServer(tmp_path_factory.mktemp("sandbox"))
    yield server
    server.stop()


class Kiosk:
    """The parts a status check uses, with a data folder and a device id of their own."""

    def __init__(self, data_dir: Path, url: str, code: str | None) -> None:
        self.config = replace(
            KioskConfig.demo_config(data_dir=data_dir),
            device_id=f"KSK-T{uuid.uuid4().hex[:8].upper()}",
            backend=BackendConfig(url=url, timeout_s=3.0, enrolment_code=code))
        self.client = BackendClient(url, timeout_s=3.0, backoff_s=0.01)
        self.outbox = Outbox(data_dir / "outbox.sqlite3")
        self.services = ServiceCatalogue(data_dir / CATALOGUE_FILE)
        self.issuer = ReceiptIssuer.for_data_dir(data_dir, self.config.device_id)
        self.checker = StatusChecker(client=self.client, outbox=self.outbox,
                                     services=self.services, data_dir=data_dir,
                                     device_id=self.config.device_id, clock=SystemClock())

    def receipt(self, reference: str, service: contract.Service,
                issued_at: datetime | None = None) -> str:
        return self.issuer.token(reference=reference, service_code=service.code,
                                 amount_cents=service.total_cents,
                                 issued_at=issued_at or datetime.now(UTC))

    def close(self) -> None:
        self.client.close()
        self.outbox.close()


@pytest.fixture
def online(live: SandboxServer, tmp_path: Path) -> Iterator[Kiosk]:
    kiosk = Kiosk(tmp_path / "kiosk", live.url, live.enrolment_code)
    assert kiosk.services.refresh(kiosk.client).reachable
    yield kiosk
    kiosk.close()


@pytest.fixture
def offline(tmp_path: Path) -> Iterator[Kiosk]:
    kiosk = Kiosk(tmp_path / "kiosk", f"http://127.0.0.1:{closed_port()}", None)
    yield kiosk
    kiosk.close()


def seed_catalogue() -> contract.Catalogue:
    seed = Path(__file__).resolve().parents[2] / "sandbox" / "seed" / "catalogue.json"
    return contract.Catalogue.model_validate_json(seed.read_text())


def submitted(kiosk: Kiosk, sandbox: SandboxServer, *advance: S) -> tuple[str, contract.Service]:
    """An application made by ``kiosk`` and moved by the operator through ``advance``."""
    service = simple_services(kiosk.services.current, paid=True)[0]
    body = application(service)
    Enroller(kiosk.config, kiosk.client).ensure()
    kiosk.client.submit_application(body, idempotency_key=str(uuid.uuid4()))
    for status in advance:
        note = ({"note": {"en": "The photo is not clear.", "sw": "Picha haionekani vizuri."}}
                if status is S.REJECTED else {})
        answer = requests.post(f"{sandbox.url}/v1/operator/applications/{body.reference}/advance",
                               json={"status": status.value, **note},
                               headers=sandbox.operator_headers, timeout=10)
        answer.raise_for_status()
    return body.reference, service


def altered(token: str) -> str:
    """The same token with its amount changed by one cent and the signature left as it was."""
    body = token[len("HK1:"):]
    data = bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))
    data[10] ^= 0x01  # the amount's lowest byte (LEB128: its high bit is left alone)
    return "HK1:" + base64.b32encode(bytes(data)).decode().rstrip("=")


# -- typing a reference ----------------------------------------------------------------------

def test_typing_is_grouped_as_printed_and_a_wrong_character_is_caught_at_once() -> None:
    reference = contract.reference_from(b"typing")
    body = reference.replace("HK-", "").replace("-", "")
    assert group_reference("") == "HK"
    assert group_reference(body[:3]) == f"HK-{body[:3]}"
    assert group_reference(body[:6]) == f"HK-{body[:4]}-{body[4:6]}"
    assert group_reference(body) == reference
    assert clean_typed(reference.lower()) == body
    assert clean_typed(" hk " + body + "99") == body  # never more than ten
    assert clean_typed("O1L") == "011"                  # letters mistaken for digits
    for typed in range(len(body)):
        assert reference_problem(body[:typed]) is None   # still typing: nothing to say yet
    assert reference_problem(body) is None
    # One character changed (not 0 for Z or Z for 0: the check is modulo 31, and Z is 31).
    wrong = body[:4] + ("1" if body[4] != "1" else "2") + body[5:]
    assert reference_problem(wrong) == WRONG_REFERENCE
    swapped = body[:2] + body[3] + body[2] + body[4:]
    assert swapped != body and {body[2], body[3]} != {"0", "Z"}  # a swap the check can see
    assert reference_problem(swapped) == WRONG_REFERENCE


# -- the timeline as steps ---------------------------------------------------------------------

def app_with(status: S, timeline: list[tuple[S, datetime, Text | None]]) -> Application:
    return Application(
        reference=contract.reference_from(b"steps"), service_code="GOOD-CONDUCT",
        service_name=Text(en="Certificate of good conduct", sw="Cheti cha tabia njema"),
        status=status, amount_cents=105_000,
        timeline=[StatusEvent(status=s, at=at, note=note) for s, at, note in timeline],
        collection=Text(en="Huduma Centre GPO", sw="Kituo cha Huduma GPO"))


def test_steps_mark_done_now_and_to_come_and_end_at_a_rejection() -> None:
    t0 = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    path = [(S.SUBMITTED, t0, None), (S.RECEIVED, t0 + timedelta(minutes=5), None),
            (S.IN_PROGRESS, t0 + timedelta(days=1), None)]
    shown = steps(app_with(S.IN_PROGRESS, path))
    assert [(s.status, s.mark) for s in shown] == [
        (S.SUBMITTED, Mark.DONE), (S.RECEIVED, Mark.DONE), (S.IN_PROGRESS, Mark.CURRENT),
        (S.READY, Mark.TO_COME), (S.COLLECTED, Mark.TO_COME)]
    assert [s.at for s in shown] == [t0, t0 + timedelta(minutes=5), t0 + timedelta(days=1),
                                     None, None]
    assert shown[2].title == "In progress"

    why = Text(en="The photo is not clear.", sw="Picha haionekani vizuri.")
    rejected = steps(app_with(S.REJECTED, path[:2] + [(S.REJECTED, t0 + timedelta(days=2), why)]))
    assert [(s.status, s.mark) for s in rejected] == [
        (S.SUBMITTED, Mark.DONE), (S.RECEIVED, Mark.DONE), (S.REJECTED, Mark.CURRENT)]
    assert rejected[-1].note == why
    assert slip_timeline(app_with(S.REJECTED, path[:2] + [(S.REJECTED, t0, why)]))[-1] == (
        t0, "Rejected: The photo is not clear.", "Limekataliwa: Picha haionekani vizuri.")

    done = steps(app_with(S.COLLECTED, path + [(S.READY, t0 + timedelta(days=3), None),
                                               (S.COLLECTED, t0 + timedelta(days=4), None)]))
    assert [s.mark for s in done] == [Mark.DONE] * 5


# -- live: the backend answers ------------------------------------------------------------------

def test_a_scanned_receipt_shows_the_timeline_in_progress(live: SandboxServer,
                                                         online: Kiosk) -> None:
    reference, service = submitted(online, live, S.IN_PROGRESS)
    answer = online.checker.check_scan(online.receipt(reference, service))
    assert isinstance(answer, Found)
    assert answer.application.reference == reference
    assert answer.application.status is S.IN_PROGRESS
    assert [s.status for s in answer.application.timeline] == [S.SUBMITTED, S.RECEIVED,
                                                               S.IN_PROGRESS]
    assert answer.receipt.reference == reference and answer.receipt.service_name == service.name
    assert answer.receipt.amount_cents == service.total_cents
    assert answer.kept is None


def test_a_typed_reference_in_any_case_finds_it_and_a_rejection_says_why(
        live: SandboxServer, online: Kiosk) -> None:
    reference, _service = submitted(online, live, S.REJECTED)
    answer = online.checker.check_reference(reference.lower().replace("-", " "))
    assert isinstance(answer, Found) and answer.application.status is S.REJECTED
    assert steps(answer.application)[-1].note.sw == "Picha haionekani vizuri."

    body = reference[3:].replace("-", "")
    wrong = body[:-1] + ("0" if body[-1] != "0" else "1")
    assert online.checker.check_reference(wrong) == BadReference(WRONG_REFERENCE)


def test_a_reference_the_office_does_not_have_is_explained_in_both_languages(
        online: Kiosk) -> None:
    unknown = contract.new_reference()
    answer = online.checker.check_reference(unknown)
    assert isinstance(answer, NotFound) and answer.reference == unknown
    assert answer.backend_message.sw.startswith("Hatuna ombi")
    assert answer.backend_message.en.startswith("We have no application")
    assert answer.kept is None


def test_made_here_and_not_sent_yet_is_said_even_when_the_office_has_not_got_it(
        online: Kiosk) -> None:
    service = simple_services(online.services.current)[0]
    body = application(service)
    online.outbox.enqueue("application", body.model_dump(mode="json"))
    answer = online.checker.check_scan(online.receipt(body.reference, service))
    assert isinstance(answer, NotFound) and answer.kept is Kept.WAITING
    assert answer.receipt.reference == body.reference


# -- offline ----------------------------------------------------------------------------------

def test_offline_the_receipt_still_proves_what_it_says(offline: Kiosk) -> None:
    catalogue = seed_catalogue()
    service = simple_services(catalogue, paid=True)[0]
    body = application(service)
    offline.outbox.enqueue("application", body.model_dump(mode="json"))
    issued = datetime(2026, 3, 2, 7, 15, 30, tzinfo=UTC)
    answer = offline.checker.check_scan(offline.receipt(body.reference, service, issued))
    assert isinstance(answer, Unreachable)
    assert answer.reference == body.reference and answer.kept is Kept.WAITING
    facts = answer.receipt
    assert (facts.reference, facts.service_code, facts.amount_cents, facts.issued_at,
            facts.device_id) == (body.reference, service.code, service.total_cents, issued,
                                 offline.config.device_id)
    assert facts.service_name is None  # this kiosk has no catalogue yet: the code is shown

    # Looked up from the plain fields only: without the outbox key it is found just the same.
    offline.outbox.close()
    (offline.outbox.path.parent / OUTBOX_KEY_FILE).rename(offline.outbox.path.parent / "moved")
    assert offline.checker.kept_here(body.reference) is Kept.WAITING
    assert offline.checker.kept_here(contract.new_reference()) is None


def test_offline_a_typed_reference_says_the_office_cannot_be_reached(offline: Kiosk) -> None:
    reference = contract.new_reference()
    answer = offline.checker.check_reference(reference)
    assert answer == Unreachable(reference, None, None)


def test_forged_altered_and_foreign_codes_are_refused_with_their_own_words(
        offline: Kiosk, tmp_path: Path) -> None:
    service = simple_services(seed_catalogue())[0]
    reference = contract.new_reference()
    genuine = offline.receipt(reference, service)
    assert offline.checker.check_scan(altered(genuine)) == Refused(
        "bad_signature", MESSAGES["bad_signature"])
    stranger = DeviceKey.load_or_create(tmp_path / "stranger.key")
    forged = issue(ReceiptClaims(reference, service.code, 1, datetime.now(UTC).replace(
        microsecond=0), "KSK-STRANGER"), stranger.private_key)
    assert offline.checker.check_scan(forged) == Refused("unknown_key", MESSAGES["unknown_key"])
    assert offline.checker.check_scan("HKQ:A042") == NotAReceipt(NOT_A_RECEIPT)
    assert offline.checker.check_scan("hello") == NotAReceipt(NOT_A_RECEIPT)


def test_a_receipt_of_another_kiosk_verifies_from_the_kept_directory(
        offline: Kiosk, tmp_path: Path) -> None:
    other = ReceiptIssuer.for_data_dir(tmp_path / "other", "KSK-OTHER-0002")
    assert isinstance(offline.checker.check_scan(other.token(
        reference=contract.new_reference(), service_code="GOOD-CONDUCT", amount_cents=105_000,
        issued_at=datetime.now(UTC))), Refused)
    # The upkeep round merges the backend's keys into the kept directory; then it verifies.
    directory = offline.checker.key_directory()
    directory.add(other.key.public_entry("KSK-OTHER-0002"))
    directory.save(offline.config.data_dir / "receipt-keys.json")
    answer = offline.checker.check_scan(other.token(
        reference=contract.new_reference(), service_code="GOOD-CONDUCT", amount_cents=105_000,
        issued_at=datetime.now(UTC)))
    assert isinstance(answer, Unreachable) and answer.receipt.device_id == "KSK-OTHER-0002"


# -- printing the status -----------------------------------------------------------------------

def test_the_status_prints_in_both_languages_or_not_at_all(tmp_path: Path) -> None:
    printer = SimulatedPrinter("printer")
    printer.open()
    outbox = Outbox(tmp_path / "outbox.sqlite3", clock=ManualClock())
    spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher())
    t0 = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    shown = app_with(S.IN_PROGRESS, [(S.SUBMITTED, t0, None), (S.RECEIVED, t0, None),
                                     (S.IN_PROGRESS, t0 + timedelta(hours=26), None)])
    assert print_status(spooler, printer, shown, t0) is True
    [job] = printer.jobs
    assert b"In progress" in job.data and b"Inashughulikiwa" in job.data
    assert b"03/03/2026 11:30" in job.data  # Nairobi time
    assert b"Ready for collection" not in job.data  # only the steps reached

    printer.inject("paper_out")
    assert print_status(spooler, printer, shown, t0 + timedelta(minutes=1)) is False
    assert spooler.waiting() == [] and len(printer.jobs) == 1  # nothing queued to come out later
    assert print_status(spooler, None, shown, t0) is False
    outbox.close()
