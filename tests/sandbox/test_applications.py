"""Applications over real HTTP: accepted, replayed, refused, and moved along by the operator."""
from __future__ import annotations

import uuid
from datetime import datetime

import pytest
import requests

from kiosk_app import contract
from kiosk_app.contract import ApplicationStatus, Paths
from tests.sandbox.helpers import TIMEOUT, Device, birth_application, problem
from tests.sandbox_fixtures import SandboxServer

pytestmark = pytest.mark.postgresql  # every test here runs on PostgreSQL too


@pytest.fixture(scope="module")
def kiosk(shared_sandbox: SandboxServer) -> Device:
    return Device(shared_sandbox)


def advance(server: SandboxServer, reference: str, status: str,
            note: dict[str, str] | None = None, key: str | None = None) -> requests.Response:
    body: dict[str, object] = {"status": status}
    if note is not None:
        body["note"] = note
    headers = {contract.OPERATOR_HEADER: key or server.operator_key}
    return requests.post(f"{server.url}{Paths.ADVANCE.format(reference=reference)}", json=body,
                         headers=headers, timeout=TIMEOUT)


def test_an_application_is_received_with_its_timeline(kiosk: Device) -> None:
    body = birth_application()
    answer = kiosk.post(Paths.APPLICATIONS, body)
    assert answer.status_code == 201, answer.text
    application = contract.Application.model_validate(answer.json())
    assert application.reference == body["reference"]
    assert application.status is ApplicationStatus.RECEIVED
    assert [e.status for e in application.timeline] == [ApplicationStatus.SUBMITTED,
                                                        ApplicationStatus.RECEIVED]
    assert application.timeline[0].at == datetime.fromisoformat(body["created_at"])
    assert application.timeline[1].at >= application.timeline[0].at
    assert application.service_name.en == "Birth certificate"
    assert application.amount_cents == 10_000
    assert application.expected_ready is not None
    assert (application.expected_ready - application.timeline[1].at).days >= 5  # working days
    # Public: no token needed, and nothing personal in it.
    public = requests.get(f"{kiosk.server.url}{Paths.APPLICATION.format(reference=body['reference'])}",
                          timeout=TIMEOUT)
    assert public.status_code == 200
    assert public.json() == answer.json()
    assert "TESTER" not in public.text and "23456789" not in public.text
    assert "Test Child" not in public.text


def test_the_same_key_and_body_get_the_first_answer_again(kiosk: Device) -> None:
    body, key = birth_application(), str(uuid.uuid4())
    first = kiosk.post(Paths.APPLICATIONS, body, key)
    again = kiosk.post(Paths.APPLICATIONS, dict(reversed(list(body.items()))), key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_the_same_key_with_another_body_is_a_conflict(kiosk: Device) -> None:
    key = str(uuid.uuid4())
    assert kiosk.post(Paths.APPLICATIONS, birth_application(), key).status_code == 201
    other = kiosk.post(Paths.APPLICATIONS, birth_application(), key)
    assert other.status_code == 409
    assert problem(other).code == "idempotency_conflict"


def test_a_reference_used_under_another_key_is_taken(kiosk: Device) -> None:
    body = birth_application()
    assert kiosk.post(Paths.APPLICATIONS, body).status_code == 201
    again = kiosk.post(Paths.APPLICATIONS, body)  # a new key
    assert again.status_code == 409
    refused = problem(again)
    assert refused.code == "reference_taken" and refused.message.sw != refused.message.en


@pytest.mark.parametrize(("changes", "field"), [
    ({"answers": {**birth_application()["answers"], "sex": "other"}}, "answers.sex"),
    ({"answers": {**birth_application()["answers"], "date_of_birth": "2023-02-29"}},
     "answers.date_of_birth"),
    ({"answers": {**birth_application()["answers"], "copies": "4"}}, "answers.copies"),
    ({"answers": {**birth_application()["answers"], "copies": "two"}}, "answers.copies"),
    ({"answers": {**birth_application()["answers"], "born_in_hospital": "maybe"}},
     "answers.born_in_hospital"),
    ({"answers": {**birth_application()["answers"], "child_name": "X"}}, "answers.child_name"),
    ({"answers": {**birth_application()["answers"], "phone": "0712345678"}}, "answers.phone"),
    ({"answers": {**birth_application()["answers"], "email": "not-an-address"}}, "answers.email"),
    ({"answers": {**birth_application()["answers"], "favourite_colour": "blue"}},
     "answers.favourite_colour"),
    ({"answers": {k: v for k, v in birth_application()["answers"].items() if k != "sex"}},
     "answers.sex"),
    ({"amount_cents": 9_900}, "amount_cents"),
    ({"service_code": "NO_SUCH"}, "service_code"),
    ({"service_code": "LAND_SEARCH", "answers": {}, "amount_cents": 0}, "service_code"),
    ({"payment": "cash"}, "payment"),
    ({"channel": "agent"}, "agent_number"),
    ({"channel": "agent", "agent_number": "BA-0001"}, "consent_at"),
    ({"agent_number": "BA-9999"}, "agent_number"),
])
def test_a_body_that_does_not_fit_the_catalogue_is_refused(kiosk: Device, changes: dict,
                                                           field: str) -> None:
    body = birth_application(**changes)
    answer = kiosk.post(Paths.APPLICATIONS, body)
    assert answer.status_code == 422, answer.text
    refused = problem(answer)
    assert field in refused.fields, refused.fields
    assert refused.message.en and refused.message.sw and refused.message.en != refused.message.sw
    for value in ("Test Child", "23456789", "0712345678", "not-an-address"):
        assert value not in answer.text  # what was sent is never said back
    # Nothing was stored: the reference is still free.
    assert kiosk.post(Paths.APPLICATIONS, birth_application(reference=body["reference"]),
                      ).status_code == 201


def test_optional_answers_that_fit_are_accepted(kiosk: Device) -> None:
    answers = {**birth_application()["answers"], "phone": "254712345678",
               "email": "mzazi@example.co.ke"}
    answer = kiosk.post(Paths.APPLICATIONS, birth_application(answers=answers))
    assert answer.status_code == 201, answer.text
    licence = birth_application(service_code="DL_RENEWAL", amount_cents=60_000, answers={
        "licence_number": "ABC123456", "years": "3", "id_number": "12345678"})
    assert kiosk.post(Paths.APPLICATIONS, licence).status_code == 201
    licence = birth_application(service_code="DL_RENEWAL", amount_cents=60_000, answers={
        "licence_number": "abc123456", "years": "3", "id_number": "12345678"})
    refused = kiosk.post(Paths.APPLICATIONS, licence)
    assert refused.status_code == 422 and "answers.licence_number" in problem(refused).fields


def test_the_contract_itself_refuses_a_reference_with_a_wrong_check_character(
        kiosk: Device) -> None:
    good = contract.new_reference()
    last = good[-1]
    wrong = good[:-1] + ("0" if last != "0" else "1")
    answer = kiosk.post(Paths.APPLICATIONS, birth_application(reference=wrong))
    assert answer.status_code == 422 and "body.reference" in problem(answer).fields


def test_writes_need_a_device_token_and_a_key(shared_sandbox: SandboxServer,
                                              kiosk: Device) -> None:
    url = f"{shared_sandbox.url}{Paths.APPLICATIONS}"
    none = requests.post(url, json=birth_application(),
                         headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=TIMEOUT)
    assert none.status_code == 401 and problem(none).code == "unauthenticated"
    wrong = requests.post(url, json=birth_application(), timeout=TIMEOUT, headers={
        "Idempotency-Key": str(uuid.uuid4()), "Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401
    keyless = requests.post(url, json=birth_application(), headers=kiosk.auth, timeout=TIMEOUT)
    assert keyless.status_code == 422 and "header.Idempotency-Key" in problem(keyless).fields
    not_uuid = kiosk.post(Paths.APPLICATIONS, birth_application(), key="app-1")
    assert not_uuid.status_code == 422


def test_an_unknown_reference_is_a_bilingual_404(shared_sandbox: SandboxServer) -> None:
    for reference in (contract.new_reference(), "HK-NOPE", "x" * 30):
        answer = requests.get(f"{shared_sandbox.url}/v1/applications/{reference}",
                              timeout=TIMEOUT)
        assert answer.status_code == 404
        refused = problem(answer)
        assert refused.code == "application_not_found"
        assert refused.message.en.startswith("We have no application with this reference")
        assert refused.message.sw.startswith("Hatuna ombi")


def test_a_typed_reference_finds_its_application(kiosk: Device) -> None:
    body = birth_application()
    kiosk.post(Paths.APPLICATIONS, body)
    typed = body["reference"].replace("-", " ").lower()
    answer = requests.get(f"{kiosk.server.url}/v1/applications/{typed}", timeout=TIMEOUT)
    assert answer.status_code == 200 and answer.json()["reference"] == body["reference"]


def test_the_operator_moves_an_application_along_its_timeline(kiosk: Device) -> None:
    server = kiosk.server
    body = birth_application()
    kiosk.post(Paths.APPLICATIONS, body)
    reference = body["reference"]
    for status in ("in_progress", "ready_for_collection", "collected"):
        moved = advance(server, reference, status)
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == status
    public = requests.get(f"{server.url}{Paths.APPLICATION.format(reference=reference)}",
                          timeout=TIMEOUT).json()
    assert [e["status"] for e in public["timeline"]] == [
        "submitted", "received", "in_progress", "ready_for_collection", "collected"]
    times = [datetime.fromisoformat(e["at"]) for e in public["timeline"]]
    assert times == sorted(times)
    final = advance(server, reference, "rejected", note={"en": "Late", "sw": "Kuchelewa"})
    assert final.status_code == 409
    refused = problem(final)
    assert refused.code == "illegal_status_move" and "final" in refused.message.en


def test_illegal_moves_and_rejections_without_a_reason_are_refused(kiosk: Device) -> None:
    server = kiosk.server
    body = birth_application()
    kiosk.post(Paths.APPLICATIONS, body)
    reference = body["reference"]
    skip = advance(server, reference, "collected")
    assert skip.status_code == 409
    assert "in_progress" in problem(skip).message.en and "rejected" in problem(skip).message.en
    bare = advance(server, reference, "rejected")
    assert bare.status_code == 422 and "note" in problem(bare).fields
    note = {"en": "The photo is not clear. Apply again with a clear photo.",
            "sw": "Picha haionekani vizuri. Omba tena ukiwa na picha inayoonekana."}
    rejected = advance(server, reference, "rejected", note=note)
    assert rejected.status_code == 200
    application = contract.Application.model_validate(rejected.json())
    assert application.status is ApplicationStatus.REJECTED
    assert application.timeline[-1].note == contract.Text(**note)
    assert application.expected_ready is None
    assert advance(server, contract.new_reference(), "in_progress").status_code == 404


def test_the_operator_needs_the_key_and_sees_every_application(kiosk: Device) -> None:
    server = kiosk.server
    body = birth_application()
    kiosk.post(Paths.APPLICATIONS, body)
    assert advance(server, body["reference"], "in_progress", key="guess").status_code == 401
    url = f"{server.url}{Paths.OPERATOR_APPLICATIONS}"
    assert requests.get(url, timeout=TIMEOUT).status_code == 401
    listed = requests.get(url, headers=server.operator_headers, timeout=TIMEOUT)
    assert body["reference"] in [a["reference"] for a in listed.json()]
    received = requests.get(url, params={"status": "received"}, headers=server.operator_headers,
                            timeout=TIMEOUT).json()
    assert received and {a["status"] for a in received} == {"received"}
