"""The private PostgreSQL cluster the tests use (tests/postgres_fixtures.py): reached only by
its own socket, never as root, a new database per test, and a second cluster beside it (a
second test run) that never meets the first and stops by its PID."""
from __future__ import annotations

import os
import shutil

import psycopg
from sqlalchemy import create_engine, make_url, text

from tests.postgres_fixtures import PostgresCluster, find_server_bin, start_cluster


def settings(url: str, *names: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [connection.execute(text(f"SELECT current_setting('{name}')")).scalar_one()
                    for name in names]
    finally:
        engine.dispose()


def test_the_session_database_is_empty_and_reached_by_its_socket_alone(
        postgres_url: str, postgres_cluster: PostgresCluster) -> None:
    assert postgres_url.startswith("postgresql+psycopg://huduma@/huduma_session_")
    listen, socket_dir, zone = settings(postgres_url, "listen_addresses",
                                        "unix_socket_directories", "TimeZone")
    assert listen == "" and socket_dir == str(postgres_cluster.directory)
    assert zone == "Africa/Nairobi"  # not UTC: a time kept without its offset would show
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = 'public'")).scalar_one() == 0
    finally:
        engine.dispose()
    owner = os.stat(postgres_cluster.data_dir).st_uid
    assert owner != 0 and (os.geteuid() != 0 or postgres_cluster.run_as is not None)


def test_each_test_gets_a_database_of_its_own(postgres_db_url: str, postgres_url: str,
                                              postgres_cluster: PostgresCluster) -> None:
    mine = make_url(postgres_db_url).database
    assert mine and mine != make_url(postgres_url).database
    other = postgres_cluster.create_database("huduma_test")
    with postgres_cluster.connect() as connection:
        names = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
        assert {mine, other} <= names
    postgres_cluster.drop_database(other)
    with postgres_cluster.connect() as connection:
        assert connection.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                                  (other,)).fetchone() == (0,)


def test_a_second_cluster_runs_beside_the_first_and_stops_by_its_pid(
        postgres_cluster: PostgresCluster) -> None:
    assert find_server_bin() == postgres_cluster.bin_dir
    second = start_cluster()
    try:
        assert second.directory != postgres_cluster.directory
        assert second.pid != postgres_cluster.pid
        with second.connect() as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
        process = second.process
        assert process is not None
        second.stop()
        assert process.poll() is not None and second.pid is None
        try:
            second.connect()
        except psycopg.OperationalError:
            pass
        else:
            raise AssertionError("the stopped cluster still answers")
        with postgres_cluster.connect() as connection:  # the first never noticed
            assert connection.execute("SELECT 1").fetchone() == (1,)
    finally:
        second.stop()
        shutil.rmtree(second.directory, ignore_errors=True)
