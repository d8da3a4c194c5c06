"""The catalogue of services, kept on the device so it can be shown and filled in offline.

    services = ServiceCatalogue(data_dir / "catalogue.json")
    services.load()                    # what was kept (at start; disk)
    services.refresh(client)           # ask the backend, with the ETag (network; worker thread)
    services.current                   # a contract.Catalogue, or None before the first download
    services.service("GOOD-CONDUCT")

The kept copy is written at once (a reader sees the old file or the new one) with the ETag it
came with, so a refresh of an unchanged catalogue costs one 304 and no download. A damaged file
is set aside (``catalogue.json.damaged``) and the next refresh replaces it; the kiosk says it
cannot show services until then, and never crashes on it.

Blocking: ``load`` and ``refresh`` touch the disk and the network: call them on a worker.
``current`` and the lookups are safe from any thread.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from kiosk_app.backend.client import BackendClient, BackendError
from kiosk_app.files import write_atomically
from kiosk_app.i18n import N_
from kiosk_app.lazy import lazy_module

if TYPE_CHECKING:
    from kiosk_app import contract
    from kiosk_app.contract import Catalogue, Service
else:
    contract = lazy_module("kiosk_app.contract")  # pydantic, on first use (kiosk_app/lazy.py)

log = logging.getLogger(__name__)

CATALOGUE_FILE = "catalogue.json"

NO_CATALOGUE = N_("The list of services is not on this kiosk yet. It is downloaded the first "
                  "time the kiosk is online. Please try again later or ask an officer.")


@dataclass(frozen=True)
class Refresh:
    changed: bool
    reachable: bool
    detail: str = ""


class ServiceCatalogue:
    def __init__(self, path: Path, *, now: Callable[[], datetime] | None = None) -> None:
        self.path = Path(path)
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self._catalogue: Catalogue | None = None
        self._etag: str | None = None
        self._fetched_at: datetime | None = None
        self._by_code: dict[str, Service] = {}
        self._listeners: list[Callable[[Catalogue], None]] = []

    # -- reading ------------------------------------------------------------------------------
    @property
    def current(self) -> Catalogue | None:
        return self._catalogue

    @property
    def fetched_at(self) -> datetime | None:
        """When the kept copy was last confirmed current by the backend."""
        return self._fetched_at

    def service(self, code: str) -> Service | None:
        return self._by_code.get(code)

    def services_in(self, category: str) -> list[Service]:
        catalogue = self._catalogue
        return [s for s in catalogue.services if s.category == category] if catalogue else []

    def search(self, words: str, language: str) -> list[Service]:
        """Services whose name, summary or agency has every word typed (any case, either
        language's text searched in the chosen language first)."""
        catalogue = self._catalogue
        if catalogue is None:
            return []
        terms = [w for w in words.casefold().split() if w]
        found = []
        for service in catalogue.services:
            haystack = " ".join([service.name.get(language), service.summary.get(language),
                                 service.agency.name.get(language), service.code,
                                 service.name.en, service.name.sw]).casefold()
            if all(term in haystack for term in terms):
                found.append(service)
        return found

    def add_listener(self, listener: Callable[[Catalogue], None]) -> None:
        """``listener(catalogue)`` is called, on the refreshing thread, when it changes."""
        self._listeners.append(listener)

    # -- keeping ------------------------------------------------------------------------------
    def load(self) -> bool:
        """Read the kept copy; True when there is a usable one."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            catalogue = contract.Catalogue.model_validate(raw["catalogue"])
            etag = raw.get("etag")
            fetched = datetime.fromisoformat(raw["fetched_at"])
        except FileNotFoundError:
            return False
        except (OSError, ValueError, KeyError, TypeError) as err:  # pydantic's is a ValueError
            log.error("the kept catalogue %s is damaged (%s); set aside until the next download",
                      self.path, type(err).__name__)
            try:
                os.replace(self.path, self.path.with_name(self.path.name + ".damaged"))
            except OSError:
                pass
            return False
        self._set(catalogue, etag, fetched, notify=False)
        return True

    def refresh(self, client: BackendClient) -> Refresh:
        """Ask the backend for a newer catalogue (with the ETag held); keep it when it comes."""
        try:
            catalogue, etag = client.catalogue(self._etag if self._catalogue else None)
        except BackendError as err:
            log.info("catalogue not refreshed: %s", err)
            return Refresh(False, False, str(err))
        now = self._now()
        if catalogue is None:
            self._fetched_at = now
            return Refresh(False, True)
        self._save(catalogue, etag, now)
        changed = self._catalogue is None or catalogue.version != self._catalogue.version
        self._set(catalogue, etag, now, notify=changed)
        return Refresh(changed, True)

    def _set(self, catalogue: Catalogue, etag: str | None, fetched: datetime, *,
             notify: bool) -> None:
        with self._lock:
            self._catalogue = catalogue
            self._etag = etag
            self._fetched_at = fetched
            self._by_code = {s.code: s for s in catalogue.services}
        if notify:
            for listener in list(self._listeners):
                listener(catalogue)

    def _save(self, catalogue: Catalogue, etag: str | None, fetched: datetime) -> None:
        text = json.dumps({"etag": etag, "fetched_at": fetched.isoformat(),
                           "catalogue": catalogue.model_dump(mode="json")}, ensure_ascii=False)
        write_atomically(self.path, text.encode("utf-8"), mode=0o644)
