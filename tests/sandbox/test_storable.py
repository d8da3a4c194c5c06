"""What no database can keep is refused alike on each, with a 422 rather than a database
error's 500: the NUL character in a text, and whole numbers beyond 64 bits. What both keep is
kept: counts past 32 bits, every other character, and anything inside what is stored as
JSON."""
from __future__ import annotations

import uuid

import pytest
import requests

from kiosk_app.contract import Paths
from sandbox.storable import storable
from tests.sandbox.helpers import TIMEOUT, Device, birth_application, problem, query
from tests.sandbox_fixtures import SandboxServer

pytestmark = pytest.mark.postgresql  # every test here runs on PostgreSQL too

SENT_AT = "2026-03-02T09:00:00+03:00"


def heartbeat(device: Device, **changes: object) -> requests.Response:
    body = {"app_version": "1.4.2", "sent_at": SENT_AT, **changes}
    url = f"{device.server.url}{Paths.HEARTBEAT.format(device_id=device.device_id)}"
    return requests.post(url, json=body, headers=device.auth, timeout=TIMEOUT)


def unstorable(answer: requests.Response) -> bool:
    return answer.status_code == 422 and problem(answer).code == "unstorable_value"


def devices(server: SandboxServer, device_id: str) -> int:
    return int(query(server, "SELECT count(*) FROM devices WHERE device_id = :id",
                     id=device_id)[0][0])


def test_texts_no_database_keeps_are_refused_whether_written_or_looked_up(
        shared_sandbox: SandboxServer) -> None:
    kiosk, agent = Device(shared_sandbox), Device(shared_sandbox, role="agent")
    assert unstorable(heartbeat(kiosk, app_version="1.4\x002"))
    body = birth_application(payment_id="PAY-\x00")
    assert unstorable(kiosk.post(Paths.APPLICATIONS, body))
    entry = {"entry_id": str(uuid.uuid4()), "at": SENT_AT, "debit": "cash",
             "credit": "government", "amount_cents": 100, "memo": "fee\x00"}
    assert unstorable(agent.post(Paths.LEDGER.format(agent_number="BA-0001"), entry))
    assert unstorable(agent.get(Paths.LEDGER.format(agent_number="BA-\x00")))
    assert unstorable(kiosk.get(Paths.PAYMENT.format(payment_id="PAY-\x00")))
    enrol = {"device_id": "KSK-NUL-0001", "role": "kiosk", "public_key": "A" * 43,
             "enrolment_code": shared_sandbox.enrolment_code, "location": "GPO\x00"}
    assert unstorable(requests.post(f"{shared_sandbox.url}{Paths.ENROL}", json=enrol,
                                    timeout=TIMEOUT))
    # Nothing of them was kept, and the same requests made right are taken.
    assert devices(shared_sandbox, "KSK-NUL-0001") == 0
    assert query(shared_sandbox, "SELECT count(*) FROM applications WHERE reference = :ref",
                 ref=body["reference"])[0][0] == 0
    assert kiosk.post(Paths.APPLICATIONS, {**body, "payment_id": None}).status_code == 201
    assert agent.post(Paths.LEDGER.format(agent_number="BA-0001"),
                      {**entry, "memo": "fee"}).status_code == 201


def test_every_other_character_is_kept_as_sent(shared_sandbox: SandboxServer) -> None:
    kiosk = Device(shared_sandbox)
    version = "1.4\x01 ß 🇰🇪 \\u0000"  # a control character, non-Latin letters, an emoji
    # Inside what is kept as JSON (the device statuses), even NUL is escaped.
    statuses = {"printer\x00": "online\x00"}
    assert heartbeat(kiosk, app_version=version, devices=statuses).status_code == 200
    assert query(shared_sandbox, "SELECT app_version FROM devices WHERE device_id = :id",
                 id=kiosk.device_id)[0][0] == version


def test_counts_past_32_bits_are_kept_and_past_64_refused(shared_sandbox: SandboxServer) -> None:
    kiosk = Device(shared_sandbox)
    assert heartbeat(kiosk, outbox_waiting=2**40).status_code == 200
    assert query(shared_sandbox, "SELECT outbox_waiting FROM devices WHERE device_id = :id",
                 id=kiosk.device_id)[0][0] == 2**40
    assert unstorable(heartbeat(kiosk, outbox_waiting=2**63))
    assert heartbeat(kiosk, outbox_waiting=2**63 - 1).status_code == 200


def test_what_is_storable() -> None:
    assert all(map(storable, ["", "ß 🇰🇪", "\x01", 0, -(2**63), 2**63 - 1, True, None, 1e308]))
    assert not any(map(storable, ["a\x00", 2**63, -(2**63) - 1]))
