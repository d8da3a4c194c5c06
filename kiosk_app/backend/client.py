"""The backend client, on one ``requests`` session with a time limit on every call.

Blocking: call it from a worker thread. Errors are typed here, at the boundary: callers see
:class:`BackendUnavailable` (no answer: the network, DNS, a time-out) or :class:`BackendError`
(an answer, but not a good one), never a ``requests`` exception.

    client = BackendClient("http://127.0.0.1:8765", timeout_s=5)
    client.health()      # Health(reachable=True, latency_ms=3.1, version="1")
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import requests


class BackendError(Exception):
    """The backend answered, but not with what was asked for."""

    def __init__(self, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.status = status

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed later: the backend was busy or broken (5xx,
        408, 429), or is still working on the first send of this idempotency key (409 with
        ``idempotency_in_progress``). Any other refusal (400, 401, 403, 404, 422) will not
        change by sending it again."""
        return self.status is None or self.status >= 500 or self.status in (408, 425, 429)


class BackendUnavailable(BackendError):
    """No answer from the backend: the network, its name, or a time-out."""

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
    def __init__(self, base_url: str, *, timeout_s: float = 5.0,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._http = session or requests.Session()

    def _get(self, path: str, *, timeout_s: float | None = None) -> requests.Response:
        url = f"{self.base_url}{path}"
        try:
            response = self._http.get(url, timeout=timeout_s or self.timeout_s)
        except requests.Timeout as err:
            raise BackendUnavailable(f"no answer within {timeout_s or self.timeout_s:g} s") from err
        except requests.ConnectionError as err:
            raise BackendUnavailable(f"cannot connect to {self.base_url}") from err
        except requests.RequestException as err:
            raise BackendUnavailable(type(err).__name__) from err
        if response.status_code >= 400:
            raise BackendError(f"HTTP {response.status_code} from {path}", response.status_code)
        return response

    def health(self, *, timeout_s: float | None = None) -> Health:
        """Whether the backend answers, and how fast. Never raises."""
        start = time.perf_counter()
        try:
            response = self._get("/v1/health", timeout_s=timeout_s)
            body = response.json() if response.content else {}
        except BackendError as err:
            return Health(False, detail=str(err))
        except ValueError:
            return Health(False, detail="the answer was not JSON")
        return Health(True, round((time.perf_counter() - start) * 1000, 1),
                      str(body.get("api_version", "")) or None)

    def close(self) -> None:
        self._http.close()
