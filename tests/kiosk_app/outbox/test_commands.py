"""`huduma-kiosk submit` and `huduma-kiosk outbox status|list|sync` as a technician types them,
on real outbox files, with `outbox sync` sending to a live sandbox backend on loopback."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk_app import contract
from kiosk_app.cli import main
from kiosk_app.outbox import Outbox, OutboxStatus
from kiosk_app.outbox_commands import SUBMIT_NAMESPACE
from tests.kiosk_app.outbox.samples import PERSONAL_MARKERS, submit_line
from tests.sandbox_fixtures import ROOT, SandboxServer, _free_port


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    server = SandboxServer(tmp_path_factory.mktemp("sandbox"))
    try:
        yield server
    finally:
        server.stop()


def write_config(folder: Path, url: str, *, code: str = "HUDUMA-TEST",
                 device_id: str = "KSK-CMD-0001") -> Path:
    path = folder / "config.toml"
    path.write_text(f'data_dir = "{folder / "data"}"\ndevice_id = "{device_id}"\n'
                    f'[backend]\nurl = "{url}"\ntimeout_s = 5\nenrolment_code = "{code}"\n'
                    "[outbox]\nbackoff_base_s = 0.05\nbackoff_cap_s = 0.2\n", encoding="utf-8")
    return path


def write_lines(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
                    encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def no_personal_data(text: str) -> None:
    for marker in PERSONAL_MARKERS:
        assert marker.decode() not in text, marker


def test_submit_queues_good_lines_once_and_names_the_bad_ones(tmp_path: Path,
                                                              capsys) -> None:  # noqa: ANN001
    config = write_config(tmp_path, "http://127.0.0.1:9")
    own_key = "0B7C4A4E-8A57-4D7E-9D7D-8D0F5F6C2F11"
    apps = write_lines(tmp_path / "apps.jsonl", [
        submit_line(1),
        "{not json",
        "",
        submit_line(2, applicant={"document_type": "national_id", "document_number": "bad!",
                                  "surname": "WANJIKUMARKER", "given_names": ""},
                    colour="red"),
        submit_line(3, idempotency_key=own_key, reference="HK-Z144-XZPP-GX",
                    created_at="2026-01-02T10:00:00+03:00"),
        [1, 2],
        submit_line(5, idempotency_key="not-a-uuid"),
        submit_line(1),  # the same content as line 1: the same application
    ])
    status, out, err = run(capsys, "submit", "--file", str(apps), "--config", str(config))
    assert status == 1
    assert "Line 1: " in out and "Line 5: HK-Z144-XZPP-GX is queued to be sent." in out
    assert "Mstari 5: HK-Z144-XZPP-GX imewekwa isubiri kutumwa." in out
    assert "Line 8: " in out and "already in the outbox" in out
    assert "2 applications queued, 1 already in the outbox, 4 refused." in out
    assert err.splitlines() == [
        "Line 2: this is not valid JSON (Expecting property name enclosed in double quotes)",
        "Mstari 2: hii si JSON sahihi (Expecting property name enclosed in double quotes)",
        "Line 4: applicant.document_number is not in the expected form; applicant.given_names "
        "is too short; colour is not a field of an application",
        "Mstari 4: applicant.document_number haiko katika muundo unaotakiwa; "
        "applicant.given_names ni fupi mno; colour si sehemu ya ombi",
        "Line 6: a line must be one JSON object",
        "Mstari 6: kila mstari lazima uwe kitu kimoja cha JSON",
        "Line 7: the idempotency_key must be a UUID",
        "Mstari 7: idempotency_key lazima iwe UUID",
    ]
    no_personal_data(out + err)

    canonical = json.dumps(submit_line(1), sort_keys=True, separators=(",", ":"))
    derived = str(__import__("uuid").uuid5(SUBMIT_NAMESPACE, canonical))
    box = Outbox(tmp_path / "data" / "outbox.sqlite3")
    try:
        rows = box.rows()
        assert [r.idempotency_key for r in rows] == [derived, own_key.lower()]
        first = rows[0].payload
        assert first["reference"] == contract.reference_from(canonical.encode())
        assert first["applicant"]["surname"] == "WANJIKUMARKER"
        assert contract.ApplicationIn.model_validate(first).answers == {"loan_status": "repaying"}
        assert rows[1].payload["created_at"] == "2026-01-02T10:00:00+03:00"
        assert all(r.sealed and "applicant" not in box.get(r.idempotency_key,
                                                             opened=False).payload
                   for r in rows)
    finally:
        box.close()

    # The same file again: nothing new is queued, and the same references are named.
    status, again, _ = run(capsys, "submit", "--file", str(apps), "--config", str(config))
    assert status == 1
    assert f"Line 1: {first['reference']} is already in the outbox" in again
    assert "0 applications queued, 3 already in the outbox, 4 refused." in again


def test_a_file_that_cannot_be_read_is_a_usage_error(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = write_config(tmp_path, "http://127.0.0.1:9")
    status, _, err = run(capsys, "submit", "--file", str(tmp_path / "none.jsonl"),
                         "--config", str(config))
    assert status == 2
    assert "cannot be read (No such file or directory)" in err and "haisomeki" in err
    assert not (tmp_path / "data").exists()


def test_status_and_list_before_anything_was_stored(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = write_config(tmp_path, "http://127.0.0.1:9")
    status, out, _ = run(capsys, "outbox", "status", "--config", str(config))
    assert status == 0 and "There is no outbox at" in out and "Bado hakuna" in out
    status, out, _ = run(capsys, "outbox", "status", "--json", "--config", str(config))
    assert json.loads(out)["exists"] is False
    status, out, _ = run(capsys, "outbox", "list", "--json", "--config", str(config))
    assert (status, json.loads(out)) == (0, [])
    assert not (tmp_path / "data").exists()


def test_sync_sends_to_the_backend_and_sets_refused_rows_aside(
        tmp_path: Path, backend: SandboxServer, capsys) -> None:  # noqa: ANN001
    config = write_config(tmp_path, backend.url, device_id="KSK-CMD-0002")
    apps = write_lines(tmp_path / "apps.jsonl", [
        submit_line(11), submit_line(12),
        submit_line(13, amount_cents=100),  # the backend knows the service is free
    ])
    assert run(capsys, "submit", "--file", str(apps), "--config", str(config))[0] == 0
    status, out, _ = run(capsys, "outbox", "sync", "--once", "--config", str(config))
    assert status == 0, out
    assert "2 sent, 1 refused and set aside, 0 still waiting." in out
    assert "2 yametumwa, 1 yamekataliwa na kuwekwa kando, 0 bado yanasubiri." in out

    status, out, _ = run(capsys, "outbox", "list", "--status", "failed", "--json",
                         "--config", str(config))
    failed = json.loads(out)
    assert [(f["status"], f["attempts"], f["service_code"]) for f in failed] == [
        ("failed", 1, "HELB-COMPLIANCE")]
    assert failed[0]["last_error"].startswith("BackendError: HTTP 422")
    status, out, _ = run(capsys, "outbox", "list", "--config", str(config))
    assert out.count(" sent ") == 2 and out.count(" failed ") == 1
    no_personal_data(out)
    status, out, _ = run(capsys, "outbox", "status", "--json", "--config", str(config))
    report = json.loads(out)
    assert report["counts"] == {"pending": 0, "sending": 0, "sent": 2, "failed": 1}
    assert report["by_kind"] == {"application": report["counts"]}
    assert report["last_error"]["status"] == "failed"
    status, out, _ = run(capsys, "outbox", "status", "--config", str(config))
    assert "0 waiting to be sent" not in out and "1 waiting to be sent, 1 failed" in out
    no_personal_data(out)

    sent = {r["reference"] for r in json.loads(run(capsys, "outbox", "list", "--status", "sent",
                                                    "--json", "--config", str(config))[1])}
    held = requests.get(f"{backend.url}{contract.Paths.OPERATOR_APPLICATIONS}",
                        headers=backend.operator_headers, timeout=10).json()
    assert sent <= {a["reference"] for a in held}


def test_sync_once_with_no_backend_leaves_rows_waiting(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = write_config(tmp_path, f"http://127.0.0.1:{_free_port()}")
    apps = write_lines(tmp_path / "apps.jsonl", [submit_line(21)])
    assert run(capsys, "submit", "--file", str(apps), "--config", str(config))[0] == 0
    status, out, _ = run(capsys, "outbox", "sync", "--once", "--config", str(config))
    assert status == 1
    assert "0 sent, 0 refused and set aside, 1 still waiting." in out
    assert "The last error was: BackendUnavailable: cannot connect" in out
    assert "Hitilafu ya mwisho ilikuwa:" in out


def test_sync_runs_in_the_foreground_until_sigterm(tmp_path: Path,
                                                   backend: SandboxServer, capsys) -> None:  # noqa: ANN001
    config = write_config(tmp_path, backend.url, device_id="KSK-CMD-0003")
    apps = write_lines(tmp_path / "apps.jsonl", [submit_line(31), submit_line(32)])
    assert run(capsys, "submit", "--file", str(apps), "--config", str(config))[0] == 0
    proc = subprocess.Popen([sys.executable, "-m", "kiosk_app", "outbox", "sync",
                             "--config", str(config)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:  # one line each time the counts change
            seen.append(line)
            if "sent 2" in line:
                break
        assert any("Sending what waits in the outbox" in line for line in seen), seen
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    box = Outbox(tmp_path / "data" / "outbox.sqlite3")
    try:
        assert [r.status for r in box.rows(opened=False)] == [OutboxStatus.SENT] * 2
    finally:
        box.close()
