"""The sandbox's FastAPI application: ``create_app(settings)`` and ``serve(...)``.

Blocking: ``serve`` runs uvicorn until the process is told to stop (SIGTERM or Ctrl-C); call it
on the main thread. Route handlers are plain functions that FastAPI runs on its worker threads.
"""
from __future__ import annotations

from datetime import datetime, timezone

import uvicorn
from fastapi import FastAPI

from kiosk_app import contract
from sandbox.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="Huduma Kiosk API (sandbox)", version=contract.API_VERSION)
    app.state.settings = settings

    @app.get(contract.Paths.HEALTH, response_model=contract.Health, tags=["health"])
    def health() -> contract.Health:
        return contract.Health(server_time=datetime.now(timezone.utc))

    return app


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8765) -> None:
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
