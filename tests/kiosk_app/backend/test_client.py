"""The backend client's policies against a real HTTP server on loopback that answers from a
script: retries only where repeating cannot apply twice, time limits, typed errors."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk_app import contract
from kiosk_app.backend.client import BackendClient, BackendError, BackendUnavailable, NotEnrolled

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


class Scripted:
    """Answers requests in turn from a list of (status, body, delay_s); "close" drops the
    connection without an answer. Records what it was sent."""

    def __init__(self) -> None:
        self.answers: list[tuple[int | str, object, float]] = []
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.lock = threading.Lock()


@pytest.fixture
def scripted() -> Iterator[tuple[Scripted, str]]:
    script = Scripted()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with script.lock:
                script.requests.append((self.command, self.path, dict(self.headers), body))
                status, payload, delay = script.answers.pop(0) if script.answers else (500, {}, 0)
            if delay:
                time.sleep(delay)
            if status == "close":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            data = json.dumps(payload).encode()
            self.send_response(int(status))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield script, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def client_for(url: str, **kwargs: object) -> BackendClient:
    kwargs.setdefault("timeout_s", 2.0)
    return BackendClient(url, token="t" * 40, backoff_s=0.01, **kwargs)  # type: ignore[arg-type]


def problem(status: int, code: str) -> dict[str, object]:
    return {"status": status, "code": code,
            "message": {"en": "Something is wrong.", "sw": "Kuna tatizo."}}


def ticket_body() -> contract.TicketIn:
    return contract.TicketIn(service_code="GOOD-CONDUCT")


def ticket_answer() -> dict[str, object]:
    return {"number": "A001", "service_code": "GOOD-CONDUCT",
            "counter_group": {"en": "Registration", "sw": "Usajili"},
            "issued_at": NOW.isoformat(), "waiting_ahead": 0, "estimated_wait_minutes": 0}


def test_a_read_is_retried_after_a_busy_answer(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    keys = {"keys": []}
    script.answers = [(503, problem(503, "busy"), 0), (200, keys, 0)]
    assert client_for(url).keys() == contract.KeyDirectory(keys=[])
    assert len(script.requests) == 2


def test_a_write_with_a_key_is_retried_after_a_dropped_connection_with_the_same_key(
        scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.answers = [("close", None, 0), (201, ticket_answer(), 0)]
    ticket = client_for(url).take_ticket(ticket_body(), idempotency_key="k-1")
    assert ticket.number == "A001"
    keys = [r[2].get(contract.IDEMPOTENCY_HEADER) for r in script.requests]
    assert keys == ["k-1", "k-1"]
    assert script.requests[0][3] == script.requests[1][3]


def test_a_write_without_a_key_is_tried_once(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.answers = [(503, problem(503, "busy"), 0), (200, {}, 0)]
    body = contract.AgentSignInIn(agent_number="BA-0001", pin="2468")
    with pytest.raises(BackendError) as caught:
        client_for(url).agent_sign_in(body)
    assert caught.value.status == 503 and caught.value.retryable
    assert len(script.requests) == 1


def test_a_refusal_is_not_retried_and_carries_the_backends_words(
        scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.answers = [(422, problem(422, "invalid_answers"), 0)]
    with pytest.raises(BackendError) as caught:
        client_for(url).take_ticket(ticket_body(), idempotency_key="k-2")
    error = caught.value
    assert not error.retryable and error.code == "invalid_answers"
    assert error.message == contract.Text(en="Something is wrong.", sw="Kuna tatizo.")
    assert len(script.requests) == 1


def test_an_answer_that_is_late_is_no_answer(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.answers = [(200, {"keys": []}, 1.5)]
    with pytest.raises(BackendUnavailable) as caught:
        client_for(url, timeout_s=0.3, attempts=1).keys()
    assert caught.value.retryable


def test_nothing_listening_is_no_answer() -> None:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(BackendUnavailable):
        client_for(f"http://127.0.0.1:{port}", attempts=2).keys()


def test_the_token_is_sent_and_a_refused_token_is_not_enrolled(
        scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.answers = [(401, problem(401, "unauthorised"), 0)]
    with pytest.raises(NotEnrolled):
        client_for(url).take_ticket(ticket_body(), idempotency_key="k-3")
    assert script.requests[0][2]["Authorization"] == "Bearer " + "t" * 40


def test_with_no_token_a_write_does_not_reach_the_network(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    with pytest.raises(NotEnrolled):
        BackendClient(url).take_ticket(ticket_body(), idempotency_key="k-4")
    assert script.requests == []


def test_an_answer_that_does_not_fit_the_api_is_an_error(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.answers = [(201, {"number": "not a ticket"}, 0)]
    with pytest.raises(BackendError) as caught:
        client_for(url).take_ticket(ticket_body(), idempotency_key="k-5")
    assert "does not fit" in str(caught.value)
    assert caught.value.retryable  # most often an answer cut short: ask again


def test_the_catalogue_is_asked_with_its_etag_and_304_means_unchanged(
        scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.answers = [(304, {}, 0)]
    catalogue, etag = client_for(url).catalogue('"v1"')
    assert catalogue is None and etag == '"v1"'
    assert script.requests[0][2]["If-None-Match"] == '"v1"'


def test_health_never_raises(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.answers = [(500, {}, 0)]
    health = client_for(url).health()
    assert not health.reachable and "500" in health.detail
