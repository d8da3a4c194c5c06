"""What every route needs: the settings, the database sessions, the current catalogue and the
clock, held once per app in ``app.state.backend`` and handed to routes by ``BackendDep``.

Nothing here blocks; the sessions it makes do (on FastAPI's worker threads).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk_app import contract
from sandbox.catalogue_store import CatalogueCache
from sandbox.db import utcnow
from sandbox.problems import ProblemError
from sandbox.settings import Settings


@dataclass
class Backend:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    now: Callable[[], datetime] = field(default=utcnow)
    """The clock (UTC, aware)."""
    catalogue: CatalogueCache = field(default_factory=CatalogueCache)

    def services(self, session: Session) -> dict[str, contract.Service]:
        """The current catalogue's services by code."""
        return self.catalogue.get(session)[2]

    def service(self, session: Session, code: str, field_name: str = "service_code",
                ) -> contract.Service:
        """The service with this code, or a 422 Problem naming ``field_name``."""
        service = self.services(session).get(code)
        if service is None:
            raise ProblemError(
                422, "unknown_service", "This service is not in the catalogue.",
                "Huduma hii haipo kwenye orodha ya huduma.",
                fields={field_name: "no service with this code in the current catalogue"})
        return service


def _backend(request: Request) -> Backend:
    return request.app.state.backend  # type: ignore[no-any-return]


BackendDep = Annotated[Backend, Depends(_backend)]
