"""Alembic's environment for the sandbox: migrations run on the connection that
:func:`sandbox.migrate.upgrade` passes in (``config.attributes["connection"]``), or on the URL
in the config (``sqlalchemy.url``) when alembic runs from its own command line:

    alembic -x url=sqlite:///huduma-sandbox.sqlite3 -c sandbox/alembic.ini upgrade head
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from sandbox.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url")
    if not url:
        raise SystemExit("give the database: alembic -x url=sqlite:///FILE ...")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("the sandbox's migrations run online only")
run_migrations_online()
