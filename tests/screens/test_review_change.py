"""On the review, each answer has its own "Change": it opens the form at the page that asks
that question (not at the first), and the other answers are kept."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from kiosk_app.identity import Identity
from kiosk_app.session import SessionState as S
from tests.kiosk_app.backend.applications import answers_for
from tests.screens.test_apply_pay import PAID, offline_config
from tests.screens.test_receipt_sms import tap


def test_change_one_answer_from_the_review(make_ui, tmp_path: Path) -> None:  # noqa: ANN001
    ui = make_ui(offline_config(tmp_path))
    kiosk = ui.kiosk
    ui.wait_until(lambda: kiosk.services.service(PAID) is not None, timeout=30)
    service = kiosk.services.service(PAID)
    session = kiosk.session
    session.start("en")
    session.go(S.IDENTIFY)
    session.go(S.TYPED_IDENTITY)
    session.data.identity = Identity(source="typed", surname="TESTER", given_names="SAMPLE",
                                     document_number="23456789", id_number="23456789",
                                     birth_date=date(1990, 1, 1))
    session.go(S.CATALOGUE)
    session.choose_service(PAID)
    answers = answers_for(service)
    session.data.answers.update(answers)
    session.go(S.REVIEW)
    ui.pump(3)
    review = ui.screen
    assert review.name == "review"
    buttons = review.change_buttons
    assert len(buttons) == len(review.presenter.lines) >= 2
    assert all(b.text == "Change" and b.height >= 48 for b in buttons)

    page = review.presenter.lines[1][2]
    tap(ui, buttons[1])
    assert ui.screen.name == "form"
    form = ui.screen.presenter
    assert form.draft.page == page > 0
    assert session.data.answers == answers and session.data.form_page is None

    ui.app.tr.switch("sw")
    ui.pump(2)
    session.go(S.REVIEW)                   # as "check my answers" does from the last page
    ui.pump(3)
    assert all(b.text == "Badilisha" for b in ui.screen.change_buttons)
    assert session.data.answers == answers
