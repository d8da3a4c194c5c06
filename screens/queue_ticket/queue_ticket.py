"""Take a queue ticket: what did you come for, then your number, large, and printed.

Phases (``QueueTicketPresenter.phase``):

- ``categories`` and ``services``: big buttons from the kept catalogue (``kiosk.services``).
- ``taking``: the backend is asked on a worker, with one idempotency key per choice, so
  "Try again" after a lost answer gives the same number, never a second one.
- ``ticket``: the number very large, the counter group, people ahead, the wait; the ticket
  prints through the spooler, or the screen says "please note your number".
- ``no_ticket``: the queue system cannot be reached (or refused): the counters can still serve
  the person; try again, choose again, or finish. Never a dead end.
- ``no_catalogue``: no list of services on this kiosk yet: the same way on, to the counters.

Threads: every method runs on the UI thread; the backend and the printer are asked on
``kiosk.workers``. The ticket leaves the screen when the session is wiped.
"""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, OptionProperty, StringProperty

from kiosk_app.i18n import N_
from kiosk_app.services import NO_CATALOGUE
from kiosk_app.session import Session, SessionState, WipeReason
from kiosk_app.speech import Utterance
from kiosk_app.tickets import OFFLINE, NoTicket, TicketTaker, new_key, print_ticket
from screens.base import Presenter, View, action

if TYPE_CHECKING:
    from kiosk_app.contract import Ticket

YOUR_NUMBER = N_("Your number")
YOU_ARE_NEXT = N_("You are next.")
ONE_AHEAD = N_("1 person is ahead of you.")
MANY_AHEAD = N_("{n} people are ahead of you.")
WAIT_MINUTES = N_("Expected wait: about {minutes} minutes.")
PRINTING = N_("Printing your ticket...")
PRINTED = N_("Please take your printed ticket.")
NOT_PRINTED = N_("The printer is not working, so no ticket was printed. Please note your "
                 "number.")
GO_TO_COUNTERS = N_("Please go to the counters: the officers can still serve you.")


def _feedback_offered() -> bool:
    """Whether the feedback screen is there yet (asked when needed: the App imports us)."""
    from screens.app import SCREEN_FOR_STATE

    return SessionState.FEEDBACK in SCREEN_FOR_STATE


class QueueTicketPresenter(Presenter):
    phase = OptionProperty("categories", options=["categories", "services", "taking", "ticket",
                                                  "no_ticket", "no_catalogue"])
    categories = ListProperty([])
    """(code, name in the language shown) for each category with services."""
    services = ListProperty([])
    """(code, name) for each service of the chosen category."""
    category_name = StringProperty("")
    number = StringProperty("")
    counter_group = StringProperty("")
    service_name = StringProperty("")
    ahead = StringProperty("")
    wait = StringProperty("")
    print_note = StringProperty("")
    """A catalogue key."""
    problem = StringProperty("")
    """Why there is no ticket, in the language shown."""
    can_retry = BooleanProperty(False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taker = TicketTaker(self.kiosk.backend, self.kiosk.enroller)
        self._category: str | None = None
        self._service: str | None = None
        self._key: str | None = None
        self._ticket: Ticket | None = None
        self._failure: NoTicket | None = None
        self._generation = 0
        self.session.add_listener(self)
        self.tr.fbind("_", self._render)

    # -- the session (UI thread) --------------------------------------------------------------
    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.QUEUE_TICKET:
            self._forget()
            self._show_categories()
        elif old is SessionState.QUEUE_TICKET:
            self._forget()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._forget()

    # -- what the person does -----------------------------------------------------------------
    @action
    def choose_category(self, code: str) -> None:
        self._category = code
        self._render()
        self.phase = "services"

    @action
    def choose_service(self, code: str) -> None:
        self._service = code
        self._key = new_key()  # a new choice is a new ticket
        self._take()

    @action
    def try_again(self) -> None:
        if self.phase == "no_catalogue":
            self._show_categories()
        elif self._service is not None and self._key is not None:
            self._take()  # the same key: a ticket the backend gave but we never heard of

    @action
    def back(self) -> None:
        if self.phase == "services":
            self._category = None
            self.phase = "categories"
        elif self.phase == "no_ticket":
            self._failure = None
            self._show_categories()
        else:
            self.session.go(SessionState.HOME)

    @action
    def finish(self) -> None:
        if self._ticket is not None and _feedback_offered():
            self.session.go(SessionState.FEEDBACK)
        else:
            self.session.finish()

    # -- said aloud, when reading aloud is on ---------------------------------------------------
    def spoken(self) -> Utterance:
        """The screen's guidance; once there is a ticket, the number and where to wait; when
        there is none, why and where to go instead."""
        lang = self.tr.language
        _ = self.tr._
        if self.phase == "ticket":
            words = [f"{_(YOUR_NUMBER)}: {self.number}.", self.counter_group, self.ahead,
                     self.wait, _(self.print_note) if self.print_note else ""]
            return tuple((lang, text) for text in words if text.strip())
        if self.phase in ("no_ticket", "no_catalogue") and self.problem:
            return ((lang, self.problem),)
        return super().spoken()

    def _say(self) -> None:
        """Say it now when reading aloud is on (and keep it for "Repeat" either way)."""
        self.kiosk.speaker.say(self.spoken())

    # -- taking and printing ------------------------------------------------------------------
    def _take(self) -> None:
        self._generation += 1
        generation = self._generation
        self._failure = None
        self.phase = "taking"
        take = partial(self.taker.take, self._service, language=self.tr.language,
                       idempotency_key=self._key)
        self.kiosk.workers.submit(take, on_done=lambda ticket: self._taken(generation, ticket),
                                  on_error=lambda err: self._not_taken(generation, err))

    def _current(self, generation: int) -> bool:
        return generation == self._generation and self.session.state is SessionState.QUEUE_TICKET

    def _taken(self, generation: int, ticket: Ticket) -> None:
        """UI thread, from the worker."""
        if not self._current(generation):
            return
        self._ticket = ticket
        self.session.data.ticket = ticket
        self.print_note = PRINTING
        self._render()
        self.phase = "ticket"
        service = self.kiosk.services.service(ticket.service_code)
        self.kiosk.workers.submit(print_ticket, self.kiosk.spooler,
                                  self.kiosk.devices.get("printer"), ticket, service,
                                  on_done=lambda printed: self._printed(generation, printed),
                                  on_error=lambda _err: self._printed(generation, False))

    def _not_taken(self, generation: int, error: BaseException) -> None:
        if not self._current(generation):
            return
        self._failure = error if isinstance(error, NoTicket) else NoTicket(OFFLINE)
        self._render()
        self.phase = "no_ticket"
        self._say()

    def _printed(self, generation: int, printed: bool) -> None:
        if self._current(generation) and self._ticket is not None:
            self.print_note = PRINTED if printed else NOT_PRINTED
            self._say()  # the number, and whether to take the ticket or note the number

    # -- showing ----------------------------------------------------------------------------
    def _show_categories(self) -> None:
        self._render()
        self.phase = "categories" if self.categories else "no_catalogue"

    def _render(self, *_args: object) -> None:
        lang = self.tr.language
        _ = self.tr._
        catalogue = self.kiosk.services.current
        if catalogue is None:
            self.categories = []
        else:
            offered = {service.category for service in catalogue.services}
            self.categories = [(c.code, c.name.get(lang)) for c in catalogue.categories
                               if c.code in offered]
            if self._category is not None:
                self.category_name = next((name for code, name in self.categories
                                           if code == self._category), "")
                self.services = [(s.code, s.name.get(lang))
                                 for s in self.kiosk.services.services_in(self._category)]
        ticket = self._ticket
        if ticket is not None:
            self.number = ticket.number
            self.counter_group = ticket.counter_group.get(lang)
            service = self.kiosk.services.service(ticket.service_code)
            self.service_name = service.name.get(lang) if service is not None else ""
            if ticket.waiting_ahead == 0:
                self.ahead = _(YOU_ARE_NEXT)
            elif ticket.waiting_ahead == 1:
                self.ahead = _(ONE_AHEAD)
            else:
                self.ahead = _(MANY_AHEAD).format(n=ticket.waiting_ahead)
            self.wait = (_(WAIT_MINUTES).format(minutes=ticket.estimated_wait_minutes)
                         if ticket.estimated_wait_minutes else "")
        failure = self._failure
        if failure is not None:
            words = [_(failure.message)]
            if failure.backend_message is not None:
                words.insert(0, failure.backend_message.get(lang))
            self.problem = "\n".join(words)
            self.can_retry = failure.retryable
        elif catalogue is None:
            self.problem = f"{_(NO_CATALOGUE)}\n{_(GO_TO_COUNTERS)}"
            self.can_retry = True
        else:
            self.problem = ""

    def _forget(self) -> None:
        self._generation += 1  # a ticket still on its way is dropped from this screen
        self._category = self._service = self._key = None
        self._ticket = None
        self._failure = None
        self.categories = []
        self.services = []
        self.category_name = self.number = self.counter_group = self.service_name = ""
        self.ahead = self.wait = self.print_note = self.problem = ""
        self.can_retry = False


class QueueTicketView(View):
    kv_file = "queue_ticket.kv"

    def on_kv_post(self, base_widget: Any) -> None:
        self.category_buttons: dict[str, Any] = {}
        self.service_buttons: dict[str, Any] = {}
        self.presenter.bind(categories=self._show_categories, services=self._show_services,
                            phase=self._show_phase)
        self._show_phase(self.presenter, self.presenter.phase)

    def _show_phase(self, _presenter: object, phase: str) -> None:
        # Set here, not in the .kv: a kv rule sets ``current`` before the phases are added.
        self.ids.phases.current = phase

    def _show_categories(self, _presenter: object, categories: list[tuple[str, str]]) -> None:
        self.category_buttons = self._fill(self.ids.category_list, categories,
                                           self.presenter.choose_category)

    def _show_services(self, _presenter: object, services: list[tuple[str, str]]) -> None:
        self.service_buttons = self._fill(self.ids.service_list, services,
                                          self.presenter.choose_service)

    @staticmethod
    def _fill(box: Any, choices: list[tuple[str, str]], choose: Any) -> dict[str, Any]:
        box.clear_widgets()
        buttons = {}
        for code, name in choices:
            button = Factory.BigButton(text=name)
            button.bind(on_release=lambda _button, c=code: choose(c))
            box.add_widget(button)
            buttons[code] = button
        return buttons

