"""The agent's sign-in: the agent number (one touch on the agents of this device, or typed)
and the PIN (on the PIN pad or the keyboard: Enter signs in, Tab moves between the two); or the
agent's own ID card, read like a citizen's (the details printed on it open its chip). Then to
the shift's start when no shift is open, else to the agent's home.

After wrong PINs the screen says how many tries are left; once locked it counts down the
seconds left (from the refusal's ``retry_after_s``, or the lock kept on the device when an agent
is chosen) and signs nobody in until then.

Phases: ``pin``, ``card`` (the card's details), ``checking`` (on a worker: the backend, or the
enrolment's scrypt hashes; the card read). UI thread; every desk call on a worker.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, OptionProperty, StringProperty
from kivy.utils import escape_markup

from kiosk_app.demo import DEMO_CARD_DETAILS, insert_demo_card
from kiosk_app.device_words import FALLBACK_WORDS
from kiosk_app.devices import DeviceState
from kiosk_app.i18n import LANGUAGES, N_
from kiosk_app.identity import CardReadError, bac_key_from_typed
from kiosk_app.session import Session, SessionState, WipeReason
from screens.agent_base import DeskPresenter, words_of
from screens.base import View, action
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401 - the .kv's keyboard

NEED_NUMBER = N_("Choose your agent number, or type it.")
LOCKED_FOR = N_("Locked: you can try again in {seconds} seconds.")
TICK_S = 0.5


class SignInPresenter(DeskPresenter):
    phase = OptionProperty("pin", options=["pin", "card", "checking"])
    agents = ListProperty([])
    """The agents bound to this device: ``[(number, name), ...]``."""
    number = StringProperty("")
    """The agent number chosen or typed."""
    error = StringProperty("")
    """Why the last try was refused, in the language of the moment."""
    lock_words = StringProperty("")
    """While the chosen agent is locked: the seconds left, in words."""
    locked = BooleanProperty(False)
    demo = BooleanProperty(False)
    """Demo mode: a sample ID card (the demo agent BA-0001's) can be put in the reader."""
    demo_details = ListProperty([])
    """The sample card's printed details, for the card's fields (demo mode)."""
    reader_problem = StringProperty("")
    other_language = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._locked_until: dict[str, float] = {}
        self._error_words: Callable[[str], str] | None = None
        self._ticker: Any = None
        self.demo = self.kiosk.config.demo and self.kiosk.devices.get("card_reader") is not None
        self.session.add_listener(self)
        self.kiosk.devices.add_listener(self)
        self.on_device_state_changed("card_reader", self.kiosk.devices.state("card_reader"))
        self.tr.fbind("_", self._language_changed)
        self._language_changed()

    def app_started(self) -> None:
        """The App's first frame is up (the kiosk's workers have started): ask for this
        device's agents, when the sign-in is on show."""
        if self.session.state is SessionState.SIGN_IN:
            self._begin()

    # -- following the session --------------------------------------------------------------
    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.SIGN_IN:
            self._begin()
        elif old is SessionState.SIGN_IN:
            self._end()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        if session.state is SessionState.SIGN_IN:
            self._end()

    def on_device_state_changed(self, family: str, state: DeviceState) -> None:
        if family == "card_reader":
            self.reader_problem = "" if state.usable else FALLBACK_WORDS["card_reader"]

    def _begin(self) -> None:
        self.phase = "pin"
        self._set_error(None)
        if self._ticker is None:
            self._ticker = Clock.schedule_interval(self._tick, TICK_S)
        self.in_background(self._bound, on_done=self._agents_known,
                           on_error=self._refused)

    def _end(self) -> None:
        self.forget_background()
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self.number = ""
        self._set_error(None)
        self.demo_details = []
        self.phase = "pin"

    def _bound(self) -> list[tuple[str, str]]:  # worker thread (network at first: enrolment)
        return [(a.agent_number, a.name) for a in self.desk.sign_in.bound_agents()]

    def _agents_known(self, agents: list[tuple[str, str]]) -> None:
        self.agents = agents
        if not self.number and len(agents) == 1:
            self.choose(agents[0][0])

    # -- the agent's actions -----------------------------------------------------------------
    @action
    def choose(self, number: str) -> None:
        """One of this device's agents was touched: their number, and any lock they have."""
        self.type_number(number)
        self.in_background(self.desk.sign_in.lock_state, number,
                           on_done=lambda state: self._lock_known(number, state),
                           on_error=lambda _err: None)

    @action
    def type_number(self, text: str) -> None:
        number = text.strip().upper()
        if number != self.number:
            self.number = number
            self._set_error(None)
            self._tick()

    @action
    def sign_in(self, pin: str) -> None:
        """Sign in with the number chosen and ``pin`` (Enter, or "Sign in")."""
        if self.phase == "checking" or self.locked:
            return
        if not self.number:
            self._set_error(lambda _lang: self.tr._(NEED_NUMBER))
            return
        self._set_error(None)
        self.phase = "checking"
        number = self.number
        self.in_background(self._with_pin, number, pin, on_done=self._signed_in,
                           on_error=lambda err: self._refused(err, number, back_to="pin"))

    def _with_pin(self, number: str, pin: str) -> tuple[Any, Any]:  # worker thread
        agent = self.desk.sign_in_with_pin(number, pin)
        return agent, self.desk.shifts.current(agent.agent_number)

    @action
    def use_card(self) -> None:
        if self.phase == "pin":
            self._set_error(None)
            self.phase = "card"

    @action
    def back_to_pin(self) -> None:
        if self.phase == "card":
            self._set_error(None)
            self.demo_details = []
            self.phase = "pin"

    @action
    def insert_demo_card(self) -> None:
        """Demo mode: the sample ID card into the simulated reader, its details typed."""
        if self.demo and self.phase == "card":
            self.kiosk.workers.submit(insert_demo_card, self.kiosk)
            self.demo_details = list(DEMO_CARD_DETAILS)

    @action
    def read_card(self, document_number: str, birth_date: str, expiry_date: str) -> None:
        """The details printed on the agent's card open its chip; the card signs them in."""
        if self.phase != "card":
            return
        try:
            key = bac_key_from_typed(document_number, birth_date, expiry_date)
        except CardReadError as err:
            self._set_error(lambda _lang, words=err.message: self.tr._(words))
            return
        self._set_error(None)
        self.phase = "checking"
        self.in_background(self._with_card, key, on_done=self._signed_in,
                           on_error=lambda err: self._refused(err, None, back_to="card"))

    def _with_card(self, key: Any) -> tuple[Any, Any]:  # worker thread (card, scrypt, disk)
        identity = self.kiosk.identity.read(key)
        agent = self.desk.sign_in_with_card(identity)
        return agent, self.desk.shifts.current(agent.agent_number)

    @action
    def toggle_language(self) -> None:
        language = "sw" if self.session.language == "en" else "en"
        self.session.set_language(language)
        self.tr.switch(language)

    # -- answers (UI thread) -----------------------------------------------------------------
    def _signed_in(self, answer: tuple[Any, Any]) -> None:
        agent, shift = answer
        self.phase = "pin"
        self.demo_details = []
        self._locked_until.pop(agent.agent_number, None)
        self.session.agent_signed_in(agent.agent_number, shift_open=shift is not None)

    def _refused(self, error: BaseException, number: str | None = None, *,
                 back_to: str = "pin") -> None:
        self.phase = back_to
        if isinstance(error, CardReadError):
            self._set_error(lambda _lang, words=error.message: self.tr._(words))
            return
        self._set_error(lambda lang, error=error: words_of(error, lang))
        seconds = getattr(error, "retry_after_s", None)
        if seconds and number:
            self._locked_until[number] = self.kiosk.clock.monotonic() + float(seconds)
            self._tick()

    def _lock_known(self, number: str, state: Any) -> None:
        if state.locked:
            self._locked_until[number] = self.kiosk.clock.monotonic() + state.seconds_left
        self._tick()

    def _set_error(self, words: Callable[[str], str] | None) -> None:
        self._error_words = words
        self.error = words(self.tr.language) if words is not None else ""

    def _language_changed(self, *_args: object) -> None:
        self.other_language = LANGUAGES["sw" if self.tr.language == "en" else "en"]
        if self._error_words is not None:
            self.error = self._error_words(self.tr.language)
        self._tick()

    def _tick(self, _dt: float = 0) -> None:
        until = self._locked_until.get(self.number)
        left = (until - self.kiosk.clock.monotonic()) if until is not None else 0
        if left > 0:
            self.locked = True
            self.lock_words = self.tr._(LOCKED_FOR).format(seconds=math.ceil(left))
        else:
            if until is not None:
                del self._locked_until[self.number]
            self.locked = False
            self.lock_words = ""


class SignInView(View):
    kv_file = "sign_in.kv"

    def __init__(self, **kwargs: Any) -> None:
        self.agent_buttons: dict[str, Any] = {}
        """The buttons of this device's agents, by agent number."""
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: Any) -> None:
        self.presenter.bind(phase=self._show_phase, agents=self._show_agents,
                            demo_details=self._fill_card, number=self._mark_chosen)
        self._show_phase(self.presenter, self.presenter.phase)
        self._show_agents(self.presenter, self.presenter.agents)

    def _show_phase(self, _presenter: object, phase: str) -> None:
        self.ids.phases.current = "card" if phase == "card" else "pin"
        if phase != "card":
            for name in ("document_number", "birth_date", "expiry_date"):
                self.ids[name].text = ""

    def _show_agents(self, _presenter: object, agents: list[tuple[str, str]]) -> None:
        from kivy.factory import Factory

        box = self.ids.agents
        box.clear_widgets()
        self.agent_buttons = {}
        for number, name in agents:
            button = Factory.AgentChoice()
            button.words = escape_markup(f"{number}   {name}")
            button.bind(on_release=lambda _b, number=number: self._choose(number))
            box.add_widget(button)
            self.agent_buttons[number] = button
        self._mark_chosen(self.presenter, self.presenter.number)

    def _mark_chosen(self, _presenter: object, number: str) -> None:
        for each, button in self.agent_buttons.items():
            button.chosen = each == number

    def _choose(self, number: str) -> None:
        self.presenter.choose(number)
        self.ids.pin.focus = True

    def _fill_card(self, _presenter: object, details: list[str]) -> None:
        if details:
            ids = self.ids
            ids.document_number.text, ids.birth_date.text, ids.expiry_date.text = details

    def submit(self) -> None:
        """"Sign in", or Enter: the PIN leaves its field as it goes to be checked."""
        pin = self.ids.pin.text
        self.ids.pin.text = ""
        self.presenter.sign_in(pin)

    def read_card(self) -> None:
        ids = self.ids
        self.presenter.read_card(ids.document_number.text, ids.birth_date.text,
                                 ids.expiry_date.text)

    # -- the keyboard (screens/agent_app.py) ---------------------------------------------------
    def on_enter_key(self) -> bool:
        phase = self.presenter.phase
        if phase == "pin":
            self.submit()
        elif phase == "card":
            self.read_card()
        return True

    def on_escape_key(self) -> bool:
        self.presenter.back_to_pin()
        return True

    def on_pre_enter(self, *args: object) -> None:
        self.ids.pin.text = ""
        self.ids.number.focus = not self.presenter.number
        self.ids.pin.focus = bool(self.presenter.number)

    def on_leave(self, *args: object) -> None:
        # Nothing typed stays on a screen that is not shown.
        self.ids.pin.text = ""
        for name in ("pin", "number"):
            self.ids[name].focus = False
        self._show_phase(self.presenter, "pin")
