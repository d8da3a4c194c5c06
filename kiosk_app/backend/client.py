"""The backend client: the kiosk API of :mod:`kiosk_app.contract`, on one ``requests`` session.

Blocking: call it from a worker thread (the sync worker, a payment poller), never the UI thread.

- Every call has a time limit (``timeout_s``, for connecting and for each read).
- A call is retried, with a short jittered back-off, only when repeating it cannot apply it
  twice: reads (GET), and writes that carry an ``Idempotency-Key``. A write without a key is
  tried once.
- The device proves who it is with the bearer token from its enrolment (:attr:`token`).
- Errors are typed here, at the boundary: callers see :class:`BackendUnavailable` (no answer: the
  network, DNS, a time-out), :class:`NotEnrolled` (this device has no token the backend takes),
  or :class:`BackendError` (an answer, but a refusal, with the backend's bilingual
  :class:`~kiosk_app.contract.Problem`), never a ``requests`` exception.

    client = BackendClient("http://127.0.0.1:8765", timeout_s=5)
    client.health()                                 # Health(reachable=True, latency_ms=3.1, ...)
    catalogue, etag = client.catalogue()
    client.submit_application(body, idempotency_key=key)
"""
from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from kiosk_app.api_terms import IDEMPOTENCY_HEADER, Paths
from kiosk_app.lazy import lazy_module

if TYPE_CHECKING:
    import requests
    from pydantic import BaseModel

    from kiosk_app import contract
    from kiosk_app.contract import Problem, Text
else:
    # The bodies (pydantic) load with the first call, on a worker: the kiosk builds its client
    # before its first frame, which waits for none of that (kiosk_app/lazy.py).
    contract = lazy_module("kiosk_app.contract")

log = logging.getLogger(__name__)

M = TypeVar("M", bound="BaseModel")

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class BackendError(Exception):
    """The backend answered, but not with what was asked for."""

    def __init__(self, detail: str, status: int | None = None,
                 problem: Problem | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.problem = problem
        self.retry_after: float | None = None
        """Seconds the backend asked us to wait (its Retry-After), when it said."""

    @property
    def code(self) -> str | None:
        return self.problem.code if self.problem else None

    @property
    def message(self) -> Text | None:
        """The backend's own words for a person, in both languages, when it gave them."""
        return self.problem.message if self.problem else None

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed later: the backend was busy or broken (5xx,
        408, 429), or is still working on the first send of this idempotency key (409 with
        ``idempotency_in_progress``). Any other refusal (400, 403, 404, 409, 422) will not
        change by sending it again."""
        if self.status is None or self.status >= 500 or self.status in (408, 425, 429):
            return True
        return self.status == 409 and self.code == "idempotency_in_progress"


class BackendUnavailable(BackendError):
    """No answer from the backend: the network, its name, or a time-out."""

    @property
    def retryable(self) -> bool:
        return True


class NotEnrolled(BackendError):
    """The backend does not know this device's token (401), or it has none yet. Writes wait in
    the outbox until a technician enrols the device (``huduma-kiosk enrol``)."""

    @property
    def retryable(self) -> bool:
        return True


@dataclass(frozen=True)
class Health:
    reachable: bool
    latency_ms: float | None = None
    version: str | None = None
    detail: str = ""


class BackendClient:
    """One backend, one connection pool. Thread-safe for concurrent calls (``requests``'
    session is used read-only after construction; the token is swapped atomically)."""

    def __init__(self, base_url: str, *, timeout_s: float = 5.0,
                 session: requests.Session | None = None, token: str | None = None,
                 attempts: int = 3, backoff_s: float = 0.25,
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._http: requests.Session | None = None
        self._given_session = session
        self._http_lock = threading.Lock()
        self._token_lock = threading.Lock()
        self._token = token

    # -- the device's token ---------------------------------------------------------------------
    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        with self._token_lock:
            self._token = value

    def _session(self) -> requests.Session:
        """The connection pool, made on the first call (on a worker): ``requests`` is not loaded
        before the kiosk's first screen is up."""
        with self._http_lock:
            if self._http is None:
                import requests

                http = self._given_session or requests.Session()
                http.headers.update({"Accept": "application/json", "User-Agent": "huduma-kiosk"})
                self._http = http
            return self._http

    # -- one request, with the retry policy -------------------------------------------------------
    def request(self, method: str, path: str, *, body: BaseModel | None = None,
                params: dict[str, str] | None = None, idempotency_key: str | None = None,
                auth: bool = True, headers: dict[str, str] | None = None,
                timeout_s: float | None = None, attempts: int | None = None) -> requests.Response:
        """Send one request; answer the response of a 2xx or 304, raise a typed error otherwise.

        Retried (up to ``attempts`` in all) only when it is a GET or carries an idempotency
        key, and only for no answer or a retryable status."""
        import requests

        http = self._session()
        url = f"{self.base_url}{path}"
        sent_headers = dict(headers or {})
        if idempotency_key is not None:
            sent_headers[IDEMPOTENCY_HEADER] = idempotency_key
        if auth:
            token = self._token
            if token is None:
                raise NotEnrolled("this device is not enrolled with the backend")
            sent_headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = body.model_dump_json(exclude_none=False).encode()
            sent_headers["Content-Type"] = "application/json"
        repeatable = method in ("GET", "HEAD") or idempotency_key is not None
        tries = (attempts or self.attempts) if repeatable else 1
        limit = timeout_s or self.timeout_s
        for attempt in range(tries):
            try:
                response = http.request(method, url, data=data, params=params,
                                        headers=sent_headers, timeout=limit)
            except requests.Timeout as err:
                failure: BackendError = BackendUnavailable(f"no answer within {limit:g} s")
                failure.__cause__ = err
            except requests.ConnectionError as err:
                failure = BackendUnavailable(f"cannot connect to {self.base_url}")
                failure.__cause__ = err
            except requests.RequestException as err:
                failure = BackendUnavailable(type(err).__name__)
                failure.__cause__ = err
            else:
                if response.status_code < 400:
                    return response
                failure = _error_from(response, path)
                if failure.status not in RETRY_STATUSES and not (
                        failure.status == 409 and failure.retryable):
                    raise failure
            if attempt + 1 < tries:
                wait = self._rng.uniform(0, self.backoff_s * 2 ** attempt)
                if failure.retry_after is not None:
                    wait = max(wait, min(failure.retry_after, 5.0))
                log.debug("%s %s: %s; again in %.2f s", method, path, failure, wait)
                self._sleep(wait)
        raise failure

    def _call(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        response = self.request(method, path, **kwargs)
        return _parse(model, response, path)

    # -- the API ------------------------------------------------------------------------------
    def health(self, *, timeout_s: float | None = None) -> Health:
        """Whether the backend answers, and how fast. Never raises; tried once."""
        start = time.perf_counter()
        try:
            response = self.request("GET", Paths.HEALTH, auth=False, timeout_s=timeout_s,
                                    attempts=1)
            body = response.json() if response.content else {}
        except BackendError as err:
            return Health(False, detail=str(err))
        except ValueError:
            return Health(False, detail="the answer was not JSON")
        return Health(True, round((time.perf_counter() - start) * 1000, 1),
                      str(body.get("api_version", "")) or None)

    def catalogue(self, etag: str | None = None) -> tuple[contract.Catalogue | None, str | None]:
        """The catalogue and its ETag; ``(None, etag)`` when the one held (``etag``) is current."""
        headers = {"If-None-Match": etag} if etag else None
        response = self.request("GET", Paths.CATALOGUE, auth=False, headers=headers)
        if response.status_code == 304:
            return None, etag
        return _parse(contract.Catalogue, response, Paths.CATALOGUE), response.headers.get("ETag")

    def enrol(self, body: contract.EnrolmentIn) -> contract.Enrolment:
        """Register this device's public key; sets and answers the token. Tried once: the
        enrolment code is for one device, and sending it again is harmless but needs a person."""
        enrolment = self._call(contract.Enrolment, "POST", Paths.ENROL, body=body, auth=False)
        self.token = enrolment.token
        return enrolment

    def submit_application(self, body: contract.ApplicationIn, *,
                           idempotency_key: str) -> contract.Application:
        return self._call(contract.Application, "POST", Paths.APPLICATIONS, body=body,
                          idempotency_key=idempotency_key)

    def application(self, reference: str) -> contract.Application:
        return self._call(contract.Application, "GET",
                          Paths.APPLICATION.format(reference=reference), auth=False)

    def start_payment(self, body: contract.PaymentIn, *, idempotency_key: str,
                      timeout_s: float | None = None) -> contract.Payment:
        """Ask M-Pesa for an STK push. Tried once here: the caller decides, with the same key,
        whether and when to ask again (a time-out leaves the payment *unknown*, not failed)."""
        return self._call(contract.Payment, "POST", Paths.PAYMENTS, body=body,
                          idempotency_key=idempotency_key, attempts=1, timeout_s=timeout_s)

    def payment(self, payment_id: str) -> contract.Payment:
        return self._call(contract.Payment, "GET", Paths.PAYMENT.format(payment_id=payment_id))

    def take_ticket(self, body: contract.TicketIn, *, idempotency_key: str) -> contract.Ticket:
        return self._call(contract.Ticket, "POST", Paths.TICKETS, body=body,
                          idempotency_key=idempotency_key)

    def send_reference_sms(self, reference: str, body: contract.SmsIn, *,
                           idempotency_key: str) -> contract.Accepted:
        """Ask the backend to send the application's reference to ``body.phone`` by SMS."""
        return self._call(contract.Accepted, "POST",
                          Paths.APPLICATION_SMS.format(reference=reference), body=body,
                          idempotency_key=idempotency_key)

    def send_feedback(self, body: contract.FeedbackIn, *,
                      idempotency_key: str) -> contract.Accepted:
        return self._call(contract.Accepted, "POST", Paths.FEEDBACK, body=body,
                          idempotency_key=idempotency_key)

    def heartbeat(self, device_id: str, body: contract.HeartbeatIn) -> contract.HeartbeatOut:
        return self._call(contract.HeartbeatOut, "POST",
                          Paths.HEARTBEAT.format(device_id=device_id), body=body, attempts=1)

    def keys(self) -> contract.KeyDirectory:
        return self._call(contract.KeyDirectory, "GET", Paths.KEYS, auth=False)

    def agent_sign_in(self, body: contract.AgentSignInIn) -> contract.AgentSession:
        return self._call(contract.AgentSession, "POST", Paths.AGENT_SIGN_IN, body=body)

    def post_ledger_entry(self, agent_number: str, body: contract.LedgerEntryIn, *,
                          idempotency_key: str) -> contract.LedgerEntry:
        return self._call(contract.LedgerEntry, "POST",
                          Paths.LEDGER.format(agent_number=agent_number), body=body,
                          idempotency_key=idempotency_key)

    def ledger(self, agent_number: str, since: datetime, until: datetime) -> contract.Ledger:
        return self._call(contract.Ledger, "GET", Paths.LEDGER.format(agent_number=agent_number),
                          params={"since": since.isoformat(), "until": until.isoformat()})

    def close(self) -> None:
        with self._http_lock:
            if self._http is not None:
                self._http.close()


class GarbledAnswer(BackendError):
    """A success whose body does not fit the API: most often an answer cut short on the way
    (a proxy, a dropped link), so asking again (with the same key) is right. A backend that
    really answers wrongly shows up as this error again and again in the outbox's last error."""

    @property
    def retryable(self) -> bool:
        return True


def _parse(model: type[M], response: requests.Response, path: str) -> M:
    from pydantic import ValidationError

    try:
        return model.model_validate_json(response.content)
    except ValidationError as err:
        raise GarbledAnswer(f"the answer from {path} does not fit the API "
                            f"({err.error_count()} problems)", response.status_code) from None


def _error_from(response: requests.Response, path: str) -> BackendError:
    from pydantic import ValidationError

    problem = None
    try:
        problem = contract.Problem.model_validate_json(response.content)
    except ValidationError:
        pass
    detail = f"HTTP {response.status_code} from {path}"
    if problem is not None:
        detail += f" ({problem.code})"
    if response.status_code == 401:
        error: BackendError = NotEnrolled(detail, 401, problem)
    else:
        error = BackendError(detail, response.status_code, problem)
    retry_after = response.headers.get("Retry-After")
    if retry_after and retry_after.isdigit():
        error.retry_after = float(retry_after)
    return error
