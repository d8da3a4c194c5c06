"""``huduma-kiosk agent ...`` on a config file, against the sandbox and the printer emulator:
sign-in, a shift with the float moved, an application made at the desk, the reconciliation,
the report and the Z-report, and refusals in both languages."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agent_mode.command_handlers import parse_shillings
from drivers.printer.emulator import PrinterEmulator
from kiosk_app.cli import main
from kiosk_app.clock import NAIROBI
from kiosk_app.config import load_config
from tests.agent_mode.conftest import DEVICE_ID, draft_for, keep_catalogue, make_desk
from tests.sandbox_fixtures import SandboxServer


def agent(capsys, monkeypatch, *args: str, pin: str | None = None  # noqa: ANN001
          ) -> tuple[int, str, str]:
    """Run ``huduma-kiosk agent ...``; the PIN, when given, on standard input."""
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{pin}\n" if pin is not None else ""))
    code = main(["agent", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def write_config(tmp_path: Path, server: SandboxServer, role: str = "agent") -> Path:
    path = tmp_path / "config.toml"
    tmp_path.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""
role = "{role}"
device_id = "{DEVICE_ID}"
data_dir = "{tmp_path / 'data'}"
[backend]
url = "{server.url}"
enrolment_code = "{server.enrolment_code}"
timeout_s = 3.0
""", encoding="utf-8")
    return path


def test_amounts_in_shillings() -> None:
    assert [parse_shillings(t) for t in ("1500", "1,500.50", "KES 2,000", "Ksh. 7.5", "0")] == [
        150_000, 150_050, 200_000, 750, 0]
    for wrong in ("", "abc", "1.505", "-5", "1,50", "15 00"):
        with pytest.raises(ValueError):
            parse_shillings(wrong)


def test_a_day_from_the_command_line(tmp_path: Path, capsys, monkeypatch,  # noqa: ANN001
                                     agent_sandbox: SandboxServer) -> None:
    config_path = write_config(tmp_path, agent_sandbox)
    config = ["--config", str(config_path)]
    today = datetime.now(NAIROBI).date()

    code, out, err = agent(capsys, monkeypatch, "sign-in", "--agent", "ba-0001", "--pin-stdin",
                           *config, pin="2468")
    assert code == 0, err
    assert out.splitlines() == [
        "BA-0001 (Demo Agent Kilimani) is signed in; the office checked the PIN.",
        "BA-0001 (Demo Agent Kilimani) ameingia; ofisi imehakiki PIN."]
    code, out, err = agent(capsys, monkeypatch, "sign-in", "--agent", "BA-0001", "--pin-stdin",
                           *config, pin="9999")
    assert code == 1 and "4 tries left" in err and "Majaribio 4 yamebaki" in err
    code, out, err = agent(capsys, monkeypatch, "shift", "start", "--agent", "BA-0001",
                           "--opening", "3,000", "--pin-stdin", *config, pin="2468")
    assert code == 0 and "KES 3,000.00 counted in the drawer" in out, err
    assert agent(capsys, monkeypatch, "float", "top-up", "--agent", "BA-0001", "--amount",
                 "2000", "--pin-stdin", *config, pin="2468")[0] == 0
    code, out, _ = agent(capsys, monkeypatch, "float", "bank", "--agent", "BA-0001",
                         "--amount", "500.50", "--pin-stdin", *config, pin="2468")
    assert code == 0 and "KES 500.50" in out

    # A customer served at the desk (the screens' API) with the same data.
    keep_catalogue(load_config(config_path))
    desk = make_desk(load_config(config_path))
    try:
        signed = desk.sign_in_with_pin("BA-0001", "2468")
        done = desk.assisted.submit(draft_for(desk, "GOOD-CONDUCT"), signed,
                                    consent_at=desk.kiosk.clock.now(), cash=True)
    finally:
        desk.close()
        desk.kiosk.close()

    code, out, _ = agent(capsys, monkeypatch, "shift", "status", "--agent", "BA-0001", *config)
    assert code == 0 and "KES 5,549.50 should be in the drawer" in out
    # The application and its entries still wait: the books do not match the office's yet.
    code, out, _ = agent(capsys, monkeypatch, "reconcile", "--agent", "BA-0001", "--json",
                         *config)
    rec = json.loads(out)
    assert code == 1 and rec["matches"] is False
    assert [a["reference"] for a in rec["applications_waiting"]] == [done.reference]
    code, out, _ = agent(capsys, monkeypatch, "reconcile", "--agent", "BA-0001",
                         "--send-again", *config)
    assert code == 0, out
    assert "match the office's" in out and "zinalingana na za ofisi" in out
    assert "Cash expected in the drawer: KES 5,549.50." in out

    code, out, _ = agent(capsys, monkeypatch, "report", "--agent", "BA-0001",
                         "--from", str(today - timedelta(days=1)), "--to", str(today), "--json",
                         *config)
    report = json.loads(out)
    assert code == 0 and report["totals"] == {"count": 1, "cash_cents": 105_000,
                                              "mpesa_cents": 0, "fees_cents": 105_000,
                                              "commission_cents": 5_000}
    assert report["transactions"][0]["reference"] == done.reference
    code, out, _ = agent(capsys, monkeypatch, "report", "--agent", "BA-0001",
                         "--from", str(today), "--to", str(today), *config)
    assert "Miamala na kamisheni / Transactions and commission" in out
    assert done.reference in out and "Kamisheni / Commission: KES 50.00" in out
    with PrinterEmulator(port=0, out_dir=tmp_path / "report", paper_width_mm=58) as emulator:
        code, out, err = agent(capsys, monkeypatch, "report", "--agent", "BA-0001",
                               "--from", str(today), "--to", str(today), "--print",
                               "--printer", f"tcp://127.0.0.1:{emulator.port}", "--width", "58",
                               *config)
        assert code == 0, err
        (job,) = emulator.wait_for_jobs(1, timeout=10)
    assert "The report was printed." in out and "Ripoti imechapishwa." in out
    paper = job.txt.read_text(encoding="utf-8")
    assert done.reference in paper and "Miamala na kamisheni" in paper and "KES 1,050.00" in paper

    with PrinterEmulator(port=0, out_dir=tmp_path / "paper", paper_width_mm=58) as emulator:
        code, out, err = agent(capsys, monkeypatch, "z-report", "--agent", "BA-0001",
                               "--printer", f"tcp://127.0.0.1:{emulator.port}", "--width", "58",
                               "--json", *config)
        assert code == 0, err
        (job,) = emulator.wait_for_jobs(1, timeout=10)
    z = json.loads(out[:out.rindex("}") + 1])
    assert (z["cash_fees_cents"], z["commission_cents"], z["top_ups_cents"],
            z["banked_cents"], z["backend"]) == (105_000, 5_000, 200_000, 50_050, "matches")
    assert "The Z-report was printed." in out and "Ripoti ya Z imechapishwa." in out
    paper = job.txt.read_text(encoding="utf-8")
    assert "KES 1,050.00" in paper and "Ripoti ya mwisho wa siku (Z)" in paper

    code, out, _ = agent(capsys, monkeypatch, "shift", "end", "--agent", "BA-0001",
                         "--closing", "5,550", "--pin-stdin", *config, pin="2468")
    assert code == 0 and "KES 0.50 over" in out


def test_refusals_say_why_in_both_languages(tmp_path: Path, capsys, monkeypatch,  # noqa: ANN001
                                            agent_sandbox: SandboxServer) -> None:
    config = ["--config", str(write_config(tmp_path, agent_sandbox))]
    code, _, err = agent(capsys, monkeypatch, "shift", "start", "--agent", "BA-0002",
                         "--opening", "lots", "--pin-stdin", *config, pin="1357")
    assert code == 2 and "like 1500 or 1,500.50" in err and "kama 1500 au 1,500.50" in err
    code, _, err = agent(capsys, monkeypatch, "report", "--agent", "BA-0002", "--from",
                         "2026-13-01", "--to", "2026-03-02", *config)
    assert code == 2 and "like 2026-03-02" in err
    code, _, err = agent(capsys, monkeypatch, "shift", "end", "--agent", "BA-0002",
                         "--closing", "10", "--pin-stdin", *config, pin="1357")
    assert code == 1 and "There is no open shift." in err and "Hakuna zamu iliyo wazi." in err
    code, _, err = agent(capsys, monkeypatch, "sign-in", "--agent", "BA-0002", "--pin-stdin",
                         *config, pin="")
    assert code == 2 and "No PIN was given." in err
    kiosk = ["--config", str(write_config(tmp_path / "kiosk", agent_sandbox, role="kiosk"))]
    code, _, err = agent(capsys, monkeypatch, "shift", "status", "--agent", "BA-0002", *kiosk)
    assert code == 2 and "not an agent's device (its role is kiosk)" in err
