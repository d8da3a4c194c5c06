"""What the customer pays, and how: the service's official tariff from the catalogue, each fee
on its own line, and the total, with nothing added (the agent's commission is paid by
government, never by the customer). Then "Cash received" (the fees into the agent's float) or
"The customer pays by M-Pesa" (the kiosk's own payment screen: a push to the customer's phone).

Cash is offered always, within this device's offline limits: before the touch the screen asks
how much more cash the device may hold before it has sent what waits, and when this payment
would go beyond, says so and why. M-Pesa is offered only while the backend answers. Nothing is
taken without an open shift.

Why the commission is not on this screen: it is turned to the customer, and a second figure
beside the total reads as a fee even when it says it is not one. The agent sees what they earn
on their own screens (the day's end, the report) and on the Z-report.

UI thread; the cash room and the shift are asked for on a worker.
"""
from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from agent_mode.assisted import AssistedError
from agent_mode.limits import LimitReached
from agent_mode.shifts import ShiftError
from kiosk_app.i18n import N_
from kiosk_app.receipts.documents import money
from kiosk_app.session import SessionState
from screens.agent_base import DeskScreenPresenter, words_of
from screens.base import View, action

CASH = N_("Cash received: {amount}")
NO_MPESA = N_("M-Pesa cannot be used right now: this device cannot reach the payment service. "
              "Cash can be taken.")


class ChargePresenter(DeskScreenPresenter):
    screen_state = SessionState.CHARGE
    service_name = StringProperty("")
    fees = ListProperty([])
    """``[(fee, amount), ...]``, the official tariff itemised."""
    total = StringProperty("")
    cash_words = StringProperty("")
    cash_ok = BooleanProperty(False)
    """Cash may be taken: a shift is open and the offline limits have room for this payment."""
    cash_problem = StringProperty("")
    """Why cash cannot be taken now (the limits, or no open shift), in words."""
    mpesa_ok = BooleanProperty(False)
    """The backend answers: M-Pesa may be asked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tariff: Any = None
        self._problem: BaseException | None = None
        self.tr.fbind("_", self._words)
        dispatcher = self.kiosk.dispatcher
        self.kiosk.upkeep.add_listener(
            lambda online: dispatcher.call_soon(self._reachability, online))

    def _forget(self) -> None:
        self.forget_background()
        self._tariff, self._problem = None, None
        self.service_name = self.total = self.cash_words = self.cash_problem = ""
        self.fees = []
        self.cash_ok = self.mpesa_ok = False

    def _shown(self) -> None:
        self._forget()
        try:
            self._tariff = self.desk.assisted.tariff(self.session.data.service_code or "")
        except AssistedError as err:
            self._problem = err
        self.mpesa_ok = self.kiosk.upkeep.online is not False
        self._words()
        agent = self.agent
        if agent is not None and self._tariff is not None:
            self.in_background(self._room, agent, on_done=self._room_known,
                               on_error=self._refused)

    def _room(self, agent: Any) -> tuple[Any, Any]:  # worker thread (disk)
        return self.desk.shifts.current(agent.agent_number), self.desk.assisted.cash_room(agent)

    def _room_known(self, known: tuple[Any, Any]) -> None:
        shift, room = known
        if shift is None:
            self._refused(ShiftError("none_open"))
            return
        key = room.refusal(self._tariff.total_cents)
        if key is not None:
            self._refused(LimitReached(key, room))
            return
        self._problem = None
        self.cash_ok = True
        self._words()

    def _refused(self, error: BaseException) -> None:
        self._problem = error
        self.cash_ok = False
        self._words()

    def _reachability(self, online: bool) -> None:
        """UI thread (from the upkeep thread, through the dispatcher)."""
        if self.session.state is SessionState.CHARGE:
            self.mpesa_ok = bool(online)
            self._words()

    def _words(self, *_args: object) -> None:
        tariff, language = self._tariff, self.tr.language
        if tariff is not None:
            self.service_name = tariff.name.get(language)
            self.fees = [(fee.label.get(language), money(fee.amount_cents))
                         for fee in tariff.fees if fee.amount_cents]
            self.total = money(tariff.total_cents)
            self.cash_words = self.tr._(CASH).format(amount=self.total)
        problem = words_of(self._problem, language) if self._problem is not None else ""
        if not self.mpesa_ok and self.session.state is SessionState.CHARGE:
            problem = "\n".join(filter(None, [problem, self.tr._(NO_MPESA)]))
        self.cash_problem = problem

    # -- the agent's actions -----------------------------------------------------------------
    @action
    def cash(self) -> None:
        """The customer paid the total in cash into the agent's float: send the application."""
        if self.session.state is SessionState.CHARGE and self.cash_ok:
            data = self.session.data
            data.cash, data.payment = True, None
            self.session.go(SessionState.SUBMITTING)

    @action
    def mpesa(self) -> None:
        """The customer pays by M-Pesa on their own phone (the kiosk's payment screen)."""
        if self.session.state is SessionState.CHARGE and self.mpesa_ok:
            self.session.data.cash = False
            self.session.go(SessionState.PAYMENT)

    @action
    def back(self) -> None:
        if self.session.state is SessionState.CHARGE:
            self.session.go(SessionState.REVIEW)


class ChargeView(View):
    kv_file = "charge.kv"

    def on_kv_post(self, base_widget: object) -> None:
        self.presenter.bind(fees=self._show_fees)

    def _show_fees(self, _presenter: object, fees: list[tuple[str, str]]) -> None:
        from kivy.factory import Factory

        grid = self.ids.fees
        grid.clear_widgets()
        for label, amount in fees:
            row = Factory.TariffRow()
            row.ids.label.text, row.ids.amount.text = label, amount
            grid.add_widget(row)

    def on_enter_key(self) -> bool:
        self.presenter.cash()
        return True

    def on_escape_key(self) -> bool:
        self.presenter.back()
        return True
