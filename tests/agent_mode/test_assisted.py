"""The assisted transaction on real parts: an application paid in cash while the backend is
away (the sandbox stopped), kept with its ledger entries in one outbox transaction, its
receipt "waiting to be sent"; the sandbox back, each of them sent exactly once. The offline
cash limits, and training mode's marks and its books kept apart."""
from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from agent_mode.assisted import AssistedError
from agent_mode.ledger import entry_id_for
from agent_mode.limits import LimitReached
from agent_mode.shifts import ShiftError
from kiosk_app import contract
from kiosk_app.applying import application_key
from kiosk_app.clock import ManualClock
from kiosk_app.contract import LedgerAccount as A
from kiosk_app.outbox import OutboxStatus
from tests.agent_mode.conftest import (PINS, agent_config, draft_for, keep_enrolment,
                                       make_desk, printed_texts, send_all)
from tests.sandbox.helpers import query
from tests.sandbox_fixtures import SandboxServer

PAID = "GOOD-CONDUCT"    # KES 1,050 (1,000 official + 50 convenience); commission KES 50
START = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)   # 09:00 in Nairobi
LATER = START + timedelta(hours=8)


def test_cash_taken_offline_is_kept_with_its_entries_and_sent_exactly_once_later(
        tmp_path: Path, sandbox_factory) -> None:  # noqa: ANN001
    server: SandboxServer = sandbox_factory()
    clock = ManualClock(START)
    desk = make_desk(agent_config(tmp_path / "data", server), clock=clock)
    try:
        agent = desk.sign_in_with_pin("BA-0001", PINS["BA-0001"])    # online: enrols too
        assert agent.checked_by == "backend"
        desk.shifts.start("BA-0001", opening_cents=200_000)
        tariff = desk.assisted.tariff(PAID)
        assert (tariff.total_cents, tariff.official_cents, tariff.convenience_cents,
                tariff.commission_cents) == (105_000, 100_000, 5_000, 5_000)

        server.stop()                                   # the network goes
        assert desk.kiosk.upkeep.round() is False       # and the device notices
        clock.advance(60)
        draft = draft_for(desk, PAID)
        consent = clock.now()
        done = desk.assisted.submit(draft, agent, consent_at=consent, cash=True)
        assert (done.payment, done.sent, done.printed, done.amount_cents) == (
            "cash", False, True, 105_000)
        lines = printed_texts(desk.kiosk.devices.get("printer").jobs[-1].data)
        assert "Waiting to be sent / Linasubiri kutumwa" in lines
        assert any(line.startswith("Paid by / Imelipwa kwa") and line.endswith(
            "Cash / Pesa taslimu") for line in lines)
        assert any(line.startswith("Total / Jumla") and line.endswith("KES 1,050.00")
                   for line in lines)

        # The application and its two entries, queued together, in that order, waiting.
        rows = desk.kiosk.outbox.rows(("application", "ledger_entry"), opened=False)
        fee, commission = entry_id_for(draft.reference, "fee"), \
            entry_id_for(draft.reference, "commission")
        assert [(r.idempotency_key, r.status) for r in rows] == [
            (application_key(draft.reference), OutboxStatus.PENDING),
            (fee, OutboxStatus.PENDING), (commission, OutboxStatus.PENDING)]
        assert rows[0].payload["consent_at"] == consent.isoformat().replace("+00:00", "Z")
        assert rows[0].sealed  # the customer's details sealed at rest, as at a kiosk
        with sqlite3.connect(desk.kiosk.outbox.path) as db:
            plain = b"".join(r[0] for r in db.execute("SELECT payload FROM outbox"))
        assert b"OTIENO" not in plain and b"23456789" not in plain
        entries = [e.entry for e in desk.books.entries("BA-0001", START, LATER)]
        assert sorted((e.amount_cents, e.debit, e.credit) for e in entries) == [
            (5_000, A.GOVERNMENT, A.COMMISSION), (105_000, A.CASH, A.GOVERNMENT)]

        # While away nothing goes; a second touch of the same draft keeps nothing more.
        assert send_all(desk).pending == 3
        assert desk.assisted.submit(draft, agent, consent_at=consent, cash=True).reference \
            == draft.reference
        assert len(desk.kiosk.outbox.rows(("application", "ledger_entry"))) == 3

        server.start()                                  # the backend is back
        counts = send_all(desk)
        assert (counts.sent, counts.failed, counts.pending) == (3, 0, 0)
        assert send_all(desk).sent == 0                 # nothing twice
    finally:
        desk.close()
        desk.kiosk.close()

    held = requests.get(f"{server.url}{contract.Paths.OPERATOR_APPLICATIONS}",
                        headers=server.operator_headers, timeout=10).json()
    assert [(a["reference"], a["amount_cents"]) for a in held] == [(draft.reference, 105_000)]
    stored = query(server, "SELECT channel, agent_number, payment, consent_at FROM applications")
    assert [(r[0], r[1], r[2]) for r in stored] == [("agent", "BA-0001", "cash")]
    assert stored[0][3] is not None
    ledger = query(server, "SELECT entry_id, debit, credit, amount_cents FROM ledger_entries"
                           " ORDER BY amount_cents DESC")
    assert [tuple(r) for r in ledger] == [(fee, "cash", "government", 105_000),
                                          (commission, "government", "commission", 5_000)]


def test_cash_waits_within_the_offline_limits_and_the_room_comes_back_once_sent(
        tmp_path: Path, agent_sandbox: SandboxServer) -> None:
    clock = ManualClock(START)
    offline = agent_config(tmp_path / "data", agent={"offline_limit_cents": 150_000,
                                                     "offline_limit_count": 2})
    keep_enrolment(offline, agent_sandbox)
    desk = make_desk(offline, clock=clock)
    try:
        agent = desk.sign_in_with_pin("BA-0002", PINS["BA-0002"])
        draft = draft_for(desk, PAID)
        with pytest.raises(ShiftError) as no_shift:
            desk.assisted.submit(draft, agent, consent_at=clock.now(), cash=True)
        assert no_shift.value.key == "none_open"
        desk.shifts.start("BA-0002", opening_cents=0)
        with pytest.raises(AssistedError) as no_consent:
            desk.assisted.submit(draft, agent, consent_at=None, cash=True)
        assert "agreed" in no_consent.value.bilingual()

        room = desk.assisted.cash_room(agent)
        # The tighter of this device's limits and the agent's own (KES 5,000 and 20).
        assert (room.limit_cents, room.limit_count, room.held_cents) == (150_000, 2, 0)
        desk.assisted.submit(draft, agent, consent_at=clock.now(), cash=True)
        with pytest.raises(LimitReached) as too_much:       # 1,050 + 1,050 > 1,500
            desk.assisted.submit(draft_for(desk, PAID), agent, consent_at=clock.now(),
                                 cash=True)
        assert too_much.value.key == "amount"
        assert too_much.value.message("en").startswith(
            "This device already holds KES 1,050.00 in cash that is not yet sent to the office;"
            " its limit is KES 1,500.00.")
        desk.assisted.submit(draft_for(desk, "BIRTH-CERT-COPY"), agent, consent_at=clock.now(),
                             cash=True)                      # KES 250 fits
        with pytest.raises(LimitReached) as too_many:
            desk.assisted.submit(draft_for(desk, "BIRTH-CERT-COPY"), agent, consent_at=clock.now(),
                                 cash=True)
        assert too_many.value.key == "count"
        # Nothing of a refused one was kept; a free service takes no cash and still goes.
        assert len(desk.kiosk.outbox.rows("application")) == 2
        free = desk.assisted.submit(draft_for(desk, "KRA-PIN"), agent, consent_at=clock.now(),
                                    cash=True)
        assert (free.payment, free.amount_cents) == ("none", 0)
        status = desk.assisted.cash_room(agent)
        assert (status.held_cents, status.held_count, status.room_cents) == (130_000, 2, 20_000)
    finally:
        desk.close()
        desk.kiosk.close()

    # The network back (the same device, its backend answering): once sent, the room is back.
    online = replace(offline, backend=replace(offline.backend, 
        url=agent_sandbox.url))
    desk = make_desk(online, clock=clock)
    try:
        assert send_all(desk).pending == 0
        agent = desk.sign_in_with_pin("BA-0002", PINS["BA-0002"])
        status = desk.assisted.cash_room(agent)
        assert (status.held_cents, status.held_count) == (0, 0)
        desk.assisted.submit(draft_for(desk, PAID), agent, consent_at=clock.now(), cash=True)
    finally:
        desk.close()
        desk.kiosk.close()


def test_training_marks_every_slip_and_keeps_its_books_apart(
        tmp_path: Path, agent_sandbox: SandboxServer) -> None:
    from tests.conftest import closed_port

    clock = ManualClock(START)
    config = agent_config(tmp_path / "data", agent={
        "training": True, "training_backend_url": f"http://127.0.0.1:{closed_port()}"})
    assert not config.demo and config.training
    keep_enrolment(config, agent_sandbox)
    desk = make_desk(config, clock=clock)
    try:
        assert desk.training and desk.kiosk.config.data_dir == tmp_path / "data" / "training"
        agent = desk.sign_in_with_pin("BA-0003", PINS["BA-0003"])
        desk.shifts.start("BA-0003", opening_cents=10_000)
        desk.assisted.submit(draft_for(desk, PAID), agent, consent_at=clock.now(), cash=True)
        desk.books.move_float("BA-0003", "top_up", 50_000)
        z = desk.z_reports.make("BA-0003", agent.name)
        assert z.training and desk.z_reports.print(z).printed
        printer = desk.kiosk.devices.get("printer")
        assert len(printer.jobs) == 2
        for job in printer.jobs:                      # the receipt and the Z-report
            lines = printed_texts(job.data)
            assert lines[0] == "** TRAINING / MAFUNZO **", lines[:3]
        memos = [e.entry.memo for e in desk.books.entries("BA-0003", START, LATER)]
        assert memos and all(memo.startswith("TRAINING ") for memo in memos)
    finally:
        desk.close()
        desk.kiosk.close()
    # Nothing of training is in the real folder: no outbox, no books.
    real = tmp_path / "data"
    assert sorted(p.name for p in real.iterdir()) == ["training"]


def test_the_agents_file_catches_up_from_the_outbox_after_a_crash_between_them(
        tmp_path: Path, agent_sandbox: SandboxServer) -> None:
    clock = ManualClock(START)
    config = agent_config(tmp_path / "data")
    keep_enrolment(config, agent_sandbox)
    desk = make_desk(config, clock=clock)
    try:
        agent = desk.sign_in_with_pin("BA-0001", PINS["BA-0001"])
        desk.shifts.start("BA-0001", opening_cents=0)
        done = desk.assisted.submit(draft_for(desk, PAID), agent, consent_at=clock.now(),
                                    cash=True)
        path = desk.store.path
    finally:
        desk.close()
        desk.kiosk.close()
    # As if the process died after the outbox's commit and before the agent's file's.
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM entries")
        db.execute("DELETE FROM transactions")
    desk = make_desk(config, clock=clock)
    try:
        report = desk.reports.between_days("BA-0001", START.date(), START.date())
        assert [(line.reference, line.payment, line.amount_cents, line.commission_cents)
                for line in report.lines] == [(done.reference, "cash", 105_000, 5_000)]
        assert desk.shifts.current("BA-0001").expected_cents == 105_000
        assert desk.books.catch_up() == 0  # nothing more to find
    finally:
        desk.close()
        desk.kiosk.close()
