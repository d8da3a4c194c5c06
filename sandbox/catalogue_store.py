"""The catalogue in the database: loaded from the seed file at start; the newest loaded is
current, parsed once per version.

The database keeps every catalogue it has served. A seed whose content changed but whose
``version`` did not is stored under ``<version>+<hash>``, so a device's cached copy is never
taken for the new one.

Blocking: ``load_seed`` reads the seed file and the database, ``CatalogueCache.get`` the
database: call them at start or from route handlers (worker threads).
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kiosk_app import contract
from sandbox.answers import check_patterns
from sandbox.db import CatalogueVersion


class SeedError(Exception):
    """The catalogue seed is missing or not a valid catalogue (English and Kiswahili)."""


def load_seed(sessions: sessionmaker[Session], path: Path, now: Callable[[], datetime]) -> str:
    """Make the seed at ``path`` the current catalogue; its version as served."""
    try:
        catalogue = contract.Catalogue.model_validate_json(path.read_bytes())
    except FileNotFoundError as err:
        raise SeedError(f"The catalogue seed {path} is missing.\n"
                        f"Faili la huduma {path} halipo.") from err
    except ValidationError as err:
        raise SeedError(f"The catalogue seed {path} is not a valid catalogue:\n{err}\n"
                        f"Faili la huduma {path} lina makosa.") from err
    broken = check_patterns(catalogue)
    if broken:
        raise SeedError(f"The catalogue seed {path} has patterns that are not regular "
                        f"expressions: {', '.join(broken)}\n"
                        f"Faili la huduma {path} lina makosa: {', '.join(broken)}")
    content = catalogue.model_dump_json(exclude={"version"})
    content_hash = hashlib.sha256(content.encode()).hexdigest()
    with sessions() as session, session.begin():
        same = session.scalars(select(CatalogueVersion).filter_by(
            content_hash=content_hash).order_by(CatalogueVersion.id.desc())).first()
        if same is not None:
            if _latest(session) is not same:
                same.loaded_at = now()
            return same.version
        version = catalogue.version
        if session.scalars(select(CatalogueVersion).filter_by(version=version)).first():
            version = f"{version[:55]}+{content_hash[:8]}"
        body = catalogue.model_copy(update={"version": version}).model_dump_json()
        session.add(CatalogueVersion(version=version, body=body, content_hash=content_hash,
                                     loaded_at=now()))
        return version


def _latest(session: Session) -> CatalogueVersion | None:
    return session.scalars(select(CatalogueVersion).order_by(
        CatalogueVersion.loaded_at.desc(), CatalogueVersion.id.desc()).limit(1)).first()


class CatalogueCache:
    """The current catalogue, parsed once per version (not per request)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: int | None = None
        self._value: tuple[contract.Catalogue, str, dict[str, contract.Service]] | None = None

    def get(self, session: Session) -> tuple[contract.Catalogue, str, dict[str, contract.Service]]:
        """The catalogue, its JSON, and its services by code."""
        row = _latest(session)
        if row is None:
            raise LookupError("no catalogue has been loaded")
        with self._lock:
            if self._key != row.id or self._value is None:
                catalogue = contract.Catalogue.model_validate_json(row.body)
                self._value = (catalogue, row.body, {s.code: s for s in catalogue.services})
                self._key = row.id
            return self._value
