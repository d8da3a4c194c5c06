"""``GET /v1/catalogue``: the catalogue of services with a strong ETag built from its version;
``If-None-Match`` gets 304.

Blocking: the handler reads the database; FastAPI runs it on a worker thread.
"""
from __future__ import annotations

import hashlib
import re
from typing import Annotated

from fastapi import APIRouter, Header, Response

from kiosk_app import contract
from sandbox.context import BackendDep
from sandbox.problems import responses

router = APIRouter(tags=["catalogue"])
_ETAG_SAFE = re.compile(r"[\x21\x23-\x7e]{1,64}")


def etag_for(version: str) -> str:
    tag = version if _ETAG_SAFE.fullmatch(version) else hashlib.sha256(
        version.encode()).hexdigest()[:32]
    return f'"{tag}"'


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison, as If-None-Match asks."""
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


@router.get(
    contract.Paths.CATALOGUE, response_model=contract.Catalogue,
    summary="The catalogue of services",
    description="Every service with its form, fees and documents. Send the last `ETag` as "
                "`If-None-Match` to get 304 when nothing changed.",
    responses={**responses(422),
               200: {"headers": {"ETag": {"description": "A strong tag of this version",
                                           "schema": {"type": "string"}}}},
               304: {"description": "Not modified: the catalogue the device has is current."}})
def get_catalogue(backend: BackendDep,
                  if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
                  ) -> Response:
    with backend.sessions() as session:
        catalogue, body, _services = backend.catalogue.get(session)
    etag = etag_for(catalogue.version)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match is not None and _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
