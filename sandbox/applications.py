"""Applications: made by devices (``POST /v1/applications``, idempotent), read by anyone who
holds the reference (``GET /v1/applications/{reference}``: no personal data), moved along by
the back office (``/v1/operator/applications...``, ``X-Operator-Key``).

A new application's timeline is "submitted" at the device's ``created_at``, then "received"
at the backend's time. The operator may move it only along ``contract.NEXT_STATUSES``; a
rejection needs a note, in both languages, that tells the applicant why.

Blocking: the handlers read and write the database; FastAPI runs them on worker threads.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk_app import contract
from kiosk_app.contract import ApplicationStatus
from sandbox import idempotency
from sandbox.answers import check_answers
from sandbox.auth import DeviceDep, OperatorDep
from sandbox.context import Backend, BackendDep
from sandbox.db import AgentRecord, ApplicationRecord, PaymentRecord, StatusEventRecord
from sandbox.problems import ProblemError, refused_body, responses

router = APIRouter(tags=["applications"])

ReferenceInPath = Annotated[str, Path(
    max_length=40, description="The application's reference as printed, e.g. HK-7M2Q-K9XD-38")]


def _not_found() -> ProblemError:
    return ProblemError(
        404, "application_not_found",
        "We have no application with this reference. Check the reference on your receipt "
        "and try again.",
        "Hatuna ombi lenye nambari hii ya kumbukumbu. Angalia nambari kwenye risiti yako "
        "kisha ujaribu tena.")


def add_working_days(start: datetime, days: int) -> datetime:
    """``days`` working days (Monday to Friday) after ``start``."""
    when = start
    while days > 0:
        when += timedelta(days=1)
        if when.weekday() < 5:
            days -= 1
    return when


def _events(session: Session, reference: str) -> list[StatusEventRecord]:
    return list(session.scalars(select(StatusEventRecord).filter_by(reference=reference)
                                .order_by(StatusEventRecord.seq)))


def to_contract(session: Session, record: ApplicationRecord) -> contract.Application:
    timeline = [contract.StatusEvent(
        status=ApplicationStatus(event.status), at=event.at,
        note=contract.Text.model_validate_json(event.note) if event.note else None)
        for event in _events(session, record.reference)]
    status = ApplicationStatus(record.status)
    expected = (None if status is ApplicationStatus.REJECTED
                else add_working_days(record.received_at, record.processing_days))
    return contract.Application(
        reference=record.reference, service_code=record.service_code,
        service_name=contract.Text.model_validate_json(record.service_name),
        status=status, timeline=timeline, amount_cents=record.amount_cents,
        collection=contract.Text.model_validate_json(record.collection),
        expected_ready=expected)


def check_application(session: Session, body: contract.ApplicationIn,
                      service: contract.Service) -> None:
    """A 422 Problem for an application the catalogue does not allow."""
    if not service.online:
        raise ProblemError(
            422, "service_not_online",
            "This service cannot be applied for here. Ask at the counter.",
            "Huduma hii haiwezi kuombwa hapa. Uliza kwenye dirisha la huduma.",
            fields={"service_code": "this service is information only"})
    fields = check_answers(service, body.answers, body.attachments)
    if body.amount_cents != service.total_cents:
        fields["amount_cents"] = f"must be the service's total fees, {service.total_cents} cents"
    if body.payment == "cash" and body.channel is not contract.Channel.AGENT:
        fields["payment"] = "only an agent takes cash"
    if body.channel is contract.Channel.AGENT and body.agent_number is None:
        fields["agent_number"] = "required when the channel is 'agent'"
    if body.channel is contract.Channel.AGENT and body.consent_at is None:
        fields["consent_at"] = "the customer's consent is required when an agent applies"
    if body.agent_number is not None and session.get(AgentRecord, body.agent_number) is None:
        fields["agent_number"] = "no agent with this number"
    if body.payment_id is not None:
        payment = session.get(PaymentRecord, body.payment_id)
        if payment is not None and payment.reference != body.reference:
            fields["payment_id"] = "this payment is for another application"
    if fields:
        raise refused_body(fields)


def _create(backend: Backend, device: DeviceDep, body: contract.ApplicationIn,
            session: Session) -> tuple[int, contract.Application]:
    service = backend.service(session, body.service_code)
    check_application(session, body, service)
    if session.get(ApplicationRecord, body.reference) is not None:
        raise ProblemError(
            409, "reference_taken",
            "Another application already has this reference. The device must make a new one.",
            "Ombi jingine tayari lina nambari hii ya kumbukumbu. Kifaa kitengeneze nambari mpya.",
            fields={"reference": "already used by another application"})
    now = backend.now()
    record = ApplicationRecord(
        reference=body.reference, service_code=service.code, device_id=device.device_id,
        channel=body.channel.value, agent_number=body.agent_number, language=body.language,
        applicant=body.applicant.model_dump_json(), answers=json.dumps(body.answers),
        attachments=json.dumps(body.attachments) if body.attachments else None,
        amount_cents=body.amount_cents, payment=body.payment, payment_id=body.payment_id,
        service_name=service.name.model_dump_json(),
        collection=service.collection.model_dump_json(),
        processing_days=service.processing_days, status=ApplicationStatus.RECEIVED.value,
        created_at=body.created_at, received_at=now, consent_at=body.consent_at)
    session.add(record)
    session.flush()
    session.add_all([
        StatusEventRecord(reference=body.reference, seq=1,
                          status=ApplicationStatus.SUBMITTED.value, at=body.created_at),
        StatusEventRecord(reference=body.reference, seq=2,
                          status=ApplicationStatus.RECEIVED.value, at=now)])
    session.flush()
    return 201, to_contract(session, record)


@router.post(
    contract.Paths.APPLICATIONS, response_model=contract.Application, status_code=201,
    summary="Make an application",
    description="Checked against the catalogue: the service is online, `amount_cents` is its "
                "total fees, every answer fits its form field, and each `photo` field is "
                "answered by an attachment (a base64 JPEG). Idempotent by key.",
    responses=responses(400, 401, 409, 422))
def post_application(backend: BackendDep, device: DeviceDep,
                     key: idempotency.IdempotencyKey,
                     body: contract.ApplicationIn) -> Response:
    return idempotency.run(
        backend, key=key, device_id=device.device_id, method="POST",
        path=contract.Paths.APPLICATIONS, body=body,
        work=lambda session: _create(backend, device, body, session)).response()


@router.get(
    contract.Paths.APPLICATION, response_model=contract.Application,
    summary="An application's status and timeline",
    description="Public: anyone holding the reference (the receipt's QR) may ask. "
                "No personal data.",
    responses=responses(404, 422))
def get_application(backend: BackendDep, reference: ReferenceInPath) -> contract.Application:
    printed = contract.normalise_reference(reference)
    with backend.sessions() as session:
        record = session.get(ApplicationRecord, printed) if printed else None
        if record is None:
            raise _not_found()
        return to_contract(session, record)


@router.get(
    contract.Paths.OPERATOR_APPLICATIONS, response_model=list[contract.Application],
    tags=["operator"], summary="Every application (back office)",
    description="Newest first; `status` keeps only those in that status.",
    responses=responses(401, 422))
def list_applications(backend: BackendDep, _operator: OperatorDep,
                      status: ApplicationStatus | None = None,
                      ) -> list[contract.Application]:
    with backend.sessions() as session:
        query = select(ApplicationRecord).order_by(ApplicationRecord.received_at.desc(),
                                                   ApplicationRecord.reference)
        if status is not None:
            query = query.filter_by(status=status.value)
        return [to_contract(session, record) for record in session.scalars(query)]


@router.post(
    contract.Paths.ADVANCE, response_model=contract.Application, tags=["operator"],
    summary="Move an application to its next status (back office)",
    description="Only along the contract's NEXT_STATUSES: received -> in_progress | rejected, "
                "in_progress -> ready_for_collection | rejected, ready_for_collection -> "
                "collected. A rejection needs a `note` saying why, in both languages.",
    responses=responses(400, 401, 404, 409, 422))
def advance(backend: BackendDep, _operator: OperatorDep, reference: ReferenceInPath,
            body: contract.AdvanceIn) -> contract.Application:
    if body.status is ApplicationStatus.REJECTED and body.note is None:
        raise refused_body({"note": "a rejection needs a note that tells the applicant why"})
    printed = contract.normalise_reference(reference)
    with backend.sessions() as session, session.begin():
        # Held until the commit, so two moves sent at once are judged one after the other.
        record = (session.get(ApplicationRecord, printed, with_for_update=True)
                  if printed else None)
        if record is None:
            raise _not_found()
        current = ApplicationStatus(record.status)
        if body.status not in contract.NEXT_STATUSES[current]:
            allowed = sorted(status.value for status in contract.NEXT_STATUSES[current])
            raise ProblemError(
                409, "illegal_status_move",
                f"An application that is {current.value} cannot become {body.status.value}. "
                f"It can become: {', '.join(allowed) or 'nothing (it is final)'}.",
                f"Ombi lililo {current.value} haliwezi kuwa {body.status.value}. "
                f"Linaweza kuwa: {', '.join(allowed) or 'hakuna (limekamilika)'}.",
                fields={"status": f"not a next status of {current.value}"})
        seq = (session.scalar(select(func.max(StatusEventRecord.seq))
                              .filter_by(reference=record.reference)) or 0) + 1
        session.add(StatusEventRecord(
            reference=record.reference, seq=seq, status=body.status.value, at=backend.now(),
            note=body.note.model_dump_json() if body.note else None))
        record.status = body.status.value
        session.flush()
        return to_contract(session, record)
