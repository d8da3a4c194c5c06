"""The customer's consent: before an agent applies for a customer, the customer reads, on the
agent's screen, that the agent applies for this service for them with their details and that
the details go to the government office that gives it (``agent_mode.assisted.CONSENT_WORDS``),
in English or Kiswahili. "The customer agrees" records the moment (``session.data.consent_at``),
sent with the application; without it nothing is sent.

Enter does not agree for the customer: the agent touches "The customer agrees" once the
customer has said so (Esc goes back to the review). UI thread.
"""
from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from agent_mode.assisted import CONSENT_WORDS, AssistedError
from kiosk_app.i18n import LANGUAGES, N_
from kiosk_app.session import SessionState
from screens.agent_base import DeskScreenPresenter
from screens.base import View, action

FOR_WHOM = N_("Customer: {name}")


class ConsentPresenter(DeskScreenPresenter):
    screen_state = SessionState.CONSENT
    service_name = StringProperty("")
    for_whom = StringProperty("")
    words = StringProperty(CONSENT_WORDS)
    """A catalogue key: what the customer agrees to."""
    other_language = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tr.fbind("_", self._show)

    def _shown(self) -> None:
        self.session.data.consent_at = None  # asked each time the screen is shown
        self._show()

    def _forget(self) -> None:
        self.service_name = self.for_whom = ""

    def _show(self, *_args: object) -> None:
        self.other_language = LANGUAGES["sw" if self.tr.language == "en" else "en"]
        if self.session.state is not SessionState.CONSENT:
            return
        data = self.session.data
        service = self.kiosk.services.service(data.service_code or "")
        self.service_name = service.name.get(self.tr.language) if service else ""
        identity = data.identity
        self.for_whom = (self.tr._(FOR_WHOM).format(name=identity.full_name)
                         if identity is not None else "")

    @action
    def agree(self) -> None:
        """The customer agreed: the moment is recorded, then the tariff (or, for a service
        with no fee, the application goes at once)."""
        if self.session.state is not SessionState.CONSENT:
            return
        data = self.session.data
        try:
            tariff = self.desk.assisted.tariff(data.service_code or "")
        except AssistedError:
            self.session.go(SessionState.REVIEW)
            return
        data.consent_at = self.kiosk.clock.now()
        if tariff.total_cents > 0:
            self.session.go(SessionState.CHARGE)
        else:
            data.cash, data.payment = False, None
            self.session.go(SessionState.SUBMITTING)

    @action
    def back(self) -> None:
        if self.session.state is SessionState.CONSENT:
            self.session.go(SessionState.REVIEW)

    @action
    def toggle_language(self) -> None:
        """For a customer who reads the other language better."""
        language = "sw" if self.session.language == "en" else "en"
        self.session.set_language(language)
        self.tr.switch(language)


class ConsentView(View):
    kv_file = "consent.kv"

    def on_escape_key(self) -> bool:
        self.presenter.back()
        return True
