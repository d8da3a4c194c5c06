"""The session state machine, its time limit and its wipe: plain Python, no Kivy."""
from __future__ import annotations

import pytest

from drivers.events import CardInserted, CardRemoved, CodeScanned
from kiosk_app import contract
from kiosk_app.clock import ManualClock
from kiosk_app.identity import typed_identity
from kiosk_app.session import (
    AGENT_DESK,
    AGENT_ONLY,
    AGENT_TRANSITIONS,
    IN_SESSION,
    TRANSITIONS,
    InvalidTransition,
    Session,
    SessionState as S,
    TimerPhase,
    WipeReason,
)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_session_state_changed(self, session, old, new) -> None:
        self.calls.append(("state", old.value, new.value))

    def on_session_time_warning(self, session, seconds_left) -> None:
        self.calls.append(("warning", seconds_left))

    def on_session_time_extended(self, session) -> None:
        self.calls.append(("extended",))

    def on_session_wiped(self, session, reason) -> None:
        self.calls.append(("wiped", reason.value, session.data.holds_personal_data()))


@pytest.fixture
def session(clock: ManualClock) -> Session:
    return Session(clock=clock, idle_s=60, warning_s=30)


@pytest.fixture
def rec(session: Session) -> Recorder:
    recorder = Recorder()
    session.add_listener(recorder)
    return recorder


def walk(session: Session, *states: S) -> None:
    for state in states:
        session.go(state)


def test_a_paid_application_walks_the_whole_flow(session: Session, rec: Recorder) -> None:
    session.start("sw")
    walk(session, S.IDENTIFY, S.CATALOGUE, S.FORM, S.REVIEW, S.PAYMENT, S.SUBMITTING,
         S.RECEIPT, S.FEEDBACK, S.THANK_YOU)
    session.finish()
    assert [c[2] for c in rec.calls if c[0] == "state"] == [
        "home", "identify", "catalogue", "form", "review", "payment", "submitting", "receipt",
        "feedback", "thank_you", "attract"]
    assert rec.calls[-2] == ("wiped", "finished", False)


def test_moves_outside_the_table_are_refused(session: Session) -> None:
    with pytest.raises(InvalidTransition, match="attract -> payment"):
        session.go(S.PAYMENT)
    session.start()
    with pytest.raises(InvalidTransition, match="home -> submitting"):
        session.go(S.SUBMITTING)
    assert session.state is S.HOME


def test_every_state_can_end_the_session_and_every_state_is_reachable() -> None:
    reachable = {S.ATTRACT}
    frontier = [S.ATTRACT]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(S) - AGENT_ONLY
    assert all(S.ATTRACT in TRANSITIONS[s] for s in IN_SESSION - AGENT_ONLY)


def test_time_limit_warns_offers_more_time_then_wipes(session: Session, rec: Recorder,
                                                      clock: ManualClock) -> None:
    session.start("sw")
    walk(session, S.IDENTIFY, S.CATALOGUE, S.FORM)
    session.data.answers["surname"] = "personal"
    session.data.phone = "0712345678"
    rec.calls.clear()

    clock.advance(59.9); session.tick()
    assert rec.calls == [] and session.timer_phase is TimerPhase.COUNTING
    clock.advance(0.1); session.tick()
    assert rec.calls == [("warning", 30)] and session.seconds_left == 30

    clock.advance(12); session.tick()
    assert session.seconds_left == 18
    session.more_time()
    assert rec.calls[-1] == ("extended",) and session.extensions == 1
    assert session.timer_phase is TimerPhase.COUNTING and session.seconds_left is None

    clock.advance(60); session.tick()
    clock.advance(29.9); session.tick()
    assert session.state is S.FORM
    clock.advance(0.1); session.tick()
    assert rec.calls[2:] == [("warning", 30), ("wiped", "timed_out", False),
                             ("state", "form", "attract")]
    assert session.state is S.ATTRACT
    assert session.data.answers == {} and session.data.phone is None
    assert session.language == "en"  # back to the kiosk's own language for the next person
    assert session.timer_phase is TimerPhase.OFF and session.extensions == 0


def test_a_touch_resets_the_limit(session: Session, rec: Recorder, clock: ManualClock) -> None:
    session.start()
    for _ in range(5):
        clock.advance(50); session.tick()
        session.touch()
    assert [c for c in rec.calls if c[0] != "state"] == []


def test_payment_and_submission_are_never_cut_by_the_limit(session: Session, rec: Recorder,
                                                           clock: ManualClock) -> None:
    session.start()
    walk(session, S.IDENTIFY, S.CATALOGUE, S.FORM, S.REVIEW, S.PAYMENT)
    clock.advance(600); session.tick(); session.tick()
    assert session.state is S.PAYMENT and session.timer_phase is TimerPhase.OFF
    session.go(S.SUBMITTING)
    clock.advance(600); session.tick()
    session.go(S.RECEIPT)  # back under the limit, counting from the receipt
    clock.advance(60); session.tick()
    assert rec.calls[-1] == ("warning", 30)


def test_no_limit_on_the_attract_screen(session: Session, rec: Recorder, clock: ManualClock) -> None:
    clock.advance(10_000); session.tick()
    assert rec.calls == [] and session.timer_phase is TimerPhase.OFF


def test_cancel_wipes_everything(session: Session, rec: Recorder) -> None:
    session.start("sw")
    session.go(S.IDENTIFY)
    session.data.identity = object()
    session.cancel()
    assert rec.calls[-2:] == [("wiped", "cancelled", False), ("state", "identify", "attract")]
    assert session.data.identity is None


def test_personal_data_is_hidden_from_repr(session: Session) -> None:
    session.data.phone = "0712345678"
    session.data.answers["id_number"] = "12345678"
    assert "0712345678" not in repr(session.data) and "12345678" not in repr(session.data)


def test_a_card_on_the_attract_screen_starts_identification(session: Session, rec: Recorder) -> None:
    session.on_device_event(CardInserted("card_reader", "Reader 0", b"\x3b"))
    assert [c for c in rec.calls if c[0] == "state"] == [("state", "attract", "home"),
                                                         ("state", "home", "identify"),
                                                         ("state", "identify", "card_unlock")]
    assert session.data.card_reader == "Reader 0"
    session.on_device_event(CardRemoved("card_reader", "Reader 0"))
    assert session.data.card_reader is None


def test_a_scan_counts_as_activity_and_is_kept_for_the_session(session: Session,
                                                               clock: ManualClock) -> None:
    session.start()
    clock.advance(59)
    session.on_device_event(CodeScanned("scanner", text="HK1.x"))
    clock.advance(59); session.tick()
    assert session.timer_phase is TimerPhase.COUNTING and session.data.scanned == ["HK1.x"]
    session.cancel()
    assert session.data.scanned == []


def test_unknown_language_is_refused(session: Session) -> None:
    with pytest.raises(ValueError):
        session.set_language("fr")


def test_card_flow_three_failures_offer_typed_details(session: Session, rec: Recorder) -> None:
    session.on_device_event(CardInserted("card_reader", "Reader 0", b"\x3b"))
    assert session.state is S.CARD_UNLOCK
    for attempt in range(2):
        session.begin_card_read()
        session.card_read_failed("wrong_details")
        assert session.state is S.CARD_UNLOCK and session.data.card_error == "wrong_details"
    session.begin_card_read()
    session.card_read_failed("bad_details", counts_as_attempt=False)  # a typo is not a read
    assert session.state is S.CARD_UNLOCK
    session.begin_card_read()
    session.card_read_failed("card_removed")
    assert session.state is S.TYPED_IDENTITY and session.data.card_failures == 3
    assert [c[2] for c in rec.calls if c[0] == "state"][-2:] == ["card_reading", "typed_identity"]


def test_a_good_read_asks_is_this_you(session: Session) -> None:
    session.start()
    session.go(S.IDENTIFY)
    session.on_device_event(CardInserted("card_reader", "Reader 0", b"\x3b"))
    session.begin_card_read()
    identity = object()
    session.card_read_succeeded(identity)
    assert session.state is S.IDENTITY_CONFIRM and session.data.identity is identity
    session.confirm_identity(False)
    assert session.state is S.IDENTIFY and session.data.identity is None


def test_a_read_that_ends_after_the_session_is_dropped(session: Session, clock: ManualClock) -> None:
    session.start()
    session.go(S.IDENTIFY)
    session.go(S.CARD_UNLOCK)
    session.begin_card_read()
    clock.advance(10_000); session.tick()
    assert session.state is S.CARD_READING  # reading is never cut by the idle limit
    session.cancel()
    session.card_read_succeeded(object())      # the worker finished late
    assert session.state is S.ATTRACT and session.data.identity is None


def test_choosing_a_service_then_confirming_makes_one_reference(session: Session) -> None:
    session.start()
    walk(session, S.IDENTIFY, S.CATALOGUE)
    session.choose_service("GOOD-CONDUCT")
    assert session.state is S.FORM and session.data.service_code == "GOOD-CONDUCT"
    session.data.answers["purpose"] = "travel"
    walk(session, S.CATALOGUE)
    session.choose_service("GOOD-CONDUCT")          # the same service: answers kept
    assert session.data.answers == {"purpose": "travel"}
    walk(session, S.REVIEW)
    session.confirm_application(105_000)
    reference = session.data.reference
    assert session.state is S.PAYMENT and contract.normalise_reference(reference) == reference
    walk(session, S.REVIEW)                           # back from the payment: the same one
    session.confirm_application(105_000)
    assert session.data.reference == reference
    walk(session, S.REVIEW, S.FORM, S.CATALOGUE)
    session.data.attachments["photo"] = b"\xff\xd8\xff"
    session.choose_service("SHA-REGISTER")          # another service: nothing of the first
    assert (session.data.answers, session.data.attachments, session.data.reference) == ({}, {}, None)
    walk(session, S.REVIEW)
    session.confirm_application(0)                  # free: straight to sending
    assert session.state is S.SUBMITTING and session.data.reference is not None


# -- the agent role ---------------------------------------------------------------------------
KIOSK_ONLY = {S.ATTRACT, S.HOME, S.STATUS_CHECK, S.QUEUE_TICKET, S.FEEDBACK, S.THANK_YOU}


@pytest.fixture
def desk(clock: ManualClock) -> Session:
    return Session(clock=clock, idle_s=900, warning_s=60, role="agent")


def test_the_agent_role_starts_at_sign_in_and_reaches_its_own_states_only() -> None:
    reachable, frontier = {S.SIGN_IN}, [S.SIGN_IN]
    while frontier:
        for nxt in AGENT_TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(S) - KIOSK_ONLY
    assert all(S.SIGN_IN in AGENT_TRANSITIONS[s] for s in reachable - {S.SIGN_IN})
    assert all(S.AGENT_HOME in AGENT_TRANSITIONS[s] for s in reachable - AGENT_DESK)
    # The kiosk's own table is as it was: none of the agent's states in it.
    assert not set(TRANSITIONS) & AGENT_ONLY
    assert not {nxt for moves in TRANSITIONS.values() for nxt in moves} & AGENT_ONLY


def test_an_assisted_transaction_asks_consent_and_the_wipe_keeps_the_agent(
        desk: Session, rec: Recorder) -> None:
    desk.add_listener(rec)
    assert desk.state is S.SIGN_IN and desk.home is S.AGENT_HOME
    desk.agent_signed_in("BA-0001", shift_open=False)
    walk(desk, S.AGENT_HOME, S.IDENTIFY, S.TYPED_IDENTITY)
    desk.set_language("sw")
    desk.data.identity = typed_identity("Juma Otieno Barasa", "23456789", "17/05/1985")
    walk(desk, S.CATALOGUE)
    desk.choose_service("GOOD-CONDUCT")
    walk(desk, S.REVIEW)
    desk.confirm_application(105_000)
    assert desk.state is S.CONSENT and desk.data.reference is not None
    walk(desk, S.CHARGE, S.SUBMITTING, S.RECEIPT)
    desk.finish()
    assert [c[2] for c in rec.calls if c[0] == "state"] == [
        "shift", "agent_home", "identify", "typed_identity", "catalogue", "form", "review",
        "consent", "charge", "submitting", "receipt", "agent_home"]
    assert ("wiped", "finished", False) in rec.calls
    assert desk.agent_number == "BA-0001" and desk.data.identity is None
    assert desk.data.reference is None and desk.language == "sw"  # the agent's language kept
    with pytest.raises(InvalidTransition, match="agent_home -> home"):
        desk.go(S.HOME)


def test_the_desks_time_limit_clears_a_customer_then_signs_the_agent_out(
        desk: Session, rec: Recorder, clock: ManualClock) -> None:
    desk.add_listener(rec)
    desk.agent_signed_in("BA-0002", shift_open=True)
    walk(desk, S.IDENTIFY, S.TYPED_IDENTITY)
    desk.data.answers["surname"] = "personal"
    clock.advance(900); desk.tick()
    clock.advance(60); desk.tick()
    assert desk.state is S.AGENT_HOME and desk.agent_number == "BA-0002"
    assert desk.data.answers == {}
    clock.advance(900); desk.tick()
    clock.advance(59); desk.tick()
    assert desk.state is S.AGENT_HOME and desk.seconds_left == 1
    clock.advance(1); desk.tick()
    assert desk.state is S.SIGN_IN and desk.agent_number is None
    assert rec.calls[-2:] == [("wiped", "timed_out", False), ("state", "agent_home", "sign_in")]
    clock.advance(10_000); desk.tick()  # nobody at the desk: no time limit
    assert rec.calls[-1] == ("state", "agent_home", "sign_in")


def test_signing_out_from_a_customers_step_clears_it_and_a_sign_in_needs_the_sign_in_screen(
        desk: Session) -> None:
    desk.agent_signed_in("BA-0001", shift_open=True)
    walk(desk, S.IDENTIFY, S.TYPED_IDENTITY)
    desk.data.phone = "0712345678"
    desk.sign_out()
    assert desk.state is S.SIGN_IN and desk.agent_number is None and desk.data.phone is None
    desk.agent_signed_in("BA-0003", shift_open=True)
    desk.agent_signed_in("BA-0001", shift_open=True)  # already signed in: nothing changes
    assert desk.agent_number == "BA-0003" and desk.state is S.AGENT_HOME


def test_the_kiosk_role_has_no_agent(session: Session) -> None:
    session.agent_signed_in("BA-0001", shift_open=True)
    session.sign_out()
    assert session.state is S.ATTRACT and session.agent_number is None
    with pytest.raises(ValueError):
        Session(clock=ManualClock(), idle_s=60, warning_s=30, role="teller")


def test_listeners_hear_in_order_those_added_while_telling_too_and_the_last_after_all(
        session: Session) -> None:
    """The App listens last, so that a screen is shown once its presenter has made it ready;
    a presenter made while the session tells of the state that shows its screen (screens/app.py
    makes them when first needed) hears that state too."""
    heard: list[str] = []

    class Listener:
        def __init__(self, name: str, adds: object = None) -> None:
            self.name, self.adds = name, adds

        def on_session_state_changed(self, _session: Session, _old: object, new: object) -> None:
            heard.append(f"{self.name}:{new.value}")  # type: ignore[attr-defined]
            if self.adds is not None:
                session.add_listener(self.adds)
                self.adds = None

    session.add_listener(Listener("app"), last=True)
    session.add_listener(Listener("ahead", adds=Listener("made-late")))
    session.add_listener(Listener("presenter"))
    session.start("en")
    assert heard == ["ahead:home", "presenter:home", "made-late:home", "app:home"]
    heard.clear()
    session.go(S.IDENTIFY)
    assert heard == ["ahead:identify", "presenter:identify", "made-late:identify", "app:identify"]
