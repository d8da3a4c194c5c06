"""Queue tickets in the core: taken now from a live sandbox (a retry never gives a second
number), refused or out of reach with words that leave a way on, printed or not printed."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from drivers.printer.simulator import SimulatedPrinter
from kiosk_app import contract
from kiosk_app.backend.client import BackendClient
from kiosk_app.backend.enrolment import Enroller
from kiosk_app.config import BackendConfig, KioskConfig
from kiosk_app.outbox import Outbox
from kiosk_app.receipts.spooler import PrintSpooler
from kiosk_app.tickets import OFFLINE, NoTicket, TicketTaker, new_key, print_ticket
from kiosk_app.ui_dispatch import ImmediateDispatcher
from tests.conftest import closed_port
from tests.sandbox_fixtures import SandboxServer


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One sandbox for this module (only the first test takes tickets: its numbers are known)."""
    server = SandboxServer(tmp_path_factory.mktemp("sandbox"))
    yield server
    server.stop()


def taker_for(url: str, data_dir: Path, code: str | None) -> TicketTaker:
    config = replace(KioskConfig.demo_config(data_dir=data_dir),
                     backend=BackendConfig(url=url, timeout_s=3.0, enrolment_code=code))
    client = BackendClient(url, timeout_s=3.0, backoff_s=0.01)
    return TicketTaker(client, Enroller(config, client))


def test_tickets_count_up_per_counter_group_and_a_retry_gives_the_same_number(
        live: SandboxServer, tmp_path: Path) -> None:
    taker = taker_for(live.url, tmp_path, live.enrolment_code)
    key = new_key()
    first = taker.take("ID-DUPLICATE", language="sw", idempotency_key=key)
    assert first.number == "A001" and first.waiting_ahead == 0
    assert first.counter_group.sw.startswith("Madirisha A")
    assert taker.take("ID-DUPLICATE", language="sw", idempotency_key=key) == first
    second = taker.take("PASSPORT-34", language="en", idempotency_key=new_key())
    assert second.number == "A002" and second.waiting_ahead == 1
    assert second.estimated_wait_minutes > 0
    police = taker.take("GOOD-CONDUCT", language="en", idempotency_key=new_key())
    assert police.number == "B001"


def test_an_unknown_service_is_refused_in_the_backends_words(
        live: SandboxServer, tmp_path: Path) -> None:
    taker = taker_for(live.url, tmp_path, live.enrolment_code)
    with pytest.raises(NoTicket) as caught:
        taker.take("NO-SUCH", language="en", idempotency_key=new_key())
    assert not caught.value.retryable
    assert caught.value.backend_message is not None


@pytest.mark.parametrize("code", [None, "HUDUMA-TEST"], ids=["not-enrolled", "enrolled"])
def test_out_of_reach_says_the_counters_can_still_serve(tmp_path: Path, code) -> None:  # noqa: ANN001
    taker = taker_for(f"http://127.0.0.1:{closed_port()}", tmp_path, code)
    with pytest.raises(NoTicket) as caught:
        taker.take("ID-DUPLICATE", language="en", idempotency_key=new_key())
    assert caught.value.message == OFFLINE and caught.value.retryable
    assert "counters" in OFFLINE


def test_a_ticket_prints_once_or_is_left_for_the_screen(tmp_path: Path) -> None:
    printer = SimulatedPrinter("printer")
    printer.open()
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher())
    ticket = contract.Ticket(
        number="A007", service_code="ID-DUPLICATE",
        counter_group=contract.Text(en="Counters A: Identity", sw="Madirisha A: Utambulisho"),
        issued_at=datetime(2026, 3, 2, 6, 5, tzinfo=timezone.utc), waiting_ahead=3,
        estimated_wait_minutes=18)
    assert print_ticket(spooler, printer, ticket, None) is True
    [job] = printer.jobs
    assert job.job_id == "A007@20260302T060500"
    assert b"A007" in job.data and b"3 people ahead of you" in job.data
    assert b"Madirisha A: Utambulisho" in job.data and b"02/03/2026 09:05" in job.data
    assert print_ticket(spooler, printer, ticket, None) is True  # the same ticket, once
    assert len(printer.jobs) == 1

    printer.inject("paper_out")
    later = ticket.model_copy(update={"number": "A008"})
    assert print_ticket(spooler, printer, later, None) is False
    assert spooler.waiting() == []  # nothing queued to come out late
    outbox.close()
