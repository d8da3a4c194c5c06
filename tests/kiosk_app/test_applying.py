"""From "I confirm" to a receipt: the application into the real outbox (sealed), the receipt
through the spooler to the simulated printer, and, online, to the sandbox exactly once."""
from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import requests
import zxingcpp
from PIL import Image

from drivers.printer.simulator import SimulatedPrinter
from kiosk_app import contract
from kiosk_app.applying import (Applying, ApplyError, Draft, Submitted, answer_text, application_key,
                                applicant_from, queue_feedback)
from kiosk_app.bootstrap import Kiosk, build
from kiosk_app.contract import DocumentType, PaymentStatus
from kiosk_app.identity import Identity
from kiosk_app.outbox import Outbox, OutboxStatus
from kiosk_app.payments import EXPLANATIONS, MpesaPayment, PaymentView
from kiosk_app.receipts.keys import DIRECTORY_FILE, KeyDirectory
from kiosk_app.receipts.token import verify
from kiosk_app.services import CATALOGUE_FILE
from kiosk_app.session import SessionData
from tests.conftest import config_for_tests
from tests.kiosk_app.backend.applications import answers_for
from tests.kiosk_app.receipts.test_documents import printed_lines
from tests.sandbox_fixtures import SandboxServer

SEED = Path(__file__).resolve().parents[2] / "sandbox" / "seed" / "catalogue.json"
PAID, FREE = "GOOD-CONDUCT", "KRA-PIN"
CONFIRMED = PaymentView(PaymentStatus.CONFIRMED, EXPLANATIONS[PaymentStatus.CONFIRMED],
                        payment_id="PAY-ABCDEFGH1234", result_code=0, mpesa_receipt="SKL4Q2XW1P")


def card_identity(**changes: object) -> Identity:
    fields = dict(source="card", surname="TESTER", given_names="SAMPLE APPLICANT",
                  document_number="AB1234567", id_number="23456789",
                  birth_date=date(1990, 1, 1), verification="valid", document_format="TD1")
    return Identity(**{**fields, **changes})  # type: ignore[arg-type]


def typed_identity() -> Identity:
    return Identity(source="typed", surname="TESTER", given_names="SAMPLE APPLICANT",
                    document_number="23456789", id_number="23456789",
                    birth_date=date(1990, 1, 1))


@pytest.fixture
def printer() -> SimulatedPrinter:
    device = SimulatedPrinter("printer")
    device.open()
    return device


def make_kiosk(tmp_path: Path, printer: SimulatedPrinter,
               sandbox: SandboxServer | None = None) -> Kiosk:
    config = config_for_tests(tmp_path / "data")
    if sandbox is not None:
        config = replace(config, backend=replace(
        config.backend, url=sandbox.url, enrolment_code=sandbox.enrolment_code, timeout_s=3.0))
    kiosk = build(config, printer=printer)
    if sandbox is None:  # the catalogue as the kiosk keeps it, from the sandbox's seed
        path = config.data_dir / CATALOGUE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"etag": None, "fetched_at": "2026-01-01T08:00:00+00:00",
                                    "catalogue": json.loads(SEED.read_text())}))
        assert kiosk.services.load()
    else:
        assert kiosk.services.refresh(kiosk.backend).reachable
    return kiosk


@pytest.fixture
def kiosk(tmp_path: Path, printer: SimulatedPrinter):  # noqa: ANN201
    kiosk = make_kiosk(tmp_path, printer)
    yield kiosk
    kiosk.close()


def offline(kiosk: Kiosk) -> Applying:
    return Applying.for_kiosk(kiosk, online=lambda: False)


def draft_for(kiosk: Kiosk, code: str = PAID, *, identity: Identity | None = None,
              payment: PaymentView | None = CONFIRMED, phone: str | None = "0712 340 000",
              language: str = "en") -> Draft:
    service = kiosk.services.service(code)
    data = SessionData(language=language, identity=identity or card_identity(),
                       service_code=code, answers=answers_for(service),
                       reference=contract.new_reference(), phone=phone,
                       payment=payment if service.total_cents else None)
    return Draft.from_session(data, datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc))


def texts(job: bytes) -> list[str]:
    return [text for text, _width in printed_lines(job)]


def decoded(result: Submitted) -> str:
    """What a phone's camera reads from the QR drawn on the screen."""
    rows = result.qr
    scale = 6
    image = Image.new("L", (len(rows[0]) * scale, len(rows) * scale), 255)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1
    return found[0].text


def test_offline_the_application_is_kept_sealed_and_the_receipt_says_waiting_to_be_sent(
        kiosk: Kiosk, printer: SimulatedPrinter) -> None:
    draft = draft_for(kiosk)
    result = offline(kiosk).submit(draft)
    assert (result.reference, result.payment, result.sent, result.printed,
            result.print_problem, result.payment_to_confirm, result.mpesa_code) == (
        draft.reference, "mpesa", False, True, None, False, "SKL4Q2XW1P")

    # In the outbox once, pending, with the applicant and answers sealed at rest.
    rows = kiosk.outbox.rows("application")
    assert [(r.idempotency_key, r.status) for r in rows] == [
        (application_key(draft.reference), OutboxStatus.PENDING)]
    body = contract.ApplicationIn.model_validate(rows[0].payload)
    assert body.applicant == contract.Applicant(
        document_type=DocumentType.NATIONAL_ID, document_number="23456789", surname="TESTER",
        given_names="SAMPLE APPLICANT", date_of_birth="1990-01-01", phone="254712340000",
        chip_verified=True)
    assert (body.payment, body.payment_id, body.amount_cents, body.service_code) == (
        "mpesa", "PAY-ABCDEFGH1234", 105000, PAID)
    assert body.answers == answers_for(kiosk.services.service(PAID))
    with sqlite3.connect(kiosk.outbox.path) as db:
        plain = db.execute("SELECT payload FROM outbox WHERE kind = 'application'").fetchone()[0]
    assert b"TESTER" not in plain and b"254712340000" not in plain
    assert set(json.loads(plain)) == set(body.model_dump()) - {"applicant", "answers",
                                                                "attachments"}

    # The receipt, printed once, says it waits to be sent, and its QR is the signed token.
    assert [job.job_id for job in printer.jobs] == [draft.reference]
    lines = texts(printer.jobs[0].data)
    assert "Waiting to be sent / Linasubiri kutumwa" in lines
    assert draft.reference in lines and "M-Pesa code / Nambari ya M-Pesa" + "SKL4Q2XW1P".rjust(17) in lines
    assert "** TRAINING / MAFUNZO **" in lines  # a demo kiosk's receipts are not valid
    claims = verify(result.token, KeyDirectory.load(kiosk.config.data_dir / DIRECTORY_FILE),
                    now=draft.confirmed_at)
    assert (claims.reference, claims.amount_cents, claims.service_code, claims.device_id) == (
        draft.reference, 105000, PAID, kiosk.config.device_id)
    assert decoded(result) == result.token

    # The same draft again (a retried touch, a worker restarted): kept once, printed once.
    again = offline(kiosk).submit(draft)
    assert again.reference == draft.reference and again.printed
    assert len(kiosk.outbox.rows("application")) == 1 and len(printer.jobs) == 1


def test_paper_out_the_receipt_waits_and_prints_once_when_paper_is_loaded(
        kiosk: Kiosk, printer: SimulatedPrinter) -> None:
    printer.inject("paper_out")
    result = offline(kiosk).submit(draft_for(kiosk))
    assert (result.printed, result.print_problem) == (False, "paper_out")
    assert printer.jobs == [] and result.qr is not None and decoded(result) == result.token
    assert kiosk.outbox.get(result.print_job).status is OutboxStatus.PENDING
    assert kiosk.outbox.rows("application")[0].status is OutboxStatus.PENDING  # accepted anyway
    printer.clear("paper_out")
    assert kiosk.spooler.pump() == 1 and kiosk.spooler.pump() == 0
    assert [job.job_id for job in printer.jobs] == [result.reference]


def test_cover_open_and_no_printer_say_why(kiosk: Kiosk, printer: SimulatedPrinter) -> None:
    printer.inject("cover_open")
    assert offline(kiosk).submit(draft_for(kiosk)).print_problem == "cover_open"
    applying = offline(kiosk)
    applying.printer = None
    result = applying.submit(draft_for(kiosk))
    assert (result.printed, result.print_problem, result.print_job) == (False, "no_printer", None)
    assert result.token is not None and decoded(result) == result.token


def test_an_unknown_payment_goes_ahead_marked_to_be_confirmed(
        kiosk: Kiosk, printer: SimulatedPrinter) -> None:
    unknown = PaymentView(PaymentStatus.UNKNOWN, EXPLANATIONS[PaymentStatus.UNKNOWN],
                          payment_id="PAY-ZYXWVUTS9876")
    result = offline(kiosk).submit(draft_for(kiosk, payment=unknown))
    assert (result.payment, result.payment_to_confirm, result.mpesa_code) == ("mpesa", True, None)
    body = kiosk.outbox.rows("application")[0].payload
    assert (body["payment"], body["payment_id"]) == ("mpesa", "PAY-ZYXWVUTS9876")
    lines = texts(printer.jobs[0].data)
    assert "Payment to be confirmed. Do not pay again." in lines
    assert "Malipo yatathibitishwa. Usilipe tena." in lines
    assert not any("M-Pesa code" in line for line in lines)


def test_a_free_service_with_typed_details_in_kiswahili(kiosk: Kiosk,
                                                       printer: SimulatedPrinter) -> None:
    result = offline(kiosk).submit(draft_for(kiosk, FREE, identity=typed_identity(), phone=None,
                                             language="sw"))
    assert (result.payment, result.amount_cents, result.payment_to_confirm) == ("none", 0, False)
    body = contract.ApplicationIn.model_validate(kiosk.outbox.rows("application")[0].payload)
    assert (body.payment, body.payment_id, body.language) == ("none", None, "sw")
    assert body.applicant.document_type is DocumentType.TYPED
    assert body.applicant.chip_verified is False and body.applicant.phone is None
    lines = texts(printer.jobs[0].data)
    assert "No fee to pay / Hakuna ada ya kulipa" in lines
    assert not any(line.startswith("Paid by") for line in lines)


def test_what_cannot_be_an_application_is_refused_before_anything_is_kept(
        kiosk: Kiosk, printer: SimulatedPrinter, tmp_path: Path) -> None:
    with pytest.raises(ApplyError) as refused:
        offline(kiosk).submit(draft_for(kiosk, payment=None))  # a paid service, unpaid
    assert refused.value.key == "invalid"
    failed = PaymentView(PaymentStatus.FAILED, EXPLANATIONS[1032], result_code=1032)
    with pytest.raises(ApplyError):
        offline(kiosk).submit(draft_for(kiosk, payment=failed))
    with pytest.raises(ApplyError) as no_identity:
        Draft.from_session(SessionData(service_code=PAID, reference=contract.new_reference()),
                           datetime.now(timezone.utc))
    assert "identity" in str(no_identity.value)
    assert kiosk.outbox.rows() == [] and printer.jobs == []

    # An outbox that cannot be written: nothing is printed, and the person is told.
    (tmp_path / "not-a-folder").write_text("")
    applying = offline(kiosk)
    applying.outbox = Outbox(tmp_path / "not-a-folder" / "outbox.sqlite3")
    with pytest.raises(ApplyError) as not_kept:
        applying.submit(draft_for(kiosk))
    assert not_kept.value.key == "not_kept" and printer.jobs == []


def test_answers_become_the_contracts_text() -> None:
    assert [answer_text(v) for v in (True, False, date(2001, 5, 17), " Nairobi ", "", None,
                                      3, b"\xff\xd8", ["a", "b"])] == [
        "yes", "no", "2001-05-17", "Nairobi", None, None, "3", None, "a,b"]
    passport = applicant_from(card_identity(document_format="TD3", document_number="ak1234567",
                                            verification="not_verifiable"))
    assert (passport.document_type, passport.document_number, passport.chip_verified) == (
        DocumentType.PASSPORT, "AK1234567", False)
    no_id_number = applicant_from(card_identity(id_number=None), "+254 712 340 000")
    assert (no_id_number.document_number, no_id_number.phone) == ("AB1234567", "254712340000")
    assert repr(draft_for_repr()).count("TESTER") == 0


def draft_for_repr() -> Draft:
    return Draft(reference="HK-7M2Q-K9XD-38", service_code=PAID, language="en",
                 confirmed_at=datetime.now(timezone.utc), identity=card_identity(),
                 answers={"purpose": "TESTER"}, phone="0712340000")


def test_online_the_sandbox_gets_it_once_and_the_receipt_needs_no_waiting_line(
        sandbox_factory, tmp_path: Path, printer: SimulatedPrinter) -> None:
    sandbox = sandbox_factory(confirm_after=0.2)
    kiosk = make_kiosk(tmp_path, printer, sandbox)
    try:
        kiosk.sync.start()
        kiosk.enroller.ensure()
        draft = draft_for(kiosk, payment=None)
        service = kiosk.services.service(PAID)
        payment = MpesaPayment(kiosk.backend, reference=draft.reference, phone="254712340000",
                               amount_cents=service.total_cents, poll_s=0.1, answer_within_s=20)
        paid = payment.run()
        assert paid.status is PaymentStatus.CONFIRMED
        draft = Draft(**{**draft.__dict__, "payment": paid})
        applying = Applying.for_kiosk(kiosk, online=lambda: True, confirm_wait_s=20)
        result = applying.submit(draft)
        assert (result.sent, result.printed, result.mpesa_code) == (True, True, paid.mpesa_receipt)
        lines = texts(printer.jobs[0].data)
        assert not any("Waiting to be sent" in line for line in lines)
        assert applying.submit(draft).sent  # again: nothing new is sent or printed
        assert len(printer.jobs) == 1

        rating = contract.FeedbackIn(rating=5, reasons=["quick_service"], service_code=PAID,
                                     reference=draft.reference, language="en",
                                     created_at=datetime.now(timezone.utc))
        key = queue_feedback(kiosk.outbox, kiosk.sync.wake, rating)
        deadline = time.monotonic() + 20
        while kiosk.outbox.get(key).status is not OutboxStatus.SENT:
            assert time.monotonic() < deadline, "the feedback was not sent"
            time.sleep(0.05)
        assert kiosk.outbox.get(key).sealed is False

        held = requests.get(f"{sandbox.url}{contract.Paths.OPERATOR_APPLICATIONS}",
                            headers=sandbox.operator_headers, timeout=10).json()
        assert [(a["reference"], a["service_code"], a["amount_cents"]) for a in held] == [
            (draft.reference, PAID, 105000)]
    finally:
        kiosk.close()


def test_an_agent_applies_for_a_customer_paid_in_cash_with_consent_recorded(
        kiosk: Kiosk, printer: SimulatedPrinter) -> None:
    from kiosk_app.applying import Assisted, application_in

    consent = datetime(2026, 3, 2, 9, 28, tzinfo=timezone.utc)
    draft = dataclasses.replace(draft_for(kiosk, payment=None),
                                assisted=Assisted("BA-0001", consent, cash=True))
    body = application_in(draft, kiosk.services.service(PAID))
    assert (body.channel, body.agent_number, body.consent_at, body.payment, body.payment_id,
            body.amount_cents) == (contract.Channel.AGENT, "BA-0001", consent, "cash", None,
                                   105000)
    # By M-Pesa, the agent's application carries the payment like the kiosk's.
    by_mpesa = dataclasses.replace(draft, assisted=Assisted("BA-0001", consent))
    with pytest.raises(ApplyError):
        application_in(dataclasses.replace(by_mpesa, payment=None), kiosk.services.service(PAID))
    body = application_in(dataclasses.replace(by_mpesa, payment=CONFIRMED),
                          kiosk.services.service(PAID))
    assert (body.payment, body.payment_id) == ("mpesa", CONFIRMED.payment_id)

    result = offline(kiosk).submit(draft)
    assert (result.payment, result.mpesa_code, result.payment_to_confirm) == ("cash", None, False)
    lines = texts(printer.jobs[0].data)
    assert "Paid by / Imelipwa kwa" + "Cash / Pesa taslimu".rjust(48 - 22) in lines
    assert "Waiting to be sent / Linasubiri kutumwa" in lines
