"""``huduma-kiosk doctor`` as a technician runs it: the real command, its output and exit."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk_app.cli import main
from tests.conftest import closed_port


def doctor(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "share")}
    return subprocess.run([sys.executable, "-m", "kiosk_app", "doctor", *args],
                          capture_output=True, text=True, env=env, timeout=60)


UNREACHABLE = f"http://127.0.0.1:{closed_port()}"
"""A loopback port of this run's own where nothing listens (not a fixed one that a demo left
running on this machine might hold)."""


def config_file(tmp_path: Path, devices: str = "") -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'device_id = "KSK-TEST-0001"\ndata_dir = "{tmp_path / "data"}"\n'
                    f'[backend]\nurl = "{UNREACHABLE}"\ntimeout_s = 1\n{devices}')
    return path


def test_demo_lists_every_simulated_device_online_and_exits_0(tmp_path: Path) -> None:
    result = doctor("--demo", "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    devices = {c["name"]: (c["kind"], c["status"], c["verdict"]) for c in report["checks"]
               if "kind" in c}
    assert devices == {f: ("simulator", "online", "ok")
                       for f in ("card_reader", "printer", "scanner", "camera")}
    assert report["ok"] is True and report["failed"] == []
    outbox = next(c for c in report["checks"] if c["name"] == "outbox")
    assert outbox["verdict"] == "ok" and outbox["counts"]["pending"] == 0


def test_a_failing_device_is_named_and_the_exit_is_not_0(tmp_path: Path) -> None:
    path = config_file(tmp_path, '[devices.printer]\nsettings = { faults = ["paper_out"] }\n'
                                 '[devices.card_reader]\nsettings = { faults = ["no_device"] }\n')
    result = doctor("--config", str(path), home=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "[XX] printer      simulator: needs attention (paper out)" in lines
    assert "[XX] card_reader  simulator: no device (disconnected)" in lines
    assert lines[-1] == "Down: card_reader, printer"


def test_the_report_in_kiswahili(tmp_path: Path) -> None:
    path = config_file(tmp_path, '[devices.printer]\nsettings = { faults = ["paper_out"] }\n')
    result = doctor("--config", str(path), "--language", "sw", home=tmp_path)
    assert "[XX] printer      simulator: inahitaji kushughulikiwa (karatasi imekwisha)" in result.stdout
    assert result.stdout.splitlines()[-1] == "Havifanyi kazi: printer"


def test_an_unreachable_backend_is_a_warning_the_kiosk_works_offline(tmp_path: Path) -> None:
    result = doctor("--config", str(config_file(tmp_path)), "--json", home=tmp_path)
    backend = next(c for c in json.loads(result.stdout)["checks"] if c["name"] == "backend")
    assert backend["verdict"] == "warning"
    assert backend["summary"].startswith(f"not reachable (cannot connect to {UNREACHABLE})")
    assert result.returncode == 0


def test_a_damaged_outbox_fails(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "outbox.sqlite3").write_bytes(b"this is not a database" * 100)
    result = doctor("--config", str(config_file(tmp_path)), "--json", home=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["failed"] == ["outbox"]
    assert "file is not a database" in report["checks"][-1]["summary"]


def test_a_refused_config_says_why_in_both_languages(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('role = "kisok"\n')
    assert main(["doctor", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"The configuration in {path} was refused:" in err
    assert f"Mipangilio katika {path} imekataliwa:" in err


def test_no_config_file_at_all_is_explained(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("HUDUMA_KIOSK_CONFIG", str(tmp_path / "missing.toml"))
    assert main(["doctor"]) == 2
    assert "there is no such file" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["run", "--role", "boss"], ["doctor", "--language", "fr"], []])
def test_a_wrong_command_line_exits_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
