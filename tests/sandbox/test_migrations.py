"""The schema, on SQLite and on PostgreSQL: Alembic brings a fresh database to the newest
revision and it matches the models; an older database keeps its rows through the upgrade;
times go in with any offset and come back as the same instant in UTC; a restart on the same
database keeps everything."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from kiosk_app.contract import Paths
from sandbox.db import Base, Device as DeviceRecord, make_engine, make_sessions
from sandbox.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.sandbox.helpers import TEST_CATALOGUE, TIMEOUT, Device, birth_application
from tests.sandbox_fixtures import SandboxServer

pytestmark = pytest.mark.postgresql  # every test here runs on PostgreSQL too


NAIROBI = timezone(timedelta(hours=3))


def test_a_fresh_database_upgrades_to_head_and_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision() == "0005"
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


def test_the_first_schema_keeps_its_rows_through_the_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO devices (device_id, role, public_key, key_id, token_sha256, "
                "location, enrolled_at, outbox_waiting) VALUES ('KSK-OLD-0001', 'kiosk', 'k', "
                "'0a1b2c3d', 'sha', 'Huduma Centre GPO', '2026-03-02 06:15:00', 3)"))
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with make_sessions(engine)() as session:
            device = session.get(DeviceRecord, "KSK-OLD-0001")
            assert device is not None and device.outbox_waiting == 3
            assert device.enrolled_at == datetime(2026, 3, 2, 6, 15, tzinfo=timezone.utc)
    finally:
        engine.dispose()


def test_times_come_back_as_the_same_instant_in_utc(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        sessions = make_sessions(engine)
        at = datetime(2026, 3, 2, 23, 30, 15, 123456, tzinfo=NAIROBI)
        with sessions() as session, session.begin():
            session.add(DeviceRecord(device_id="KSK-TIME-0001", role="kiosk", public_key="k",
                                     key_id="0a1b2c3d", token_sha256="sha", location="",
                                     enrolled_at=at, outbox_waiting=0))
        with sessions() as session:
            device = session.get(DeviceRecord, "KSK-TIME-0001")
            assert device is not None
            assert device.enrolled_at == at and device.enrolled_at.utcoffset() == timedelta(0)
            # Compared with aware times of any offset, in the database itself.
            found = session.scalars(select(DeviceRecord.device_id).filter(
                DeviceRecord.enrolled_at >= at.astimezone(timezone.utc),
                DeviceRecord.enrolled_at < at + timedelta(microseconds=1))).all()
            assert found == ["KSK-TIME-0001"]
            assert session.scalars(select(DeviceRecord.device_id).filter(
                DeviceRecord.enrolled_at > at)).all() == []
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
