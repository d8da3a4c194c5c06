"""One mechanism for every POST that carries an ``Idempotency-Key``: the first answer is
stored with the key, the device, the path and a hash of the body, in the same transaction as
the write it answers; the same key and body get that answer again, word for word and with the
same status; the same key with another body (or path, or device) is refused with 409.

Refusals (4xx) are not stored: they changed nothing, so asking again is answered afresh.

Two requests racing with one key cannot both apply: the key is the table's primary key, so
the loser's transaction fails with ``IntegrityError``, rolls back, and the loser is answered
with the winner's stored answer. A loser may also be refused by its work (say "reference
taken") because it saw what the winner wrote: on PostgreSQL each statement of a transaction
sees every commit made before it, so the winner can commit between the look-up of the key and
the work. A refusal is therefore checked against the key once more, and the winner's answer,
if there is one now, is the loser's too. (On SQLite writers queue anyway: see
:mod:`sandbox.db`.)

Blocking: ``run`` touches the database; call it from a route handler (a worker thread).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Header, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk_app import contract
from sandbox.context import Backend
from sandbox.db import IdempotencyRecord
from sandbox.problems import ProblemError

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
IdempotencyKey = Annotated[str, Header(
    alias=contract.IDEMPOTENCY_HEADER, pattern=UUID_PATTERN,
    description="A UUID chosen by the device for this write and kept until it is answered; "
                "sending again with the same key and body gets the first answer again.")]
REPLAY_HEADER = "Idempotent-Replayed"
ATTEMPTS = 3


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: str
    replayed: bool

    def response(self) -> Response:
        headers = {REPLAY_HEADER: "true"} if self.replayed else {}
        return Response(self.body, status_code=self.status_code,
                        media_type="application/json", headers=headers)


Work = Callable[[Session], tuple[int, BaseModel]]


def body_hash(body: BaseModel) -> str:
    """A hash of the body as parsed: spacing, key order and spelled-out defaults do not count."""
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


def _conflict() -> ProblemError:
    return ProblemError(409, "idempotency_conflict",
                        "This request's key was already used for a different request.",
                        "Ufunguo wa ombi hili ulishatumika kwa ombi jingine.")


def _replay(record: IdempotencyRecord, device_id: str, method: str, path: str,
            digest: str) -> Answer:
    if (record.device_id, record.method, record.path, record.body_hash) != (
            device_id, method, path, digest):
        raise _conflict()
    return Answer(record.status_code, record.response, replayed=True)


def run(backend: Backend, *, key: str, device_id: str, method: str, path: str,
        body: BaseModel, work: Work) -> Answer:
    """Answer ``body`` sent with ``key``: the stored answer if there is one, else ``work``'s,
    stored in the same transaction as whatever ``work`` writes."""
    key = key.lower()
    digest = body_hash(body)
    for _attempt in range(ATTEMPTS):
        try:
            with backend.sessions() as session, session.begin():
                record = session.get(IdempotencyRecord, key)
                if record is not None:
                    return _replay(record, device_id, method, path, digest)
                status_code, result = work(session)
                answer = Answer(status_code, result.model_dump_json(), replayed=False)
                session.add(IdempotencyRecord(
                    key=key, device_id=device_id, method=method, path=path, body_hash=digest,
                    status_code=status_code, response=answer.body, created_at=backend.now()))
                session.flush()
            return answer
        except IntegrityError:
            # Another request with this key (or one that took the same reference, entry or
            # number) committed first. Look again: we replay its answer, or ``work`` now sees
            # what it wrote and answers accordingly.
            continue
        except ProblemError:
            # Refused (or a conflict found above, which this finds again). If a request with
            # this key was answered meanwhile, the refusal may only echo what it wrote.
            with backend.sessions() as session:
                record = session.get(IdempotencyRecord, key)
            if record is None:
                raise
            return _replay(record, device_id, method, path, digest)
    raise ProblemError(409, "idempotency_in_progress",
                       "The backend is still working on this request. Send it again shortly.",
                       "Mfumo bado unashughulikia ombi hili. Tuma tena baada ya muda mfupi.",
                       headers={"Retry-After": "1"})
