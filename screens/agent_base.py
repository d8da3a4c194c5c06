"""What the agent role's presenters share: the agent's desk (``agent_mode.desk.AgentDesk``),
given to each of them when the App builds it, and a way to run the desk's blocking work.

Every call of the desk that reads the disk, the network, the printer or checks a PIN runs on
``kiosk.workers``; its answer comes back on the UI thread through the dispatcher, and is
dropped when the person has moved on meanwhile (:meth:`DeskPresenter.in_background`). Words the
desk gives for people (``SignInRefused``, ``ShiftError``, ``LimitReached``, ``AssistedError``)
are asked for in the screen's language with :func:`words_of`.

    class ShiftPresenter(DeskPresenter):
        def start(self, cents):
            self.in_background(self.desk.shifts.start, agent, cents,
                               on_done=self._started, on_error=self._refused)
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from kiosk_app.i18n import N_
from kiosk_app.session import Session, SessionState, WipeReason
from screens.base import Presenter

log = logging.getLogger(__name__)

NOT_WORKING = N_("This did not work on this device. Try again; if it happens again, ask a "
                 "technician.")


def words_of(error: BaseException, language: str) -> str:
    """What went wrong, for the agent, in ``language``: the desk's own words when it has them
    (a refusal with ``message(language)``), else a plain "this did not work" (and the error's
    kind in the log, never its details)."""
    message = getattr(error, "message", None)
    if callable(message):
        return str(message(language))
    log.error("the agent's desk failed: %s", type(error).__name__)
    from kiosk_app.i18n import translator

    return translator(language).gettext(NOT_WORKING)


class DeskPresenter(Presenter):
    """A presenter of the agent role: ``self.desk`` is the agent's desk."""

    def __init__(self, kiosk: Any, tr: Any, *, desk: Any, **kwargs: Any) -> None:
        self.desk = desk
        self._turn = 0
        super().__init__(kiosk, tr, **kwargs)

    @property
    def agent(self) -> Any:
        """Who is signed in (``agent_mode.signin.SignedIn``), or None."""
        return self.desk.agent

    def forget_background(self) -> None:
        """Answers of work already under way are for nobody now (the screen was left)."""
        self._turn += 1

    def in_background(self, fn: Callable[..., Any], *args: Any,
                      on_done: Callable[[Any], None],
                      on_error: Callable[[BaseException], None]) -> None:
        """Run ``fn(*args)`` on a worker; ``on_done(result)`` or ``on_error(error)`` on the UI
        thread, unless :meth:`forget_background` was called since."""
        turn = self._turn

        def done(result: Any) -> None:
            if turn == self._turn:
                on_done(result)

        def failed(error: BaseException) -> None:
            if turn == self._turn:
                on_error(error)

        self.kiosk.workers.submit(fn, *args, on_done=done, on_error=failed)


class DeskScreenPresenter(DeskPresenter):
    """The presenter of one of the agent's own screens, shown in :attr:`screen_state`: entering
    it calls :meth:`_shown`; leaving it, or a wipe of the session, calls :meth:`_forget` (what
    the screen showed is for nobody now)."""

    screen_state: ClassVar[SessionState]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session.add_listener(self)

    def on_session_state_changed(self, session: Session, old: SessionState,
                                 new: SessionState) -> None:
        if new is self.screen_state:
            self._shown()
        elif old is self.screen_state:
            self._forget()

    def on_session_wiped(self, session: Session, reason: WipeReason) -> None:
        self._forget()

    def _shown(self) -> None:
        """UI thread: the screen is about to show."""

    def _forget(self) -> None:
        """UI thread: the screen was left, or the session wiped."""
        self.forget_background()
