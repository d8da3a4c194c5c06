"""An agent signs in: agent number and PIN, or the agent's own ID card; only agents bound to
this device at its enrolment.

    signing = AgentSignIn(config, store, enroller, client, clock=clock, online=lambda: upkeep.online)
    agent = signing.with_pin("BA-0001", "2468")      # SignedIn, or raises SignInRefused
    agent = signing.with_card(identity)              # an Identity read from the agent's own card
    refused.message("sw")                            # why, for the agent, in either language

**With a PIN.** When the backend may answer, the PIN is checked there (its answer is the
word: right, wrong, or locked with a ``Retry-After``); when it does not answer, the PIN is
checked here against the enrolment's ``scrypt`` hash (:mod:`agent_mode.pins`). Either way the
device counts wrong PINs itself, in the agent's file, so a restart does not forget them: after
five wrong PINs in a row the agent is locked on this device for ``agent.lockout_s`` (30 s by
default), and each later lock lasts twice as long as the one before, until a right PIN. A lock
the backend announces (423) is kept here too, for as long as it said at least. While locked,
nothing is asked of the backend and no PIN is checked.

**With the ID card.** The card is read like a citizen's (BAC, then passive authentication);
only a chip that passed passive authentication signs anyone in. Its ID number is compared with
each bound agent's ``id_number_hash`` (the number itself is never kept). A lock holds for
card sign-in too; a card sign-in ends it, as a right PIN does.

Nothing here logs a PIN, an ID number or a name; agent numbers are not personal data.

Blocking (disk, network, scrypt at about 50 ms a check): ``with_pin``, ``with_card``,
``bound_agents`` and ``lock_state`` run on a worker thread. :class:`SignInRefused` is safe to
show from any thread.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from kiosk_app import contract
from kiosk_app.backend.client import BackendClient, BackendError, NotEnrolled
from kiosk_app.backend.enrolment import Credentials, Enroller, load_credentials
from kiosk_app.clock import Clock
from kiosk_app.config import KioskConfig
from kiosk_app.i18n import N_, translator

from agent_mode.pins import normalise_id_number, verify_secret, well_formed_pin
from agent_mode.store import AgentStore, LockRecord

log = logging.getLogger(__name__)

TRIES_BEFORE_LOCK = 5

WORDS = {
    "bad_pin": N_("A PIN has 4 to 8 digits."),
    "wrong": N_("The agent number or PIN is not right."),
    "wrong_tries_left": N_("The agent number or PIN is not right. {tries} tries left before "
                           "this agent is locked."),
    "locked_seconds": N_("Too many wrong PINs. This agent is locked on this device; try again "
                         "in {seconds} seconds."),
    "locked_minutes": N_("Too many wrong PINs. This agent is locked on this device; try again "
                         "in {minutes} minutes."),
    "not_bound": N_("This agent is not registered on this device. Ask your supervisor to add "
                    "you to it."),
    "not_enrolled": N_("This device is not yet set up with the backend, so no agent can sign "
                       "in. Connect it to the network once, or ask a technician."),
    "not_agent_device": N_("The backend does not know this device as an agent's device. Ask a "
                           "technician."),
    "card_not_read": N_("Sign in with your own ID card read by the card reader, or with your "
                        "agent number and PIN."),
    "card_unverified": N_("This card's security check could not be completed on this device, "
                          "so it cannot sign you in. Use your agent number and PIN."),
    "card_unknown": N_("This ID card is not the card of an agent registered on this device."),
}
"""Why a sign-in was refused (catalogue keys; ``{placeholders}`` filled when shown)."""


class SignInRefused(Exception):
    """The agent is not signed in: ``key`` (of :data:`WORDS`) says why; ``retry_after_s`` is
    set while the agent is locked."""

    def __init__(self, key: str, *, retry_after_s: float | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
        self.retry_after_s = retry_after_s

    def message(self, language: str) -> str:
        """The words for the agent in ``language`` (any thread)."""
        return translator(language).gettext(WORDS[self.key]).format(**self.params)

    def bilingual(self) -> str:
        return f"{self.message('en')}\n{self.message('sw')}"


@dataclass(frozen=True)
class SignedIn:
    """The agent at the device."""

    agent_number: str
    name: str
    signed_in_at: datetime
    method: str
    """``pin`` or ``card``."""
    checked_by: str
    """``backend`` (online) or ``device`` (offline, against the enrolment)."""
    credential: contract.AgentCredential

    def __repr__(self) -> str:  # the agent's name stays off logs
        return (f"SignedIn(agent_number={self.agent_number!r}, method={self.method!r}, "
                f"checked_by={self.checked_by!r})")


@dataclass(frozen=True)
class LockState:
    locked: bool
    seconds_left: float
    tries_left: int


class _WrongPin(Exception):
    """The backend said the PIN is wrong (kept apart from a refused device token)."""


class Lockout:
    """Wrong PINs counted per agent in the agent's file; five in a row lock the agent, for
    ``first_wait_s`` and then twice as long each time, until a right PIN. Every method reads
    or writes the agent's file: a worker thread."""

    def __init__(self, store: AgentStore, clock: Clock, *, first_wait_s: float,
                 tries: int = TRIES_BEFORE_LOCK) -> None:
        self.store = store
        self.clock = clock
        self.first_wait_s = first_wait_s
        self.tries = tries

    def state(self, agent_number: str) -> LockState:
        record = self.store.lock_record(agent_number)
        left = self._seconds_left(record)
        return LockState(left > 0, left, self.tries - record.failed_attempts)

    def _seconds_left(self, record: LockRecord) -> float:
        if record.locked_until is None:
            return 0.0
        return max(0.0, (record.locked_until - self.clock.now()).total_seconds())

    @staticmethod
    def refusal(seconds: float) -> SignInRefused:
        seconds = max(1, math.ceil(seconds))
        if seconds < 120:
            return SignInRefused("locked_seconds", retry_after_s=seconds, seconds=seconds)
        return SignInRefused("locked_minutes", retry_after_s=seconds,
                             minutes=math.ceil(seconds / 60))

    def check(self, agent_number: str) -> None:
        """Raise SignInRefused while the agent is locked."""
        left = self._seconds_left(self.store.lock_record(agent_number))
        if left > 0:
            raise self.refusal(left)

    def failed(self, agent_number: str) -> SignInRefused:
        """Count a wrong PIN; answers the refusal to raise (locked on the last try)."""
        record = self.store.lock_record(agent_number)
        failed = record.failed_attempts + 1
        if failed < self.tries:
            self.store.save_lock_record(agent_number, replace(record, failed_attempts=failed))
            return SignInRefused("wrong_tries_left", tries=self.tries - failed)
        return self._lock(agent_number, record, 0.0)

    def locked_by_backend(self, agent_number: str, seconds: float | None) -> SignInRefused:
        """The backend says the agent is locked: lock here too, at least as long."""
        return self._lock(agent_number, self.store.lock_record(agent_number), seconds or 0.0)

    def _lock(self, agent_number: str, record: LockRecord, at_least_s: float) -> SignInRefused:
        count = record.lock_count + 1
        wait = max(self.first_wait_s * 2 ** min(count - 1, 20), at_least_s)
        until = self.clock.now() + timedelta(seconds=wait)
        self.store.save_lock_record(agent_number, LockRecord(0, count, until))
        log.warning("agent %s locked on this device for %.0f s (lock %d)", agent_number, wait,
                    count)
        return self.refusal(wait)

    def succeeded(self, agent_number: str) -> None:
        if self.store.lock_record(agent_number) != LockRecord():
            self.store.save_lock_record(agent_number, LockRecord())


class AgentSignIn:
    def __init__(self, config: KioskConfig, store: AgentStore, enroller: Enroller,
                 client: BackendClient, *, clock: Clock,
                 online: Callable[[], bool | None] = lambda: None) -> None:
        """``online()``: whether the backend answered last time it was asked (None: not
        known); False skips asking it and checks here at once."""
        self.config = config
        self.enroller = enroller
        self.client = client
        self.clock = clock
        self.online = online
        self.lockout = Lockout(store, clock, first_wait_s=config.agent.lockout_s)

    # -- who may sign in ----------------------------------------------------------------------
    def _credentials(self) -> Credentials:
        try:
            return self.enroller.ensure()
        except BackendError:
            kept = load_credentials(self.config.data_dir)
            if kept is not None and kept.device_id == self.config.device_id:
                return kept
            raise SignInRefused("not_enrolled") from None

    def bound_agents(self) -> list[contract.AgentCredential]:
        """Worker thread. The agents bound to this device at its enrolment (enrols first when
        it has none and may: network)."""
        return list(self._credentials().agents)

    def lock_state(self, agent_number: str) -> LockState:
        """Worker thread (disk): whether the agent is locked here, for how long, tries left."""
        return self.lockout.state(agent_number.strip().upper())

    def _bound(self, agent_number: str) -> contract.AgentCredential:
        for credential in self._credentials().agents:
            if credential.agent_number == agent_number:
                return credential
        raise SignInRefused("not_bound")

    # -- PIN ----------------------------------------------------------------------------------
    def with_pin(self, agent_number: str, pin: str) -> SignedIn:
        """Worker thread. Raises SignInRefused (wrong, locked, not bound, ...)."""
        agent_number = agent_number.strip().upper()
        if not well_formed_pin(pin):
            raise SignInRefused("bad_pin")
        credential = self._bound(agent_number)
        self.lockout.check(agent_number)
        if self.online() is not False:
            try:
                session = self._ask_backend(agent_number, pin)
            except _WrongPin:
                raise self.lockout.failed(agent_number) from None
            except BackendError as err:
                if err.status == 423:
                    raise self.lockout.locked_by_backend(agent_number, err.retry_after) from None
                if err.status == 403:
                    raise SignInRefused("not_agent_device") from None
                if err.status == 422:
                    raise self.lockout.failed(agent_number) from None
                log.info("agent sign-in checked on the device: the backend did not answer (%s)",
                         err)
            else:
                self.lockout.succeeded(agent_number)
                log.info("agent %s signed in (PIN, checked by the backend)", agent_number)
                return SignedIn(agent_number, session.name, self.clock.now(), "pin", "backend",
                                credential)
        if verify_secret(pin, credential.pin_hash):
            self.lockout.succeeded(agent_number)
            log.info("agent %s signed in (PIN, checked on the device)", agent_number)
            return SignedIn(agent_number, credential.name, self.clock.now(), "pin", "device",
                            credential)
        raise self.lockout.failed(agent_number)

    def _ask_backend(self, agent_number: str, pin: str) -> contract.AgentSession:
        body = contract.AgentSignInIn(agent_number=agent_number, pin=pin)

        def ask() -> contract.AgentSession:
            try:
                return self.client.agent_sign_in(body)
            except NotEnrolled as err:
                if err.code == "sign_in_refused":  # a wrong PIN, not a refused device token
                    raise _WrongPin() from None
                raise

        return self.enroller.authorised(ask)

    # -- the agent's own ID card --------------------------------------------------------------
    def with_card(self, identity: Any) -> SignedIn:
        """Worker thread. ``identity``: a :class:`kiosk_app.identity.Identity` read from the
        card in the reader (:meth:`kiosk_app.identity.IdentityReader.read`). Raises
        SignInRefused."""
        if getattr(identity, "source", None) != "card":
            raise SignInRefused("card_not_read")
        if getattr(identity, "verification", None) != "valid":
            raise SignInRefused("card_unverified")
        number = normalise_id_number(str(identity.id_number or ""))
        if not number:
            raise SignInRefused("card_unknown")
        for credential in self._credentials().agents:
            if credential.id_number_hash and verify_secret(number, credential.id_number_hash):
                self.lockout.check(credential.agent_number)
                self.lockout.succeeded(credential.agent_number)
                log.info("agent %s signed in (own ID card)", credential.agent_number)
                return SignedIn(credential.agent_number, credential.name, self.clock.now(),
                                "card", "device", credential)
        raise SignInRefused("card_unknown")
