"""The App in the agent role: a BETA agent's desk, in a shop, serving customers.

The kiosk's App (:class:`screens.app.HudumaApp`) with the agent's desk
(:class:`agent_mode.desk.AgentDesk`) built on its kiosk, and:

- its own screens: the agent's sign-in, shift, home, float, report and day's end; the
  customer's consent and the tariff; and the kiosk's identify, catalogue, form, review, payment,
  sending and receipt screens, driven by the agent for the customer (:mod:`screens.assisted`).
  No attract loop, no rating, no status check or queue ticket;
- the denser look (:class:`screens.theme.Theme` ``dense``) and the agent's time limits
  (``time_limits.agent_idle_s``, from the config through the session);
- the keyboard on the agent's own screens: Enter for the screen's main action, Escape for back
  (a view's ``on_enter_key`` / ``on_escape_key``); Tab moves between fields;
- TRAINING / MAFUNZO along the top of every screen in training mode
  (:class:`screens.widgets.training_band.TrainingBand`).

    from screens.launch import run_app
    run_app(config)            # config.role == "agent": this App
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout

from agent_mode.desk import AgentDesk
from kiosk_app.bootstrap import Kiosk
from kiosk_app.config import KioskConfig
from kiosk_app.session import Session, SessionState
from screens.agent_base import DeskPresenter
from screens.agent_home.agent_home import AgentHomePresenter, AgentHomeView
from screens.agent_report.agent_report import ReportPresenter, ReportView
from screens.app import SCREENS, HudumaApp, _load_kv
from screens.assisted import AssistedReceiptPresenter, AssistedSubmittingPresenter
from screens.base import Presenter, View
from screens.cash_float.cash_float import FloatPresenter, FloatView
from screens.charge.charge import ChargePresenter, ChargeView
from screens.consent.consent import ConsentPresenter, ConsentView
from screens.day_end.day_end import DayEndPresenter, DayEndView
from screens.lazy_views import ScreenRef
from screens.receipt.receipt import ReceiptView
from screens.shift.shift import ShiftPresenter, ShiftView
from screens.sign_in.sign_in import SignInPresenter, SignInView
from screens.submitting.submitting import SubmittingView
from screens.widgets.training_band import TrainingBand

S = SessionState

AGENT_SCREENS: dict[str, ScreenRef | tuple[type[View], type[Presenter]]] = {
    "sign_in": (SignInView, SignInPresenter),
    "shift": (ShiftView, ShiftPresenter),
    "agent_home": (AgentHomeView, AgentHomePresenter),
    "float": (FloatView, FloatPresenter),
    "report": (ReportView, ReportPresenter),
    "day_end": (DayEndView, DayEndPresenter),
    # The customer's transaction: the kiosk's screens, then the agent's consent and tariff.
    **{name: SCREENS[name] for name in ("identify", "card_unlock", "card_reading",
                                        "identity_confirm", "typed_identity", "catalogue",
                                        "form", "review", "payment", "unavailable")},
    "consent": (ConsentView, ConsentPresenter),
    "charge": (ChargeView, ChargePresenter),
    "submitting": (SubmittingView, AssistedSubmittingPresenter),
    "receipt": (ReceiptView, AssistedReceiptPresenter),
}
"""The agent role's screens, by name."""
AGENT_SCREEN_FOR_STATE: dict[SessionState, str] = {
    S.SIGN_IN: "sign_in", S.SHIFT: "shift", S.AGENT_HOME: "agent_home", S.FLOAT: "float",
    S.REPORT: "report", S.DAY_END: "day_end", S.IDENTIFY: "identify",
    S.CARD_UNLOCK: "card_unlock", S.CARD_READING: "card_reading",
    S.IDENTITY_CONFIRM: "identity_confirm", S.TYPED_IDENTITY: "typed_identity",
    S.CATALOGUE: "catalogue", S.FORM: "form", S.REVIEW: "review", S.CONSENT: "consent",
    S.CHARGE: "charge", S.PAYMENT: "payment", S.SUBMITTING: "submitting", S.RECEIPT: "receipt",
}
ENTER_KEYS = (13, 271)  # Enter, and the keypad's
ESCAPE_KEY = 27


class AgentApp(HudumaApp):
    title = "Huduma Kiosk: BETA agent"
    screens = AGENT_SCREENS
    screen_for_state = AGENT_SCREEN_FOR_STATE

    def __init__(self, config: KioskConfig, *, kiosk: Kiosk | None = None,
                 desk: AgentDesk | None = None, **kwargs: Any) -> None:
        super().__init__(config, kiosk=kiosk, **kwargs)
        # Wiring only: the agent's file is opened on first use, on a worker.
        self.desk = desk or AgentDesk.for_kiosk(self.kiosk)
        self.theme.dense = True
        self.training_band: TrainingBand | None = None

    def make_presenter(self, presenter_cls: type[Presenter]) -> Presenter:
        if issubclass(presenter_cls, DeskPresenter):
            return presenter_cls(self.kiosk, self.tr, desk=self.desk)
        return super().make_presenter(presenter_cls)

    def build(self) -> BoxLayout:
        _load_kv(Path(__file__).with_name("widgets") / "training_band.kv")
        root = super().build()
        self.training_band = TrainingBand(tr=self.tr, theme=self.theme,
                                          shown=self.desk.training)
        root.add_widget(self.training_band, index=len(root.children))  # along the top
        return root

    def on_start(self) -> None:
        super().on_start()
        Window.bind(on_key_down=self._on_key_down_at_desk)

    def _on_first_frame(self, *args: object) -> None:
        super()._on_first_frame(*args)
        self.presenters["sign_in"].app_started()  # type: ignore[attr-defined]

    def on_stop(self) -> None:
        Window.unbind(on_key_down=self._on_key_down_at_desk)
        super().on_stop()
        self.desk.close()

    def _on_key_down_at_desk(self, _window: object, key: int, *_args: object) -> bool:
        """The physical keyboard on the agent's own screens: Enter for the screen's main
        action, Escape for back. Not while a dialog (the time limit's, "do you want to stop?")
        is open over the screen; keys the screen does not take go on as usual."""
        if self.manager is None or Window.children[0] is not self.root:
            return False
        view = self.manager.current_screen
        if key in ENTER_KEYS:
            handler = getattr(view, "on_enter_key", None)
        elif key == ESCAPE_KEY:
            handler = getattr(view, "on_escape_key", None)
        else:
            return False
        return bool(handler()) if handler is not None else False

    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        """UI thread."""
        if new is SessionState.SIGN_IN:
            self.desk.sign_out()  # the session has let the agent go: so does the desk
        super().on_session_state_changed(session, old, new)
        if new in (SessionState.SIGN_IN, SessionState.AGENT_HOME) \
                and self.tr.language != session.language:
            self.tr.switch(session.language)
