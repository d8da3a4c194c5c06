"""Fixtures for the sandbox's own tests, on the databases the sandbox supports: SQLite (a
file per sandbox) and PostgreSQL (a database per sandbox in the run's private cluster,
tests/postgres_fixtures.py).

Every test that starts a sandbox or opens a database through these fixtures runs on SQLite;
those marked ``postgresql`` (a representative part: migrations, applications, idempotency
and races, payments, tickets, the ledger, schemathesis) run on PostgreSQL too, with
``[sqlite]`` or ``[postgresql]`` in their ids. ``HUDUMA_POSTGRES_TESTS=all`` runs every one
on both; ``-k postgresql`` picks the PostgreSQL half.

``shared_sandbox``: one sandbox per test module (and database) serving the small test
catalogue (tests/sandbox/data/catalogue.json), for tests that need no fresh database.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from tests.postgres_fixtures import PostgresCluster
from tests.sandbox.helpers import TEST_CATALOGUE
from tests.sandbox_fixtures import DatabaseFactory, SandboxServer

DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_kind" not in metafunc.fixturenames:
        return
    everything = os.environ.get("HUDUMA_POSTGRES_TESTS", "").strip().lower() == "all"
    on_postgres = everything or metafunc.definition.get_closest_marker("postgresql") is not None
    metafunc.parametrize("database_kind", DATABASES if on_postgres else DATABASES[:1],
                         indirect=True, scope="module")


@pytest.fixture(scope="module")
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
