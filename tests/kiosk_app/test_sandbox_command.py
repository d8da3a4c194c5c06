"""``huduma-kiosk sandbox`` and ``huduma-kiosk sandbox advance`` as a technician runs them,
in real subprocesses; and demo mode's own sandbox (kiosk_app/demo_backend.py)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from kiosk_app import contract
from kiosk_app.config import KioskConfig
from kiosk_app.demo_backend import DemoBackend, answers
from tests.sandbox.helpers import TEST_CATALOGUE, Device, birth_application
from tests.sandbox_fixtures import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "kiosk_app"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    while not answers(url):
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert time.monotonic() < deadline, f"nothing answered at {url}"
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_the_sandbox_command_serves_on_loopback_with_its_database_here(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        CLI + ["sandbox", "--port", str(port), "--catalogue", str(TEST_CATALOGUE)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(f"http://127.0.0.1:{port}", process)
        catalogue = requests.get(f"http://127.0.0.1:{port}/v1/catalogue", timeout=10).json()
        assert catalogue["version"] == "test-2026.1"
        assert (tmp_path / "huduma-sandbox.sqlite3").exists()
    finally:
        stop(process)
    said = process.stderr.read().decode()
    assert f"http://127.0.0.1:{port}" in said
    assert str(tmp_path / "huduma-sandbox.sqlite3") in said


def test_a_port_in_use_is_refused_in_both_languages(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(CLI + ["sandbox", "--port", str(port)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"Mlango {port} kwenye 127.0.0.1 tayari unatumika" in result.stderr


def test_advance_moves_an_application_and_explains_a_refusal(sandbox_factory) -> None:
    server: SandboxServer = sandbox_factory(catalogue=TEST_CATALOGUE)
    body = birth_application()
    assert Device(server).post(contract.Paths.APPLICATIONS, body).status_code == 201
    reference = body["reference"]
    common = ["--url", server.url, "--operator-key", server.operator_key]

    def advance(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(CLI + ["sandbox", "advance", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)

    moved = advance(reference, "in_progress", *common)
    assert moved.returncode == 0, moved.stderr
    assert f"{reference} is now in_progress." in moved.stdout
    skip = advance(reference, "collected", *common)
    assert skip.returncode == 1
    assert "cannot become collected" in skip.stderr and "haliwezi kuwa collected" in skip.stderr
    half = advance(reference, "rejected", "--note-en", "Unclear photo", *common)
    assert half.returncode == 2 and "--note-sw" in half.stderr
    rejected = advance(reference, "rejected", "--note-en", "Unclear photo", "--note-sw",
                       "Picha haionekani", *common)
    assert rejected.returncode == 0, rejected.stderr
    status = requests.get(f"{server.url}/v1/applications/{reference}", timeout=10).json()
    assert status["status"] == "rejected"
    assert status["timeline"][-1]["note"] == {"en": "Unclear photo", "sw": "Picha haionekani"}
    wrong_key = advance(reference, "in_progress", "--url", server.url, "--operator-key", "x")
    assert wrong_key.returncode == 1 and "operator key" in wrong_key.stderr
    nobody = advance(reference, "in_progress", "--url", f"http://127.0.0.1:{free_port()}")
    assert nobody.returncode == 1 and "No answer from the sandbox" in nobody.stderr


# --- demo mode's sandbox --------------------------------------------------------------------

def demo_config(tmp_path: Path, url: str) -> KioskConfig:
    config = KioskConfig.demo_config(data_dir=tmp_path / "data")
    return replace(config, backend=replace(config.backend, url=url))


def test_demo_mode_starts_a_sandbox_when_none_answers_and_stops_it(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    backend = DemoBackend.for_config(demo_config(tmp_path, url))
    assert backend is not None
    try:
        assert backend.start() is True
        assert answers(url)
        pid = backend.pid
        assert pid is not None
        # The enrolment code demo mode uses is the sandbox's.
        config = demo_config(tmp_path, url)
        enrol = requests.post(f"{url}/v1/devices", timeout=10, json={
            "device_id": config.device_id, "role": "kiosk", "public_key": "A" * 43,
            "enrolment_code": config.backend.enrolment_code})
        assert enrol.status_code == 201, enrol.text
        # Its database and log are in the kiosk's data folder.
        assert (tmp_path / "data" / "sandbox.sqlite3").exists()
        assert (tmp_path / "data" / "sandbox.log").exists()
    finally:
        backend.stop()
    assert not answers(url)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_demo_mode_leaves_a_backend_that_answers_or_is_not_on_loopback(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    assert DemoBackend.for_config(demo_config(tmp_path, sandbox.url)) is None
    assert DemoBackend.for_config(demo_config(tmp_path, "http://192.0.2.10:8765")) is None
    not_demo = replace(demo_config(tmp_path, f"http://127.0.0.1:{free_port()}"), 
        demo=False)
    assert DemoBackend.for_config(not_demo) is None


def test_a_sandbox_that_cannot_start_is_reported_and_the_kiosk_goes_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A Python that exits at once stands in for a sandbox that is not installed.
    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\necho 'No module named sandbox' >&2\nexit 1\n")
    fake_python.chmod(0o755)
    backend = DemoBackend(f"http://127.0.0.1:{free_port()}", tmp_path / "data",
                          python=str(fake_python))
    assert backend.start() is False
    said = capsys.readouterr().err
    assert "could not start its sandbox backend" in said and "imeshindwa" in said
    assert "No module named sandbox" in (tmp_path / "data" / "sandbox.log").read_text()
