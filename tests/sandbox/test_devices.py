"""Enrolment, tokens, heartbeats and the key directory over real HTTP."""
from __future__ import annotations

import base64
import hashlib
import uuid

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk_app import contract
from kiosk_app.contract import Paths
from kiosk_app.receipts.keys import key_id_for
from tests.sandbox.helpers import TIMEOUT, Device, birth_application, problem, query
from tests.sandbox_fixtures import SandboxServer


def raw_public_key() -> bytes:
    return Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def enrol(server: SandboxServer, **changes: object) -> requests.Response:
    body = {"device_id": "KSK-NBI-0042", "role": "kiosk", "public_key": b64(raw_public_key()),
            "enrolment_code": server.enrolment_code, "location": "Huduma Centre GPO", **changes}
    return requests.post(f"{server.url}{Paths.ENROL}", json=body, timeout=TIMEOUT)


def test_enrolment_gives_a_token_and_publishes_the_key(sandbox: SandboxServer) -> None:
    raw = raw_public_key()
    answer = enrol(sandbox, public_key=b64(raw))
    assert answer.status_code == 201, answer.text
    enrolment = contract.Enrolment.model_validate(answer.json())
    assert enrolment.key_id == key_id_for(raw).hex()  # as receipt tokens carry it
    assert enrolment.agents == []
    directory = contract.KeyDirectory.model_validate(
        requests.get(f"{sandbox.url}{Paths.KEYS}", timeout=TIMEOUT).json())
    assert directory.keys == [contract.PublicKey(key_id=enrolment.key_id,
                                                 device_id="KSK-NBI-0042", public_key=b64(raw))]
    # Only the token's hash is stored.
    stored = query(sandbox, "SELECT * FROM devices")
    assert len(stored) == 1 and enrolment.token not in repr(stored)
    assert hashlib.sha256(enrolment.token.encode()).hexdigest() in stored[0]


def test_a_wrong_code_or_key_is_refused(sandbox: SandboxServer) -> None:
    wrong = enrol(sandbox, enrolment_code="NOT-THE-CODE")
    assert wrong.status_code == 403
    refused = problem(wrong)
    assert refused.code == "enrolment_code_wrong" and refused.message.sw != refused.message.en
    short = enrol(sandbox, public_key=b64(b"\x01" * 31))
    assert short.status_code == 422 and "public_key" in problem(short).fields
    assert requests.get(f"{sandbox.url}{Paths.KEYS}", timeout=TIMEOUT).json() == {"keys": []}


def test_enrolling_again_replaces_the_key_and_the_old_token(sandbox: SandboxServer) -> None:
    first = contract.Enrolment.model_validate(enrol(sandbox).json())
    raw = raw_public_key()
    second = contract.Enrolment.model_validate(enrol(sandbox, public_key=b64(raw)).json())
    assert second.token != first.token and second.key_id == key_id_for(raw).hex()
    keys = requests.get(f"{sandbox.url}{Paths.KEYS}", timeout=TIMEOUT).json()["keys"]
    assert [k["public_key"] for k in keys] == [b64(raw)]
    url = f"{sandbox.url}{Paths.APPLICATIONS}"
    old = requests.post(url, json=birth_application(), timeout=TIMEOUT, headers={
        "Authorization": f"Bearer {first.token}", "Idempotency-Key": str(uuid.uuid4())})
    assert old.status_code == 401 and problem(old).code == "unauthenticated"
    assert old.headers["WWW-Authenticate"] == "Bearer"


def test_a_heartbeat_needs_the_token_of_that_device(sandbox: SandboxServer) -> None:
    one, other = Device(sandbox), Device(sandbox)
    beat = {"app_version": "0.1.0", "devices": {"printer": "online", "card_reader": "user_error"},
            "outbox_waiting": 2, "sent_at": "2026-03-02T09:00:00+03:00"}
    url = f"{sandbox.url}{Paths.HEARTBEAT.format(device_id=one.device_id)}"
    answer = requests.post(url, json=beat, headers=one.auth, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    out = contract.HeartbeatOut.model_validate(answer.json())
    catalogue = requests.get(f"{sandbox.url}{Paths.CATALOGUE}", timeout=TIMEOUT).json()
    assert out.catalogue_version == catalogue["version"]
    assert requests.post(url, json=beat, headers=other.auth, timeout=TIMEOUT).status_code == 403
    assert requests.post(url, json=beat, timeout=TIMEOUT).status_code == 401
