"""The schema: Alembic brings a fresh database to the newest revision and it matches the
models; a restart on the same database keeps everything."""
from __future__ import annotations

from pathlib import Path

import requests
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from kiosk_app.contract import Paths
from sandbox.db import Base, make_engine
from sandbox.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.sandbox.helpers import TEST_CATALOGUE, TIMEOUT, Device, birth_application
from tests.sandbox_fixtures import SandboxServer


def test_a_fresh_database_upgrades_to_head_and_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision() == "0002"
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        upgrade(engine)  # again: nothing to do
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(engine)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_restart_on_the_same_database_keeps_the_data(sandbox_factory) -> None:
    server: SandboxServer = sandbox_factory(catalogue=TEST_CATALOGUE)
    kiosk = Device(server)
    body = birth_application()
    first = kiosk.post(Paths.APPLICATIONS, body)
    assert first.status_code == 201
    pid = server.pid
    server.restart()
    assert server.pid != pid
    url = f"{server.url}{Paths.APPLICATION.format(reference=body['reference'])}"
    assert requests.get(url, timeout=TIMEOUT).json() == first.json()
    # The device's token still works, and its key is still published.
    assert kiosk.post(Paths.TICKETS, {"service_code": "BIRTH_CERT"}).status_code == 201
    keys = requests.get(f"{server.url}{Paths.KEYS}", timeout=TIMEOUT).json()["keys"]
    assert [k["device_id"] for k in keys] == [kiosk.device_id]
