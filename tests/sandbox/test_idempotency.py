"""The idempotency mechanism where two requests really race: the loser's insert fails on the
key's constraint and it answers with the winner's stored answer. The "winner" commits through
a second connection while the "loser" is in the middle of its work. On PostgreSQL this is the
sandbox's own engine, where nothing queues two writers; on the sandbox's SQLite engine writers
queue, so there the test builds a plain SQLite engine whose reads take no lock."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine

from kiosk_app import contract
from sandbox import idempotency
from sandbox.context import Backend
from sandbox.db import Base, IdempotencyRecord, make_engine, make_sessions, utcnow
from sandbox.problems import ProblemError
from sandbox.server import create_app
from sandbox.settings import Settings

pytestmark = pytest.mark.postgresql  # every test here runs on PostgreSQL too

KEY = "2f1b7a4e-9c1d-4f57-8d0e-3a7f6b5c4d21"
BODY = contract.TicketIn(service_code="BIRTH_CERT")


@pytest.fixture
def backend(database_url: str) -> Backend:
    engine: Engine
    if database_url.startswith("sqlite"):
        # pysqlite's own transaction handling: a SELECT takes no lock, so two sessions can
        # both find the key absent, as two PostgreSQL transactions do.
        engine = create_engine(database_url)
    else:
        engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    yield Backend(settings=Settings(), engine=engine, sessions=make_sessions(engine))
    engine.dispose()


def winner_record(answer: str) -> IdempotencyRecord:
    return IdempotencyRecord(key=KEY, device_id="KSK-A", method="POST", path="/v1/x",
                             body_hash=idempotency.body_hash(BODY), status_code=201,
                             response=answer, created_at=utcnow())


def test_the_loser_of_a_race_answers_with_the_winners_answer(backend: Backend) -> None:
    calls = []

    def work(_session):  # noqa: ANN001, ANN202
        calls.append(1)
        if len(calls) == 1:  # the other request commits first, while this one works
            with backend.sessions() as other, other.begin():
                other.add(winner_record('{"won": "first"}'))
        return 201, contract.Accepted(id="LOSER", received_at=utcnow())

    answer = idempotency.run(backend, key=KEY, device_id="KSK-A", method="POST",
                             path="/v1/x", body=BODY, work=work)
    assert answer.replayed and json.loads(answer.body) == {"won": "first"}
    assert calls == [1]  # not applied a second time
    with backend.sessions() as session:
        assert session.query(IdempotencyRecord).count() == 1


def test_a_refusal_that_echoes_the_winners_write_is_the_winners_answer(backend: Backend) -> None:
    # The winner commits between the loser's look-up of the key and its work, which then
    # finds the winner's rows (an application with this reference) and refuses.
    def work(_session):  # noqa: ANN001, ANN202
        with backend.sessions() as other, other.begin():
            other.add(winner_record('{"won": "first"}'))
        raise ProblemError(409, "reference_taken", "Taken.", "Imechukuliwa.")

    answer = idempotency.run(backend, key=KEY, device_id="KSK-A", method="POST",
                             path="/v1/x", body=BODY, work=work)
    assert answer.replayed and json.loads(answer.body) == {"won": "first"}


def test_a_refusal_with_no_answer_for_the_key_stays_a_refusal(backend: Backend) -> None:
    def work(_session):  # noqa: ANN001, ANN202
        raise ProblemError(409, "reference_taken", "Taken.", "Imechukuliwa.")

    with pytest.raises(ProblemError) as caught:
        idempotency.run(backend, key=KEY, device_id="KSK-A", method="POST", path="/v1/x",
                        body=BODY, work=work)
    assert caught.value.code == "reference_taken"
    with backend.sessions() as session:
        assert session.query(IdempotencyRecord).count() == 0


def test_a_race_with_another_body_is_a_conflict(backend: Backend) -> None:
    def work(_session):  # noqa: ANN001, ANN202
        with backend.sessions() as other, other.begin():
            other.add(winner_record("{}"))
        return 201, contract.Accepted(id="LOSER", received_at=utcnow())

    with pytest.raises(ProblemError) as caught:
        idempotency.run(backend, key=KEY, device_id="KSK-A", method="POST", path="/v1/x",
                        body=contract.TicketIn(service_code="OTHER"), work=work)
    assert caught.value.code == "idempotency_conflict"


def test_a_crash_is_a_bilingual_500_and_its_message_stays_out_of_the_log(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A route that fails like a database error whose message holds a row's values; no real
    # route fails on purpose, so one is added for this test.
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'crash.sqlite3'}",
                              catalogue_path=Path(__file__).parent / "data" / "catalogue.json"))

    values = "".join(["SECRET-", "NAME ", "2345", "6789"])  # not spelled out in the source,
    # which the log's traceback quotes

    def boom() -> None:
        raise RuntimeError(f"INSERT failed for applicant {values}")

    app.add_api_route("/v1/boom", boom)
    with caplog.at_level(logging.ERROR), TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/v1/boom")
    assert answer.status_code == 500
    problem = contract.Problem.model_validate(answer.json())
    assert problem.code == "internal_error" and problem.message.sw != problem.message.en
    assert "RuntimeError" in caplog.text and "boom" in caplog.text
    assert "SECRET-NAME" not in caplog.text and "23456789" not in caplog.text
    assert "SECRET-NAME" not in answer.text
