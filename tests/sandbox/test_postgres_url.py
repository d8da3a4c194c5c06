"""How ``python -m sandbox --db`` takes a PostgreSQL URL: a bare ``postgresql://`` means
psycopg 3, a password is never printed, and without psycopg it says what to install."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from kiosk_app.contract import Paths
from tests.sandbox.helpers import TIMEOUT
from tests.sandbox_fixtures import ROOT, SandboxServer


def test_a_bare_postgresql_url_with_a_password_serves_and_hides_the_password(
        tmp_path: Path, postgres_db_url: str) -> None:
    # The private cluster trusts its socket: the password is only there to be hidden.
    url = postgres_db_url.replace("postgresql+psycopg://huduma@",
                                  "postgresql://huduma:not-for-the-log@")
    server = SandboxServer(tmp_path, db_url=url)
    try:
        assert requests.get(f"{server.url}{Paths.CATALOGUE}", timeout=TIMEOUT).status_code == 200
        assert "database:  postgresql://huduma:***@/" in server.log()
        assert "not-for-the-log" not in server.log()
    finally:
        server.stop()


def test_without_psycopg_the_sandbox_says_what_to_install() -> None:
    # psycopg made unimportable in this process alone, as on a machine without it.
    code = ("import sys; sys.modules['psycopg'] = None; from sandbox.__main__ import main; "
            "sys.exit(main(['--db', 'postgresql://huduma@/huduma?host=/nowhere']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "pip install 'huduma-kiosk[postgres]'" in result.stderr
