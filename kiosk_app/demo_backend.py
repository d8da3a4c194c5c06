"""Demo mode's backend: when the configured backend is on loopback and nothing answers there,
the sandbox (``python -m sandbox``) is started as a child process on that address, and stopped
when the kiosk stops.

    backend = DemoBackend.for_config(config)   # None unless demo mode needs one
    if backend is not None:
        backend.start()                        # waits until /v1/health answers
    ...
    backend.stop()                             # SIGTERM by PID, then SIGKILL

The sandbox's database and its output live in the data folder (``sandbox.sqlite3``,
``sandbox.log``), so a demo keeps its applications from one run to the next. Only
``subprocess`` reaches the sandbox: the kiosk's core imports none of its code.

Blocking: ``start`` waits for the child (seconds) and ``stop`` for it to end: call them on the
main thread before the screen starts and after it closes, never on the UI thread.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from kiosk_app.config import KioskConfig
from kiosk_app.i18n import N_, bilingual

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0
DB_FILE = "sandbox.sqlite3"
LOG_FILE = "sandbox.log"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""Where ``sandbox/`` sits beside ``kiosk_app/`` in a source tree (an installed package has it
on the path anyway)."""

NOT_STARTED = N_("Demo mode could not start its sandbox backend ({detail}); the kiosk runs "
                 "without it. The sandbox's own words are in {log}.")


def answers(url: str, timeout_s: float = 1.0) -> bool:
    """Whether a kiosk API answers ``/v1/health`` at ``url`` (plain ``http://``, as the demo's
    backend is). One HTTP/1.0 request on a socket: the kiosk asks this before its screen
    starts, and neither ``requests`` nor ``http.client`` is loaded for it (the backend client
    loads ``requests`` later, on a worker)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    path = f"{parts.path.rstrip('/')}/v1/health"
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout_s) as sock:
            sock.sendall(f"GET {path} HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode())
            with sock.makefile("rb") as answer:
                status_line = answer.readline(200)  # b"HTTP/1.1 200 OK\r\n"
    except (OSError, ValueError):
        return False
    return status_line.split(b" ", 2)[1:2] == [b"200"]


class DemoBackend:
    """One sandbox child process serving ``url`` (an ``http://`` loopback address)."""

    def __init__(self, url: str, data_dir: Path, *, python: str = sys.executable,
                 start_timeout_s: float = START_TIMEOUT_S) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
            raise ValueError("the demo backend serves plain http on loopback only")
        self.url = url.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.data_dir = data_dir
        self.python = python
        self.start_timeout_s = start_timeout_s
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def for_config(cls, config: KioskConfig) -> "DemoBackend | None":
        """A backend to start, or None: not demo mode, not loopback, or one already answers."""
        if not config.demo:
            return None
        parts = urlsplit(config.backend.url)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
            return None
        if answers(config.backend.url):
            log.info("a backend already answers at %s; demo mode uses it", config.backend.url)
            return None
        return cls(config.backend.url, config.data_dir)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_FILE

    def command(self) -> list[str]:
        return [self.python, "-m", "sandbox", "--host", self.host, "--port", str(self.port),
                "--db", f"sqlite:///{self.data_dir / DB_FILE}"]

    def start(self) -> bool:
        """Start the sandbox and wait until it answers; False (and a line for the technician)
        when it does not, and the kiosk goes on without it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            part for part in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if part)
        with self.log_path.open("ab") as out:
            self._process = subprocess.Popen(self.command(), cwd=self.data_dir, env=env,
                                             stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        log.info("demo backend: sandbox started (pid %d) for %s", self._process.pid, self.url)
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return self._failed(f"it exited with status {self._process.returncode}")
            if answers(self.url):
                return True
            time.sleep(0.1)
        self.stop()
        return self._failed(f"no answer within {self.start_timeout_s:g} s")

    def _failed(self, detail: str) -> bool:
        self._process = None
        log.error("demo backend: %s; see %s", detail, self.log_path)
        print(bilingual(NOT_STARTED, detail=detail, log=self.log_path), file=sys.stderr)
        return False

    def stop(self) -> None:
        """SIGTERM by PID, then SIGKILL if it is still there after a few seconds."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT_S)
        log.info("demo backend: sandbox stopped")
