"""Every screen of the App in turn, each as a person would find it: for the touch-target check
and the screenshot gallery.

The journey runs against a live sandbox (the catalogue, M-Pesa, applications) and the simulated
devices, moving the session by its own transitions and touching the screens' own buttons where
that is how the next screen comes. The screens that pass by on their own (the card being read,
the application being sent) are held still by real means: the card read is never started, and
the kiosk's workers are kept busy while "sending" is on show.

    for name in every_screen(ui, "sw"):
        ui.screenshot(folder / f"{name}-sw-portrait.png")
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

from drivers.card.emulator import demo_face
from kiosk_app.identity import Identity
from kiosk_app.session import SessionState as S
from tests.kiosk_app.backend.applications import answers_for

PAID, FREE = "GOOD-CONDUCT", "KRA-PIN"
"""A service with a fee, and one without, from the sandbox's seeded catalogue."""


def sample_identity() -> Identity:
    """A made-up card holder, with the demo card's drawn face."""
    return Identity(source="card", surname="WANJIKU", given_names="AMINA NJERI",
                    document_number="AB1234567", id_number="12345678",
                    birth_date=date(1990, 1, 1), sex="F", nationality="KEN",
                    expiry_date=date(2031, 6, 30), face=demo_face(), face_mime="image/jpeg",
                    verification="valid", document_format="TD1")


class HeldWorkers:
    """Keeps every one of the kiosk's workers busy until released: work submitted meanwhile
    waits its turn (how "sending..." is held on the screen)."""

    def __init__(self, kiosk: Any, count: int = 8) -> None:
        self._release = threading.Event()
        started = [threading.Event() for _ in range(count)]
        self._futures = []
        for event in started:
            self._futures.append(kiosk.workers.submit(self._hold, event))
        busy = kiosk.workers._pool._max_workers  # noqa: SLF001 - how many there are to hold
        for event in started[:busy]:
            if not event.wait(10):
                raise AssertionError("the kiosk's workers did not all start holding")

    def _hold(self, started: threading.Event) -> None:
        started.set()
        self._release.wait(30)

    def release(self) -> None:
        self._release.set()


def every_screen(ui: Any, language: str = "en") -> Iterator[str]:
    """Show every screen of ``ui``'s App in turn, in ``language``; yields each one's name while
    it is on show and settled. The App's config must have a live sandbox as its backend."""
    kiosk, session = ui.kiosk, ui.kiosk.session
    app = ui.app
    ui.wait_until(lambda: kiosk.services.service(PAID) is not None and kiosk.upkeep.online,
                  timeout=30)
    app.presenters["thank_you"].back_after_s = 3600.0

    def shown(name: str) -> str:
        ui.wait_until(lambda: ui.screen.name == name, timeout=20)
        ui.pump(3)
        return name

    yield shown("attract")
    ui.tap(ui.screen.ids.english if language == "en" else ui.screen.ids.kiswahili)
    yield shown("home")
    session.go(S.IDENTIFY)
    yield shown("identify")
    session.go(S.CARD_UNLOCK)
    yield shown("card_unlock")
    session.begin_card_read()  # the read itself is never started: the screen stays
    app.presenters["card_reading"].show_progress(0.4)
    yield shown("card_reading")
    session.card_read_succeeded(sample_identity())
    yield shown("identity_confirm")
    session.confirm_identity(False)
    session.go(S.TYPED_IDENTITY)
    yield shown("typed_identity")

    session.data.identity = sample_identity()
    session.go(S.CATALOGUE)
    yield shown("catalogue")
    session.choose_service(PAID)
    yield shown("form")
    session.data.answers.update(answers_for(kiosk.services.service(PAID)) or {})
    session.go(S.REVIEW)
    yield shown("review")
    ui.tap(ui.screen.ids.confirm)
    yield shown("payment")

    # Back, and the free service: confirmed, it is sent with no payment.
    session.go(S.REVIEW)
    session.go(S.FORM)
    session.go(S.CATALOGUE)
    session.choose_service(FREE)
    session.data.answers.update(answers_for(kiosk.services.service(FREE)) or {})
    session.go(S.REVIEW)
    ui.pump(2)
    held = HeldWorkers(kiosk)
    try:
        ui.tap(ui.screen.ids.confirm)
        yield shown("submitting")
    finally:
        held.release()
    yield shown("receipt")
    ui.tap(ui.screen.ids.rate)
    yield shown("feedback")
    ui.tap(ui.screen.ids.face_5)
    yield shown("thank_you")

    session.finish()
    app.presenters["attract"].start(language)  # as a touch on the language does
    session.go(S.STATUS_CHECK)
    yield shown("status_check")
    session.go(S.HOME)
    session.go(S.QUEUE_TICKET)
    yield shown("queue_ticket")

    # A step with no screen of its own (none left in this build): shown as the app would.
    session.go(S.HOME)
    app.views["unavailable"]  # noqa: B018
    app.manager.current = "unavailable"
    yield shown("unavailable")
    session.finish()
    ui.pump(2)
