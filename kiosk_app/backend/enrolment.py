"""This device's enrolment with the backend: its public key registered, a token kept.

    credentials = ensure_enrolled(config, client)    # token set on the client, or NotEnrolled

The enrolment is kept in ``<data dir>/enrolment.json`` (0600: it holds the bearer token and, on
an agent device, the PIN hashes of the agents bound to it). It belongs to one backend URL and
one device id; a change of either enrols again, with the configured one-time code.

The key registered is the device's receipt-signing key (:mod:`kiosk_app.receipts.keys`), so the
backend's key directory is what lets any kiosk verify this device's receipts offline.

Blocking (disk and network): call from a worker thread.
"""
from __future__ import annotations

import base64
import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from kiosk_app.files import write_atomically
from kiosk_app.backend.client import BackendClient, NotEnrolled
from kiosk_app.config import KioskConfig
from kiosk_app.lazy import lazy_module
from kiosk_app.receipts.keys import DEVICE_KEY_FILE, DeviceKey

if TYPE_CHECKING:
    from kiosk_app import contract
else:
    contract = lazy_module("kiosk_app.contract")  # pydantic, on first use (kiosk_app/lazy.py)

log = logging.getLogger(__name__)

ENROLMENT_FILE = "enrolment.json"

T = TypeVar("T")


@dataclass(frozen=True)
class Credentials:
    device_id: str
    backend_url: str
    token: str
    key_id: str
    enrolled_at: str
    agents: tuple[contract.AgentCredential, ...] = ()

    def __repr__(self) -> str:  # the token is a secret
        return f"Credentials(device_id={self.device_id!r}, backend_url={self.backend_url!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "backend_url": self.backend_url,
                "token": self.token, "key_id": self.key_id, "enrolled_at": self.enrolled_at,
                "agents": [a.model_dump(mode="json") for a in self.agents]}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Credentials:
        return cls(str(raw["device_id"]), str(raw["backend_url"]), str(raw["token"]),
                   str(raw["key_id"]), str(raw["enrolled_at"]),
                   tuple(contract.AgentCredential.model_validate(a) for a in raw.get("agents", [])))


def load_credentials(data_dir: Path) -> Credentials | None:
    """The kept enrolment, or None when there is none or it is unreadable (then the device
    enrols again; the unreadable file is left for a technician to look at)."""
    path = Path(data_dir) / ENROLMENT_FILE
    try:
        return Credentials.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as err:
        log.warning("the enrolment file %s cannot be used (%s); enrolling again",
                    path, type(err).__name__)
        return None


def save_credentials(data_dir: Path, credentials: Credentials) -> None:
    """Write the enrolment at once (a reader sees the old file or the new one), owner-only."""
    write_atomically(Path(data_dir) / ENROLMENT_FILE,
                     json.dumps(credentials.to_dict(), indent=2).encode())


def enrol(config: KioskConfig, client: BackendClient, code: str, *,
          location: str = "") -> Credentials:
    """Enrol this device with ``code``; keep and answer the credentials. Raises BackendError
    (a wrong code is a 4xx with the backend's bilingual message) or BackendUnavailable."""
    key = DeviceKey.load_or_create(config.data_dir / DEVICE_KEY_FILE)
    public = base64.urlsafe_b64encode(key.public_key_bytes).rstrip(b"=").decode("ascii")
    body = contract.EnrolmentIn(device_id=config.device_id, role=contract.Role(config.role),
                                public_key=public, enrolment_code=code, location=location)
    enrolment = client.enrol(body)
    credentials = Credentials(enrolment.device_id, client.base_url, enrolment.token,
                              enrolment.key_id,
                              datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              tuple(enrolment.agents))
    save_credentials(config.data_dir, credentials)
    log.info("enrolled as %s with %s", enrolment.device_id, client.base_url)
    return credentials


class Enroller:
    """Keeps one client's token current: loads the kept enrolment, enrols with the configured
    code when there is none (or the backend no longer takes the token). Thread-safe."""

    def __init__(self, config: KioskConfig, client: BackendClient) -> None:
        self.config = config
        self.client = client
        self._lock = threading.Lock()
        self._credentials: Credentials | None = None

    def ensure(self) -> Credentials:
        """Credentials this client now uses; raises NotEnrolled when there are none and no
        code is configured, or the errors of :func:`enrol`."""
        with self._lock:
            if self._credentials is None:
                kept = load_credentials(self.config.data_dir)
                if (kept is not None and kept.device_id == self.config.device_id
                        and kept.backend_url == self.client.base_url):
                    self._credentials = kept
                else:
                    self._credentials = self._enrol()
            self.client.token = self._credentials.token
            return self._credentials

    def renew(self) -> Credentials:
        """The backend refused the token (401): enrol again with the configured code."""
        with self._lock:
            self._credentials = self._enrol()
            self.client.token = self._credentials.token
            return self._credentials

    def authorised(self, send: Callable[[], T]) -> T:
        """``send()`` with this device's token; when the backend no longer takes the token
        (401), enrol again with the configured code and send once more."""
        self.ensure()
        try:
            return send()
        except NotEnrolled:
            log.info("the backend refused this device's token; enrolling again")
            self.renew()
            return send()

    def _enrol(self) -> Credentials:
        code = self.config.backend.enrolment_code
        if not code:
            raise NotEnrolled("this device is not enrolled and has no enrolment code; "
                              "run `huduma-kiosk enrol --code CODE`")
        return enrol(self.config, self.client, code)
