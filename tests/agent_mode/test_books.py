"""A day at an agent's shop on real parts (the sandbox, the outbox, the agent's file, the
printer emulator over TCP): mixed transactions whose ledger balances to zero and matches the
backend's; the Z-report printed, its totals read back from the paper equal to the ledger's;
reports by days; and a reconciliation that finds a transaction the backend lost."""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from agent_mode.desk import AgentDesk
from agent_mode.ledger import entry_id_for
from agent_mode.reports import report_slip
from agent_mode.signin import SignedIn
from agent_mode.zreport import z_report
from drivers.printer.emulator import PrinterEmulator
from drivers.printer.escpos_network import EscposNetworkPrinter
from kiosk_app.clock import ManualClock
from kiosk_app.contract import LedgerAccount as A, PaymentStatus
from kiosk_app.payments import MpesaPayment
from tests.agent_mode.conftest import (PINS, agent_config, draft_for, make_desk, printed_texts,
                                       send_all)
from tests.kiosk_app.receipts.test_documents import printed_lines
from tests.sandbox.helpers import Device
from tests.sandbox_fixtures import SandboxServer

DAY = date(2026, 3, 2)
START = datetime(2026, 3, 2, 5, 30, tzinfo=timezone.utc)     # 08:30 in Nairobi
EXPECTED = {A.CASH: 200_000 + 105_000 + 105_000 - 150_000, A.MPESA: 25_000,
            A.GOVERNMENT: -(105_000 + 25_000 + 105_000) + (5_000 + 3_000 + 2_000 + 5_000),
            A.COMMISSION: -(5_000 + 3_000 + 2_000 + 5_000), A.BANK: -200_000 + 150_000}
"""The day below: KES 2,000 added to the float; a certificate of good conduct and a duplicate
ID paid in cash (KES 1,050 each, KES 50 commission each); a birth certificate copy by M-Pesa
(KES 250, commission KES 30); a KRA PIN (free, commission KES 20); KES 1,500 banked."""


@dataclass
class Day:
    desk: AgentDesk
    server: SandboxServer
    emulator: PrinterEmulator
    clock: ManualClock
    agent: SignedIn
    references: list[str]


def pay_by_mpesa(desk: AgentDesk, reference: str, amount_cents: int):  # noqa: ANN201
    payment = MpesaPayment(desk.kiosk.backend, reference=reference, phone="254712340000",
                           amount_cents=amount_cents, poll_s=0.05, answer_within_s=20)
    view = payment.run()
    assert view.status is PaymentStatus.CONFIRMED, view
    return view


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    folder = tmp_path_factory.mktemp("agent-day")
    server = SandboxServer(folder / "sandbox", confirm_after=0.1)
    emulator = PrinterEmulator(port=0, out_dir=folder / "paper", paper_width_mm=80)
    emulator.__enter__()
    printer = EscposNetworkPrinter("printer", EscposNetworkPrinter.Settings(
        uri=f"tcp://127.0.0.1:{emulator.port}", paper_width_mm=80))
    clock = ManualClock(START)
    desk = make_desk(agent_config(folder / "data", server), clock=clock, printer=printer)
    try:
        agent = desk.sign_in_with_pin("BA-0001", PINS["BA-0001"])
        desk.shifts.start("BA-0001", opening_cents=300_000)
        clock.advance(600)
        desk.books.move_float("BA-0001", "top_up", 200_000)
        references = []
        for code, paid in (("GOOD-CONDUCT", "cash"), ("BIRTH-CERT-COPY", "mpesa"),
                           ("KRA-PIN", "none"), ("ID-DUPLICATE", "cash")):
            clock.advance(900)
            draft = draft_for(desk, code)
            if paid == "mpesa":  # paid on the customer's phone, as at a kiosk
                draft = replace(draft, payment=pay_by_mpesa(desk, draft.reference, 25_000))
            done = desk.assisted.submit(draft, agent, consent_at=clock.now(),
                                        cash=paid == "cash")
            assert done.payment == paid
            references.append(done.reference)
        clock.advance(3600)
        desk.books.move_float("BA-0001", "bank", 150_000)
        assert send_all(desk).pending == 0
        clock.advance(600)
        closed = desk.shifts.end("BA-0001", closing_cents=300_000 + EXPECTED[A.CASH] - 2_000)
        assert (closed.expected_cents, closed.over_short_cents) == (560_000, -2_000)
        yield Day(desk, server, emulator, clock, agent, references)
    finally:
        desk.close()
        desk.kiosk.close()
        emulator.__exit__(None, None, None)
        server.stop()


def test_a_day_of_mixed_transactions_balances_to_zero_and_the_backend_agrees(day: Day) -> None:
    since = datetime(2026, 3, 1, 21, 0, tzinfo=timezone.utc)  # midnight in Nairobi
    entries = [e.entry for e in day.desk.books.entries("BA-0001", since,
                                                       since + timedelta(days=1))]
    # Every movement has two sides: a debit and a credit of the same amount.
    assert len(entries) == 2 + 2 + 2 + 1 + 2   # float x2, two cash, M-Pesa, free (commission)
    assert all(e.debit is not e.credit and e.amount_cents > 0 for e in entries)
    rec = day.desk.reconciler.day("BA-0001", DAY)
    assert rec.local_balances == EXPECTED and sum(rec.local_balances.values()) == 0
    assert rec.backend_checked and rec.backend_balances == EXPECTED
    assert rec.matches, rec.to_dict()
    assert (rec.opening_cents, rec.cash_expected_cents) == (300_000, 560_000)

    report = day.desk.reports.between_days("BA-0001", DAY, DAY)
    assert [line.reference for line in report.lines] == day.references
    assert (report.count, report.cash_cents, report.mpesa_cents, report.commission_cents) == (
        4, 210_000, 25_000, 15_000)
    assert all(line.sent for line in report.lines)
    assert report.by_service["KRA-PIN"].commission_cents == 2_000
    assert report.to_dict()["by_day"] == {DAY.isoformat(): report.totals.to_dict()}
    # A range around the day: the same figures, and the empty days say so.
    week = day.desk.reports.between_days("BA-0001", DAY - timedelta(days=3), DAY + timedelta(1))
    assert week.totals == report.totals and week.by_day[DAY - timedelta(days=1)].count == 0
    assert day.desk.reports.between_days("BA-0001", DAY + timedelta(1), DAY + timedelta(2)
                                         ).count == 0


MONEY = re.compile(r"^(?P<label>.+?)\s+(?P<value>-?KES [0-9,]+\.[0-9]{2}|[0-9]+)$")


def cents(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    whole, part = text.lstrip("-").removeprefix("KES ").replace(",", "").split(".")
    return sign * (int(whole) * 100 + int(part))


def test_the_z_report_prints_and_its_totals_are_the_ledgers(day: Day) -> None:
    z = day.desk.z_reports.make("BA-0001", day.agent.name, day=DAY)
    printed = day.desk.z_reports.print(z)
    assert printed.printed, printed
    # The day's four receipts came out of the printer first, then the Z-report.
    jobs = day.emulator.wait_for_jobs(5, timeout=10)
    (job,) = [j for j in jobs if "End of day report" in j.txt.read_text(encoding="utf-8")]
    assert job.complete
    lines = job.txt.read_text(encoding="utf-8").splitlines()
    figures = {}
    for line in lines:
        found = MONEY.match(line.strip())
        if found:
            figures[found["label"].strip()] = found["value"]
    ledger = day.desk.reconciler.day("BA-0001", DAY).local_balances
    assert {account: cents(figures[name]) for account, name in (
        (A.CASH, "Cash / Pesa taslimu"), (A.MPESA, "M-Pesa"),
        (A.GOVERNMENT, "Government / Serikali"), (A.COMMISSION, "Commission / Kamisheni"),
        (A.BANK, "Bank / Benki"))} == ledger
    assert cents(figures["Sum / Jumla"]) == 0
    assert cents(figures["Fees in cash / Ada kwa pesa taslimu"]) == ledger[A.CASH] \
        - 200_000 + 150_000 == 210_000
    assert cents(figures["Fees by M-Pesa / Ada kwa M-Pesa"]) == ledger[A.MPESA]
    assert cents(figures["Total fees / Jumla ya ada"]) == 235_000
    assert cents(figures["Commission earned / Kamisheni"]) == -ledger[A.COMMISSION]
    assert cents(figures["Cash added / Pesa iliyoongezwa"]) == 200_000
    assert cents(figures["Cash banked / Pesa iliyowekwa benki"]) == 150_000
    assert cents(figures["Opening count / Hesabu ya mwanzo"]) == 300_000
    assert cents(figures["Cash expected / Pesa inayotarajiwa"]) == 300_000 \
        + ledger[A.CASH]
    assert cents(figures["Short / Upungufu"]) == 2_000
    assert (figures["Transactions / Miamala"], figures["Ledger entries / Maingizo ya hesabu"],
            figures["Applications / Maombi"]) == ("4", "0", "0")
    text = "\n".join(lines)
    assert "End of day report (Z)" in text and "Ripoti ya mwisho wa siku (Z)" in text
    assert "Matches the office's books" in text and "Inalingana na hesabu za ofisi" in text
    assert "Day / Siku" in text and "02/03/2026" in text and "TRAINING" not in text
    assert "Demo Agent Kilimani" in text

    # Laid out for 58 mm too: every line fits 32 columns, the same figures on it.
    narrow = EscposNetworkPrinter("printer", EscposNetworkPrinter.Settings(
        uri="tcp://127.0.0.1:9", paper_width_mm=58))
    narrow_lines = printed_lines(z_report(z, narrow.profile))
    assert all(width <= 32 for _text, width in narrow_lines)
    texts = [t for t, _w in narrow_lines]
    assert "KES 2,350.00".rjust(32) in texts and "KES 150.00".rjust(32) in texts
    assert "Sum / Jumla" + "KES 0.00".rjust(32 - len("Sum / Jumla")) in texts


def test_the_report_of_a_range_of_days_prints_every_transaction_with_the_ledgers_totals(
        day: Day) -> None:
    report = day.desk.reports.between_days("BA-0001", DAY - timedelta(days=1), DAY)
    assert report.count == 4
    printed = day.desk.reports.print(report, agent_name=day.agent.name)
    assert printed.printed, printed
    jobs = day.emulator.wait_for_jobs(5, timeout=10)
    (job,) = [j for j in jobs if "Transactions and commission" in j.txt.read_text(encoding="utf-8")]
    text = job.txt.read_text(encoding="utf-8")
    assert job.complete and "Miamala na kamisheni" in text and "Demo Agent Kilimani" in text
    figures = {found["label"].strip(): found["value"] for line in text.splitlines()
               if (found := MONEY.match(line.strip()))}
    assert figures["Transactions / Miamala"] == "4"
    assert cents(figures["Total fees / Jumla ya ada"]) == report.totals.fees_cents == 235_000
    assert cents(figures["Fees in cash / Ada kwa pesa taslimu"]) == report.cash_cents
    assert cents(figures["Commission earned / Kamisheni"]) == report.commission_cents
    # Every transaction, by its reference; the day before had none, so it is not listed.
    assert all(line.reference in text for line in report.lines)
    assert "02/03/2026  x4" in text and "01/03/2026" not in text.split("Kila siku")[1]

    # On 58 mm paper every line fits its 32 columns.
    narrow = EscposNetworkPrinter("printer", EscposNetworkPrinter.Settings(
        uri="tcp://127.0.0.1:9", paper_width_mm=58))
    assert all(width <= 32 for _text, width in printed_lines(report_slip(
        report, narrow.profile, agent_name="Demo Agent Kilimani", device_id="AGT-DEMO-0001",
        printed_at=datetime(2026, 3, 2, 18, tzinfo=timezone.utc))))


def test_a_reconciliation_finds_a_transaction_the_backend_lost(day: Day) -> None:
    desk, clock = day.desk, day.clock
    agent = desk.sign_in_with_pin("BA-0002", PINS["BA-0002"])
    desk.shifts.start("BA-0002", opening_cents=0)
    clock.advance(60)
    done = desk.assisted.submit(draft_for(desk, "GOOD-CONDUCT"), agent,
                                consent_at=clock.now(), cash=True)
    assert send_all(desk).pending == 0
    assert desk.reconciler.day("BA-0002", DAY).matches

    # The backend loses the fee's entry after it took it (a restore from an older copy of its
    # database does this): the row is deleted from the sandbox's own database.
    fee = entry_id_for(done.reference, "fee")
    with sqlite3.connect(day.server.db_path) as db:
        assert db.execute("DELETE FROM ledger_entries WHERE entry_id = ?", (fee,)).rowcount == 1
    # And another device of the agent's made an entry this one never saw.
    elsewhere = Device(day.server, role="agent")
    other = elsewhere.post("/v1/agents/BA-0002/ledger", {
        "entry_id": "5f0c2a1e-9d3b-4c7a-8e6f-1a2b3c4d5e6f", "at": clock.now().isoformat(),
        "debit": "cash", "credit": "bank", "amount_cents": 10_000, "memo": "float topped up"})
    assert other.status_code == 201, other.text

    rec = desk.reconciler.day("BA-0002", DAY)
    assert not rec.matches
    assert [e.entry_id for e in rec.dropped] == [fee]
    assert [e.entry_id for e in rec.unknown_here] == ["5f0c2a1e-9d3b-4c7a-8e6f-1a2b3c4d5e6f"]
    assert (rec.waiting, rec.refused, rec.differing) == ([], [], [])
    assert rec.local_balances[A.CASH] == 105_000
    assert rec.backend_balances is not None and rec.backend_balances[A.CASH] == 10_000
    assert rec.to_dict()["dropped"][0]["reference"] == done.reference
    z = desk.z_reports.make("BA-0002", agent.name, day=DAY)
    assert z.backend == "differs"

    # Sent again (new outbox keys, the same entry id): the backend holds it once more.
    assert desk.reconciler.send_again(rec) == 1
    assert send_all(desk).sent == 1
    after = desk.reconciler.day("BA-0002", DAY)
    assert after.dropped == [] and [e.entry_id for e in after.unknown_here] == [
        "5f0c2a1e-9d3b-4c7a-8e6f-1a2b3c4d5e6f"]
    assert after.backend_balances[A.CASH] == 105_000 + 10_000


def test_offline_the_reconciliation_lists_what_waits(day: Day, tmp_path: Path) -> None:
    desk, clock = day.desk, day.clock
    agent = desk.sign_in_with_pin("BA-0003", PINS["BA-0003"])
    desk.shifts.start("BA-0003", opening_cents=50_000)
    day.server.stop()
    try:
        clock.advance(60)
        done = desk.assisted.submit(draft_for(desk, "GOOD-CONDUCT"), agent,
                                    consent_at=clock.now(), cash=True)
        rec = desk.reconciler.day("BA-0003", DAY)
        assert not rec.backend_checked and "cannot connect" in rec.backend_problem
        assert sorted(w.entry.entry_id for w in rec.waiting) == sorted(
            [entry_id_for(done.reference, "fee"), entry_id_for(done.reference, "commission")])
        assert [(a.reference, a.payment, a.amount_cents) for a in rec.applications_waiting] == [
            (done.reference, "cash", 105_000)]
        assert rec.cash_expected_cents == 50_000 + 105_000 and not rec.matches
        z = desk.z_reports.make("BA-0003", agent.name, day=DAY)
        assert (z.backend, z.waiting_entries, z.waiting_applications) == ("not_checked", 2, 1)
        lines = printed_texts(z_report(z, desk.kiosk.devices.get("printer").profile))
        assert "Not checked with the office (no network)" in lines
    finally:
        day.server.start()
    assert send_all(desk).pending == 0
    assert desk.reconciler.day("BA-0003", DAY).matches
