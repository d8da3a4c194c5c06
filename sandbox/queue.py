"""Queue tickets for the hall (``POST /v1/queue/tickets``, idempotent) and feedback
(``POST /v1/feedback``, idempotent).

Each service's category has its own counter group and letter, in the catalogue's order of
categories (the first is A). Numbers count up per group and per day (Nairobi time) and go
round after 999.

How long the wait is: a simple but honest model. Each group is one line served one person at
a time, ``MINUTES_PER_PERSON`` each, first come first served. The sandbox replays the tickets
its group issued in the last ``LOOKBACK`` through that line: those not yet done (at the
counter or still waiting) are ``waiting_ahead``; the wait is until the last of them is done.

Blocking: the handlers touch the database; FastAPI runs them on worker threads.
"""
from __future__ import annotations

import hashlib
import math
import secrets
import string
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk_app import contract
from sandbox import idempotency
from sandbox.auth import DeviceDep
from sandbox.context import Backend, BackendDep
from sandbox.db import FeedbackRecord, TicketRecord
from sandbox.problems import responses

router = APIRouter(tags=["queue and feedback"])

NAIROBI = timezone(timedelta(hours=3), "EAT")
MINUTES_PER_PERSON = 6
LOOKBACK = timedelta(hours=4)
_LETTERS = string.ascii_uppercase


def counter_group(catalogue: contract.Catalogue, service: contract.Service,
                  ) -> tuple[str, contract.Text]:
    """The letter and the words for the service's counter group."""
    codes = [category.code for category in catalogue.categories]
    if service.category in codes:
        index = codes.index(service.category)
        name = catalogue.categories[index].name
        letter = _LETTERS[index % len(_LETTERS)]
    else:
        letter, name = "Z", contract.Text(en="Other services", sw="Huduma nyingine")
    return letter, contract.Text(en=f"Counters {letter}: {name.en}",
                                 sw=f"Madirisha {letter}: {name.sw}")


def queue_ahead(issued: list[datetime], now: datetime) -> tuple[int, int]:
    """People ahead (not yet done) and minutes until a new arrival's turn, for one line served
    one at a time (``issued`` in order)."""
    free_at: datetime | None = None
    waiting = 0
    step = timedelta(minutes=MINUTES_PER_PERSON)
    for at in issued:
        start = at if free_at is None or free_at < at else free_at
        free_at = start + step
        if free_at > now:
            waiting += 1
    if free_at is None or free_at <= now:
        return waiting, 0
    return waiting, math.ceil((free_at - now).total_seconds() / 60)


def hold_numbering(session: Session, letter: str) -> None:
    """Hold the numbering of counter group ``letter`` until this transaction ends, so that two
    tickets taken at once never read the same last number (and each counts the other among
    those waiting). On SQLite there is nothing to do: every transaction there starts with
    BEGIN IMMEDIATE, which queues writers already (see :mod:`sandbox.db`). On PostgreSQL a
    transaction-level advisory lock per group does it, let go at commit or rollback."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"huduma-tickets:{letter}".encode()).digest()
        session.execute(select(func.pg_advisory_xact_lock(
            int.from_bytes(digest[:8], "big", signed=True))))


def _issue(backend: Backend, device: DeviceDep, body: contract.TicketIn,
           session: Session) -> tuple[int, contract.Ticket]:
    catalogue = backend.catalogue.get(session)[0]
    service = backend.service(session, body.service_code)
    letter, group_name = counter_group(catalogue, service)
    hold_numbering(session, letter)
    now = backend.now()  # once the numbering is ours: numbers follow the times they were issued
    day = now.astimezone(NAIROBI).date().isoformat()
    last = session.scalar(select(func.max(TicketRecord.seq)).filter_by(
        counter_group=letter, day=day)) or 0
    issued = list(session.scalars(
        select(TicketRecord.issued_at).filter(TicketRecord.counter_group == letter,
                                              TicketRecord.issued_at > now - LOOKBACK)
        .order_by(TicketRecord.issued_at, TicketRecord.id)))
    waiting, minutes = queue_ahead(issued, now)
    seq = last + 1
    session.add(TicketRecord(counter_group=letter, day=day, seq=seq, service_code=service.code,
                             reference=body.reference, device_id=device.device_id,
                             issued_at=now))
    return 201, contract.Ticket(number=f"{letter}{(seq - 1) % 999 + 1:03d}",
                                service_code=service.code, counter_group=group_name,
                                issued_at=now, waiting_ahead=waiting,
                                estimated_wait_minutes=minutes)


@router.post(contract.Paths.TICKETS, response_model=contract.Ticket, status_code=201,
             summary="Take a queue ticket",
             description="A number per counter group (the service's category) and day, with "
                         "how many wait ahead and about how long. Idempotent by key.",
             responses=responses(400, 401, 409, 422))
def post_ticket(backend: BackendDep, device: DeviceDep, key: idempotency.IdempotencyKey,
                body: contract.TicketIn) -> Response:
    return idempotency.run(
        backend, key=key, device_id=device.device_id, method="POST",
        path=contract.Paths.TICKETS, body=body,
        work=lambda session: _issue(backend, device, body, session)).response()


def _feedback(backend: Backend, device: DeviceDep, body: contract.FeedbackIn,
              session: Session) -> tuple[int, contract.Accepted]:
    now = backend.now()
    record = FeedbackRecord(
        id="FB-" + secrets.token_hex(8).upper(), device_id=device.device_id, rating=body.rating,
        reasons=",".join(body.reasons), service_code=body.service_code,
        reference=body.reference, language=body.language, created_at=body.created_at,
        received_at=now)
    session.add(record)
    return 201, contract.Accepted(id=record.id, received_at=now)


@router.post(contract.Paths.FEEDBACK, response_model=contract.Accepted, status_code=201,
             summary="Rate the service", description="Idempotent by key.",
             responses=responses(400, 401, 409, 422))
def post_feedback(backend: BackendDep, device: DeviceDep, key: idempotency.IdempotencyKey,
                  body: contract.FeedbackIn) -> Response:
    return idempotency.run(
        backend, key=key, device_id=device.device_id, method="POST",
        path=contract.Paths.FEEDBACK, body=body,
        work=lambda session: _feedback(backend, device, body, session)).response()
