"""Fixtures for the sandbox's own tests, which run on each database the sandbox supports:
SQLite (a file per sandbox) and PostgreSQL (a database per sandbox in the run's private
cluster, tests/postgres_fixtures.py). Every test that starts a sandbox or opens a database
through these fixtures runs once per database, with ``[sqlite]`` or ``[postgresql]`` in its
id (``pytest tests/sandbox -k postgresql`` runs the PostgreSQL half alone).

``shared_sandbox``: one sandbox per test module (and database) serving the small test
catalogue (tests/sandbox/data/catalogue.json), for tests that need no fresh database.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from tests.postgres_fixtures import PostgresCluster
from tests.sandbox.helpers import TEST_CATALOGUE
from tests.sandbox_fixtures import DatabaseFactory, SandboxServer

DATABASES = ("sqlite", "postgresql")


@pytest.fixture(scope="module", params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    """The database this module's tests run on, one after the other."""
    return str(request.param)


@pytest.fixture(scope="module")
def sandbox_databases(database_kind: str, request: pytest.FixtureRequest) -> DatabaseFactory:
    """A new database per sandbox: its own SQLite file, or a new PostgreSQL database (the
    cluster starts only when a PostgreSQL test first needs it)."""
    if database_kind == "sqlite":
        return lambda: nullcontext(None)
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")

    @contextmanager
    def new_database() -> Iterator[str]:
        name = cluster.create_database("sandbox")
        try:
            yield cluster.url(name)
        finally:
            cluster.drop_database(name)

    return new_database


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path,
                 request: pytest.FixtureRequest) -> str:
    """An empty database for one test, for tests that open it with the sandbox's engine."""
    if database_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"
    return str(request.getfixturevalue("postgres_db_url"))


@pytest.fixture(scope="module")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory,
                   sandbox_databases: DatabaseFactory) -> Iterator[SandboxServer]:
    with sandbox_databases() as db_url:
        server = SandboxServer(tmp_path_factory.mktemp("sandbox"), catalogue=TEST_CATALOGUE,
                               confirm_after=0.3, no_answer_after=0.6, slow_answer=1.5,
                               db_url=db_url)
        try:
            yield server
        finally:
            server.stop()
