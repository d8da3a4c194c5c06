"""Shared test set-up. Kivy reads its environment once, at first import: set it here, before
any test module imports Kivy, so every test run renders headless into its own KIVY_HOME."""
from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

_RUN_DIR = Path(tempfile.mkdtemp(prefix="huduma-tests-"))
os.environ["KIVY_HOME"] = str(_RUN_DIR / "kivy-home")
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_NO_CONSOLELOG"] = "1"
# Render at half the panel's size with half the density: the same layout, a quarter of the work.
os.environ["KIVY_METRICS_DENSITY"] = "0.5"

from kiosk_app.clock import ManualClock  # noqa: E402
from kiosk_app.config import KioskConfig  # noqa: E402


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_for_tests(data_dir: Path, **changes: object) -> KioskConfig:
    """The demo's settings with this run's own data folder, and a backend address of its own
    where nothing listens (a demo sandbox on the default port is never met by a test)."""
    config = KioskConfig.demo_config(data_dir=data_dir)
    backend = replace(config.backend, url=f"http://127.0.0.1:{closed_port()}")
    return replace(config, backend=backend, **changes)


@pytest.fixture
def demo_config(tmp_path: Path) -> KioskConfig:
    return config_for_tests(tmp_path / "data")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port on loopback that accepts connections and never answers: a hung printer, or the
    worst network there is for the backend."""
    listener = socket.create_server(("127.0.0.1", 0))
    conns: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conns.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in conns:
        conn.close()
    listener.close()


# The private pcscd is one per test run: the PC/SC client library reads its socket's name once
# per process, so every test that talks PC/SC must share this one daemon.
from tests.card_fixtures import pcscd, vpcd_slot  # noqa: E402, F401

# A private PostgreSQL cluster for the run, started on first use (see tests/postgres_fixtures.py).
from tests.postgres_fixtures import postgres_cluster, postgres_db_url, postgres_url  # noqa: E402, F401

# The sandbox backend as a real server on loopback (see tests/sandbox_fixtures.py).
from tests.sandbox_fixtures import sandbox, sandbox_databases, sandbox_factory  # noqa: E402, F401
