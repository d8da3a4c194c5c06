"""Start-up: the first frame shows with one screen built; those within reach follow, nearest
first, and a screen needed sooner is built before its presenter hears of it."""
from __future__ import annotations

import logging

from kiosk_app.session import TRANSITIONS, SessionState
from screens.lazy_views import LazyViews, nearest_first


def test_screens_are_built_nearest_first_from_where_the_person_is() -> None:
    from screens.app import SCREEN_FOR_STATE, SCREENS

    def screen_for(state: SessionState) -> str:
        return SCREEN_FOR_STATE.get(state, "unavailable")

    order = nearest_first(SessionState.ATTRACT, TRANSITIONS, screen_for)
    assert order[:2] == ["attract", "home"]
    assert set(order[2:5]) == {"identify", "status_check", "queue_ticket"}
    assert set(order) == {screen_for(state) for state in SessionState}
    assert set(order) <= set(SCREENS)
    assert nearest_first(SessionState.ATTRACT, TRANSITIONS, screen_for, within=2) == order[:5]
    assert nearest_first(SessionState.REVIEW, TRANSITIONS, screen_for, within=1)[0] == "review"

    made: list[str] = []
    views = LazyViews(["a", "b", "c"], lambda name: made.append(name) or name.upper())
    assert views.next_to_make(["c"]) == "c" and made == []
    assert views["b"] == "B" and made == ["b"] and views.made("b")
    assert views.next_to_make(["b", "a"]) == "a"
    assert list(views.values()) == ["A", "B", "C"] and made == ["b", "a", "c"]
    assert views.next_to_make() is None


def test_the_first_frame_shows_with_one_screen_and_the_rest_follow(make_ui, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.INFO, logger="screens.app")
    ui = make_ui(all_views=False)
    app = ui.app
    assert "first interactive frame" in [r.getMessage() for r in caplog.records]
    assert ui.screen.name == "attract"
    assert len(app.manager.screens) < len(app.views)  # not all built in the first frames

    # A screen needed before its turn is built before its presenter hears of its state, so
    # that a view following its presenter's events misses none.
    unlock = app.presenters["card_unlock"]
    heard: list[bool] = []
    follow = unlock.on_session_state_changed
    unlock.on_session_state_changed = lambda s, old, new: (
        heard.append(app.views.made("card_unlock")), follow(s, old, new))
    session = ui.kiosk.session
    session.start("en")
    session.go(SessionState.IDENTIFY)
    session.go(SessionState.CARD_UNLOCK)
    assert heard[-1] is True and ui.screen.name == "card_unlock"

    # The screens within two touches of where the person is are built in the frames after,
    # and only those: a view costs megabytes once shown.
    from screens.app import SCREEN_FOR_STATE, VIEWS_WITHIN

    def within() -> list[str]:
        return nearest_first(session.state, TRANSITIONS, app.screen_for, within=VIEWS_WITHIN)

    ui.wait_until(lambda: app.views.next_to_make(within()) is None)
    assert {"card_reading", "typed_identity", "identity_confirm"} <= set(within())
    assert all(app.views.made(name) for name in within())
    assert not app.views.made("receipt") and not app.views.made("thank_you")
    assert {screen.name for screen in app.manager.screens} < set(app.views)
    assert set(SCREEN_FOR_STATE.values()) <= set(app.views)
