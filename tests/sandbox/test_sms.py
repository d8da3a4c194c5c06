"""The reference by SMS over real HTTP: written by the backend in the language asked for, kept
by the simulated gateway with only the phone's last four digits, idempotent, and refused with
a 404 while the backend does not have the application."""
from __future__ import annotations

import uuid

import pytest
import requests

from kiosk_app import contract
from kiosk_app.contract import Paths
from tests.sandbox.helpers import TIMEOUT, Device, birth_application, problem, query
from tests.sandbox_fixtures import SandboxServer


@pytest.fixture(scope="module")
def kiosk(shared_sandbox: SandboxServer) -> Device:
    return Device(shared_sandbox)


def sent(server: SandboxServer, reference: str | None = None,
         key: str | None = None) -> requests.Response:
    params = {"reference": reference} if reference else {}
    return requests.get(f"{server.url}{Paths.OPERATOR_SMS}", params=params, timeout=TIMEOUT,
                        headers={contract.OPERATOR_HEADER: key or server.operator_key})


def test_the_reference_goes_by_sms_once_in_the_language_asked_for(kiosk: Device) -> None:
    body = birth_application()
    assert kiosk.post(Paths.APPLICATIONS, body).status_code == 201
    reference = body["reference"]
    path = Paths.APPLICATION_SMS.format(reference=reference)
    key = str(uuid.uuid4())
    first = kiosk.post(path, {"phone": "254712345678", "language": "sw"}, key)
    again = kiosk.post(path, {"phone": "254712345678", "language": "sw"}, key)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()

    messages = [contract.SmsMessage.model_validate(m)
                for m in sent(kiosk.server, reference).json()]
    assert len(messages) == 1
    message = messages[0]
    assert (message.reference, message.phone_last4, message.language) == (reference, "5678", "sw")
    assert reference in message.text and "kioski" in message.text
    # The gateway keeps no phone number: only its last four digits are anywhere in the table.
    rows = query(kiosk.server, "SELECT * FROM sms_messages WHERE reference = :r", r=reference)
    assert rows and not any("712345678" in str(value) for value in rows[0])

    english = kiosk.post(path, {"phone": "254712345678", "language": "en"})
    assert english.status_code == 202
    texts = {m["language"]: m["text"] for m in sent(kiosk.server, reference).json()}
    assert texts["en"].startswith(f"Huduma: we have your application {reference}")


def test_an_sms_about_an_application_not_received_yet_is_a_404_in_both_languages(
        kiosk: Device) -> None:
    reference = contract.new_reference()
    answer = kiosk.post(Paths.APPLICATION_SMS.format(reference=reference),
                        {"phone": "254712345678"})
    assert answer.status_code == 404
    refusal = problem(answer)
    assert refusal.code == "application_not_found" and "SMS" in refusal.message.sw
    assert sent(kiosk.server, reference).json() == []


def test_a_number_that_is_not_a_phone_is_refused(kiosk: Device) -> None:
    body = birth_application()
    kiosk.post(Paths.APPLICATIONS, body)
    answer = kiosk.post(Paths.APPLICATION_SMS.format(reference=body["reference"]),
                        {"phone": "12345"})
    assert answer.status_code == 422 and "phone" in str(problem(answer).fields)


def test_the_gateway_log_is_for_operators_only(kiosk: Device) -> None:
    assert sent(kiosk.server, key="not-the-key").status_code == 401
    assert requests.get(f"{kiosk.server.url}{Paths.OPERATOR_SMS}", headers=kiosk.auth,
                        timeout=TIMEOUT).status_code == 401
