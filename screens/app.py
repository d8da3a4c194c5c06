"""The Kivy App: a ScreenManager showing the screen for the session's state, the device
banner above it, and the time-limit warning over it.

The App is thin on purpose: it builds the kiosk through ``bootstrap.build`` (with the Kivy
dispatcher), gives each screen its presenter, follows the session's state, and ticks the
session's time limit. It holds no domain logic.

    from screens.launch import run_app
    run_app(config)                   # sets the window up first, then imports this module
"""
from __future__ import annotations

import gc
import importlib
import logging
import sys
import time
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk_app.bootstrap import Kiosk, build
from kiosk_app.config import ConfigError, KioskConfig, PendingCheck
from kiosk_app.session import Session, SessionState
from kiosk_app.ui_watch import UiWatch
from screens.base import Presenter, View
from screens.dispatch import KivyDispatcher
from screens.frame_watch import FrameWatch
from screens.i18n import FollowingTranslator, Translator
from screens.idle import IdleWork
from screens.lazy_views import (BuildAhead, LazyPresenters, LazyViews, ScreenRef,
                                nearest_first, screen_classes)
from screens.theme import FollowingTheme, Theme
from screens.widgets import common  # noqa: F401  (the shared widgets' classes, before their kv)
from screens.widgets.access import AccessPresenter, SpeechBar
from screens.widgets.banner import DeviceBanner, DeviceBannerPresenter
from screens.widgets.session_bar import CancelConfirmation, SessionBar, SessionBarPresenter
from screens.widgets.timeout import TimeoutPresenter, TimeoutWarning

log = logging.getLogger(__name__)

#: The screens, by name: each view with its presenter (KivyMD-style screen registry), imported
#: when the screen is first needed (screens/lazy_views.py, ScreenRef: ``screens/<name>/<name>.py``
#: holds ``<Name>View`` and ``<Name>Presenter``).
SCREENS: dict[str, ScreenRef | tuple[type[View], type[Presenter]]] = {
    name: ScreenRef.named(name) for name in (
        "attract", "home", "identify", "card_unlock", "card_reading", "identity_confirm",
        "typed_identity", "unavailable", "payment", "submitting", "receipt", "feedback",
        "thank_you", "catalogue", "form", "review", "status_check", "queue_ticket")
}
#: Which screen shows each session state; states with no screen of their own yet say so.
SCREEN_FOR_STATE: dict[SessionState, str] = {
    SessionState.ATTRACT: "attract",
    SessionState.HOME: "home",
    SessionState.IDENTIFY: "identify",
    SessionState.CARD_UNLOCK: "card_unlock",
    SessionState.CARD_READING: "card_reading",
    SessionState.IDENTITY_CONFIRM: "identity_confirm",
    SessionState.TYPED_IDENTITY: "typed_identity",
    SessionState.PAYMENT: "payment",
    SessionState.SUBMITTING: "submitting",
    SessionState.RECEIPT: "receipt",
    SessionState.FEEDBACK: "feedback",
    SessionState.THANK_YOU: "thank_you",
    SessionState.CATALOGUE: "catalogue",
    SessionState.FORM: "form",
    SessionState.REVIEW: "review",
    SessionState.STATUS_CHECK: "status_check",
    SessionState.QUEUE_TICKET: "queue_ticket",
}
TICK_S = 0.25
"""How often the session's time limit is checked, in seconds."""
BANNER_REFRESH_S = 30.0
VIEWS_WITHIN = 2
"""Screens this many touches from where the person is have their views built ahead."""
"""How often the devices and the backend are asked for their state, in seconds."""

def _load_kv(path: Path) -> None:
    if str(path) not in Builder.files:  # rules loaded twice would build widgets twice
        Builder.load_file(str(path))


class HudumaApp(App):
    title = "Huduma Kiosk"
    screens: dict[str, ScreenRef | tuple[type[View], type[Presenter]]] = SCREENS
    """This role's screens (the agent role has its own: screens/agent_app.py)."""
    screen_for_state: dict[SessionState, str] = SCREEN_FOR_STATE

    def __init__(self, config: KioskConfig, *, kiosk: Kiosk | None = None,
                 config_check: PendingCheck | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kiosk_config = config
        if kiosk is None:
            watch = UiWatch()
            kiosk = build(config, dispatcher=KivyDispatcher(watch), ui_watch=watch,
                          config_check=config_check)
        self.config_refused: ConfigError | None = None
        """Why the config's full check refused it, after the first frame (screens/launch.py
        raises it once the App has stopped)."""
        self.kiosk = kiosk
        self.tr = Translator(kiosk.session.language)
        self.tr.fbind("_", self._look_changed)
        self.theme = Theme()
        for switch in FollowingTheme.looks(self.theme):
            self.theme.fbind(switch, self._look_changed)
        # Every frame's work on the UI thread, against the UI budget (screens/frame_watch.py),
        # and the work that waits for quiet frames (screens/idle.py).
        self.frame_watch = FrameWatch(kiosk.ui_watch)
        self.idle = IdleWork(watch=kiosk.ui_watch, frames=self.frame_watch)
        self.presenters: LazyPresenters = LazyPresenters(self.screens, self._make_presenter)
        """Each screen's presenter: the first screen's with the first frame, the others
        together after it (screens/lazy_views.py)."""
        self._first_frame_shown = False
        self.views: LazyViews = LazyViews(self.screens, self._make_view)
        """Each screen's view, built the first time it is needed (screens/lazy_views.py)."""
        self.manager: ScreenManager | None = None
        self.banner_presenter: DeviceBannerPresenter | None = None
        self.timeout_warning: TimeoutWarning | None = None

    # -- building ---------------------------------------------------------------------------
    def build(self) -> BoxLayout:
        # The shared widgets' rules now; each screen's own with its view (_make_view), so the
        # first frame waits for no rules of screens not shown yet.
        widgets = Path(__file__).with_name("widgets")
        for path in [widgets / "widgets.kv", widgets / "forms.kv", widgets / "session_bar.kv",
                     widgets / "access.kv",
                     widgets / "keyboard.kv"]:
            _load_kv(path)

        root = BoxLayout(orientation="vertical")
        self.banner_presenter = DeviceBannerPresenter(self.kiosk, self.tr)
        banner = DeviceBanner(theme=self.theme)
        banner.presenter = self.banner_presenter
        root.add_widget(banner)
        # Large text, high contrast and reading aloud, for this session; "Repeat" and the
        # volume along the top while reading aloud is on.
        self.access = AccessPresenter(self.kiosk, self.tr, theme=self.theme,
                                      guidance=self.current_guidance)
        self.speech_bar = SpeechBar(tr=self.tr, theme=self.theme, presenter=self.access)
        root.add_widget(self.speech_bar)

        self.manager = ScreenManager(transition=NoTransition())
        # Ahead of the presenters: a screen's view is built before its presenter hears of the
        # state that shows it. Views are built when first needed (screens/lazy_views.py).
        self.kiosk.session.add_listener(BuildAhead(self._view_to_show))
        root.add_widget(self.manager)
        # "Cancel", always in the same place, with a confirmation before anything is lost.
        bar_presenter = SessionBarPresenter(self.kiosk, self.tr)
        self.session_bar = SessionBar(tr=self.tr, theme=self.theme, presenter=bar_presenter)
        root.add_widget(self.session_bar)
        self.cancel_confirmation = CancelConfirmation(tr=self.tr, theme=self.theme,
                                                      presenter=bar_presenter)
        timeout_presenter = TimeoutPresenter(self.kiosk, self.tr)
        self.timeout_warning = TimeoutWarning(tr=self.tr, theme=self.theme)
        self.timeout_warning.presenter = timeout_presenter
        self._timeout_presenter = timeout_presenter

        # After every presenter, those made later included: a screen is shown once its
        # presenter has made it ready.
        self.kiosk.session.add_listener(self, last=True)
        first = self.screen_for(self.kiosk.session.state)
        self.presenters.make_one(first)
        self.views[first]  # noqa: B018  (built now: the one screen the first frame shows)
        self.manager.current = first
        return root

    def _make_presenter(self, name: str) -> Presenter:
        presenter_cls = screen_classes(self.screens[name])[1]
        presenter = self.make_presenter(presenter_cls)
        presenter.screen_name = name
        if name == "card_unlock" and "card_reading" in self.screens:
            # The card read's progress, from the worker that reads, to the reading screen.
            reading = self.presenters.make_one("card_reading")
            presenter.progress_listeners.append(reading.show_progress)
        return presenter

    def _make_view(self, name: str) -> View:
        view_cls = screen_classes(self.screens[name])[0]
        _load_kv(view_cls.kv_path())
        # Each view has a translator and a theme of its own, which follow the App's: the
        # screen on show at once, the others in quiet frames (_look_changed).
        view = view_cls(name=name, tr=FollowingTranslator(self.tr),
                        theme=FollowingTheme(self.theme), access=self.access,
                        presenter=self.presenters[name], idle=self.idle)
        self.manager.add_widget(view)  # type: ignore[union-attr]
        return view

    def _make_next_view(self) -> bool:
        """An idle step (screens/idle.py), one piece of work per quiet frame, after the first
        frame and after each move: first each screen's module, imported nearest first; then
        every presenter, together; then one more view, nearest screens first, until every screen
        within :data:`VIEWS_WITHIN` touches of the session's state has its view. (A view is
        built whole, in one quiet frame: 4 to 30 ms of work on Mesa's software renderer.)"""
        order = nearest_first(self.kiosk.session.state, self.kiosk.session.transitions,
                              self.screen_for, within=None if not self.presenters.all_made()
                              else VIEWS_WITHIN)
        if not self.presenters.all_made():
            waiting = [ref for name in order + list(self.screens)
                       if isinstance(ref := self.screens.get(name), ScreenRef)
                       and ref.module not in sys.modules]
            if waiting:
                importlib.import_module(waiting[0].module)
            else:
                self.presenters.make_all()
            return True
        name = self.views.next_to_make(order)
        if name is None:
            return False
        started = time.perf_counter()
        self.views[name]  # noqa: B018
        log.debug("view %s built in %.0f ms", name, (time.perf_counter() - started) * 1000)
        return True

    def _make_views_ahead(self) -> None:
        if self._first_frame_shown:
            self.idle.add(self._make_next_view, lasting=True)  # views live as long as the app

    def _view_to_show(self, state: SessionState) -> None:
        """The view of the screen about to show: built now if it is not yet, in the language
        and the look of the moment (BuildAhead, before the presenters hear of ``state``)."""
        view = self.views[self.screen_for(state)]
        for follower in (view.tr, view.theme):
            if follower.behind:
                self.idle.discard(follower.catch_up)
                follower.catch_up()

    def _look_changed(self, *_args: object) -> None:
        """The language, large text or high contrast has been switched: the screen on show
        follows at once, the others in quiet frames (FollowingTranslator in screens/i18n.py,
        FollowingTheme in screens/theme.py). Making every screen's words again in the touch
        that switches took 30 to 60 ms."""
        for name in self.views:
            if not self.views.made(name):
                continue
            view = self.views[name]
            on_show = self.manager is not None and self.manager.current == name
            for follower in (view.tr, view.theme):
                if not follower.behind:
                    continue
                if on_show:
                    self.idle.discard(follower.catch_up)
                    follower.catch_up()
                else:
                    self.idle.add(follower.catch_up)

    def screen_for(self, state: SessionState) -> str:
        return self.screen_for_state.get(state, "unavailable")

    def make_presenter(self, presenter_cls: type[Presenter]) -> Presenter:
        """A screen's presenter, on the kiosk (the agent role's have the agent's desk too)."""
        return presenter_cls(self.kiosk, self.tr)

    def current_guidance(self) -> Any:
        """What the screen on show is for, to be said aloud (its presenter's ``spoken()``)."""
        return self.presenters[self.manager.current].spoken() if self.manager else ()

    # -- lifecycle --------------------------------------------------------------------------
    def on_start(self) -> None:
        if self.kiosk_config.role == "kiosk":
            Window.bind(on_keyboard=self._on_keyboard, on_request_close=self._on_request_close)
        scanner = self.kiosk.devices.get("scanner")
        if hasattr(scanner, "feed"):  # a keyboard-wedge scanner types through the window
            self._wedge = scanner
            Window.bind(on_textinput=self._on_textinput, on_key_down=self._on_key_down)
        self.frame_watch.start()
        # What is made by now lives as long as the app: the cyclic collector need not walk it
        # again. (Full collections over it held the UI thread for 50 to 200 ms at a time.)
        gc.freeze()
        # `huduma-kiosk run` starts with the collector off (kiosk_app/cli.py): start-up makes
        # almost no cyclic garbage (about 250 objects), and collections over what it makes
        # cost it some 30 ms. From here on, with all that frozen, they are cheap again.
        gc.enable()
        self._clock_events = [
            Clock.schedule_interval(self._tick, TICK_S),
            Clock.schedule_interval(lambda _dt: self.banner_presenter.refresh(), BANNER_REFRESH_S),
        ]
        self.access.screen_shown()
        # The first frame after start is when a person can first touch the kiosk: one line,
        # which benchmarks/startup.py waits for.
        Window.bind(on_flip=self._on_first_frame)

    def _on_first_frame(self, *_args: object) -> None:
        Window.unbind(on_flip=self._on_first_frame)
        log.info("first interactive frame")
        self._first_frame_shown = True
        # Only now do the workers open the devices, the outbox and the kept catalogue, load
        # the keys, ask the backend and enrol: done before the first frame, their Python held
        # the UI thread's drawing of it (one interpreter lock). Nothing the attract screen
        # does waits for them (tests/screens/test_startup.py).
        self.kiosk.start(on_config_refused=self._config_refused,
                         on_config_accepted=self.banner_presenter.refresh)
        self._make_views_ahead()

    def _config_refused(self, err: ConfigError) -> None:
        """The config's full check, run after the first frame, refused it: the kiosk stops as
        it would have at once (nothing was opened), and `huduma-kiosk run` says why in both
        languages with exit status 2."""
        self.config_refused = err
        self.stop()

    def on_stop(self) -> None:
        for event in getattr(self, "_clock_events", []):
            event.cancel()
        self.frame_watch.stop()
        self.idle.stop()
        Window.unbind(on_flip=self._on_first_frame)
        if self.kiosk_config.role == "kiosk":
            Window.unbind(on_keyboard=self._on_keyboard, on_request_close=self._on_request_close)
        if getattr(self, "_wedge", None) is not None:
            Window.unbind(on_textinput=self._on_textinput, on_key_down=self._on_key_down)
        self.kiosk.close()
        gc.unfreeze()

    def _on_textinput(self, _window: object, text: str) -> None:
        self._wedge.feed(text)

    def _on_key_down(self, _window: object, key: int, *_args: object) -> None:
        if key in (13, 271):  # Enter, keypad Enter: the end of a scanned code
            self._wedge.feed("\r")

    def _tick(self, _dt: float) -> None:
        with self.kiosk.ui_watch.measure("session.tick"):
            self.kiosk.session.tick()
            self._timeout_presenter.update_countdown()

    # -- kiosk lockdown: no key or gesture leaves the app -----------------------------------
    def _on_keyboard(self, _window: object, key: int, *_args: object) -> bool:
        # Escape (27), Back on Android (1001) and the F-keys are swallowed; typing still works.
        return key in (27, 1001) or 282 <= key <= 293

    def _on_request_close(self, *_args: object, **_kwargs: object) -> bool:
        log.info("a request to close the kiosk window was refused")
        return True

    # -- following the session --------------------------------------------------------------
    def on_session_state_changed(self, session: Session, old: SessionState, new: SessionState) -> None:
        """UI thread."""
        if self.manager is not None:
            self.manager.current = self.screen_for(new)
        if new is SessionState.ATTRACT and self.tr.language != session.language:
            self.tr.switch(session.language)
        self.access.screen_shown()
        self._make_views_ahead()
