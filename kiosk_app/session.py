"""The customer session: one state machine for the kiosk and agent roles.

States are an enum with named sets and one setter, :meth:`Session._set_state`, which checks the
move against the role's table (:data:`TRANSITIONS` for a kiosk, :data:`AGENT_TRANSITIONS` for a
BETA agent) and tells the listeners. The role changes policies (time limits, who confirms), and
where the flow truly differs, the steps:

- **kiosk**: attract -> home -> identify -> ... -> review -> payment -> ... -> receipt ->
  feedback -> thank you -> attract. A wipe goes back to the attract screen.
- **agent**: sign-in -> (the drawer counted: shift) -> the agent's home -> identify -> ... ->
  review -> consent -> charge (the tariff; cash, or M-Pesa's payment) -> ... -> receipt -> the
  agent's home. A wipe during a customer's transaction clears the customer's data and goes back
  to the agent's home with the agent still signed in (:attr:`Session.agent_number`); on the
  agent's own screens it signs the agent out (the desk's time limit ran out: nobody is there).

The inactivity limit follows WCAG 2.2.1: after ``idle_s`` with no touch the session warns and
offers more time, counting down ``warning_s``; then it wipes everything a person entered and
goes back to the attract screen. States where money or a submission is in flight pause the
limit (:data:`UNTIMED`): those have their own time limits.

Listeners are plain objects with any of these methods, called on the UI thread::

    on_session_state_changed(session, old, new)
    on_session_time_warning(session, seconds_left)
    on_session_time_extended(session)
    on_session_wiped(session, reason)
    on_session_code_scanned(session, text)    # kept in data.scanned too; personal until known

Example, with no display at all::

    session = Session(clock=ManualClock(), idle_s=60, warning_s=30)
    session.start("sw")                 # ATTRACT -> HOME
    clock.advance(61); session.tick()   # warning, 30 s to answer
    session.more_time()                 # counting from zero again
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from typing import Any

from drivers.events import CardInserted, CardRemoved, CodeScanned, DeviceEvent
from kiosk_app.clock import Clock
from kiosk_app.api_terms import new_reference
from kiosk_app.i18n import LANGUAGES

log = logging.getLogger(__name__)


class SessionState(enum.Enum):
    ATTRACT = "attract"
    """Nobody is using the kiosk: the moving welcome, touch to start, language."""
    HOME = "home"
    """What would you like to do: new application, check status, queue ticket."""
    IDENTIFY = "identify"
    """ID card, digital-ID QR, or typed details."""
    CARD_UNLOCK = "card_unlock"
    """A card is in: the details printed on it open its chip (BAC)."""
    CARD_READING = "card_reading"
    """The chip is being read and checked."""
    IDENTITY_CONFIRM = "identity_confirm"
    """The name and photo from the chip: "is this you?"."""
    TYPED_IDENTITY = "typed_identity"
    """Details typed instead of read (no card, or the card would not read)."""
    CATALOGUE = "catalogue"
    FORM = "form"
    REVIEW = "review"
    PAYMENT = "payment"
    SUBMITTING = "submitting"
    RECEIPT = "receipt"
    STATUS_CHECK = "status_check"
    QUEUE_TICKET = "queue_ticket"
    FEEDBACK = "feedback"
    THANK_YOU = "thank_you"
    # The agent role's own steps: a kiosk never enters them.
    SIGN_IN = "sign_in"
    """Agent role: nobody is signed in at the desk: agent number and PIN, or the agent's card."""
    SHIFT = "shift"
    """Agent role: the cash in the drawer counted, to start a shift or to end it."""
    AGENT_HOME = "agent_home"
    """Agent role: the agent's desk: a new customer, the float, the day's end, reports."""
    FLOAT = "float"
    """Agent role: cash put into the drawer from the bank, or takings taken to the bank."""
    REPORT = "report"
    """Agent role: transactions and commission for a range of days."""
    DAY_END = "day_end"
    """Agent role: the day's books against the backend's, and the printed Z-report."""
    CONSENT = "consent"
    """Agent role: the customer agrees, on the screen, that the agent applies for them."""
    CHARGE = "charge"
    """Agent role: the official tariff, itemised, and how the customer pays: cash or M-Pesa."""


S = SessionState

#: Agent role: the agent's own screens, with no customer at them.
AGENT_DESK = frozenset({S.SIGN_IN, S.SHIFT, S.AGENT_HOME, S.FLOAT, S.REPORT, S.DAY_END})
#: The states only the agent role has.
AGENT_ONLY = AGENT_DESK | {S.CONSENT, S.CHARGE}
#: Every state in which someone is being served: a citizen at a kiosk, an agent's customer.
IN_SESSION = frozenset(S) - {S.ATTRACT} - AGENT_DESK
#: States whose own time limits apply instead of the inactivity limit.
UNTIMED = frozenset({S.ATTRACT, S.SIGN_IN, S.CARD_READING, S.PAYMENT, S.SUBMITTING})
#: States from which "cancel" asks for confirmation: something entered would be lost.
CANCEL_NEEDS_CONFIRMATION = frozenset({S.IDENTIFY, S.CARD_UNLOCK, S.IDENTITY_CONFIRM,
                                       S.TYPED_IDENTITY, S.CATALOGUE, S.FORM, S.REVIEW,
                                       S.CONSENT, S.CHARGE})

TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    S.ATTRACT: frozenset({S.HOME}),
    S.HOME: frozenset({S.IDENTIFY, S.STATUS_CHECK, S.QUEUE_TICKET}),
    S.IDENTIFY: frozenset({S.CARD_UNLOCK, S.TYPED_IDENTITY, S.CATALOGUE, S.HOME}),
    S.CARD_UNLOCK: frozenset({S.CARD_READING, S.TYPED_IDENTITY, S.IDENTIFY}),
    S.CARD_READING: frozenset({S.IDENTITY_CONFIRM, S.CARD_UNLOCK, S.TYPED_IDENTITY}),
    S.IDENTITY_CONFIRM: frozenset({S.CATALOGUE, S.IDENTIFY}),
    S.TYPED_IDENTITY: frozenset({S.CATALOGUE, S.IDENTIFY}),
    S.CATALOGUE: frozenset({S.FORM, S.HOME}),
    S.FORM: frozenset({S.REVIEW, S.CATALOGUE}),
    S.REVIEW: frozenset({S.PAYMENT, S.SUBMITTING, S.FORM}),
    S.PAYMENT: frozenset({S.SUBMITTING, S.REVIEW}),
    S.SUBMITTING: frozenset({S.RECEIPT}),
    S.RECEIPT: frozenset({S.FEEDBACK, S.HOME}),
    S.STATUS_CHECK: frozenset({S.FEEDBACK, S.HOME}),
    S.QUEUE_TICKET: frozenset({S.FEEDBACK, S.HOME}),
    S.FEEDBACK: frozenset({S.THANK_YOU}),
    S.THANK_YOU: frozenset({S.ATTRACT}),
}
# Any state in a session may end it (cancel, time limit, thank you): wipe() is that move.
for _state in IN_SESSION - AGENT_ONLY:
    TRANSITIONS[_state] = TRANSITIONS[_state] | {S.ATTRACT}

AGENT_TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    S.SIGN_IN: frozenset({S.SHIFT, S.AGENT_HOME}),
    S.SHIFT: frozenset({S.AGENT_HOME}),
    S.AGENT_HOME: frozenset({S.IDENTIFY, S.SHIFT, S.FLOAT, S.REPORT, S.DAY_END}),
    S.FLOAT: frozenset({S.AGENT_HOME}),
    S.REPORT: frozenset({S.AGENT_HOME}),
    S.DAY_END: frozenset({S.AGENT_HOME}),
    # The customer's transaction: the kiosk's own steps, with the agent's home for the kiosk's.
    S.IDENTIFY: frozenset({S.CARD_UNLOCK, S.TYPED_IDENTITY, S.CATALOGUE}),
    S.CARD_UNLOCK: TRANSITIONS[S.CARD_UNLOCK] - {S.ATTRACT},
    S.CARD_READING: TRANSITIONS[S.CARD_READING] - {S.ATTRACT},
    S.IDENTITY_CONFIRM: TRANSITIONS[S.IDENTITY_CONFIRM] - {S.ATTRACT},
    S.TYPED_IDENTITY: TRANSITIONS[S.TYPED_IDENTITY] - {S.ATTRACT},
    S.CATALOGUE: frozenset({S.FORM}),
    S.FORM: frozenset({S.REVIEW, S.CATALOGUE}),
    S.REVIEW: frozenset({S.CONSENT, S.FORM}),
    S.CONSENT: frozenset({S.CHARGE, S.SUBMITTING, S.REVIEW}),
    S.CHARGE: frozenset({S.PAYMENT, S.SUBMITTING, S.REVIEW}),
    S.PAYMENT: frozenset({S.SUBMITTING, S.REVIEW, S.CHARGE}),
    S.SUBMITTING: frozenset({S.RECEIPT}),
    S.RECEIPT: frozenset(),
}
"""The agent role's moves. Every step of a customer's transaction may end it (back, cancel,
finish, its time limit): back to the agent's home, the agent still signed in; every state may
sign the agent out."""
for _state in AGENT_TRANSITIONS:
    if _state in IN_SESSION:
        AGENT_TRANSITIONS[_state] = AGENT_TRANSITIONS[_state] | {S.AGENT_HOME}
    if _state is not S.SIGN_IN:
        AGENT_TRANSITIONS[_state] = AGENT_TRANSITIONS[_state] | {S.SIGN_IN}


class TimerPhase(enum.Enum):
    OFF = "off"
    COUNTING = "counting"
    WARNING = "warning"


class WipeReason(str, enum.Enum):
    FINISHED = "finished"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    SIGNED_OUT = "signed_out"
    """Agent role: the agent signed out."""


class InvalidTransition(Exception):
    pass


@dataclass
class SessionData:
    """What a person entered or a device read during one session. Personal data: fields are
    hidden from repr so a stray log line cannot show them; all of it goes at wipe()."""

    language: str = "en"
    identity: Any = field(default=None, repr=False)
    service_code: str | None = None
    answers: dict[str, Any] = field(default_factory=dict, repr=False)
    phone: str | None = field(default=None, repr=False)
    card_reader: str | None = None
    scanned: list[str] = field(default_factory=list, repr=False)
    card_failures: int = 0
    """Failed reads of the card in this session; after the limit, typed details are offered."""
    card_error: str | None = None
    """Why the last card read failed (a key of kiosk_app.identity.MESSAGES)."""
    reference: str | None = None
    """The application's reference, made on the device when the person confirms (review)."""
    attachments: dict[str, bytes] = field(default_factory=dict, repr=False)
    """Photos of documents taken for the form, by field name (JPEG bytes)."""
    form_page: int | None = None
    """The form's page to open at, when the person chose one answer to change on the review
    (None: the first page)."""
    payment: Any = None
    """The M-Pesa payment under way or done (kiosk_app.payments.PaymentView)."""
    consent_at: Any = None
    """Agent role: when the customer agreed on screen that the agent applies for them
    (``agent_mode.assisted.CONSENT_WORDS``), a datetime; sent with the application."""
    cash: bool = False
    """Agent role: the customer pays the fees in cash to the agent (else by M-Pesa)."""
    receipt: Any = None
    """What was issued at the end: the reference, the token, whether it printed."""
    status_result: Any = None
    """A status check's answer (contract.Application), or why there is none."""
    ticket: Any = None
    """A queue ticket taken in this session (contract.Ticket)."""
    rating: int | None = None

    def holds_personal_data(self) -> bool:
        return bool(self.identity or self.answers or self.phone or self.scanned
                    or self.attachments)


class Session:
    def __init__(self, *, clock: Clock, idle_s: float, warning_s: float,
                 default_language: str = "en", card_attempts: int = 3,
                 role: str = "kiosk") -> None:
        if default_language not in LANGUAGES:
            raise ValueError(f"unknown language {default_language!r}")
        if role not in ("kiosk", "agent"):
            raise ValueError(f"unknown role {role!r}")
        self._clock = clock
        self.idle_s = idle_s
        self.warning_s = warning_s
        self.default_language = default_language
        self.role = role
        self.transitions = AGENT_TRANSITIONS if role == "agent" else TRANSITIONS
        """This role's moves."""
        self.agent_number: str | None = None
        """Agent role: the agent signed in at the desk (not personal data), or None."""
        self._state = S.SIGN_IN if role == "agent" else S.ATTRACT
        self.data = SessionData(language=default_language)
        self._listeners: list[object] = []
        self._last_listeners: list[object] = []
        self._phase = TimerPhase.OFF
        self._last_activity = clock.monotonic()
        self._warned_at = 0.0
        self.extensions = 0
        """How many times "more time" was asked for in this session."""
        self.card_attempts = card_attempts

    # -- listeners --------------------------------------------------------------------------
    def add_listener(self, listener: object, *, last: bool = False) -> None:
        """``listener`` hears the session's events (``on_session_state_changed`` and the rest,
        each if it has it), in the order added; with ``last``, after every other listener,
        those added later included (the App, which shows the screen its presenter has made
        ready). A listener added while an event is told hears that event too (a screen's
        presenter made when its screen is about to show: screens/app.py)."""
        (self._last_listeners if last else self._listeners).append(listener)

    def remove_listener(self, listener: object) -> None:
        if listener in self._last_listeners:
            self._last_listeners.remove(listener)
        else:
            self._listeners.remove(listener)

    def _notify(self, method: str, *args: object) -> None:
        told: set[int] = set()
        while waiting := [listener for listener in self._listeners if id(listener) not in told]:
            for listener in waiting:
                told.add(id(listener))
                self._tell(listener, method, args)
        for listener in list(self._last_listeners):
            self._tell(listener, method, args)

    def _tell(self, listener: object, method: str, args: tuple[object, ...]) -> None:
        fn = getattr(listener, method, None)
        if fn is not None:
            fn(self, *args)

    # -- state ------------------------------------------------------------------------------
    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def language(self) -> str:
        return self.data.language

    def _set_state(self, new: SessionState) -> None:
        old = self._state
        if new is old:
            return
        if new not in self.transitions[old]:
            raise InvalidTransition(f"{old.value} -> {new.value}")
        self._state = new
        log.info("session %s -> %s", old.value, new.value)
        if new in UNTIMED:
            self._phase = TimerPhase.OFF
        else:
            self._restart_timer()
        self._notify("on_session_state_changed", old, new)

    def go(self, new: SessionState) -> None:
        """Move to ``new`` (a touch asked for it): counts as activity."""
        self._set_state(new)
        self.touch()

    # -- actions ----------------------------------------------------------------------------
    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        self.data.language = language
        self.touch()

    def start(self, language: str | None = None) -> None:
        """From the attract screen: a person touched it (and maybe chose a language)."""
        if language is not None:
            self.set_language(language)
        self._set_state(S.HOME)

    def cancel(self) -> None:
        """The person chose to stop (after confirming, where that is asked)."""
        self.wipe(WipeReason.CANCELLED)

    def finish(self) -> None:
        self.wipe(WipeReason.FINISHED)

    @property
    def home(self) -> SessionState:
        """Where "back" from the first steps leads: the kiosk's home, or the agent's."""
        return S.AGENT_HOME if self.role == "agent" else S.HOME

    def wipe(self, reason: WipeReason) -> None:
        """Forget everything of this session and go back to the attract screen. Agent role:
        forget the customer and go back to the agent's home, the agent still signed in and the
        language kept; on the agent's own screens (no customer), sign the agent out."""
        if self.role == "agent":
            if self._state in AGENT_DESK or self.agent_number is None:
                self.sign_out(reason)
                return
            self._clear(reason, language=self.data.language)
            self._set_state(S.AGENT_HOME)
            return
        if self._state is S.ATTRACT and not self.data.holds_personal_data():
            return
        self._clear(reason, language=self.default_language)
        self._set_state(S.ATTRACT)

    def _clear(self, reason: WipeReason, *, language: str) -> None:
        self.data = SessionData(language=language)
        self.extensions = 0
        self._phase = TimerPhase.OFF
        log.info("session wiped (%s)", reason.value)
        self._notify("on_session_wiped", reason)

    # -- the agent at the desk (agent role) --------------------------------------------------
    def agent_signed_in(self, agent_number: str, *, shift_open: bool) -> None:
        """UI thread: an agent signed in (``agent_mode`` checked who): on to count the drawer
        when no shift is open, else to the agent's home."""
        if self.role != "agent" or self._state is not S.SIGN_IN:
            return
        self.agent_number = agent_number
        self.go(S.AGENT_HOME if shift_open else S.SHIFT)

    def sign_out(self, reason: WipeReason = WipeReason.SIGNED_OUT) -> None:
        """Agent role: the agent leaves the desk. A customer's data goes too; back to sign-in
        in the device's own language."""
        if self.role != "agent" or (self._state is S.SIGN_IN and self.agent_number is None
                                    and not self.data.holds_personal_data()):
            return
        self.agent_number = None
        self._clear(reason, language=self.default_language)
        log.info("agent signed out (%s)", reason.value)
        self._set_state(S.SIGN_IN)

    # -- the inactivity limit ---------------------------------------------------------------
    @property
    def timer_phase(self) -> TimerPhase:
        return self._phase

    def _restart_timer(self) -> None:
        self._phase = TimerPhase.COUNTING
        self._last_activity = self._clock.monotonic()

    def touch(self) -> None:
        """Any sign of a person: a touch, a key, a card, a scan."""
        if self._state in UNTIMED:
            return
        was_warning = self._phase is TimerPhase.WARNING
        self._restart_timer()
        if was_warning:
            self.extensions += 1
            self._notify("on_session_time_extended")

    def more_time(self) -> None:
        """The person answered the warning: "I need more time"."""
        self.touch()

    @property
    def seconds_left(self) -> float | None:
        """In the warning, the seconds until the wipe; otherwise None."""
        if self._phase is not TimerPhase.WARNING:
            return None
        return max(0.0, self.warning_s - (self._clock.monotonic() - self._warned_at))

    def tick(self) -> None:
        """Check the time limit. The app calls this a few times a second on the UI thread."""
        if self._phase is TimerPhase.COUNTING:
            if self._clock.monotonic() - self._last_activity >= self.idle_s:
                self._phase = TimerPhase.WARNING
                self._warned_at = self._clock.monotonic()
                self._notify("on_session_time_warning", self.warning_s)
        elif self._phase is TimerPhase.WARNING:
            if self._clock.monotonic() - self._warned_at >= self.warning_s:
                self.wipe(WipeReason.TIMED_OUT)

    # -- identification by card ------------------------------------------------------------
    def begin_card_read(self) -> None:
        """The person typed the card's details; the read starts (on a worker)."""
        self.data.card_error = None
        self._set_state(S.CARD_READING)

    def card_read_succeeded(self, identity: Any) -> None:
        """UI thread, with the identity read from the chip."""
        if self._state is not S.CARD_READING:
            return  # the session ended while the card was read: drop what came back
        self.data.identity = identity
        self.data.card_failures = 0
        self._set_state(S.IDENTITY_CONFIRM)

    def card_read_failed(self, key: str, *, counts_as_attempt: bool = True) -> None:
        """UI thread. After ``card_attempts`` failures, typed details are offered instead."""
        if self._state is not S.CARD_READING:
            return
        self.data.card_error = key
        if counts_as_attempt:
            self.data.card_failures += 1
        if self.data.card_failures >= self.card_attempts:
            self._set_state(S.TYPED_IDENTITY)
        else:
            self._set_state(S.CARD_UNLOCK)

    def confirm_identity(self, confirmed: bool) -> None:
        """"Is this you?" Yes goes on to the services; no forgets what was read."""
        if confirmed:
            self.go(S.CATALOGUE)
        else:
            self.data.identity = None
            self.go(S.IDENTIFY)

    # -- applying: the catalogue, the form, the review ---------------------------------------
    def choose_service(self, code: str) -> None:
        """The person chose a service in the catalogue: on to its form. Answers given for
        another service are forgotten; those for the same one are kept."""
        if code != self.data.service_code:
            self.data.answers.clear()
            self.data.attachments.clear()
            self.data.reference = None
        self.data.service_code = code
        self.go(S.FORM)

    def confirm_application(self, total_cents: int) -> None:
        """"I confirm" on the review: the reference is made (once: a person who comes back from
        the payment keeps it), then to the payment, or straight to sending when it is free.
        Agent role: to the customer's consent."""
        if self.data.reference is None:
            self.data.reference = new_reference()
        if self.role == "agent":
            self.go(S.CONSENT)  # the customer's consent first, then the tariff and the money
            return
        self.go(S.PAYMENT if total_cents > 0 else S.SUBMITTING)

    # -- device events (UI thread, from the event queue) ------------------------------------
    def on_device_event(self, event: DeviceEvent) -> None:
        if isinstance(event, CardInserted):
            self.data.card_reader = event.reader
            if self._state is S.ATTRACT:
                self.start()
            if self._state is S.HOME:
                self._set_state(S.IDENTIFY)
            if self._state is S.IDENTIFY:
                self._set_state(S.CARD_UNLOCK)
            self.touch()
        elif isinstance(event, CardRemoved):
            self.data.card_reader = None
        elif isinstance(event, CodeScanned):
            if self._state in IN_SESSION:
                self.data.scanned.append(event.text)
                self.touch()
                self._notify("on_session_code_scanned", event.text)
