"""The sandbox backend as a real server for tests: ``python -m sandbox`` in a subprocess on
loopback, with its own SQLite file (or the database at ``db_url``, e.g. PostgreSQL from
tests/postgres_fixtures.py), stopped by its PID at teardown.

    def test_something(sandbox: SandboxServer) -> None:
        requests.get(f"{sandbox.url}/v1/health")

    def test_more(sandbox_factory) -> None:
        fast = sandbox_factory(confirm_after=0.2, slow_answer=1.0)

``SandboxServer.enrol()`` enrols a device and returns its bearer token, for calls that need one.
"""
from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 60.0
"""Generous: a cold start imports FastAPI, SQLAlchemy and Alembic on a busy 2-core machine."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SandboxServer:
    """One ``python -m sandbox`` process on 127.0.0.1 with a SQLite file under ``directory``,
    or on the database at ``db_url`` (any SQLAlchemy URL the sandbox takes)."""

    def __init__(self, directory: Path, *, confirm_after: float = 0.5, slow_answer: float = 2.0,
                 no_answer_after: float | None = None, lockout: float | None = None,
                 enrolment_code: str = "HUDUMA-TEST", operator_key: str = "test-operator",
                 catalogue: Path | None = None, port: int | None = None,
                 db_url: str | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.db_path: Path | None = None if db_url else directory / "sandbox.sqlite3"
        """The SQLite file, when the sandbox has one."""
        self.db_url = db_url or f"sqlite:///{self.db_path}"
        self.confirm_after = confirm_after
        self.slow_answer = slow_answer
        self.no_answer_after = no_answer_after
        self.lockout = lockout
        self.enrolment_code = enrolment_code
        self.operator_key = operator_key
        self.catalogue = catalogue
        self.port = port or _free_port()
        self.host = "127.0.0.1"
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = directory / "sandbox.log"
        self.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "sandbox", "--host", self.host, "--port", str(self.port),
               "--db", self.db_url, "--confirm-after", str(self.confirm_after),
               "--slow-answer", str(self.slow_answer), "--enrolment-code", self.enrolment_code,
               "--operator-key", self.operator_key]
        if self.no_answer_after is not None:
            cmd += ["--no-answer-after", str(self.no_answer_after)]
        if self.lockout is not None:
            cmd += ["--lockout", str(self.lockout)]
        if self.catalogue is not None:
            cmd += ["--catalogue", str(self.catalogue)]
        return cmd

    def start(self) -> None:
        """Start the process and return once ``/v1/health`` answers."""
        if self._process is not None and self._process.poll() is None:
            return
        log = self._log_path.open("ab")
        try:
            self._process = subprocess.Popen(self.command(), cwd=ROOT, stdout=log, stderr=log,
                                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"the sandbox exited with status {self._process.returncode} "
                                   f"before answering:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sandbox did not answer {self.url}/v1/health within "
                                   f"{START_TIMEOUT_S:g} s:\n{self.log()}")
            time.sleep(0.05)

    def log(self) -> str:
        """What the server wrote to stdout and stderr so far."""
        try:
            return self._log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        """SIGTERM by PID, then SIGKILL if it is still there after a few seconds."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def restart(self) -> None:
        """Stop and start again on the same port and database."""
        self.stop()
        self.start()

    # --- helpers for tests that need a device, an operator or an agent -----------------------

    def enrol(self, device_id: str | None = None, role: str = "kiosk",
              public_key: bytes | None = None) -> dict:
        """Enrol a device; the Enrolment body (``token``, ``key_id``, ``agents``) as a dict."""
        device_id = device_id or f"KSK-T{uuid.uuid4().hex[:8].upper()}"
        raw = public_key or os.urandom(32)
        body = {"device_id": device_id, "role": role, "enrolment_code": self.enrolment_code,
                "public_key": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}
        response = requests.post(f"{self.url}/v1/devices", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def device_headers(self, token: str, key: str | None = None) -> dict[str, str]:
        """Headers for a device's write: its bearer token and an idempotency key."""
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": key or str(uuid.uuid4())}

    @property
    def operator_headers(self) -> dict[str, str]:
        return {"X-Operator-Key": self.operator_key}


SandboxFactory = Callable[..., SandboxServer]
DatabaseFactory = Callable[[], AbstractContextManager[str | None]]
"""A new database for one sandbox, as the ``db_url`` to give it (None: its own SQLite file),
removed when the context closes."""


@pytest.fixture
def sandbox_databases() -> DatabaseFactory:
    """Where each new sandbox keeps its data: here its own SQLite file. The sandbox's own
    tests (tests/sandbox/conftest.py) override this to run on SQLite and on PostgreSQL."""
    return lambda: nullcontext(None)


@pytest.fixture
def sandbox_factory(tmp_path: Path, sandbox_databases: DatabaseFactory,
                    ) -> Iterator[SandboxFactory]:
    """Start sandboxes with options (``confirm_after``, ``slow_answer``, ``enrolment_code``,
    ``operator_key``, ``db_url``, ...), each in its own folder and with its own database; all
    are stopped at teardown, then their databases removed."""
    servers: list[SandboxServer] = []
    with ExitStack() as databases:
        def start(**options: object) -> SandboxServer:
            if "db_url" not in options:
                options["db_url"] = databases.enter_context(sandbox_databases())
            server = SandboxServer(tmp_path / f"sandbox-{len(servers)}", **options)  # type: ignore[arg-type]
            servers.append(server)
            return server

        try:
            yield start
        finally:
            for server in servers:
                server.stop()


@pytest.fixture
def sandbox(sandbox_factory: SandboxFactory) -> SandboxServer:
    """A fresh sandbox with a new database, for one test."""
    return sandbox_factory()
