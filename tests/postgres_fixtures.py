"""A private PostgreSQL cluster for the test run: ``initdb`` into a new temporary folder, the
``postgres`` server started on a Unix socket in that folder (no TCP at all, so two test runs
never meet), stopped by its PID at the end of the session and the folder removed.

    def test_something(postgres_url: str) -> None:       # one database for the whole session
        engine = create_engine(postgres_url)

    def test_alone(postgres_db_url: str) -> None:        # a new, empty database for this test
        ...

The URLs are ``postgresql+psycopg://huduma@/NAME?host=SOCKETDIR&port=PORT``.

The server binaries are found by ``HUDUMA_PG_BIN`` if it is set, else under
``/usr/lib/postgresql/<version>/bin`` (Debian and Ubuntu keep them there, off PATH; the newest
version wins), else on PATH. ``make test`` installs the ``postgresql`` package, so a missing
server is a failure here, not a skip.

``initdb`` and ``postgres`` refuse to run as root: when the tests run as root, the cluster runs
as the ``postgres`` system user (the package creates it) and its folder is made under /tmp and
given to that user.
"""
from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

PG_USER = "huduma"
"""The cluster's superuser, as the tests connect (trusted on the private socket)."""
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
SERVER_SETTINGS = {
    "listen_addresses": "",          # the Unix socket only
    "fsync": "off",                  # a throwaway cluster: speed over durability
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",        # several sandboxes at once, each with its own pool
    "shared_buffers": "32MB",
    "timezone": "Africa/Nairobi",    # not UTC, so a time stored without its offset shows
    "log_min_messages": "warning",
}


def find_server_bin() -> Path | None:
    """The folder holding ``initdb`` and ``postgres``, or None."""
    def usable(folder: Path) -> bool:
        return all(os.access(folder / name, os.X_OK) for name in ("initdb", "postgres"))

    if os.environ.get("HUDUMA_PG_BIN"):
        folder = Path(os.environ["HUDUMA_PG_BIN"])
        return folder if usable(folder) else None

    def version(folder: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))

    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True):
        if usable(folder):
            return folder
    initdb = shutil.which("initdb")
    if initdb and usable(Path(initdb).parent):
        return Path(initdb).parent
    return None


def _free_port() -> int:
    """A port number nobody uses on loopback: the socket file's name carries it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresCluster:
    """One running ``postgres`` process and the folder holding its data and socket."""

    bin_dir: Path
    directory: Path
    port: int
    run_as: pwd.struct_passwd | None
    """The system user the server runs as when the tests run as root."""
    process: subprocess.Popen[bytes] | None = None
    _names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def log_path(self) -> Path:
        return self.directory / "postgres.log"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def url(self, database: str) -> str:
        """A SQLAlchemy URL for ``database`` over the private socket."""
        return (f"postgresql+psycopg://{PG_USER}@/{database}"
                f"?host={self.directory}&port={self.port}")

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host=str(self.directory), port=self.port, user=PG_USER,
                               dbname=database, autocommit=True, connect_timeout=10)

    # --- life -------------------------------------------------------------------------------

    def _as_owner(self) -> dict[str, object]:
        """Popen's arguments that run a command as the cluster's owner."""
        if self.run_as is None:
            return {}
        return {"user": self.run_as.pw_uid, "group": self.run_as.pw_gid, "extra_groups": [],
                "env": {**os.environ, "HOME": str(self.directory), "USER": self.run_as.pw_name,
                        "LOGNAME": self.run_as.pw_name}}

    def init(self) -> None:
        result = subprocess.run(
            [str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", PG_USER,
             "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
            cwd=self.directory, capture_output=True, timeout=120, **self._as_owner())
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed ({result.returncode}):\n"
                               f"{result.stdout.decode(errors='replace')}\n"
                               f"{result.stderr.decode(errors='replace')}")

    def start(self) -> None:
        command = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir),
                   "-k", str(self.directory), "-p", str(self.port)]
        for name, value in SERVER_SETTINGS.items():
            command += ["-c", f"{name}={value}"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=self.directory, stdout=log, stderr=log,
                                            stdin=subprocess.DEVNULL, **self._as_owner())
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited with status {self.process.returncode} "
                                   f"before answering:\n{self.log()}")
            try:
                self.connect().close()
                return
            except psycopg.OperationalError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"postgres did not answer within {START_TIMEOUT_S:g} s:\n"
                                   f"{self.log()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """A fast shutdown by PID (SIGINT: sessions cut, then a clean stop), harder if need be."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
            os.kill(process.pid, sig)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
                return
            except subprocess.TimeoutExpired:
                continue

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # --- databases --------------------------------------------------------------------------

    def create_database(self, prefix: str = "huduma") -> str:
        """A new empty database; its name."""
        name = f"{prefix}_{next(self._names)}"
        with self.connect() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, cutting any session still on it."""
        with self.connect() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


def start_cluster() -> PostgresCluster:
    """initdb and start a private cluster (the caller stops it and removes its folder)."""
    bin_dir = find_server_bin()
    if bin_dir is None:
        raise RuntimeError(
            "No PostgreSQL server binaries (initdb, postgres) were found under "
            "/usr/lib/postgresql/*/bin, on PATH or in HUDUMA_PG_BIN. `make test` installs "
            "them (the Debian package `postgresql`); or: apt-get install postgresql")
    run_as = None
    if os.geteuid() == 0:
        try:
            run_as = pwd.getpwnam("postgres")
        except KeyError as err:
            raise RuntimeError("The tests run as root, and PostgreSQL will not: a `postgres` "
                               "system user is needed (the postgresql package makes it)") from err
    # As root, under /tmp: the postgres user must be able to reach the folder, and a test
    # run's own temporary folder (pytest's) may be closed to other users.
    directory = Path(tempfile.mkdtemp(prefix="huduma-pg-", dir="/tmp" if run_as else None))
    if run_as is not None:
        os.chown(directory, run_as.pw_uid, run_as.pw_gid)
    cluster = PostgresCluster(bin_dir=bin_dir, directory=directory, port=_free_port(),
                              run_as=run_as)
    try:
        cluster.init()
        cluster.start()
    except BaseException:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return cluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """The run's private cluster, started on first use and stopped by PID at the end."""
    try:
        cluster = start_cluster()
    except RuntimeError as err:
        pytest.fail(str(err), pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """A fresh database in the private cluster, shared by the whole session."""
    return postgres_cluster.url(postgres_cluster.create_database("huduma_session"))


@pytest.fixture
def postgres_db_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """A new empty database for one test, dropped after it."""
    name = postgres_cluster.create_database("huduma_test")
    try:
        yield postgres_cluster.url(name)
    finally:
        postgres_cluster.drop_database(name)
