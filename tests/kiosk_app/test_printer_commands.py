"""The technician's `huduma-kiosk print` against the printer emulator over TCP: the page comes
out, and for a printer that does not answer GS ( H (process ID), `--no-confirm` prints without
asking for it (the config's `confirms_printing = false`)."""
from __future__ import annotations

from pathlib import Path

import pytest

from drivers.printer.emulator import PrinterEmulator
from kiosk_app.cli import main

@pytest.mark.parametrize(("options", "asks"), [([], True), (["--no-confirm"], False)])
def test_a_test_page_prints_asking_for_confirmation_or_not(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], asks: bool) -> None:
    with PrinterEmulator(port=0, out_dir=tmp_path / "paper", paper_width_mm=80) as emulator:
        code = main(["print", "test", "--printer", f"tcp://127.0.0.1:{emulator.port}",
                     "--data-dir", str(tmp_path / "data"), *options])
        out = capsys.readouterr().out
        assert code == 0 and "Printed." in out
        (job,) = emulator.wait_for_jobs(1, timeout=10)
        answered = emulator.process_ids_answered
    assert job.complete and "KSK-DEMO-0001" in job.txt.read_text(encoding="utf-8")
    assert answered == (1 if asks else 0)
