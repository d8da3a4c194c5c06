"""Receipts end to end: the network adapter prints to our printer emulator over TCP, the QR is
decoded from the rendered PNG and its token verified offline; paper out mid-job leaves the
receipt waiting in the outbox, and once paper is loaded it prints exactly once, even when the
printer took the whole job into its buffer before the roll ran out."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from drivers.printer.emulator import PrinterEmulator
from drivers.printer.escpos_network import EscposNetworkPrinter
from kiosk_app.outbox import Outbox, OutboxStatus
from kiosk_app.receipts import documents
from kiosk_app.receipts.issuing import ReceiptIssuer
from kiosk_app.receipts.keys import DeviceKey
from kiosk_app.receipts.spooler import PrintSpooler
from kiosk_app.receipts.token import ReceiptClaims, TokenError, issue, verify
from kiosk_app.ui_dispatch import ImmediateDispatcher

ISSUED = datetime(2026, 11, 24, 11, 5, tzinfo=timezone.utc)


@pytest.fixture
def emulator(tmp_path: Path):  # noqa: ANN201
    with PrinterEmulator(port=0, out_dir=tmp_path / "jobs", paper_width_mm=80) as printer:
        yield printer


@pytest.fixture
def issuer(tmp_path: Path) -> ReceiptIssuer:
    return ReceiptIssuer.for_data_dir(tmp_path / "data", "KSK-NBO-0007")


def sample(issuer: ReceiptIssuer, reference: str = "HK-2026-000123") -> documents.ReceiptData:
    return issuer.receipt(reference=reference, service_code="GOOD_CONDUCT",
                          service_name_en="Certificate of good conduct",
                          service_name_sw="Cheti cha tabia njema", official_fee_cents=105_000,
                          convenience_fee_cents=5_000, payment_method="mpesa",
                          mpesa_code="SKL4H2J9QX", issued_at=ISSUED)


def network_printer(emulator: PrinterEmulator, width: int = 80, *,
                    confirms_printing: bool = True) -> EscposNetworkPrinter:
    return EscposNetworkPrinter("printer", EscposNetworkPrinter.Settings(
        uri=f"tcp://127.0.0.1:{emulator.port}", paper_width_mm=width,
        confirms_printing=confirms_printing))


@pytest.mark.parametrize("width", [58, 80])
def test_the_printed_qr_scans_and_verifies(tmp_path: Path, issuer: ReceiptIssuer, width: int) -> None:
    with PrinterEmulator(port=0, out_dir=tmp_path / f"jobs{width}", paper_width_mm=width) as emulator:
        printer = network_printer(emulator, width)
        job = documents.receipt(sample(issuer), printer.profile)
        assert len(job) < 1024  # native QR: well under 1 KB on the wire
        printer.print_job(job, job_id="HK-2026-000123")
        (printed,) = emulator.wait_for_jobs(1, timeout=5)
    assert printed.complete
    text = printed.txt.read_text(encoding="utf-8")
    assert "HK-2026-000123" in text and "KES 1,100.00" in text and "Hifadhi risiti hii" in text
    found = zxingcpp.read_barcodes(Image.open(printed.png).convert("L"))
    assert len(found) == 1
    claims = verify(found[0].text, issuer.directory, now=ISSUED)
    assert claims == ReceiptClaims("HK-2026-000123", "GOOD_CONDUCT", 110_000, ISSUED, "KSK-NBO-0007")


def test_altered_and_forged_tokens_are_refused(issuer: ReceiptIssuer, tmp_path: Path) -> None:
    token = sample(issuer).token
    i = len(token) // 2
    altered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
    with pytest.raises(TokenError) as info:
        verify(altered, issuer.directory, now=ISSUED)
    assert info.value.reason in ("bad_signature", "malformed")

    forger = DeviceKey.load_or_create(tmp_path / "forger.key")  # a key this kiosk never saw
    forged = issue(ReceiptClaims("HK-2026-000123", "GOOD_CONDUCT", 1, ISSUED, "KSK-NBO-0007"),
                   forger.private_key)
    with pytest.raises(TokenError) as info:
        verify(forged, issuer.directory, now=ISSUED)
    assert info.value.reason == "unknown_key"


@pytest.mark.parametrize("print_rate", [None, 3000])
def test_paper_out_mid_job_waits_then_prints_exactly_once(issuer: ReceiptIssuer, tmp_path: Path,
                                                          print_rate: float | None) -> None:
    """Without a print rate the roll runs out while the job arrives; at 3000 bytes a second
    the printer has taken all of the receipt (968 bytes) in a fraction of a millisecond, and
    the roll runs out about 0.2 s later, while it prints from its buffer. Either way the rest of
    the job waits in the printer's buffer, and would come out on the new roll ahead of the
    reprint: the adapter clears it with DLE DC4 fn 8, which the printer acts on while out of
    paper (DLE ENQ 2 it ignores then) and answers before the spooler hears of the fault."""
    with PrinterEmulator(port=0, out_dir=tmp_path / "jobs", print_rate=print_rate) as emulator:
        printer = network_printer(emulator)
        outbox = Outbox(tmp_path / "outbox.sqlite3")
        spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher())
        job = documents.receipt(sample(issuer), printer.profile)
        runs_out = len(job) * 2 // 3
        emulator.inject("paper_out_after", n=runs_out)
        submitted = spooler.submit(job, job_id="HK-2026-000123", document="receipt")
        assert spooler.pump() == 0
        row = outbox.get(submitted.key)
        assert (row.status, row.last_error) == (OutboxStatus.PENDING, "paper_out")
        [half] = emulator.wait_for_jobs(1, timeout=5)
        assert (half.complete, half.data) == (False, job[:runs_out])
        assert emulator.buffered == 0  # the rest was dropped, and the printer said so

        emulator.clear("paper_out")                        # paper loaded
        assert spooler.pump() == 1 and spooler.pump() == 0
        # The reprint is confirmed once all of it has printed, so anything left ahead of it in
        # the buffer would have printed by now, as a resumed record of its own.
        jobs = emulator.jobs
        assert [(j.complete, j.resumed) for j in jobs] == [(False, False), (True, False)]
        assert jobs[1].data == job
        assert (emulator.printed, emulator.buffered) == (runs_out + len(job), 0)
        assert sum("HK-2026-000123" in j.txt.read_text(encoding="utf-8") for j in jobs) == 2
        assert outbox.get(submitted.key).status is OutboxStatus.SENT
        outbox.close()


def test_cover_opened_mid_job_waits_then_prints_exactly_once(issuer: ReceiptIssuer,
                                                             tmp_path: Path) -> None:
    """At 500 bytes a second the receipt takes about two seconds to print; the cover is
    opened as soon as its first bytes are on the paper."""
    with PrinterEmulator(port=0, out_dir=tmp_path / "jobs", print_rate=500) as emulator:
        printer = network_printer(emulator)
        outbox = Outbox(tmp_path / "outbox.sqlite3")
        spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher())
        job = documents.receipt(sample(issuer), printer.profile)
        submitted = spooler.submit(job, job_id="HK-2026-000123", document="receipt")

        def open_the_cover() -> None:
            deadline = time.monotonic() + 5
            while emulator.printed == 0 and time.monotonic() < deadline:
                time.sleep(0.001)
            emulator.inject("cover_open")

        opener = threading.Thread(target=open_the_cover)
        opener.start()
        try:
            assert spooler.pump() == 0
        finally:
            opener.join()
        row = outbox.get(submitted.key)
        assert (row.status, row.last_error) == (OutboxStatus.PENDING, "cover_open")
        [part] = emulator.wait_for_jobs(1, timeout=5)
        assert part.complete is False and 0 < len(part.data) < len(job)
        assert emulator.buffered == 0  # the rest was dropped, and the printer said so

        emulator.clear("cover_open")                       # cover closed
        assert spooler.pump() == 1
        jobs = emulator.jobs
        assert [(j.complete, j.resumed) for j in jobs] == [(False, False), (True, False)]
        assert (jobs[1].data, emulator.printed) == (job, len(part.data) + len(job))
        assert outbox.get(submitted.key).status is OutboxStatus.SENT
        outbox.close()


def test_without_process_ids_a_roll_running_out_after_sending_goes_unseen(
        issuer: ReceiptIssuer, tmp_path: Path) -> None:
    """A printer profile without ``confirms_printing`` behaves as the adapter did before: the
    status asked just after sending is fine, so the receipt counts as printed, although the
    roll runs out three lines before its end."""
    with PrinterEmulator(port=0, out_dir=tmp_path / "jobs", print_rate=3000) as emulator:
        printer = network_printer(emulator, confirms_printing=False)
        outbox = Outbox(tmp_path / "outbox.sqlite3")
        spooler = PrintSpooler(outbox, printer, dispatcher=ImmediateDispatcher())
        job = documents.receipt(sample(issuer), printer.profile)
        emulator.inject("paper_out_after", n=len(job) - 100)
        submitted = spooler.submit(job, job_id="HK-2026-000123", document="receipt")
        assert spooler.pump() == 1
        assert outbox.get(submitted.key).status is OutboxStatus.SENT
        [printed] = emulator.wait_for_jobs(1, timeout=5)
        assert (printed.complete, len(printed.data)) == (False, len(job) - 100)
        outbox.close()
