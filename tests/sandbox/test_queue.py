"""Queue tickets and feedback over real HTTP, and the waiting model on its own."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from kiosk_app import contract
from kiosk_app.contract import Paths
from sandbox.queue import MINUTES_PER_PERSON, queue_ahead
from tests.sandbox.helpers import Device, problem
from tests.sandbox_fixtures import SandboxServer

pytestmark = pytest.mark.postgresql  # every test here runs on PostgreSQL too


def test_tickets_count_up_per_counter_group(sandbox_factory) -> None:
    from tests.sandbox.helpers import TEST_CATALOGUE

    server: SandboxServer = sandbox_factory(catalogue=TEST_CATALOGUE)
    kiosk = Device(server)

    def take(code: str) -> contract.Ticket:
        answer = kiosk.post(Paths.TICKETS, {"service_code": code})
        assert answer.status_code == 201, answer.text
        return contract.Ticket.model_validate(answer.json())

    births = [take("BIRTH_CERT") for _ in range(3)]
    licence = take("DL_RENEWAL")
    land = take("LAND_SEARCH")  # information only, still served at a counter
    assert [t.number for t in births] == ["A001", "A002", "A003"]
    assert licence.number == "B001"
    assert land.number == "Z001" and land.counter_group.en == "Counters Z: Other services"
    assert births[0].counter_group.en == "Counters A: Registration"
    assert births[0].counter_group.sw == "Madirisha A: Usajili"
    # One line per group, one person at a time: each new ticket has the earlier ones ahead.
    assert [t.waiting_ahead for t in births] == [0, 1, 2]
    assert [t.estimated_wait_minutes for t in births] == [0, MINUTES_PER_PERSON,
                                                          2 * MINUTES_PER_PERSON]
    assert licence.waiting_ahead == 0 and licence.estimated_wait_minutes == 0
    # A replay is the same ticket, not a new number.
    key = str(uuid.uuid4())
    first = kiosk.post(Paths.TICKETS, {"service_code": "DL_RENEWAL"}, key)
    again = kiosk.post(Paths.TICKETS, {"service_code": "DL_RENEWAL"}, key)
    assert first.json() == again.json() and first.json()["number"] == "B002"
    unknown = kiosk.post(Paths.TICKETS, {"service_code": "NO_SUCH"})
    assert unknown.status_code == 422 and "service_code" in problem(unknown).fields


def test_the_waiting_model_serves_one_person_at_a_time() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    step = timedelta(minutes=MINUTES_PER_PERSON)
    assert queue_ahead([], now) == (0, 0)
    # Long ago and served: nobody waits.
    assert queue_ahead([now - 10 * step, now - 5 * step], now) == (0, 0)
    # One at the counter since a minute ago: one ahead, the counter frees in 5 minutes.
    assert queue_ahead([now - timedelta(minutes=1)], now) == (1, MINUTES_PER_PERSON - 1)
    # Four arrived together a minute ago: one at the counter, three waiting, 23 minutes to go.
    four = [now - timedelta(minutes=1)] * 4
    assert queue_ahead(four, now) == (4, 4 * MINUTES_PER_PERSON - 1)
    # Arrivals spread out: the first two are done, the third is at the counter.
    spread = [now - 3 * step, now - 2 * step, now - timedelta(minutes=2)]
    assert queue_ahead(spread, now) == (1, MINUTES_PER_PERSON - 2)


def test_feedback_is_accepted_once(shared_sandbox: SandboxServer) -> None:
    kiosk = Device(shared_sandbox)
    body = {"rating": 5, "reasons": ["quick", "friendly_help"], "service_code": "BIRTH_CERT",
            "language": "sw", "created_at": "2026-03-02T09:00:00+03:00"}
    key = str(uuid.uuid4())
    first = kiosk.post(Paths.FEEDBACK, body, key)
    assert first.status_code == 201, first.text
    accepted = contract.Accepted.model_validate(first.json())
    assert accepted.id.startswith("FB-")
    assert kiosk.post(Paths.FEEDBACK, body, key).json() == first.json()
    assert kiosk.post(Paths.FEEDBACK, body).json()["id"] != accepted.id  # a new key: new row
    refused = kiosk.post(Paths.FEEDBACK, {**body, "rating": 6})
    assert refused.status_code == 422 and "body.rating" in problem(refused).fields
