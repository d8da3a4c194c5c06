"""The sandbox's FastAPI application: ``create_app(settings)`` and ``serve(...)``.

    app = create_app(Settings(db_url="sqlite:///sandbox.sqlite3"))
    serve(Settings(), host="127.0.0.1", port=8765)

Creating the app touches nothing; the database is brought to the newest schema, and the
catalogue seed and the demo agents loaded into it, by ``prepare`` (``serve`` calls it before
listening, and the app's start-up calls it too, for servers that run the app themselves).

Blocking: ``prepare`` and ``serve`` run on the main thread (``serve`` until SIGTERM or
Ctrl-C). Route handlers are plain functions that FastAPI runs on its worker threads.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import uvicorn
from fastapi import Depends, FastAPI

from kiosk_app import contract
from sandbox import agents, applications, catalogue, devices, payments, queue, sms
from sandbox.catalogue_store import SeedError, load_seed
from sandbox.context import Backend
from sandbox.db import make_engine, make_sessions, shown_url
from sandbox.migrate import upgrade
from sandbox.problems import install_handlers, refuse_unknown_query, responses
from sandbox.settings import Settings
from sandbox.storable import guard_storable

log = logging.getLogger(__name__)

__all__ = ["SeedError", "Settings", "create_app", "prepare", "serve", "shown_url"]

DESCRIPTION = """\
The kiosk API, version 1, served by the Huduma Kiosk **sandbox**: the reference backend for
demo mode and tests. The bodies are the pydantic models of `kiosk_app/contract.py`.

* **Devices** enrol with `POST /v1/devices` and the enrolment code, and send the token they
  get as `Authorization: Bearer <token>` on every later call.
* **Writes** carry an `Idempotency-Key` (a UUID): the same key and body get the first answer
  again; the same key with another body gets 409 `idempotency_conflict`.
* **Errors** are `Problem` bodies with a message in English and Kiswahili.
* **M-Pesa test numbers** (last four digits of the phone): 0001 cancelled (1032), 0002 not
  enough money (1), 0003 no answer (1037, after a delay), 0004 wrong PIN (2001), 0009 slow
  first answer, anything else confirmed.
* **Demo agents**: BA-0001 (PIN 2468), BA-0002 (PIN 1357), BA-0003 (PIN 8024).
* **Back office**: `X-Operator-Key` moves applications along their statuses.
"""


def _prepare(backend: Backend, lock: threading.Lock, done: list[bool]) -> None:
    with lock:
        if done:
            return
        upgrade(backend.engine)
        version = load_seed(backend.sessions, backend.settings.catalogue_path, backend.now)
        with backend.sessions() as session, session.begin():
            agents.seed_agents(session)
        log.info("database ready; catalogue %s", version)
        done.append(True)


def prepare(app: FastAPI) -> None:
    """Migrate the database and load the seeds, once (raises ``SeedError`` for a bad seed)."""
    app.state.prepare()


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings.db_url)
    guard_storable(engine)
    backend = Backend(settings=settings, engine=engine, sessions=make_sessions(engine))
    lock, done = threading.Lock(), []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _prepare(backend, lock, done)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(title="Huduma Kiosk API (sandbox)", version=contract.API_VERSION,
                  description=DESCRIPTION, lifespan=lifespan,
                  dependencies=[Depends(refuse_unknown_query)])
    app.state.backend = backend
    app.state.prepare = lambda: _prepare(backend, lock, done)
    install_handlers(app)

    @app.get(contract.Paths.HEALTH, response_model=contract.Health, tags=["health"],
             summary="Whether the backend answers", responses=responses(422))
    def health() -> contract.Health:
        return contract.Health(server_time=datetime.now(timezone.utc))

    for module in (catalogue, applications, sms, payments, queue, devices, agents):
        app.include_router(module.router)
    return app


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Prepare the database, then answer on ``host:port`` until SIGTERM or Ctrl-C."""
    app = create_app(settings)
    prepare(app)
    uvicorn.run(app, host=host, port=port, log_level="warning")
