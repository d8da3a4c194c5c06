"""The M-Pesa STK push simulator over real HTTP: each outcome by the phone's last digits, the
slow first answer, and the rules on amounts."""
from __future__ import annotations

import re
import time
import uuid

import pytest
import requests

from kiosk_app import contract
from kiosk_app.contract import MpesaResult, Paths, PaymentStatus
from tests.sandbox.helpers import TIMEOUT, Device, problem, query
from tests.sandbox_fixtures import SandboxServer

pytestmark = pytest.mark.postgresql  # every test here runs on PostgreSQL too


@pytest.fixture(scope="module")
def kiosk(shared_sandbox: SandboxServer) -> Device:
    return Device(shared_sandbox)


def push(kiosk: Device, phone: str, amount_cents: int = 10_000,
         key: str | None = None) -> requests.Response:
    body = {"reference": contract.new_reference(), "phone": phone, "amount_cents": amount_cents}
    return kiosk.post(Paths.PAYMENTS, body, key)


def stored_payments(server: SandboxServer, reference: str, within_s: float = 30) -> int:
    """How many payments the sandbox's database holds for ``reference``, once it holds one."""
    deadline = time.monotonic() + within_s
    while True:
        count = query(server, "SELECT count(*) FROM payments WHERE reference = :reference",
                      reference=reference)[0][0]
        if count or time.monotonic() > deadline:
            return int(count)
        time.sleep(0.05)


def final_state(kiosk: Device, payment_id: str, within_s: float = 30) -> contract.Payment:
    """Ask until the payment is no longer pending (the confirm delay is well under a second)."""
    deadline = time.monotonic() + within_s
    while True:
        answer = kiosk.get(Paths.PAYMENT.format(payment_id=payment_id))
        assert answer.status_code == 200, answer.text
        payment = contract.Payment.model_validate(answer.json())
        if payment.status is not PaymentStatus.PENDING or time.monotonic() > deadline:
            return payment
        time.sleep(0.05)


@pytest.mark.parametrize(("phone", "code"), [
    ("254712340001", MpesaResult.CANCELLED),
    ("254712340002", MpesaResult.INSUFFICIENT_FUNDS),
    ("254712340003", MpesaResult.NO_ANSWER),
    ("254112340004", MpesaResult.WRONG_PIN),
])
def test_each_failure_has_its_code_and_words_for_the_person(kiosk: Device, phone: str,
                                                            code: MpesaResult) -> None:
    started = push(kiosk, phone)
    assert started.status_code == 201, started.text
    first = contract.Payment.model_validate(started.json())
    assert first.status is PaymentStatus.PENDING and first.result_code is None
    payment = final_state(kiosk, first.payment_id)
    assert payment.status is PaymentStatus.FAILED
    assert payment.result_code == code
    assert payment.mpesa_receipt is None
    assert payment.result is not None and payment.result.en != payment.result.sw
    assert "No money was taken" in payment.result.en and "try again" in payment.result.en.lower()
    assert payment.updated_at > first.updated_at


def test_any_other_number_is_confirmed_with_a_receipt(kiosk: Device) -> None:
    started = push(kiosk, "254722000000", amount_cents=105_000)
    first = contract.Payment.model_validate(started.json())
    payment = final_state(kiosk, first.payment_id)
    assert payment.status is PaymentStatus.CONFIRMED
    assert payment.result_code == MpesaResult.SUCCESS
    assert payment.mpesa_receipt is not None and re.fullmatch(r"[A-Z][A-Z0-9]{9}",
                                                              payment.mpesa_receipt)
    assert payment.mpesa_receipt in payment.result.en and payment.mpesa_receipt in payment.result.sw
    assert payment.amount_cents == 105_000 and payment.reference == first.reference
    # The phone number is not kept: nothing about it is served back.
    assert "254722000000" not in kiosk.get(Paths.PAYMENT.format(
        payment_id=first.payment_id)).text


def test_no_answer_waits_longer_than_a_confirmation(kiosk: Device) -> None:
    # The shared sandbox confirms after 0.3 s and gives up on a silent phone after 0.6 s.
    confirmed = contract.Payment.model_validate(push(kiosk, "254712345678").json())
    silent = contract.Payment.model_validate(push(kiosk, "254712340003").json())
    done = final_state(kiosk, confirmed.payment_id)
    failed = final_state(kiosk, silent.payment_id)
    assert (done.updated_at - confirmed.updated_at) < (failed.updated_at - silent.updated_at)


def test_the_slow_number_holds_back_only_the_first_answer(kiosk: Device) -> None:
    key = str(uuid.uuid4())
    body = {"reference": contract.new_reference(), "phone": "254712340009",
            "amount_cents": 10_000}
    url = f"{kiosk.server.url}{Paths.PAYMENTS}"
    headers = {**kiosk.auth, "Idempotency-Key": key}
    # The shared sandbox holds the first answer 1.5 s: a device waiting 0.3 s gives up, and
    # must treat the payment as unknown.
    with pytest.raises(requests.Timeout):
        requests.post(url, json=body, headers=headers, timeout=0.3)
    assert stored_payments(kiosk.server, body["reference"]) == 1  # the push was made
    # Asked again with the same key, while the first answer is still held back: answered,
    # and it is the same payment (no second push).
    again = requests.post(url, json=body, headers=headers, timeout=TIMEOUT)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    payment = final_state(kiosk, again.json()["payment_id"])
    assert payment.status is PaymentStatus.CONFIRMED
    assert stored_payments(kiosk.server, body["reference"]) == 1


def test_amounts_are_whole_shillings_within_mpesa_limits(kiosk: Device) -> None:
    cents = push(kiosk, "254712345678", amount_cents=10_050)
    assert cents.status_code == 422 and "amount_cents" in problem(cents).fields
    assert push(kiosk, "254712345678", amount_cents=50).status_code == 422
    assert push(kiosk, "254712345678", amount_cents=15_000_100).status_code == 422
    bad_phone = push(kiosk, "0712345678")
    assert bad_phone.status_code == 422 and "body.phone" in problem(bad_phone).fields
    assert "0712345678" not in bad_phone.text


def test_a_replay_is_the_same_payment_and_another_body_is_a_conflict(kiosk: Device) -> None:
    key = str(uuid.uuid4())
    body = {"reference": contract.new_reference(), "phone": "254712345678",
            "amount_cents": 10_000}
    first = kiosk.post(Paths.PAYMENTS, body, key)
    again = kiosk.post(Paths.PAYMENTS, body, key)
    assert again.json() == first.json()
    other = kiosk.post(Paths.PAYMENTS, {**body, "amount_cents": 20_000}, key)
    assert other.status_code == 409 and problem(other).code == "idempotency_conflict"


def test_an_unknown_payment_is_404_and_reading_needs_a_token(kiosk: Device) -> None:
    missing = kiosk.get(Paths.PAYMENT.format(payment_id="PAY-NOSUCHPAYMENT"))
    assert missing.status_code == 404 and problem(missing).message.sw
    started = contract.Payment.model_validate(push(kiosk, "254712345678").json())
    anonymous = requests.get(
        f"{kiosk.server.url}{Paths.PAYMENT.format(payment_id=started.payment_id)}",
        timeout=TIMEOUT)
    assert anonymous.status_code == 401
