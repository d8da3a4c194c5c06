"""Who is calling: a device by its bearer token, the back office by its operator key.

A device's token is random, shown once at enrolment, and stored only as its SHA-256; a wrong
or missing one is a 401 Problem. The dependencies here run on FastAPI's worker threads (they
read the database).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from kiosk_app import contract
from sandbox.context import BackendDep
from sandbox.db import Device
from sandbox.problems import ProblemError

bearer = HTTPBearer(auto_error=False, scheme_name="DeviceToken",
                    description="The token a device got when it was enrolled (POST /v1/devices).")
operator_key = APIKeyHeader(name=contract.OPERATOR_HEADER, auto_error=False,
                            scheme_name="OperatorKey",
                            description="The back office's key (sandbox: `--operator-key`).")


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class CallingDevice:
    device_id: str
    role: contract.Role


def _no_token() -> ProblemError:
    return ProblemError(401, "unauthenticated",
                        "This device is not signed in to the backend. Enrol it again.",
                        "Kifaa hiki hakijatambuliwa na mfumo. Kisajili tena.",
                        headers={"WWW-Authenticate": "Bearer"})


def _device(backend: BackendDep,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
            ) -> CallingDevice:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _no_token()
    with backend.sessions() as session:
        device = session.scalars(select(Device).filter_by(
            token_sha256=token_sha256(credentials.credentials))).one_or_none()
        if device is None:
            raise _no_token()
        return CallingDevice(device.device_id, contract.Role(device.role))


def _operator(backend: BackendDep,
              key: Annotated[str | None, Depends(operator_key)]) -> None:
    expected = backend.settings.operator_key.encode()
    if key is None or not hmac.compare_digest(key.encode(), expected):
        raise ProblemError(401, "operator_key_wrong",
                           "This needs the back office's operator key.",
                           "Hili linahitaji ufunguo wa ofisi ya nyuma.")


DeviceDep = Annotated[CallingDevice, Depends(_device)]
OperatorDep = Annotated[None, Depends(_operator)]
