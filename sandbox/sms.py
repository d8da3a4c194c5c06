"""The reference by SMS (``POST /v1/applications/{reference}/sms``, idempotent), for a person
whose receipt could not print, and the simulated SMS gateway's log for operators
(``GET /v1/operator/sms``).

The backend writes the message itself, in the language asked for, from the application it
holds: the device sends only the phone number. The sandbox's gateway keeps the message and the
phone's last four digits (nothing is sent anywhere); an operator, a test or the demo reads it.

Blocking: the handlers touch the database; FastAPI runs them on worker threads.
"""
from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk_app import contract
from sandbox import idempotency
from sandbox.applications import ReferenceInPath
from sandbox.auth import DeviceDep, OperatorDep
from sandbox.context import Backend, BackendDep
from sandbox.db import ApplicationRecord, SmsRecord
from sandbox.problems import ProblemError, responses

router = APIRouter(tags=["applications"])


def message(reference: str, service: contract.Text, language: str) -> str:
    """The SMS: the reference, the service, and what the reference is good for."""
    if language == "sw":
        return (f"Huduma: tumepokea ombi lako {reference} ({service.sw}). Tumia nambari hii "
                "kwenye kioski chochote cha Huduma kuona ombi linavyoendelea au kuchapisha "
                "risiti tena.")
    return (f"Huduma: we have your application {reference} ({service.en}). Use this reference "
            "at any Huduma kiosk to see how it is going or to print your receipt again.")


def _not_yet() -> ProblemError:
    return ProblemError(
        404, "application_not_found",
        "We do not have an application with this reference yet, so no SMS was sent.",
        "Bado hatuna ombi lenye nambari hii ya kumbukumbu, kwa hiyo hakuna SMS iliyotumwa.")


def _send(backend: Backend, device: DeviceDep, reference: str, body: contract.SmsIn,
          session: Session) -> tuple[int, contract.Accepted]:
    printed = contract.normalise_reference(reference)
    record = session.get(ApplicationRecord, printed) if printed else None
    if record is None:
        raise _not_yet()
    service = backend.service(session, record.service_code)
    now = backend.now()
    sms = SmsRecord(id="SMS-" + secrets.token_hex(8).upper(), reference=record.reference,
                    device_id=device.device_id, phone_last4=body.phone[-4:],
                    language=body.language,
                    text=message(record.reference, service.name, body.language), sent_at=now)
    session.add(sms)
    return 202, contract.Accepted(id=sms.id, received_at=now)


@router.post(contract.Paths.APPLICATION_SMS, response_model=contract.Accepted, status_code=202,
             summary="Send the reference to a phone by SMS",
             description="For a person whose receipt could not print. The backend writes the "
                         "message in the language asked for. 404 while the backend does not "
                         "have the application yet (a device asks again later). Idempotent "
                         "by key.",
             responses=responses(400, 401, 404, 409, 422))
def post_sms(backend: BackendDep, device: DeviceDep, key: idempotency.IdempotencyKey,
             reference: ReferenceInPath, body: contract.SmsIn) -> Response:
    path = contract.Paths.APPLICATION_SMS.format(reference=reference)
    return idempotency.run(
        backend, key=key, device_id=device.device_id, method="POST", path=path, body=body,
        work=lambda session: _send(backend, device, reference, body, session)).response()


@router.get(contract.Paths.OPERATOR_SMS, response_model=list[contract.SmsMessage],
            tags=["operator"], summary="What the SMS gateway took (back office)",
            description="Newest first; `reference` keeps only that application's.",
            responses=responses(401, 422))
def list_sms(backend: BackendDep, _operator: OperatorDep,
             reference: Annotated[str | None, Query(
                 pattern=contract.REFERENCE_PATTERN,
                 description="Only this application's messages (its reference as printed)")] = None,
             ) -> list[contract.SmsMessage]:
    with backend.sessions() as session:
        query = select(SmsRecord).order_by(SmsRecord.sent_at.desc(), SmsRecord.id)
        if reference is not None:
            query = query.filter_by(reference=reference)
        return [contract.SmsMessage(id=r.id, reference=r.reference, phone_last4=r.phone_last4,
                                    language=r.language, text=r.text,  # type: ignore[arg-type]
                                    sent_at=r.sent_at)
                for r in session.scalars(query)]
