"""Duplicates sent at the same moment from several threads are applied once."""
from __future__ import annotations

import threading
import uuid

import requests

from kiosk_app.contract import Paths
from tests.sandbox.helpers import Device, birth_application, query
from tests.sandbox_fixtures import SandboxServer

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
