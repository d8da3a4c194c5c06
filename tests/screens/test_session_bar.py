"""Cancel, anywhere in a session, in the same place: at once where nothing would be lost, after
a confirmation where something entered would be."""
from __future__ import annotations

from kiosk_app.session import SessionState


def test_cancel_is_hidden_on_the_attract_screen(make_ui) -> None:  # noqa: ANN001
    ui = make_ui()
    assert ui.app.kiosk.session.state is SessionState.ATTRACT
    assert ui.app.session_bar.height == 0 and ui.app.session_bar.disabled


def test_cancel_from_home_ends_the_session_at_once(make_ui) -> None:  # noqa: ANN001
    ui = make_ui()
    session = ui.app.kiosk.session
    session.start("sw")
    ui.app.tr.switch("sw")
    ui.pump(3)
    cancel = ui.app.session_bar.ids.cancel
    assert cancel.text.endswith("Ghairi")
    ui.tap(cancel)
    assert session.state is SessionState.ATTRACT
    assert ui.app.cancel_confirmation._window is None


def test_cancel_where_something_was_entered_asks_first(make_ui) -> None:  # noqa: ANN001
    ui = make_ui()
    session = ui.app.kiosk.session
    session.start()
    session.go(SessionState.IDENTIFY)
    session.go(SessionState.TYPED_IDENTITY)
    ui.pump(3)
    ui.tap(ui.app.session_bar.ids.cancel)
    dialog = ui.app.cancel_confirmation
    assert dialog._window is not None and session.state is SessionState.TYPED_IDENTITY
    ui.tap(dialog.ids.keep_going)              # "No, go on": nothing changes
    assert dialog._window is None and session.state is SessionState.TYPED_IDENTITY
    ui.tap(ui.app.session_bar.ids.cancel)
    ui.tap(dialog.ids.stop)                    # "Yes, stop and clear"
    assert session.state is SessionState.ATTRACT
    assert dialog._window is None
    assert not session.data.holds_personal_data()


def test_once_the_application_is_in_there_is_no_cancel_only_finish(make_ui) -> None:  # noqa: ANN001
    """On the receipt and the feedback "Cancel" would read as cancelling the application:
    those screens end with their own "Finish"."""
    ui = make_ui()
    session = ui.app.kiosk.session
    session.start()
    ui.pump(2)
    assert ui.app.session_bar.height > 0
    for state in (SessionState.IDENTIFY, SessionState.CATALOGUE):
        session.go(state)
        ui.pump(2)
        assert ui.app.session_bar.height > 0 and not ui.app.session_bar.disabled
    session._state = SessionState.SUBMITTING   # as after review and payment
    session._set_state(SessionState.RECEIPT)
    ui.pump(2)
    assert ui.app.session_bar.height == 0 and ui.app.session_bar.disabled
    session.go(SessionState.FEEDBACK)
    ui.pump(2)
    assert ui.app.session_bar.height == 0 and ui.app.session_bar.disabled
