"""An agent signs in: against the sandbox when it answers, from the enrolment's PIN hashes when
it does not; five wrong PINs lock the agent on this device, the lock survives a restart and
grows each time; the backend's own lock (423) is kept too; the agent's own ID card (the demo
card, read for real through the simulated reader) signs in its holder."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from agent_mode.desk import AgentDesk, NotAnAgentDevice
from agent_mode.pins import hash_secret, normalise_id_number, verify_secret
from agent_mode.signin import SignInRefused
from kiosk_app.bootstrap import build
from kiosk_app.clock import ManualClock
from kiosk_app.demo import DEMO_CARD_DETAILS, insert_demo_card
from kiosk_app.identity import bac_key_from_typed, typed_identity
from sandbox.agents import hash_pin
from tests.agent_mode.conftest import PINS, agent_config, keep_enrolment, make_desk
from tests.sandbox_fixtures import SandboxServer


def refused(call, *args: object) -> SignInRefused:  # noqa: ANN001
    with pytest.raises(SignInRefused) as info:
        call(*args)
    return info.value


def test_the_device_checks_the_hashes_the_sandbox_makes() -> None:
    made = hash_pin("2468")
    assert verify_secret("2468", made) and not verify_secret("2469", made)
    assert verify_secret("12345678", hash_pin(normalise_id_number(" 1234 5678 ")))
    assert verify_secret("2468", hash_secret("2468"))
    # A malformed or a too costly hash never matches, and costs nothing to refuse.
    scheme, n, r, p, salt, digest = made.split("$")
    other = ("A" if digest[0] != "A" else "B") + digest[1:]
    for broken in ("", "2468", made.replace("scrypt", "bcrypt"),
                   "$".join([scheme, n, r, p, salt, other]), "$".join([scheme, n, r, p, salt]),
                   "$".join([scheme, str(2**24), r, p, salt, digest]),
                   "$".join([scheme, "1000", r, p, salt, digest]),
                   "$".join([scheme, n, r, p, "!!", digest])):
        assert not verify_secret("2468", broken), broken


def test_offline_the_enrolment_signs_in_and_five_wrong_pins_lock_for_longer_each_time(
        tmp_path: Path, agent_sandbox: SandboxServer) -> None:
    clock = ManualClock()
    config = agent_config(tmp_path / "data")            # the backend: a closed port
    keep_enrolment(config, agent_sandbox)               # enrolled once, when it was online
    desk = make_desk(config, clock=clock)
    try:
        agent = desk.sign_in_with_pin("ba-0002", PINS["BA-0002"])
        assert (agent.agent_number, agent.name, agent.method, agent.checked_by) == (
            "BA-0002", "Demo Agent Kisumu", "pin", "device")
        assert desk.agent == agent and "Kisumu" not in repr(agent)

        assert refused(desk.sign_in_with_pin, "BA-0009", "2468").key == "not_bound"
        assert refused(desk.sign_in_with_pin, "BA-0001", "24").key == "bad_pin"
        for left in (4, 3, 2, 1):
            wrong = refused(desk.sign_in_with_pin, "BA-0001", "0000")
            assert (wrong.key, wrong.params) == ("wrong_tries_left", {"tries": left})
        locked = refused(desk.sign_in_with_pin, "BA-0001", "0000")
        assert (locked.key, locked.retry_after_s) == ("locked_seconds", 30)
        assert locked.message("en") == ("Too many wrong PINs. This agent is locked on this "
                                        "device; try again in 30 seconds.")
        assert "sekunde 30" in locked.message("sw")
        # While locked even the right PIN is refused; another agent is not affected.
        assert refused(desk.sign_in_with_pin, "BA-0001", PINS["BA-0001"]).key == "locked_seconds"
        assert desk.sign_in_with_pin("BA-0003", PINS["BA-0003"]).agent_number == "BA-0003"
    finally:
        desk.close()
        desk.kiosk.close()

    # A restart keeps the lock: it is in the agent's file, not in memory.
    clock.advance(10)
    desk = make_desk(config, clock=clock)
    try:
        again = refused(desk.sign_in_with_pin, "BA-0001", PINS["BA-0001"])
        assert (again.key, again.retry_after_s) == ("locked_seconds", 20)
        clock.advance(20)
        # Five more wrong PINs lock it for twice as long.
        for _ in range(4):
            assert refused(desk.sign_in_with_pin, "BA-0001", "1111").key == "wrong_tries_left"
        second = refused(desk.sign_in_with_pin, "BA-0001", "1111")
        assert second.retry_after_s == 60
        clock.advance(59)
        assert refused(desk.sign_in_with_pin, "BA-0001", PINS["BA-0001"]).retry_after_s == 1
        clock.advance(1)
        assert desk.sign_in.lock_state("BA-0001").locked is False
        # The right PIN ends it all: the next lock is the shortest again.
        assert desk.sign_in_with_pin("BA-0001", PINS["BA-0001"]).checked_by == "device"
        for _ in range(4):
            refused(desk.sign_in_with_pin, "BA-0001", "0000")
        assert refused(desk.sign_in_with_pin, "BA-0001", "0000").retry_after_s == 30
        state = desk.sign_in.lock_state("BA-0001")
        assert (state.locked, state.seconds_left) == (True, 30)
    finally:
        desk.close()
        desk.kiosk.close()


def test_online_the_backend_checks_the_pin_and_its_lock_is_kept_here(
        tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    server: SandboxServer = sandbox_factory(lockout=45.0)
    clock = ManualClock()
    config = agent_config(tmp_path / "data", server)
    desk = make_desk(config, clock=clock)
    try:
        agent = desk.sign_in_with_pin("BA-0003", PINS["BA-0003"])   # enrols on the way
        assert (agent.checked_by, agent.name) == ("backend", "Demo Agent Mombasa")
        for left in (4, 3, 2, 1):
            assert refused(desk.sign_in_with_pin, "BA-0003", "0000").params == {"tries": left}
        locked = refused(desk.sign_in_with_pin, "BA-0003", "0000")
        # The sandbox locked it for 45 s (423, Retry-After): longer than this device's 30 s.
        assert (locked.key, locked.retry_after_s) == ("locked_seconds", 45)
        assert refused(desk.sign_in_with_pin, "BA-0003", PINS["BA-0003"]).retry_after_s == 45
    finally:
        desk.close()
        desk.kiosk.close()
    # The lock is kept on this device: with the backend gone it holds for as long.
    server.stop()
    offline = make_desk(config, clock=clock)
    try:
        clock.advance(44)
        assert refused(offline.sign_in_with_pin, "BA-0003", PINS["BA-0003"]).retry_after_s == 1
        clock.advance(1)
        assert offline.sign_in_with_pin("BA-0003", PINS["BA-0003"]).checked_by == "device"
    finally:
        offline.close()
        offline.kiosk.close()


def test_the_agents_own_id_card_signs_in_its_holder(tmp_path: Path,
                                                   agent_sandbox: SandboxServer) -> None:
    config = agent_config(tmp_path / "data", demo=True)     # the demo's sample card and CSCA
    keep_enrolment(config, agent_sandbox)
    desk = make_desk(config)
    try:
        desk.kiosk.devices.open_all()
        assert insert_demo_card(desk.kiosk)
        card = desk.kiosk.identity.read(bac_key_from_typed(*DEMO_CARD_DETAILS))
        assert (card.source, card.verification) == ("card", "valid")
        agent = desk.sign_in_with_card(card)
        assert (agent.agent_number, agent.method, agent.checked_by) == ("BA-0001", "card",
                                                                        "device")
        # Typed details, an unchecked chip, or another person's card sign nobody in.
        typed = typed_identity("Amina Njeri Wanjiku", "12345678", "01/01/1990")
        assert refused(desk.sign_in_with_card, typed).key == "card_not_read"
        assert refused(desk.sign_in_with_card,
                       replace(card, verification="not_verifiable")).key == "card_unverified"
        assert refused(desk.sign_in_with_card,
                       replace(card, id_number="87654321")).key == "card_unknown"
        message = refused(desk.sign_in_with_card, replace(card, id_number=None)).bilingual()
        assert "not the card of an agent" in message and "\n" in message
    finally:
        desk.close()
        desk.kiosk.close()


def test_no_enrolment_no_sign_in_and_no_desk_on_a_kiosk(tmp_path: Path) -> None:
    desk = make_desk(agent_config(tmp_path / "data"))
    try:
        assert refused(desk.sign_in_with_pin, "BA-0001", "2468").key == "not_enrolled"
    finally:
        desk.close()
        desk.kiosk.close()
    kiosk = build(agent_config(tmp_path / "kiosk", role="kiosk"))
    try:
        with pytest.raises(NotAnAgentDevice):
            AgentDesk.for_kiosk(kiosk)
    finally:
        kiosk.close()
