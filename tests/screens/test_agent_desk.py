"""The BETA agent's screens, headless, touched like an agent would (and typed on, where an
agent has a keyboard), against a live sandbox and the simulated devices (issue 8).

Done when: "A headless UI test completes an assisted transaction with touches on the rendered
widgets": the first test. Then a wrong PIN and the lock's countdown, signing in from the
keyboard, cash taken offline within the limits and refused beyond them, and training mode's
band on every screen (with every button at least 15 mm, both ways, in both orientations)."""
from __future__ import annotations

from pathlib import Path

from agent_mode.reconcile import day_range, nairobi_today
from kiosk_app.applying import application_key
from kiosk_app.clock import ManualClock
from kiosk_app.contract import LedgerAccount as A
from kiosk_app.outbox import OutboxStatus
from kiosk_app.session import SessionState as S
from tests.agent_mode.conftest import PINS, agent_sandbox, printed_texts
from tests.agent_mode.test_books import MONEY, cents
from tests.screens.agent_journey import (PAID, PERSON, agent_live_config, agent_offline_config,
                                         every_agent_screen, make_agent_ui, new_customer_typed,
                                         press, shown, sign_in_with_pin, start_shift,
                                         tap_keys, training_config, type_keys)
from tests.screens.conftest import LANDSCAPE, PORTRAIT, assert_ui_budget
from tests.screens.test_app import labels
from tests.screens.test_apply_form import choose, pick
from tests.screens.test_touch_targets import too_small

__all__ = ["agent_sandbox", "make_agent_ui"]  # fixtures, for pytest
ENTER, ESCAPE, TAB = 13, 27, 9


def z_figures(job: bytes) -> dict[str, str]:
    figures = {}
    for line in printed_texts(job):
        found = MONEY.match(line.strip())
        if found:
            figures[found["label"].strip()] = found["value"]
    return figures


def test_an_assisted_transaction_by_touches_then_the_days_end_and_its_z_report(
        make_agent_ui, tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    """Sign-in with the PIN pad, the shift started with the drawer counted, a customer by typed
    details, a service from the catalogue, its form, the customer's consent, the tariff, cash,
    the printed receipt, back to the agent's home with the customer gone; then the day's end
    shows the transaction, and the Z-report prints the ledger's totals."""
    sandbox = sandbox_factory(confirm_after=0.3)
    ui = make_agent_ui(agent_live_config(tmp_path, sandbox))
    kiosk, session, desk = ui.kiosk, ui.kiosk.session, ui.app.desk
    assert ui.screen.name == "sign_in" and session.state is S.SIGN_IN  # no attract loop
    assert ui.app.training_band.height == 0 and not desk.training
    ui.wait_until(lambda: kiosk.services.service(PAID) is not None and kiosk.upkeep.online,
                  timeout=30)

    sign_in_with_pin(ui, "BA-0001")
    start_shift(ui, "2000")
    home = shown(ui)
    assert "Agent BA-0001: Demo Agent Kilimani" in home
    assert "Cash the books expect in the drawer: KES 2,000.00" in home
    assert desk.agent.agent_number == "BA-0001" and session.agent_number == "BA-0001"

    new_customer_typed(ui)
    pick(ui, "police")
    pick(ui, PAID)
    service = kiosk.services.service(PAID)
    for field in service.fields:
        assert ui.screen.name == "form"
        choose(ui, "choice", field.choices[0].value)
        ui.tap(ui.screen.ids.next)
    assert ui.screen.name == "review"
    ui.tap(ui.screen.ids.confirm)

    assert ui.screen.name == "consent"
    words = shown(ui)
    assert ("I agree that this agent applies for this service for me with my details, and "
            "that my details are sent to the government office that gives it.") in words
    assert "Customer: JUMA OTIENO BARASA" in words
    ui.tap(ui.screen.ids.language)                      # the customer reads Kiswahili better
    assert ("Nakubali wakala huyu aniombee huduma hii kwa kutumia taarifa zangu, na kwamba "
            "taarifa zangu zitumwe kwa ofisi ya serikali inayotoa huduma hii.") in shown(ui)
    assert "Mteja: JUMA OTIENO BARASA" in shown(ui) and session.language == "sw"
    ui.tap(ui.screen.ids.language)
    assert session.data.consent_at is None
    ui.tap(ui.screen.ids.agree)
    assert session.data.consent_at is not None

    assert ui.screen.name == "charge"
    ui.wait_until(lambda: ui.app.presenters["charge"].cash_ok, timeout=10)
    charge = shown(ui)
    for line in ("Police clearance fee", "KES 1,000.00", "eCitizen convenience fee",
                 "KES 50.00", "Total to pay", "KES 1,050.00"):
        assert line in charge
    assert "ommission" not in charge                     # the agent's earnings: not here
    assert ui.screen.ids.mpesa.opacity == 1              # online: M-Pesa offered too
    ui.tap(ui.screen.ids.cash)

    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=30)
    done = session.data.receipt
    assert (done.payment, done.printed, done.amount_cents) == ("cash", True, 105_000)
    assert done.reference in shown(ui)
    assert "Your receipt is printing. Please take it from the printer." in shown(ui)
    assert ui.screen.ids.rate.opacity == 0 and ui.screen.ids.rate.disabled
    slip = printed_texts([j for j in kiosk.devices.get("printer").jobs
                          if j.job_id == done.reference][0].data)
    assert any(line.startswith("Paid by / Imelipwa kwa") and line.endswith("Cash / Pesa taslimu")
               for line in slip)
    assert not any("TRAINING" in line for line in slip)
    body = kiosk.outbox.get(application_key(done.reference)).payload
    assert (body["channel"], body["agent_number"], body["payment"]) == ("agent", "BA-0001",
                                                                        "cash")
    assert body["consent_at"] is not None

    ui.tap(ui.screen.ids.finish)
    assert ui.screen.name == "agent_home" and session.state is S.AGENT_HOME
    # The customer is gone from the session and every screen; the agent is still signed in.
    assert session.data.identity is None and session.data.receipt is None
    assert session.data.consent_at is None and not session.data.cash
    everything = "\n".join(labels(ui.app.root))
    assert done.reference not in everything and PERSON[0].upper() not in everything
    assert desk.agent.agent_number == "BA-0001" and session.agent_number == "BA-0001"
    ui.wait_until(lambda: "KES 3,050.00" in shown(ui), timeout=10)  # 2,000 + 1,050 in cash

    ui.tap(ui.screen.ids.day_end)
    day_end = ui.app.presenters["day_end"]
    ui.wait_until(lambda: bool(day_end.figures), timeout=20)
    ui.wait_until(lambda: not kiosk.outbox.rows(("application", "ledger_entry"),
                                                OutboxStatus.PENDING), timeout=20)
    ui.tap(ui.screen.ids.check_again)
    ui.wait_until(lambda: not day_end.busy and "match the office" in day_end.status, timeout=20)
    figures = dict(day_end.figures)
    assert (figures["Transactions"], figures["Fees in cash"], figures["Commission earned"],
            figures["Cash expected"]) == ("1", "KES 1,050.00", "KES 50.00", "KES 3,050.00")
    assert "Your books match the office's." in shown(ui)

    ui.tap(ui.screen.ids.print_z)
    ui.wait_until(lambda: "The Z-report is printing." in shown(ui), timeout=20)
    (job,) = [j for j in kiosk.devices.get("printer").jobs if j.job_id.startswith("BA-0001:")]
    printed = z_figures(job.data)
    since, until = day_range(nairobi_today(kiosk.clock.now()))
    ledger = {a: 0 for a in A}
    for entry in desk.books.entries("BA-0001", since, until):
        ledger[entry.entry.debit] += entry.entry.amount_cents
        ledger[entry.entry.credit] -= entry.entry.amount_cents
    assert {account: cents(printed[name]) for account, name in (
        (A.CASH, "Cash / Pesa taslimu"), (A.MPESA, "M-Pesa"),
        (A.GOVERNMENT, "Government / Serikali"), (A.COMMISSION, "Commission / Kamisheni"),
        (A.BANK, "Bank / Benki"))} == ledger
    assert cents(printed["Fees in cash / Ada kwa pesa taslimu"]) == ledger[A.CASH] == 105_000
    assert cents(printed["Commission earned / Kamisheni"]) == -ledger[A.COMMISSION] == 5_000
    assert cents(printed["Cash expected / Pesa inayotarajiwa"]) == 200_000 + ledger[A.CASH]
    assert printed["Transactions / Miamala"] == "1"

    press(ui, ESCAPE)                                    # Esc: back to the desk
    assert ui.screen.name == "agent_home"
    ui.tap(ui.screen.ids.report)                         # today's, at once
    report = ui.app.presenters["report"]
    ui.wait_until(lambda: bool(report.totals), timeout=20)
    assert dict(report.totals) == {"Transactions": "1", "Fees in cash": "KES 1,050.00",
                                   "Fees by M-Pesa": "KES 0.00", "Total": "KES 1,050.00",
                                   "Commission": "KES 50.00"}
    row = report.table.splitlines()[1].split()
    assert done.reference in row and "Cash" in row and row[-1] == "yes"
    assert ui.screen.ids.earlier.disabled and ui.screen.ids.later.disabled  # one page
    ui.tap(ui.screen.ids.print_report)                   # the whole report, on paper
    ui.wait_until(lambda: "The report is printing." in shown(ui), timeout=20)
    (paper,) = [j for j in kiosk.devices.get("printer").jobs
                if b"Transactions and commission" in j.data]
    assert done.reference.encode() in paper.data and b"Miamala na kamisheni" in paper.data
    assert_ui_budget(ui)


def test_a_wrong_pin_is_explained_the_lock_counts_down_then_the_keyboard_signs_in(
        make_agent_ui, tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    sandbox = sandbox_factory(lockout=1.0)
    clock = ManualClock()
    ui = make_agent_ui(agent_live_config(tmp_path, sandbox), clock=clock)
    presenter = ui.app.presenters["sign_in"]
    for tries_left in (4, 3, 2, 1):
        sign_in_with_pin(ui, "BA-0002", "9999")
        ui.wait_until(lambda: presenter.phase == "pin" and presenter.error, timeout=20)
        assert (f"! The agent number or PIN is not right. {tries_left} tries left before this "
                "agent is locked.") in shown(ui)
        assert ui.screen.ids.pin.text == ""               # the PIN never stays on the screen
    sign_in_with_pin(ui, "BA-0002", "9999")
    ui.wait_until(lambda: presenter.locked, timeout=20)
    words = shown(ui)
    assert ("! Too many wrong PINs. This agent is locked on this device; try again in 30 "
            "seconds.") in words
    assert "! Locked: you can try again in 30 seconds." in words
    assert ui.screen.ids.sign_in.disabled
    clock.advance(12)
    ui.run_for(0.6)
    assert "! Locked: you can try again in 18 seconds." in shown(ui)
    # Another agent is not locked; back to this one, the lock is still there.
    ui.tap(ui.screen.agent_buttons["BA-0003"])
    assert not presenter.locked and not ui.screen.ids.sign_in.disabled
    ui.tap(ui.screen.agent_buttons["BA-0002"])
    ui.wait_until(lambda: presenter.locked, timeout=10)
    clock.advance(18)
    ui.run_for(1.2)                                       # the office's own lock is over too
    assert not presenter.locked and presenter.lock_words == ""

    # The keyboard: the number typed, Tab to the PIN, Enter signs in.
    number = ui.screen.ids.number
    number.text = ""
    number.focus = True
    ui.pump(2)
    type_keys(ui, "ba-0002")
    assert number.text == "BA-0002" and presenter.number == "BA-0002"
    press(ui, TAB, "\t")
    assert ui.screen.ids.pin.focus and not number.focus
    type_keys(ui, PINS["BA-0002"])
    assert ui.screen.ids.pin.text == PINS["BA-0002"]
    press(ui, ENTER, "\r")
    ui.wait_until(lambda: ui.screen.name == "shift", timeout=20)
    assert ui.app.desk.agent.agent_number == "BA-0002"
    # Enter starts the shift with the count typed; Enter on the desk: a new customer.
    ui.wait_until(lambda: ui.app.presenters["shift"].mode == "start", timeout=20)
    assert ui.screen.ids.amount.focus
    type_keys(ui, "500")
    press(ui, ENTER, "\r")
    ui.wait_until(lambda: ui.screen.name == "agent_home"
                  and ui.app.presenters["agent_home"].shift_open, timeout=20)
    press(ui, ENTER, "\r")
    assert ui.screen.name == "identify"
    assert_ui_budget(ui)


def test_offline_cash_is_taken_within_the_limits_and_refused_beyond_them(
        make_agent_ui, tmp_path: Path, agent_sandbox) -> None:  # noqa: ANN001
    config = agent_offline_config(tmp_path, agent_sandbox, agent={
        "offline_limit_cents": 150_000, "offline_limit_count": 2})
    ui = make_agent_ui(config)
    kiosk, session = ui.kiosk, ui.kiosk.session
    ui.wait_until(lambda: kiosk.services.service(PAID) is not None
                  and kiosk.upkeep.online is False, timeout=30)
    sign_in_with_pin(ui, "BA-0003")                        # checked on the device
    start_shift(ui, "1000")
    assert "KES 1,500.00, in at most 2 payments" in shown(ui)

    def to_charge() -> None:
        new_customer_typed(ui)
        session.choose_service(PAID)                       # as the catalogue and form do
        from tests.kiosk_app.backend.applications import answers_for
        session.data.answers.update(answers_for(kiosk.services.service(PAID)))
        session.go(S.REVIEW)
        ui.pump(2)
        ui.tap(ui.screen.ids.confirm)
        ui.tap(ui.screen.ids.agree)
        assert ui.screen.name == "charge"

    to_charge()
    charge = ui.app.presenters["charge"]
    ui.wait_until(lambda: charge.cash_ok, timeout=10)
    assert ui.screen.ids.mpesa.opacity == 0 and ui.screen.ids.mpesa.disabled
    assert ("M-Pesa cannot be used right now: this device cannot reach the payment service. "
            "Cash can be taken.") in shown(ui)
    ui.tap(ui.screen.ids.cash)
    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=30)
    done = session.data.receipt
    assert (done.payment, done.sent, done.printed) == ("cash", False, True)
    assert ("Your application is kept safely on this kiosk and will be sent to the office by "
            "itself when the network is back. You do not need to do anything.") in shown(ui)
    slip = printed_texts([j for j in kiosk.devices.get("printer").jobs
                          if j.job_id == done.reference][0].data)
    assert "Waiting to be sent / Linasubiri kutumwa" in slip
    ui.tap(ui.screen.ids.finish)
    ui.wait_until(lambda: "KES 450.00, in at most 1 payments" in shown(ui), timeout=10)

    # A second customer's KES 1,050 would be KES 2,100 held: beyond the KES 1,500 limit.
    to_charge()
    ui.wait_until(lambda: bool(charge.cash_problem) and "limit" in charge.cash_problem,
                  timeout=10)
    assert ("! This device already holds KES 1,050.00 in cash that is not yet sent to the "
            "office; its limit is KES 1,500.00.") in shown(ui)
    assert ui.screen.ids.cash.disabled and ui.screen.ids.mpesa.disabled
    ui.tap(ui.screen.ids.cash)
    assert ui.screen.name == "charge"
    assert len(kiosk.outbox.rows("application")) == 1
    ui.tap(ui.screen.ids.back)
    assert ui.screen.name == "review"

    # "Cancel", confirmed: the customer goes, the agent stays; the takings go to the bank.
    ui.tap(ui.app.session_bar.ids.cancel)
    ui.tap(ui.app.cancel_confirmation.ids.stop)
    assert ui.screen.name == "agent_home" and session.agent_number == "BA-0003"
    assert session.data.identity is None and session.data.reference is None
    ui.tap(ui.screen.ids.cash_float)
    ui.tap(ui.screen.ids.bank)
    tap_keys(ui, ui.screen.ids.pad, "500")
    ui.tap(ui.screen.ids.record)
    float_ = ui.app.presenters["float"]
    ui.wait_until(lambda: bool(float_.done), timeout=10)
    assert "KES 500.00 taken to the bank is in your books." in shown(ui)
    assert ui.screen.ids.amount.text == ""
    ui.tap(ui.screen.ids.record)                          # nothing typed: nothing kept
    assert "! Type the amount in shillings, like 5000 or 5,000.50." in shown(ui)
    entries = [row.payload["entry"] for row in kiosk.outbox.rows("ledger_entry")]
    assert [(e["debit"], e["credit"], e["amount_cents"]) for e in entries
            if e["reference"] is None] == [("bank", "cash", 50_000)]
    press(ui, ESCAPE)
    ui.wait_until(lambda: "KES 1,550.00" in shown(ui), timeout=10)  # 1,000 + 1,050 - 500
    assert_ui_budget(ui)


def test_training_says_so_on_every_screen_and_every_button_is_15_mm(
        make_agent_ui, tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    config = training_config(tmp_path, sandbox_factory())
    ui = make_agent_ui(config)
    assert ui.app.desk.training and ui.app.theme.dense
    band = ui.app.training_band
    seen, problems = [], []
    for name in every_agent_screen(ui, "en"):
        seen.append(name)
        assert band.height > 0 and band.opacity == 1 and band.get_root_window() is not None
        assert band.ids.label.text.startswith("[b]TRAINING / MAFUNZO[/b]")
        assert band.top <= ui.window.height + 1 and band.y >= ui.screen.to_window(
            *ui.screen.pos)[1] + ui.screen.height - 1   # above the screen, not over it
        problems += too_small(ui, config, "portrait")
        ui.resize(LANDSCAPE)
        problems += too_small(ui, config, "landscape")
        ui.resize(PORTRAIT)
    assert sorted(set(seen)) == sorted(ui.app.screens), "the journey left a screen out"
    assert problems == [], "\n".join(problems)
    slips = [printed_texts(job.data) for job in ui.kiosk.devices.get("printer").jobs]
    assert slips and all(any("TRAINING" in line for line in slip) for slip in slips)
    assert config.effective().data_dir.name == "training"


def test_the_agents_own_id_card_signs_them_in(
        make_agent_ui, tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    """The demo's sample ID card is demo agent BA-0001's: read like a citizen's card (the
    details printed on it open its chip, on a worker), it signs that agent in."""
    ui = make_agent_ui(agent_live_config(tmp_path, sandbox_factory(), demo=True))
    presenter, desk = ui.app.presenters["sign_in"], ui.app.desk
    assert ui.app.training_band.height > 0               # a demo is marked as training
    ui.wait_until(lambda: bool(presenter.agents), timeout=30)
    ui.tap(ui.screen.ids.use_card)
    assert presenter.phase == "card" and ui.screen.ids.phases.current == "card"
    press(ui, ESCAPE)
    assert presenter.phase == "pin"
    ui.tap(ui.screen.ids.use_card)
    ui.tap(ui.screen.ids.read_card)                      # nothing typed yet
    assert ("! Please check the details: the document number, and dates as day, month and "
            "year.") in shown(ui)
    ui.tap(ui.screen.ids.demo_card)
    ids = ui.screen.ids
    assert (ids.document_number.text, ids.birth_date.text, ids.expiry_date.text) == (
        "AB1234567", "01/01/1990", "30/06/2031")
    ui.wait_until(lambda: ui.kiosk.session.data.card_reader is not None, timeout=30)
    press(ui, ENTER, "\r")                               # Enter reads the card
    ui.wait_until(lambda: ui.screen.name == "shift", timeout=30)
    assert (desk.agent.agent_number, desk.agent.method) == ("BA-0001", "card")
    assert ids.document_number.text == ""                # the card's details leave the screen
    assert_ui_budget(ui)


def test_the_customer_pays_by_mpesa_on_their_own_phone(
        make_agent_ui, tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    """The tariff, then the kiosk's own payment screen for the customer's phone: the payment
    goes with the application (its ledger entry M-Pesa, not cash), and no cash is counted."""
    from tests.kiosk_app.backend.applications import answers_for
    from tests.screens.test_apply_pay import fast, pay

    sandbox = sandbox_factory(confirm_after=0.3)
    ui = make_agent_ui(agent_live_config(tmp_path, sandbox))
    kiosk, session = ui.kiosk, ui.kiosk.session
    fast(ui)
    ui.wait_until(lambda: kiosk.services.service(PAID) is not None and kiosk.upkeep.online,
                  timeout=30)
    sign_in_with_pin(ui, "BA-0002")
    start_shift(ui, "0")
    new_customer_typed(ui)
    session.choose_service(PAID)                           # as the catalogue and form do
    session.data.answers.update(answers_for(kiosk.services.service(PAID)))
    session.go(S.REVIEW)
    ui.pump(2)
    ui.tap(ui.screen.ids.confirm)
    ui.tap(ui.screen.ids.agree)
    ui.wait_until(lambda: ui.app.presenters["charge"].cash_ok, timeout=10)
    ui.tap(ui.screen.ids.mpesa)
    assert ui.screen.name == "payment" and "Total to pay: KES 1,050.00" in shown(ui)
    # "Back" from the customer's phone leads to the tariff and the way to pay, the consent
    # kept: not by the review, which would ask it again.
    consent_at = session.data.consent_at
    ui.tap(ui.screen.ids.back_enter)
    assert ui.screen.name == "charge" and consent_at is not None
    assert session.data.consent_at == consent_at
    ui.tap(ui.screen.ids.mpesa)
    assert ui.screen.name == "payment"
    pay(ui, "0712340000")
    ui.wait_until(lambda: ui.screen.name == "receipt", timeout=30)
    done = session.data.receipt
    assert (done.payment, done.printed, done.amount_cents) == ("mpesa", True, 105_000)
    body = kiosk.outbox.get(application_key(done.reference)).payload
    assert (body["channel"], body["payment"], body["payment_id"]) == (
        "agent", "mpesa", session.data.payment.payment_id)
    entries = [row.payload["entry"] for row in kiosk.outbox.rows("ledger_entry")]
    assert sorted((e["debit"], e["credit"], e["amount_cents"]) for e in entries) == [
        ("government", "commission", 5_000), ("mpesa", "government", 105_000)]
    ui.tap(ui.screen.ids.finish)
    assert ui.screen.name == "agent_home" and session.data.payment is None
    ui.wait_until(lambda: "Cash the books expect in the drawer: KES 0.00" in shown(ui),
                  timeout=10)
    assert_ui_budget(ui)


def test_a_long_report_shows_forty_transactions_at_a_time_the_latest_first(
        make_agent_ui, tmp_path: Path, agent_sandbox) -> None:  # noqa: ANN001
    """Ninety transactions: the latest forty first, "Earlier" for the forty before them and the
    last ten, "Later" back; the totals count all ninety throughout."""
    from datetime import date, datetime, timedelta, timezone

    from agent_mode.reports import Report, ReportLine, Totals

    ui = make_agent_ui(agent_offline_config(tmp_path, agent_sandbox))
    sign_in_with_pin(ui, "BA-0002")
    start_shift(ui, "0")
    ui.tap(ui.screen.ids.report)
    presenter = ui.app.presenters["report"]
    ui.wait_until(lambda: bool(presenter.totals), timeout=20)
    start = datetime(2026, 3, 2, 5, tzinfo=timezone.utc)
    lines = [ReportLine(start + timedelta(minutes=5 * i), f"HK-TEST-{i:04d}", "GOOD_CONDUCT",
                        "cash", 105_000, 5_000, True) for i in range(90)]
    totals = Totals()
    for line in lines:
        totals = totals.add(line)
    presenter._made(Report("BA-0002", date(2026, 3, 2), date(2026, 3, 2), lines, totals, {},
                           {date(2026, 3, 2): totals}))
    ui.pump(2)

    def references() -> list[str]:
        return [row.split()[2] for row in presenter.table.splitlines()[1:]]

    assert references() == [f"HK-TEST-{i:04d}" for i in range(89, 49, -1)]
    assert "Transactions 1 to 40 of 90, the latest first." in shown(ui)
    assert ui.screen.ids.later.disabled and not ui.screen.ids.earlier.disabled
    ui.tap(ui.screen.ids.earlier)
    assert references() == [f"HK-TEST-{i:04d}" for i in range(49, 9, -1)]
    assert "Transactions 41 to 80 of 90, the latest first." in shown(ui)
    ui.tap(ui.screen.ids.earlier)
    assert references() == [f"HK-TEST-{i:04d}" for i in range(9, -1, -1)]
    assert "Transactions 81 to 90 of 90, the latest first." in shown(ui)
    assert ui.screen.ids.earlier.disabled and not ui.screen.ids.later.disabled
    ui.tap(ui.screen.ids.later)
    assert references()[0] == "HK-TEST-0049"
    assert dict(presenter.totals)["Transactions"] == "90"
    assert_ui_budget(ui)
