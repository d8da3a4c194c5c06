"""BETA agents: the demo agents, PIN sign-in with a lock after wrong PINs, and each agent's
double-entry ledger.

Demo agents (seeded at start; bound to every agent device):

============  =====================  ====  ================================
agent number  name                   PIN   own ID card
============  =====================  ====  ================================
BA-0001       Demo Agent Kilimani    2468  the demo card (ID number 12345678)
BA-0002       Demo Agent Kisumu      1357  none
BA-0003       Demo Agent Mombasa     8024  none
============  =====================  ====  ================================

A PIN is kept only as ``scrypt$n$r$p$salt$hash`` (hashlib.scrypt, n=2**14, r=8, p=1, 32-byte
hash; salt and hash in base64url without padding), which the device also gets so that it can
check the PIN offline. An agent's own ID number is kept the same way (``id_number_hash``), so
that the device can sign the agent in with their ID card, offline too. Five wrong PINs in a row lock the agent: first for the sandbox's
``--lockout`` seconds, then twice as long each time, until a right PIN.

A ledger entry debits one account and credits another by the same amount, so the balances
over any range sum to zero. An entry is idempotent by its ``entry_id`` as well as by the
request's Idempotency-Key.

Blocking: scrypt and the database; FastAPI runs the handlers on worker threads.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from datetime import datetime, time, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import AwareDatetime
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk_app import contract
from kiosk_app.contract import LedgerAccount
from sandbox import idempotency
from sandbox.auth import CallingDevice, DeviceDep
from sandbox.context import Backend, BackendDep
from sandbox.db import AgentRecord, LedgerEntryRecord
from sandbox.problems import ProblemError, refused_body, responses
from sandbox.settings import Settings

router = APIRouter(tags=["agents"])

DEMO_AGENTS: tuple[tuple[str, str, str], ...] = (
    ("BA-0001", "Demo Agent Kilimani", "2468"),
    ("BA-0002", "Demo Agent Kisumu", "1357"),
    ("BA-0003", "Demo Agent Mombasa", "8024"),
)
"""(agent number, name, PIN): the PINs are for the demo, and written here on purpose."""
DEMO_ID_NUMBERS: dict[str, str] = {"BA-0001": "12345678"}
"""The demo agents' own ID numbers: BA-0001 holds the demo ID card (the card emulator's
``demo_identity``, whose ID number is 12345678), so the demo card signs in as that agent."""
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
TRIES_BEFORE_LOCK = 5
NAIROBI = timezone(timedelta(hours=3), "EAT")

AgentNumberInPath = Annotated[str, Path(max_length=16, description="e.g. BA-0001")]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, pin_hash: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = pin_hash.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(pin.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def normalise_id_number(text: str) -> str:
    """An ID number as it is hashed: capitals and digits only."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def seed_agents(session: Session) -> None:
    """Add the demo agents that are not there yet (their PINs are never changed here), and
    the demo card's ID number to the agent who holds it when it has none yet."""
    for number, name, pin in DEMO_AGENTS:
        agent = session.get(AgentRecord, number)
        id_number = DEMO_ID_NUMBERS.get(number)
        if agent is None:
            session.add(AgentRecord(
                agent_number=number, name=name, pin_hash=hash_pin(pin), failed_attempts=0,
                lock_count=0,
                id_number_hash=hash_pin(normalise_id_number(id_number)) if id_number else None))
        elif agent.id_number_hash is None and id_number:
            agent.id_number_hash = hash_pin(normalise_id_number(id_number))


def agent_credentials(session: Session, settings: Settings) -> list[contract.AgentCredential]:
    return [contract.AgentCredential(
        agent_number=agent.agent_number, name=agent.name, pin_hash=agent.pin_hash,
        offline_limit_cents=settings.offline_limit_cents,
        offline_limit_count=settings.offline_limit_count, id_number_hash=agent.id_number_hash)
        for agent in session.scalars(select(AgentRecord).order_by(AgentRecord.agent_number))]


def _agent_device(device: CallingDevice) -> None:
    if device.role is not contract.Role.AGENT:
        raise ProblemError(403, "not_an_agent_device",
                           "Agents sign in and keep their books on an agent device only.",
                           "Mawakala huingia na kuweka hesabu zao kwenye kifaa cha wakala tu.")


def _locked(until: datetime, now: datetime) -> ProblemError:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    clock = until.astimezone(NAIROBI).strftime("%H:%M:%S")
    return ProblemError(
        423, "agent_locked",
        f"Too many wrong PINs. This agent is locked; try again after {clock} (Nairobi time), "
        f"in {seconds} seconds.",
        f"PIN zisizo sahihi zimezidi. Wakala huyu amefungiwa; jaribu tena baada ya saa {clock} "
        f"(saa za Nairobi), baada ya sekunde {seconds}.",
        headers={"Retry-After": str(seconds)})


def _wrong(tries_left: int | None) -> ProblemError:
    en = "The agent number or PIN is not right."
    sw = "Nambari ya wakala au PIN si sahihi."
    if tries_left is not None:
        en += f" {tries_left} tries left before the agent is locked."
        sw += f" Majaribio {tries_left} yamebaki kabla wakala hajafungiwa."
    return ProblemError(401, "sign_in_refused", en, sw)


@router.post(contract.Paths.AGENT_SIGN_IN, response_model=contract.AgentSession,
             summary="An agent signs in with their PIN",
             description="Five wrong PINs in a row lock the agent (423, with Retry-After); "
                         "each lock lasts twice as long as the one before.",
             responses=responses(400, 401, 403, 422, 423))
def sign_in(backend: BackendDep, device: DeviceDep,
            body: contract.AgentSignInIn) -> contract.AgentSession:
    _agent_device(device)
    with backend.sessions() as session, session.begin():
        # Held until the commit: wrong PINs sent at once must each count (on PostgreSQL two
        # transactions would otherwise both read the same count; SQLite queues writers).
        agent = session.get(AgentRecord, body.agent_number, with_for_update=True)
        if agent is None:
            raise _wrong(None)
        now = backend.now()
        if agent.locked_until is not None and agent.locked_until > now:
            raise _locked(agent.locked_until, now)
        if verify_pin(body.pin, agent.pin_hash):
            agent.failed_attempts, agent.lock_count, agent.locked_until = 0, 0, None
            return contract.AgentSession(agent_number=agent.agent_number, name=agent.name,
                                         signed_in_at=now)
        agent.failed_attempts += 1
        if agent.failed_attempts < TRIES_BEFORE_LOCK:
            failure = _wrong(TRIES_BEFORE_LOCK - agent.failed_attempts)
        else:
            agent.failed_attempts = 0
            agent.lock_count += 1
            agent.locked_until = now + timedelta(
                seconds=backend.settings.lockout_s * 2 ** (agent.lock_count - 1))
            failure = _locked(agent.locked_until, now)
    raise failure  # after the commit: the count of wrong PINs must be kept


def _known_agent(session: Session, agent_number: str) -> AgentRecord:
    agent = session.get(AgentRecord, agent_number)
    if agent is None:
        raise ProblemError(404, "agent_not_found", "We have no agent with this number.",
                           "Hatuna wakala mwenye nambari hii.")
    return agent


def _entry(record: LedgerEntryRecord) -> contract.LedgerEntry:
    return contract.LedgerEntry(
        entry_id=record.entry_id, at=record.at, debit=LedgerAccount(record.debit),
        credit=LedgerAccount(record.credit), amount_cents=record.amount_cents,
        reference=record.reference, service_code=record.service_code, memo=record.memo,
        agent_number=record.agent_number, device_id=record.device_id,
        received_at=record.received_at)


def _same(record: LedgerEntryRecord, agent_number: str, body: contract.LedgerEntryIn) -> bool:
    mine = _entry(record)
    return (mine.agent_number == agent_number
            and contract.LedgerEntryIn.model_validate(
                mine.model_dump(include=set(contract.LedgerEntryIn.model_fields))) == body)


def _record_entry(backend: Backend, device: CallingDevice, agent_number: str,
                  body: contract.LedgerEntryIn, session: Session,
                  ) -> tuple[int, contract.LedgerEntry]:
    _known_agent(session, agent_number)
    if body.debit is body.credit:
        raise refused_body({"credit": "an entry moves money between two different accounts"})
    existing = session.get(LedgerEntryRecord, body.entry_id)
    if existing is not None:
        if _same(existing, agent_number, body):
            return 201, _entry(existing)
        raise ProblemError(409, "entry_conflict",
                           "The books already hold a different entry with this id.",
                           "Hesabu tayari zina ingizo jingine lenye kitambulisho hiki.",
                           fields={"entry_id": "used by a different entry"})
    record = LedgerEntryRecord(
        entry_id=body.entry_id, agent_number=agent_number, device_id=device.device_id,
        at=body.at, debit=body.debit.value, credit=body.credit.value,
        amount_cents=body.amount_cents, reference=body.reference,
        service_code=body.service_code, memo=body.memo, received_at=backend.now())
    session.add(record)
    session.flush()
    return 201, _entry(record)


@router.post(contract.Paths.LEDGER, response_model=contract.LedgerEntry, status_code=201,
             summary="Add an entry to an agent's books",
             description="Idempotent by `entry_id` as well as by key: the same entry again is "
                         "answered with the stored one; another entry with that id is 409.",
             responses=responses(400, 401, 403, 404, 409, 422))
def post_ledger_entry(backend: BackendDep, device: DeviceDep, key: idempotency.IdempotencyKey,
                      agent_number: AgentNumberInPath,
                      body: contract.LedgerEntryIn) -> Response:
    _agent_device(device)
    return idempotency.run(
        backend, key=key, device_id=device.device_id, method="POST",
        path=contract.Paths.LEDGER.format(agent_number=agent_number), body=body,
        work=lambda session: _record_entry(backend, device, agent_number, body, session),
    ).response()


@router.get(contract.Paths.LEDGER, response_model=contract.Ledger,
            summary="An agent's books over a time range",
            description="Entries with `since <= at < until` (default: today in Nairobi up to "
                        "now) and each account's debits minus credits; they sum to zero.",
            responses=responses(401, 403, 404, 422))
def get_ledger(backend: BackendDep, device: DeviceDep, agent_number: AgentNumberInPath,
               since: AwareDatetime | None = None,
               until: AwareDatetime | None = None) -> contract.Ledger:
    _agent_device(device)
    now = backend.now()
    until = until or now
    if since is None:
        since = datetime.combine(now.astimezone(NAIROBI).date(), time(0), tzinfo=NAIROBI)
    if since > until:
        raise refused_body({"since": "must not be after until"})
    with backend.sessions() as session:
        _known_agent(session, agent_number)
        records = session.scalars(
            select(LedgerEntryRecord).filter(LedgerEntryRecord.agent_number == agent_number,
                                             LedgerEntryRecord.at >= since,
                                             LedgerEntryRecord.at < until)
            .order_by(LedgerEntryRecord.at, LedgerEntryRecord.entry_id))
        entries = [_entry(record) for record in records]
    balances = {account: 0 for account in LedgerAccount}
    for entry in entries:
        balances[entry.debit] += entry.amount_cents
        balances[entry.credit] -= entry.amount_cents
    return contract.Ledger(agent_number=agent_number, since=since, until=until,
                           entries=entries, balances=balances)
