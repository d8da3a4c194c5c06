"""The review: what is applied for, every answer, who it is for (the name, and the ID number
with all but its last three digits hidden), the fees one by one and the total. "Change" goes
back to the form; "Confirm" makes the application's reference and goes on to the payment, or
straight to sending when the service is free.

Nothing shown here stays in the presenter once the review is left or the session is wiped.
UI thread throughout.
"""
from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk_app.forms import FormDraft, mask_number
from kiosk_app.i18n import N_
from kiosk_app.receipts.documents import money
from kiosk_app.session import Session, SessionState, WipeReason
from screens.base import Presenter, View, action

FOR_WHOM = N_("For {name}, ID number {number}")
FOR_NAME = N_("For {name}")
TOTAL = N_("Total to pay")
FREE = N_("This service is free of charge.")
PAY = N_("Confirm and pay")
SEND = N_("Confirm and send")
CHANGE = N_("Change")


class ReviewPresenter(Presenter):
    service_name = StringProperty("")
    for_whom = StringProperty("")
    lines = ListProperty([])
    """``[(question, answer, page), ...]`` in the person's language; ``page`` is the form's
    page that asks it."""
    fees = ListProperty([])
    """``[(fee, amount), ...]``, the amounts as money."""
    total = StringProperty("")
    free = BooleanProperty(False)
    confirm_words = StringProperty("")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._total_cents = 0
        self.session.add_listener(self)
        self.tr.fbind("_", self._language_changed)

    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is SessionState.REVIEW:
            self._show()
        elif old is SessionState.REVIEW:
            self._forget()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._forget()

    def _language_changed(self, *_args: object) -> None:
        if self.session.state is SessionState.REVIEW:
            self._show()

    def _forget(self) -> None:
        self.service_name = self.for_whom = self.total = self.confirm_words = ""
        self.lines = []
        self.fees = []
        self.free = False
        self._total_cents = 0

    def _show(self) -> None:
        data = self.session.data
        service = self.kiosk.services.service(data.service_code) if data.service_code else None
        if service is None:  # gone from a newer catalogue: back (after this news is told)
            self.kiosk.dispatcher.call_soon(self._back_to_form)
            return
        _ = self.tr._
        language = self.tr.language
        self.service_name = service.name.get(language)
        identity = data.identity
        if identity is not None:
            number = identity.id_number or identity.document_number or ""
            self.for_whom = (_(FOR_WHOM).format(name=identity.full_name, number=mask_number(number))
                             if number else _(FOR_NAME).format(name=identity.full_name))
        else:
            self.for_whom = ""
        if service.fields:
            draft = FormDraft(service, answers=data.answers, attachments=data.attachments)
            self.lines = [(line.label, line.value, line.page) for line in draft.summary(language)]
        else:
            self.lines = []
        self._total_cents = service.total_cents
        self.fees = [(fee.label.get(language), money(fee.amount_cents)) for fee in service.fees
                     if fee.amount_cents]
        self.free = self._total_cents == 0
        self.total = _(FREE) if self.free else money(self._total_cents)
        self.confirm_words = _(SEND) if self.free else _(PAY)

    def spoken(self) -> Any:
        """The screen's guidance, then what is applied for and what it costs (the person's
        name and answers are on the screen, not said aloud)."""
        _ = self.tr._
        words = f"{self.service_name}. {_(TOTAL)}: {self.total}." if not self.free \
            else f"{self.service_name}. {self.total}"
        return super().spoken() + (((self.tr.language, words),) if self.service_name else ())

    def _back_to_form(self) -> None:
        if self.session.state is SessionState.REVIEW:
            self.session.go(SessionState.FORM)

    @action
    def change(self, page: int = 0) -> None:
        """Back to the form: at the page of the answer chosen, or at the first."""
        if self.session.state is SessionState.REVIEW:
            self.session.data.form_page = page
            self.session.go(SessionState.FORM)

    @action
    def confirm(self) -> None:
        if self.session.state is SessionState.REVIEW:
            self.session.confirm_application(self._total_cents)


class ReviewView(View):
    kv_file = "review.kv"

    def on_kv_post(self, base_widget: object) -> None:
        self.presenter.bind(lines=self._show_lines, fees=self._show_fees)

    def _show_lines(self, _presenter: object, lines: list[tuple[str, str, int]]) -> None:
        grid = self.ids.answers
        grid.clear_widgets()
        self.change_buttons: list[Any] = []
        for question, answer, page in lines:
            grid.add_widget(Factory.ReviewQuestion(text=question))
            row = Factory.ReviewAnswerRow()
            row.ids.answer.text = answer
            row.ids.change.text = self.tr._(CHANGE)
            row.ids.change.bind(on_release=lambda _b, page=page: self.presenter.change(page))
            self.change_buttons.append(row.ids.change)
            grid.add_widget(row)

    def _show_fees(self, _presenter: object, fees: list[tuple[str, str]]) -> None:
        grid = self.ids.fees
        grid.clear_widgets()
        for label, amount in fees:
            row = Factory.FeeRow()
            row.ids.label.text, row.ids.amount.text = label, amount
            grid.add_widget(row)
