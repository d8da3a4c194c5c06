"""M-Pesa payments: an STK push simulator (``POST /v1/payments``, idempotent;
``GET /v1/payments/{payment_id}``).

A push starts ``pending`` and gets its final answer after the confirm delay (the sandbox's
``--confirm-after``), chosen by the **last four digits of the phone number**:

=========  ==============================================================================
ends with  what happens
=========  ==============================================================================
0001       failed, result 1032: the person cancelled on the phone
0002       failed, result 1: not enough money in M-Pesa
0003       failed, result 1037: no answer from the phone, after ``--no-answer-after``
0004       failed, result 2001: wrong M-Pesa PIN
0009       confirmed, but the **first** answer to the POST is held back ``--slow-answer``
           seconds, so a device with a shorter time limit must treat the payment as
           ``unknown`` and ask again (a replay with the same Idempotency-Key answers at once)
other      confirmed, with an M-Pesa receipt like ``SKL3X9ABCD``
=========  ==============================================================================

The final state is fixed when the push is made and shown from its time on (no background
thread). The sandbox keeps the phone's last four digits only. Amounts are whole shillings.

Blocking: the handlers touch the database, and a ``...0009`` first answer sleeps; FastAPI runs
them on worker threads.
"""
from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy.orm import Session

from kiosk_app import contract
from kiosk_app.contract import MpesaResult, PaymentStatus
from sandbox import idempotency
from sandbox.auth import DeviceDep
from sandbox.context import Backend, BackendDep
from sandbox.db import PaymentRecord
from sandbox.problems import ProblemError, refused_body, responses

router = APIRouter(tags=["payments"])

SLOW_SUFFIX = "0009"
_ALNUM = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Outcome:
    status: PaymentStatus
    code: MpesaResult
    en: str
    sw: str


OUTCOMES: dict[str, Outcome] = {
    "0001": Outcome(PaymentStatus.FAILED, MpesaResult.CANCELLED,
                    "You cancelled the payment on your phone. No money was taken. "
                    "To try again, choose Pay.",
                    "Ulighairi malipo kwenye simu yako. Hakuna pesa iliyotolewa. "
                    "Kujaribu tena, chagua Lipa."),
    "0002": Outcome(PaymentStatus.FAILED, MpesaResult.INSUFFICIENT_FUNDS,
                    "There is not enough money in this M-Pesa account. No money was taken. "
                    "Add money to M-Pesa or use another phone, then try again.",
                    "Salio la M-Pesa halitoshi. Hakuna pesa iliyotolewa. Ongeza pesa kwenye "
                    "M-Pesa au tumia simu nyingine, kisha ujaribu tena."),
    "0003": Outcome(PaymentStatus.FAILED, MpesaResult.NO_ANSWER,
                    "The phone did not answer the payment request. No money was taken. "
                    "Check that the phone is on and has network, then try again.",
                    "Simu haikujibu ombi la malipo. Hakuna pesa iliyotolewa. Hakikisha simu "
                    "imewashwa na ina mtandao, kisha ujaribu tena."),
    "0004": Outcome(PaymentStatus.FAILED, MpesaResult.WRONG_PIN,
                    "The M-Pesa PIN was wrong. No money was taken. Try again and enter the "
                    "M-Pesa PIN carefully.",
                    "PIN ya M-Pesa haikuwa sahihi. Hakuna pesa iliyotolewa. Jaribu tena na "
                    "uweke PIN ya M-Pesa kwa makini."),
}
CONFIRMED = Outcome(PaymentStatus.CONFIRMED, MpesaResult.SUCCESS,
                    "Paid. M-Pesa receipt {receipt}.", "Umelipa. Risiti ya M-Pesa {receipt}.")

PaymentIdInPath = Annotated[str, Path(max_length=40, description="From the POST's answer")]


def outcome_for(phone: str) -> Outcome:
    return OUTCOMES.get(phone[-4:], CONFIRMED)


def new_mpesa_receipt() -> str:
    """Ten capitals and digits, starting with a letter, like Safaricom's ``SKL3X9ABCD``."""
    return secrets.choice(string.ascii_uppercase) + "".join(
        secrets.choice(_ALNUM) for _ in range(9))


def to_contract(record: PaymentRecord, backend: Backend) -> contract.Payment:
    now = backend.now()
    if now < record.final_at:
        return contract.Payment(payment_id=record.payment_id, reference=record.reference,
                                amount_cents=record.amount_cents, status=PaymentStatus.PENDING,
                                updated_at=record.created_at)
    outcome = OUTCOMES.get(record.outcome, CONFIRMED)
    receipt = record.mpesa_receipt or ""
    return contract.Payment(
        payment_id=record.payment_id, reference=record.reference,
        amount_cents=record.amount_cents, status=outcome.status,
        result_code=int(outcome.code),
        result=contract.Text(en=outcome.en.format(receipt=receipt),
                             sw=outcome.sw.format(receipt=receipt)),
        mpesa_receipt=record.mpesa_receipt, updated_at=record.final_at)


def _create(backend: Backend, device: DeviceDep, body: contract.PaymentIn,
            session: Session) -> tuple[int, contract.Payment]:
    if body.amount_cents % 100:
        raise refused_body({"amount_cents": "M-Pesa takes whole shillings: a multiple of 100"})
    suffix = body.phone[-4:]
    outcome = outcome_for(body.phone)
    settings = backend.settings
    delay = settings.no_answer_after_s if outcome.code is MpesaResult.NO_ANSWER \
        else settings.confirm_after_s
    now = backend.now()
    record = PaymentRecord(
        payment_id="PAY-" + "".join(secrets.choice(_ALNUM) for _ in range(12)),
        reference=body.reference, device_id=device.device_id, amount_cents=body.amount_cents,
        phone_last4=suffix, outcome=suffix if suffix in OUTCOMES else "confirmed",
        result_code=int(outcome.code),
        mpesa_receipt=new_mpesa_receipt() if outcome is CONFIRMED else None,
        created_at=now, final_at=now + timedelta(seconds=delay))
    session.add(record)
    return 201, to_contract(record, backend)


@router.post(
    contract.Paths.PAYMENTS, response_model=contract.Payment, status_code=201,
    summary="Ask M-Pesa for a payment (STK push simulator)",
    description=(
        "Starts `pending`; the final answer comes after the sandbox's confirm delay, chosen "
        "by the phone number's last four digits: **0001** failed 1032 (cancelled), "
        "**0002** failed 1 (not enough money), **0003** failed 1037 (no answer from the "
        "phone, after the no-answer delay), **0004** failed 2001 (wrong PIN), **0009** "
        "confirmed but the first answer to this POST is held back by the slow-answer delay "
        "(a replay with the same Idempotency-Key answers at once); any other number is "
        "confirmed. Amounts are whole shillings. Idempotent by key."),
    responses=responses(400, 401, 409, 422))
def post_payment(backend: BackendDep, device: DeviceDep, key: idempotency.IdempotencyKey,
                 body: contract.PaymentIn) -> Response:
    answer = idempotency.run(
        backend, key=key, device_id=device.device_id, method="POST",
        path=contract.Paths.PAYMENTS, body=body,
        work=lambda session: _create(backend, device, body, session))
    if not answer.replayed and body.phone.endswith(SLOW_SUFFIX):
        time.sleep(backend.settings.slow_answer_s)
    return answer.response()


@router.get(
    contract.Paths.PAYMENT, response_model=contract.Payment,
    summary="A payment's current state", responses=responses(401, 404, 422))
def get_payment(backend: BackendDep, _device: DeviceDep,
                payment_id: PaymentIdInPath) -> contract.Payment:
    with backend.sessions() as session:
        record = session.get(PaymentRecord, payment_id)
        if record is None:
            raise ProblemError(404, "payment_not_found",
                               "We have no payment with this number.",
                               "Hatuna malipo yenye nambari hii.")
        return to_contract(record, backend)
