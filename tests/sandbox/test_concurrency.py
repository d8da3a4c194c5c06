"""Requests sent at the same moment from several threads: duplicates are applied once, and
writes that read before they write (ticket numbers, wrong PINs, status moves, enrolment) do
not lose one another's work. On SQLite writers queue; on PostgreSQL they really race."""
from __future__ import annotations

import base64
import os
import re
import threading
import uuid

import pytest
import requests

from kiosk_app import contract
from kiosk_app.contract import Paths
from tests.sandbox.helpers import TIMEOUT, Device, birth_application, problem, query
from tests.sandbox_fixtures import SandboxServer

pytestmark = pytest.mark.postgresql  # every test here runs on PostgreSQL too

THREADS = 8


def send_together(send, count: int = THREADS) -> list[requests.Response]:  # noqa: ANN001
    """Call ``send(i)`` from ``count`` threads released at once."""
    barrier = threading.Barrier(count)
    answers: list[requests.Response | None] = [None] * count
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            answers[index] = send(index)
        except BaseException as err:  # noqa: BLE001 - reported below
            failures.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return [answer for answer in answers if answer is not None]


def rows(server: SandboxServer, sql: str, **params: object) -> int:
    return int(query(server, sql, **params)[0][0])


def test_the_same_key_from_many_threads_applies_once(shared_sandbox: SandboxServer) -> None:
    kiosk = Device(shared_sandbox)
    body, key = birth_application(), str(uuid.uuid4())
    answers = send_together(lambda _i: kiosk.post(Paths.APPLICATIONS, body, key))
    assert len(answers) == THREADS
    assert {a.status_code for a in answers} == {201}
    assert len({a.content for a in answers}) == 1  # every one got the first answer
    assert sum(a.headers.get("Idempotent-Replayed") != "true" for a in answers) == 1
    assert rows(shared_sandbox, "SELECT count(*) FROM applications WHERE reference = :ref",
                ref=body["reference"]) == 1
    assert rows(shared_sandbox, "SELECT count(*) FROM application_events WHERE reference = :ref",
                ref=body["reference"]) == 2


def test_one_reference_under_many_keys_is_taken_once(shared_sandbox: SandboxServer) -> None:
    kiosk = Device(shared_sandbox)
    body = birth_application()
    answers = send_together(lambda _i: kiosk.post(Paths.APPLICATIONS, body))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (THREADS - 1)
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"reference_taken"}


def test_tickets_taken_together_get_different_numbers(shared_sandbox: SandboxServer) -> None:
    kiosk = Device(shared_sandbox)
    answers = send_together(lambda _i: kiosk.post(Paths.TICKETS, {"service_code": "DL_RENEWAL"}))
    tickets = sorted((a.json()["number"], a.json()["waiting_ahead"]) for a in answers)
    assert tickets == [(f"B{i + 1:03d}", i) for i in range(THREADS)]


def test_the_same_payment_from_many_threads_is_pushed_once(shared_sandbox: SandboxServer) -> None:
    # Nothing else in the body is unique: the duplicates meet on the key's own constraint.
    kiosk = Device(shared_sandbox)
    body = {"reference": contract.new_reference(), "phone": "254712345678",
            "amount_cents": 10_000}
    key = str(uuid.uuid4())
    answers = send_together(lambda _i: kiosk.post(Paths.PAYMENTS, body, key))
    assert {a.status_code for a in answers} == {201}
    assert len({a.content for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") != "true" for a in answers) == 1
    assert rows(shared_sandbox, "SELECT count(*) FROM payments WHERE reference = :ref",
                ref=body["reference"]) == 1


def test_wrong_pins_sent_together_each_count(shared_sandbox: SandboxServer) -> None:
    device = Device(shared_sandbox, role="agent")

    def wrong_pin(_i: int) -> requests.Response:
        return requests.post(f"{shared_sandbox.url}{Paths.AGENT_SIGN_IN}", headers=device.auth,
                             json={"agent_number": "BA-0002", "pin": "0000"}, timeout=TIMEOUT)

    answers = send_together(wrong_pin)
    assert sorted(a.status_code for a in answers) == [401] * 4 + [423] * 4
    left = sorted(int(re.search(r"(\d) tries left", problem(a).message.en)[1])
                  for a in answers if a.status_code == 401)
    assert left == [1, 2, 3, 4]


def test_one_status_move_sent_together_is_made_once(shared_sandbox: SandboxServer) -> None:
    kiosk = Device(shared_sandbox)
    body = birth_application()
    assert kiosk.post(Paths.APPLICATIONS, body).status_code == 201
    url = f"{shared_sandbox.url}{Paths.ADVANCE.format(reference=body['reference'])}"
    answers = send_together(lambda _i: requests.post(
        url, json={"status": "in_progress"}, headers=shared_sandbox.operator_headers,
        timeout=TIMEOUT))
    assert sorted(a.status_code for a in answers) == [200] + [409] * (THREADS - 1)
    assert {problem(a).code for a in answers if a.status_code == 409} == {"illegal_status_move"}
    assert rows(shared_sandbox, "SELECT count(*) FROM application_events WHERE reference = :ref",
                ref=body["reference"]) == 3


def test_one_device_enrolled_from_many_threads_is_one_device(
        shared_sandbox: SandboxServer) -> None:
    device_id = f"KSK-RACE-{uuid.uuid4().hex[:6].upper()}"

    def enrol(_i: int) -> requests.Response:
        key = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
        return requests.post(f"{shared_sandbox.url}{Paths.ENROL}", timeout=TIMEOUT, json={
            "device_id": device_id, "role": "kiosk", "public_key": key,
            "enrolment_code": shared_sandbox.enrolment_code})

    answers = send_together(enrol)
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert rows(shared_sandbox, "SELECT count(*) FROM devices WHERE device_id = :id",
                id=device_id) == 1
    # The enrolment that came last holds the device: its token alone works.
    heartbeat = {"app_version": "1.0", "sent_at": "2026-03-02T09:00:00+03:00"}
    works = [requests.post(f"{shared_sandbox.url}{Paths.HEARTBEAT.format(device_id=device_id)}",
                           json=heartbeat, timeout=TIMEOUT,
                           headers={"Authorization": f"Bearer {a.json()['token']}"}).status_code
             for a in answers]
    assert sorted(works) == [200] + [401] * (THREADS - 1)
