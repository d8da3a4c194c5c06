"""Bodies and calls the sandbox's tests share, for the test catalogue's services."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Row, text

from kiosk_app import contract
from sandbox.db import make_engine
from tests.sandbox_fixtures import SandboxServer

TEST_CATALOGUE = Path(__file__).parent / "data" / "catalogue.json"
TIMEOUT = 15

BIRTH_ANSWERS = {"child_name": "Test Child", "date_of_birth": "2024-02-29", "sex": "female",
                 "born_in_hospital": "yes", "copies": "2"}


def birth_application(**changes: Any) -> dict[str, Any]:
    """A valid application for BIRTH_CERT (KES 100) as JSON, with ``changes`` applied."""
    body: dict[str, Any] = {
        "reference": contract.new_reference(), "service_code": "BIRTH_CERT",
        "applicant": {"document_type": "national_id", "document_number": "23456789",
                      "surname": "TESTER", "given_names": "SAMPLE"},
        "answers": dict(BIRTH_ANSWERS), "amount_cents": 10_000, "payment": "mpesa",
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
    body.update(changes)
    return body


class Device:
    """An enrolled device talking to a sandbox over HTTP."""

    def __init__(self, server: SandboxServer, role: str = "kiosk",
                 device_id: str | None = None) -> None:
        self.server = server
        self.enrolment = server.enrol(device_id=device_id, role=role)
        self.device_id: str = self.enrolment["device_id"]
        self.token: str = self.enrolment["token"]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, body: dict[str, Any], key: str | None = None,
             **headers: str) -> requests.Response:
        sent = {**self.auth, "Idempotency-Key": key or str(uuid.uuid4()), **headers}
        return requests.post(f"{self.server.url}{path}", json=body, headers=sent,
                             timeout=TIMEOUT)

    def get(self, path: str, **params: str) -> requests.Response:
        return requests.get(f"{self.server.url}{path}", params=params, headers=self.auth,
                            timeout=TIMEOUT)


def problem(response: requests.Response) -> contract.Problem:
    """The response's Problem body, checked against the contract (both languages present)."""
    return contract.Problem.model_validate(response.json())


def query(server: SandboxServer, sql: str, **params: object) -> list[Row[Any]]:
    """Rows from the sandbox's own database (SQLite or PostgreSQL), read beside the running
    server; ``sql`` names its parameters as ``:name``."""
    engine = make_engine(server.db_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params))
    finally:
        engine.dispose()
