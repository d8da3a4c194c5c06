"""The technician's card commands against our emulator behind the private pcscd: `card emulate`
runs as its own process (as on a bench), `card readers` and `card read` as a technician types."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk_app.cli import main
from tests.drivers.card.pcscd import wait_for_card


@pytest.fixture
def emulated_card(pcscd, tmp_path: Path):  # noqa: ANN001, ANN201, F811
    def start(*extra: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk_app", "card", "emulate", "--pki", str(tmp_path / "pki"),
             "--csca-out", str(tmp_path / "csca"), "--port", str(pcscd.vpcd_port), *extra],
            env={**os.environ, **pcscd.env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("card inserted in vpcd"), line + proc.stdout.read()
        started.append(proc)
        return proc

    started: list[subprocess.Popen[str]] = []
    yield start
    for proc in started:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    if started:  # the next test starts with an empty reader, as pcscd sees it
        wait_for_card(pcscd.reader_name, present=False, timeout=10)


def test_readers_read_and_a_clear_refusal(emulated_card, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    emulated_card()
    assert main(["card", "readers", "--json"]) == 0
    readers = json.loads(capsys.readouterr().out)
    with_card = [r for r in readers if r["card"]]
    assert len(with_card) == 1 and "Virtual PCD" in with_card[0]["reader"]

    face = tmp_path / "face.jpg"
    assert main(["card", "read", "--reader", "Virtual PCD", "--document-number", "AB1234567",
                 "--birth-date", "900101", "--expiry-date", "310630",
                 "--csca", str(tmp_path / "csca"), "--face-out", str(face), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result == {
        "surname": "WANJIKU", "given_names": "AMINA NJERI", "document_number": "AB1234567",
        "id_number": "12345678", "birth_date": "1990-01-01", "expiry_date": "2031-06-30",
        "sex": "F", "nationality": "KEN", "face": {"mime": "image/jpeg", "bytes": face.stat().st_size},
        "passive_authentication": "valid"}
    assert face.read_bytes()[:2] == b"\xff\xd8"

    assert main(["card", "read", "--mrz",
                 "I<KENAB12345670<<<<<<<<<<<<<<<\\n9001022F3106300KEN<<<<<<<<<<<8\\n"
                 "WANJIKU<<AMINA<NJERI<<<<<<<<<<"]) in (1, 2)
    err = capsys.readouterr().err
    assert ("These details do not match the card" in err
            or "Please check the details" in err)
    assert "Maelezo haya hayalingani na kadi" in err or "Tafadhali angalia maelezo" in err


def test_a_card_pulled_out_mid_read(emulated_card, capsys) -> None:  # noqa: ANN001
    emulated_card("--remove-after", "10")
    assert main(["card", "read", "--document-number", "AB1234567", "--birth-date", "900101",
                 "--expiry-date", "310630"]) == 1
    err = capsys.readouterr().err
    assert "The card was taken out before we finished." in err
    assert "Kadi ilitolewa kabla hatujamaliza." in err


def test_a_chip_with_other_keys(emulated_card, capsys) -> None:  # noqa: ANN001
    emulated_card("--wrong-key")
    assert main(["card", "read", "--document-number", "AB1234567", "--birth-date", "900101",
                 "--expiry-date", "310630"]) == 1
    assert "These details do not match the card." in capsys.readouterr().err


def test_an_emulated_chip_with_extended_length(emulated_card, capsys) -> None:  # noqa: ANN001
    emulated_card("--extended-length")
    assert main(["card", "readers", "--json"]) == 0
    atrs = [r.get("atr") for r in json.loads(capsys.readouterr().out) if r["card"]]
    assert main(["card", "read", "--document-number", "AB1234567", "--birth-date", "900101",
                 "--expiry-date", "310630", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["surname"] == "WANJIKU"
    assert atrs == ["3B 85 80 01 80 73 00 00 C0 37"]   # card capabilities: extended Lc/Le
