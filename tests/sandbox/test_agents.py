"""Agents over real HTTP: credentials for offline sign-in, sign-in with its lock after five
wrong PINs, and the double-entry ledger."""
from __future__ import annotations

import base64
import hashlib
import time
import uuid
from datetime import datetime

import pytest
import requests

from kiosk_app import contract
from kiosk_app.contract import Paths
from tests.sandbox.helpers import TIMEOUT, Device, problem
from tests.sandbox_fixtures import SandboxServer

DEMO_PINS = {"BA-0001": "2468", "BA-0002": "1357", "BA-0003": "8024"}


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_in(device: Device, agent_number: str, pin: str) -> requests.Response:
    return requests.post(f"{device.server.url}{Paths.AGENT_SIGN_IN}", headers=device.auth,
                         json={"agent_number": agent_number, "pin": pin}, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def agent_device(shared_sandbox: SandboxServer) -> Device:
    return Device(shared_sandbox, role="agent")


@pytest.mark.postgresql
def test_an_agent_device_gets_its_agents_with_pin_hashes_it_can_check(
        agent_device: Device) -> None:
    enrolment = contract.Enrolment.model_validate(agent_device.enrolment)
    agents = {a.agent_number: a for a in enrolment.agents}
    assert sorted(agents) == sorted(DEMO_PINS)
    for number, pin in DEMO_PINS.items():
        scheme, n, r, p, salt, digest = agents[number].pin_hash.split("$")
        assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1")
        assert "=" not in salt + digest
        again = hashlib.scrypt(pin.encode(), salt=unb64(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(unb64(digest)))
        assert again == unb64(digest)
        assert agents[number].offline_limit_cents > 0 and agents[number].offline_limit_count > 0
    assert agents["BA-0001"].name == "Demo Agent Kilimani"
    # BA-0001 holds the demo ID card: its ID number, hashed like a PIN, never in clear.
    card = agents["BA-0001"].id_number_hash
    assert card is not None and "12345678" not in card
    scheme, n, r, p, salt, digest = card.split("$")
    assert scheme == "scrypt" and hashlib.scrypt(
        b"12345678", salt=unb64(salt), n=int(n), r=int(r), p=int(p),
        dklen=len(unb64(digest))) == unb64(digest)
    assert agents["BA-0002"].id_number_hash is None


@pytest.mark.postgresql
def test_the_right_pin_signs_in_and_a_kiosk_cannot(agent_device: Device,
                                                    shared_sandbox: SandboxServer) -> None:
    answer = sign_in(agent_device, "BA-0002", "1357")
    assert answer.status_code == 200, answer.text
    session = contract.AgentSession.model_validate(answer.json())
    assert session.agent_number == "BA-0002" and session.name == "Demo Agent Kisumu"
    kiosk = Device(shared_sandbox)
    refused = sign_in(kiosk, "BA-0002", "1357")
    assert refused.status_code == 403 and problem(refused).code == "not_an_agent_device"
    unknown = sign_in(agent_device, "BA-9999", "1357")
    assert unknown.status_code == 401 and problem(unknown).code == "sign_in_refused"


def test_five_wrong_pins_lock_the_agent_for_longer_each_time(sandbox_factory) -> None:
    server: SandboxServer = sandbox_factory(lockout=1.0)
    device = Device(server, role="agent")
    for left in (4, 3, 2, 1):
        wrong = sign_in(device, "BA-0003", "0000")
        assert wrong.status_code == 401
        assert f"{left} tries left" in problem(wrong).message.en
    locked = sign_in(device, "BA-0003", "0000")
    assert locked.status_code == 423
    refused = problem(locked)
    assert refused.code == "agent_locked" and "try again after" in refused.message.en
    assert "jaribu tena baada ya saa" in refused.message.sw
    assert locked.headers["Retry-After"] == "1"
    # While locked, even the right PIN is refused.
    assert sign_in(device, "BA-0003", "8024").status_code == 423
    # The lock ends (1 s); five more wrong PINs lock it for twice as long.
    wait_until_unlocked(device, "BA-0003", "0000")
    for _ in range(3):  # the probe above was the first of five
        assert sign_in(device, "BA-0003", "0000").status_code == 401
    second = sign_in(device, "BA-0003", "0000")
    assert second.status_code == 423 and second.headers["Retry-After"] == "2"
    wait_until_unlocked(device, "BA-0003", "8024")
    # The right PIN clears the count: the next lock is again the shortest.
    assert sign_in(device, "BA-0003", "8024").status_code == 200
    for _ in range(4):
        assert sign_in(device, "BA-0003", "0000").status_code == 401
    assert sign_in(device, "BA-0003", "0000").headers["Retry-After"] == "1"


def wait_until_unlocked(device: Device, agent: str, pin: str, within_s: float = 30) -> None:
    """Try ``pin`` until the answer is not 423 (locked)."""
    deadline = time.monotonic() + within_s
    while sign_in(device, agent, pin).status_code == 423:
        assert time.monotonic() < deadline, "the lock never ended"
        time.sleep(0.2)


def entry(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {"entry_id": str(uuid.uuid4()), "at": "2026-03-02T09:15:00+03:00",
                               "debit": "cash", "credit": "government", "amount_cents": 105_000,
                               "reference": contract.new_reference(),
                               "service_code": "BIRTH_CERT", "memo": "fee in cash"}
    body.update(changes)
    return body


@pytest.mark.postgresql
def test_the_ledger_keeps_each_entry_once_and_balances_to_zero(agent_device: Device) -> None:
    path = Paths.LEDGER.format(agent_number="BA-0001")
    entries = [entry(), entry(debit="government", credit="commission", amount_cents=5_000),
               entry(debit="bank", credit="cash", amount_cents=50_000, reference=None,
                     service_code=None, at="2026-03-02T17:30:00+03:00"),
               entry(at="2026-03-03T08:00:00+03:00")]  # the next day
    for body in entries:
        answer = agent_device.post(path, body)
        assert answer.status_code == 201, answer.text
        stored = contract.LedgerEntry.model_validate(answer.json())
        assert stored.agent_number == "BA-0001" and stored.device_id == agent_device.device_id
    # The same entry again under a new key: the stored one, not a second.
    again = agent_device.post(path, entries[0])
    assert again.status_code == 201 and again.json()["entry_id"] == entries[0]["entry_id"]
    changed = agent_device.post(path, {**entries[0], "amount_cents": 1})
    assert changed.status_code == 409 and problem(changed).code == "entry_conflict"
    same_account = agent_device.post(path, entry(credit="cash"))
    assert same_account.status_code == 422 and "credit" in problem(same_account).fields

    day = agent_device.get(path, since="2026-03-02T00:00:00+03:00",
                           until="2026-03-03T00:00:00+03:00")
    assert day.status_code == 200, day.text
    ledger = contract.Ledger.model_validate(day.json())
    # In time order; the two entries made at the same minute in the order of their ids.
    in_order = sorted(entries[:3], key=lambda e: (datetime.fromisoformat(str(e["at"])),
                                                  str(e["entry_id"])))
    assert [e.entry_id for e in ledger.entries] == [e["entry_id"] for e in in_order]
    assert ledger.balances == {
        contract.LedgerAccount.CASH: 105_000 - 50_000,
        contract.LedgerAccount.GOVERNMENT: -105_000 + 5_000,
        contract.LedgerAccount.COMMISSION: -5_000,
        contract.LedgerAccount.BANK: 50_000,
        contract.LedgerAccount.MPESA: 0}
    assert sum(ledger.balances.values()) == 0
    backwards = agent_device.get(path, since="2026-03-03T00:00:00Z", until="2026-03-02T00:00:00Z")
    assert backwards.status_code == 422
    assert agent_device.post(Paths.LEDGER.format(agent_number="BA-9999"),
                             entry()).status_code == 404
