"""The kiosk side of the API against the real sandbox on loopback: enrolment, delivery of
outbox rows exactly once, M-Pesa outcomes (a time-out is unknown and settled by asking again),
the cached catalogue, and the upkeep round."""
from __future__ import annotations

import json
import os
import stat
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from kiosk_app import contract
from kiosk_app.backend.client import BackendClient, BackendError, NotEnrolled
from kiosk_app.backend.delivery import Delivery, UnsendableRow, make_delivery
from kiosk_app.backend.enrolment import ENROLMENT_FILE, Enroller, load_credentials
from kiosk_app.config import BackendConfig, KioskConfig
from kiosk_app.contract import MpesaResult, PaymentStatus
from kiosk_app.outbox import Outbox
from kiosk_app.payments import EXPLANATIONS, MpesaPayment
from kiosk_app.receipts.keys import DIRECTORY_FILE, KeyDirectory
from kiosk_app.services import CATALOGUE_FILE, ServiceCatalogue
from kiosk_app.upkeep import Upkeep
from tests.kiosk_app.backend.applications import application, simple_services
from tests.sandbox_fixtures import SandboxServer


def config_for(sandbox: SandboxServer, data_dir: Path, **changes: object) -> KioskConfig:
    config = KioskConfig.demo_config(data_dir=data_dir)
    backend = BackendConfig(url=sandbox.url, timeout_s=3.0, enrolment_code=sandbox.enrolment_code)
    return replace(config, **{"backend": backend, **changes})


def catalogue_of(sandbox: SandboxServer) -> contract.Catalogue:
    return contract.Catalogue.model_validate(requests.get(f"{sandbox.url}/v1/catalogue",
                                                          timeout=10).json())


def held_by(sandbox: SandboxServer) -> list[str]:
    answer = requests.get(f"{sandbox.url}/v1/operator/applications",
                          headers=sandbox.operator_headers, timeout=10)
    answer.raise_for_status()
    return [a["reference"] for a in answer.json()]


# --- enrolment ------------------------------------------------------------------------------

def test_enrolment_is_kept_private_and_reused(sandbox: SandboxServer, tmp_path: Path) -> None:
    config = config_for(sandbox, tmp_path)
    client = BackendClient(sandbox.url)
    first = Enroller(config, client).ensure()
    path = tmp_path / ENROLMENT_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.token not in repr(first)
    again = Enroller(config, BackendClient(sandbox.url)).ensure()
    assert again.token == first.token  # read from disk: not enrolled a second time
    keys = BackendClient(sandbox.url).keys()
    assert [k.device_id for k in keys.keys] == [config.device_id]


def test_a_wrong_enrolment_code_is_refused_in_both_languages(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    config = config_for(sandbox, tmp_path)
    config = replace(config, backend=replace(config.backend, 
        enrolment_code="NOT-THE-CODE"))
    with pytest.raises(BackendError) as caught:
        Enroller(config, BackendClient(sandbox.url)).ensure()
    assert caught.value.message is not None and caught.value.message.sw != caught.value.message.en
    assert load_credentials(tmp_path) is None


def test_with_no_code_and_no_enrolment_the_device_waits_for_a_technician(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    config = config_for(sandbox, tmp_path)
    config = replace(config, backend=BackendConfig(url=sandbox.url))
    with pytest.raises(NotEnrolled) as caught:
        Enroller(config, BackendClient(sandbox.url)).ensure()
    assert caught.value.retryable  # rows wait in the outbox; none is failed for it


# --- delivery -------------------------------------------------------------------------------

def test_a_row_is_delivered_once_however_often_it_is_sent(sandbox: SandboxServer,
                                                          tmp_path: Path) -> None:
    config = config_for(sandbox, tmp_path)
    service = simple_services(catalogue_of(sandbox))[0]
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    body = application(service)
    key = outbox.enqueue("application", body.model_dump(mode="json"))
    row = outbox.get(key)
    heard = []
    deliver = make_delivery(config, on_delivered=lambda r, answer: heard.append(answer))
    for _ in range(3):
        deliver(row)
    assert held_by(sandbox) == [body.reference]
    assert heard[0] == heard[1] == heard[2]
    assert heard[0].status is contract.ApplicationStatus.RECEIVED


def test_the_reference_by_sms_goes_after_its_application_exactly_once(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    """Queued while offline, the phone sealed; an SMS that reaches the backend before its
    application is told "not yet" (404) and waits, then goes once the application has."""
    from kiosk_app.applying import queue_reference_sms
    from kiosk_app.outbox.sync import Outcome, send_one, sync_once

    config = config_for(sandbox, tmp_path)
    service = simple_services(catalogue_of(sandbox))[0]
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    body = application(service)
    app_key = outbox.enqueue("application", body.model_dump(mode="json"))
    woken = []
    sms_key = queue_reference_sms(outbox, lambda: woken.append(1), body.reference,
                                  "0712 345 678", "sw")
    again = queue_reference_sms(outbox, lambda: woken.append(1), body.reference,
                                "0712 345 678", "sw")                  # a second touch
    assert again == sms_key and len(woken) == 2
    assert len(outbox.rows("sms")) == 1
    assert "phone" not in outbox.get(sms_key, opened=False).payload    # sealed on disk
    raw = (tmp_path / "outbox.sqlite3").read_bytes()
    assert b"254712345678" not in raw and b"0712345678" not in raw

    deliver = make_delivery(config)
    # The SMS comes up first (its application was set back): "not yet", kept, no SMS sent.
    sms_row = outbox.claim("sms")
    assert send_one(outbox, deliver, sms_row) is Outcome.RETRY
    assert outbox.get(sms_key).status.value == "pending"
    counts = sync_once(outbox, deliver)
    assert (counts.sent, counts.failed, counts.pending) == (2, 0, 0)
    assert outbox.get(app_key).status.value == outbox.get(sms_key).status.value == "sent"
    sync_once(outbox, deliver)
    answer = requests.get(f"{sandbox.url}{contract.Paths.OPERATOR_SMS}",
                          params={"reference": body.reference},
                          headers=sandbox.operator_headers, timeout=10)
    messages = answer.json()
    assert len(messages) == 1 and messages[0]["phone_last4"] == "5678"
    assert messages[0]["language"] == "sw" and body.reference in messages[0]["text"]


def test_a_refused_token_enrols_again_and_the_row_still_goes(sandbox: SandboxServer,
                                                            tmp_path: Path) -> None:
    config = config_for(sandbox, tmp_path)
    service = simple_services(catalogue_of(sandbox))[0]
    deliver = make_delivery(config)
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    first = outbox.get(outbox.enqueue("application", application(service).model_dump(mode="json")))
    deliver(first)
    # The backend forgets this device's token (another enrolment of the same id replaces it).
    sandbox.enrol(device_id=config.device_id)
    second = outbox.get(outbox.enqueue("application", application(service).model_dump(mode="json")))
    deliver(second)
    assert len(held_by(sandbox)) == 2


def test_a_stored_row_that_does_not_fit_the_api_is_never_retried(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    row = outbox.get(outbox.enqueue("application", {"service_code": "NOPE"}))
    deliver = Delivery(BackendClient(sandbox.url))
    with pytest.raises(UnsendableRow) as caught:
        deliver(row)
    assert not caught.value.retryable


def test_an_application_the_backend_refuses_is_not_retryable(sandbox: SandboxServer,
                                                            tmp_path: Path) -> None:
    config = config_for(sandbox, tmp_path)
    service = simple_services(catalogue_of(sandbox), paid=True)[0]
    body = application(service).model_copy(update={"amount_cents": service.total_cents + 100})
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    row = outbox.get(outbox.enqueue("application", body.model_dump(mode="json")))
    with pytest.raises(BackendError) as caught:
        make_delivery(config)(row)
    assert caught.value.status == 422 and not caught.value.retryable
    assert held_by(sandbox) == []


# --- payments -------------------------------------------------------------------------------

def paid_application(sandbox: SandboxServer, tmp_path: Path) -> tuple[BackendClient, contract.ApplicationIn]:
    config = config_for(sandbox, tmp_path)
    client = BackendClient(sandbox.url, timeout_s=3.0)
    Enroller(config, client).ensure()
    service = simple_services(catalogue_of(sandbox), paid=True)[0]
    body = application(service)
    client.submit_application(body, idempotency_key=str(uuid.uuid4()))
    return client, body


@pytest.mark.parametrize(("phone", "status", "code"), [
    ("254712340000", PaymentStatus.CONFIRMED, None),
    ("254712340001", PaymentStatus.FAILED, MpesaResult.CANCELLED),
    ("254712340002", PaymentStatus.FAILED, MpesaResult.INSUFFICIENT_FUNDS),
    ("254712340003", PaymentStatus.FAILED, MpesaResult.NO_ANSWER),
    ("254712340004", PaymentStatus.FAILED, MpesaResult.WRONG_PIN),
])
def test_each_mpesa_outcome_reaches_its_state(sandbox_factory, tmp_path: Path, phone: str,
                                              status: PaymentStatus, code: int | None) -> None:
    sandbox = sandbox_factory(confirm_after=0.3, no_answer_after=0.3)
    client, body = paid_application(sandbox, tmp_path)
    seen = []
    payment = MpesaPayment(client, reference=body.reference, phone=phone,
                           amount_cents=body.amount_cents, poll_s=0.1, answer_within_s=30)
    view = payment.run(on_change=seen.append)
    assert view.status is status
    assert view.result_code == code if code is not None else view.mpesa_receipt
    assert seen[0].status is PaymentStatus.PENDING  # "check your phone" was shown first
    if code is not None:
        assert view.message == EXPLANATIONS[code] and view.retry_allowed
    assert phone not in repr(payment)


def test_a_timed_out_request_is_unknown_then_settled_by_asking_again_without_a_second_push(
        sandbox_factory, tmp_path: Path) -> None:
    sandbox = sandbox_factory(confirm_after=0.3, slow_answer=2.0)
    client, body = paid_application(sandbox, tmp_path)
    seen = []
    payment = MpesaPayment(client, reference=body.reference, phone="254712340009",
                           amount_cents=body.amount_cents, poll_s=0.2, answer_within_s=30,
                           start_timeout_s=0.5)
    view = payment.run(on_change=seen.append)
    assert seen[0].status is PaymentStatus.UNKNOWN and not seen[0].retry_allowed
    assert PaymentStatus.FAILED not in [v.status for v in seen]
    assert view.status is PaymentStatus.CONFIRMED
    # Asked again with the same key: the backend holds one payment, not two.
    again = client.start_payment(payment.body, idempotency_key=payment.idempotency_key)
    assert again.payment_id == view.payment_id


def test_with_the_backend_gone_a_payment_stays_unknown_never_failed(
        sandbox_factory, tmp_path: Path) -> None:
    sandbox = sandbox_factory(confirm_after=60)
    client, body = paid_application(sandbox, tmp_path)
    payment = MpesaPayment(client, reference=body.reference, phone="254712340000",
                           amount_cents=body.amount_cents, poll_s=0.1, answer_within_s=1.0)
    payment.settle()  # the push is sent: pending
    assert payment.view.status is PaymentStatus.PENDING
    sandbox.stop()
    view = payment.run()
    assert view.status is PaymentStatus.UNKNOWN and not view.retry_allowed
    sandbox.start()
    assert payment.settle().status is PaymentStatus.PENDING  # still waiting on the phone


# --- the cached catalogue ---------------------------------------------------------------------

def test_the_catalogue_is_kept_for_offline_use_and_refreshed_with_its_etag(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    client = BackendClient(sandbox.url)
    services = ServiceCatalogue(tmp_path / CATALOGUE_FILE)
    assert services.load() is False and services.current is None
    first = services.refresh(client)
    assert first.changed and first.reachable
    code = services.current.services[0].code
    assert services.refresh(client).changed is False  # a 304
    sandbox.stop()
    offline = ServiceCatalogue(tmp_path / CATALOGUE_FILE)
    assert offline.load() is True
    assert offline.service(code) == services.service(code)
    assert offline.refresh(client).reachable is False
    assert offline.current is not None  # still there to show


def test_a_damaged_kept_catalogue_is_set_aside_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / CATALOGUE_FILE
    path.write_text('{"catalogue": {"version": ')
    services = ServiceCatalogue(path)
    assert services.load() is False and services.current is None
    assert path.with_name(CATALOGUE_FILE + ".damaged").exists()


def test_search_finds_services_in_either_language(sandbox: SandboxServer, tmp_path: Path) -> None:
    services = ServiceCatalogue(tmp_path / CATALOGUE_FILE)
    services.refresh(BackendClient(sandbox.url))
    service = services.current.services[0]
    word = service.name.sw.split()[0]
    assert service in services.search(word.upper(), "sw")
    assert services.search("zzzz-no-such-service", "en") == []


# --- the upkeep round -----------------------------------------------------------------------

def test_upkeep_enrols_refreshes_keys_and_notices_the_backend_coming_back(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    config = config_for(sandbox, tmp_path)
    client = BackendClient(sandbox.url, timeout_s=2.0, attempts=1)
    services = ServiceCatalogue(tmp_path / CATALOGUE_FILE)
    changes, back = [], []
    heartbeat = lambda: contract.HeartbeatIn(app_version="test", sent_at="2026-11-24T09:00:00Z")  # noqa: E731
    upkeep = Upkeep(config, client, services, Enroller(config, client), heartbeat=heartbeat,
                    on_back_online=lambda: back.append(True))
    upkeep.add_listener(changes.append)
    assert upkeep.round() is True
    assert services.current is not None
    directory = json.loads((tmp_path / DIRECTORY_FILE).read_text())
    assert config.device_id in [k["device_id"] for k in directory["keys"]]
    assert len(KeyDirectory.load(tmp_path / DIRECTORY_FILE)) == 1
    sandbox.stop()
    assert upkeep.round() is False
    sandbox.start()
    assert upkeep.round() is True
    assert changes == [True, False, True] and back == [True]
