"""Devices: enrolment (``POST /v1/devices``, with the enrolment code), heartbeats, and the
directory of public keys that verify receipt tokens (``GET /v1/keys``, public).

Enrolment issues a random token, shown once and stored only as its SHA-256; enrolling the same
device again with the right code replaces its key and token (the old token stops working).
An agent device also gets the agents bound to it, with their PIN hashes for offline sign-in
(in the sandbox every agent device is bound to every demo agent).

A key id is the hex of the first 4 bytes of SHA-256 of the raw 32-byte public key, as receipt
tokens carry it (the kiosk's ``key_id_for``; computed here, since the sandbox imports only the
contract).

Blocking: the handlers touch the database; FastAPI runs them on worker threads.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kiosk_app import contract
from sandbox.agents import agent_credentials
from sandbox.auth import DeviceDep, token_sha256
from sandbox.context import BackendDep
from sandbox.db import Device
from sandbox.problems import ProblemError, refused_body, responses

router = APIRouter(tags=["devices"])


KEY_ID_BYTES = 4


def key_id(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).digest()[:KEY_ID_BYTES].hex()


def raw_key(public_key: str) -> bytes | None:
    """The raw bytes of a base64url Ed25519 public key, or None if it is not 32 bytes."""
    try:
        raw = base64.urlsafe_b64decode(public_key + "=" * (-len(public_key) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


@router.post(contract.Paths.ENROL, response_model=contract.Enrolment, status_code=201,
             summary="Enrol a device",
             description="Needs the enrolment code. Answers with the device's token (shown "
                         "once) and, for an agent device, its agents. Enrolling again "
                         "replaces the key and the token.",
             responses=responses(400, 403, 422))
def enrol(backend: BackendDep, body: contract.EnrolmentIn) -> contract.Enrolment:
    if not hmac.compare_digest(body.enrolment_code.encode(),
                               backend.settings.enrolment_code.encode()):
        raise ProblemError(403, "enrolment_code_wrong",
                           "The enrolment code is not right. Check it with the office that "
                           "gave it.",
                           "Nambari ya usajili si sahihi. Ihakiki na ofisi iliyoitoa.",
                           fields={"enrolment_code": "not the code for this backend"})
    raw = raw_key(body.public_key)
    if raw is None:
        raise refused_body({"public_key": "not a raw 32-byte Ed25519 key in base64url"})
    token = secrets.token_urlsafe(32)
    for attempt in range(2):
        now = backend.now()
        try:
            with backend.sessions() as session, session.begin():
                device = session.get(Device, body.device_id, with_for_update=True)
                if device is None:
                    device = Device(device_id=body.device_id, enrolled_at=now,
                                    outbox_waiting=0)
                    session.add(device)
                device.role = body.role.value
                device.public_key = body.public_key
                device.key_id = key_id(raw)
                device.token_sha256 = token_sha256(token)
                device.location = body.location
                device.enrolled_at = now
                session.flush()
                agents = agent_credentials(session, backend.settings) \
                    if body.role is contract.Role.AGENT else []
            break
        except IntegrityError:
            # The same device enrolled at the same moment and was added first: once more,
            # now as a device that is there (the later enrolment's token wins).
            if attempt:
                raise
    return contract.Enrolment(device_id=body.device_id, token=token, key_id=key_id(raw),
                              agents=agents)


@router.post(contract.Paths.HEARTBEAT, response_model=contract.HeartbeatOut,
             summary="A device says it is alive, and how its parts are",
             responses=responses(400, 401, 403, 422))
def heartbeat(backend: BackendDep, device: DeviceDep,
              device_id: Annotated[str, Path(max_length=32)],
              body: contract.HeartbeatIn) -> contract.HeartbeatOut:
    if device_id != device.device_id:
        raise ProblemError(403, "not_this_device",
                           "This device's token belongs to another device.",
                           "Tokeni ya kifaa hiki ni ya kifaa kingine.")
    with backend.sessions() as session, session.begin():
        record = session.get(Device, device.device_id)
        assert record is not None  # the token was just found on it
        record.last_seen_at = backend.now()
        record.app_version = body.app_version
        record.device_states = json.dumps(body.devices, sort_keys=True)
        record.outbox_waiting = body.outbox_waiting
        version = backend.catalogue.get(session)[0].version
    return contract.HeartbeatOut(server_time=backend.now(), catalogue_version=version)


@router.get(contract.Paths.KEYS, response_model=contract.KeyDirectory,
            summary="The public keys that verify receipt tokens",
            description="One per enrolled device. Public.", responses=responses(422))
def keys(backend: BackendDep) -> contract.KeyDirectory:
    with backend.sessions() as session:
        devices = session.scalars(select(Device).order_by(Device.device_id))
        return contract.KeyDirectory(keys=[
            contract.PublicKey(key_id=device.key_id, device_id=device.device_id,
                               public_key=device.public_key) for device in devices])
