"""Photos of documents reach the backend: a ``photo`` field is answered by an attachment (a
base64 JPEG of limited size), which the sandbox checks and keeps with the application."""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from PIL import Image
from pydantic import ValidationError
from sqlalchemy import select

from kiosk_app import contract
from kiosk_app.contract import Paths
from sandbox.db import ApplicationRecord, make_engine
from tests.sandbox.helpers import Device, problem
from tests.sandbox_fixtures import DatabaseFactory, SandboxServer

pytestmark = pytest.mark.postgresql  # the new column, on PostgreSQL too


def jpeg(size: tuple[int, int] = (64, 48), quality: int = 80) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 120)).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def land_search(**changes: Any) -> dict[str, Any]:
    """LAND-SEARCH of the seed catalogue (KES 500): its title deed photo is required."""
    body: dict[str, Any] = {
        "reference": contract.new_reference(), "service_code": "LAND-SEARCH",
        "applicant": {"document_type": "national_id", "document_number": "23456789",
                      "surname": "TESTER", "given_names": "SAMPLE APPLICANT"},
        "answers": {"title_number": "NAIROBI/BLOCK 12/345", "land_county": "nairobi",
                    "purpose": "buying"},
        "attachments": {"title_deed_photo": contract.encode_attachment(jpeg())},
        "amount_cents": 50_000, "payment": "mpesa",
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
    body.update(changes)
    return body


@pytest.fixture(scope="module")
def seed_sandbox(tmp_path_factory: pytest.TempPathFactory,
                 sandbox_databases: DatabaseFactory) -> Iterator[SandboxServer]:
    """A sandbox serving the seeded catalogue, whose LAND-SEARCH needs a photo."""
    with sandbox_databases() as db_url:
        server = SandboxServer(tmp_path_factory.mktemp("seed-sandbox"), db_url=db_url)
        try:
            yield server
        finally:
            server.stop()


def test_the_contract_takes_a_jpeg_in_base64_and_nothing_else() -> None:
    photo = jpeg()
    body = contract.ApplicationIn.model_validate(land_search())
    assert contract.decode_attachment(body.attachments["title_deed_photo"]) == photo
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    too_big = contract.JPEG_START + bytes(contract.ATTACHMENT_MAX_BYTES)
    for wrong in ("not base64!", contract.encode_attachment(png.getvalue()),
                  contract.encode_attachment(too_big)):
        with pytest.raises(ValidationError):
            contract.ApplicationIn.model_validate(
                land_search(attachments={"title_deed_photo": wrong}))
    many = {f"photo_{i}": contract.encode_attachment(photo)
            for i in range(contract.ATTACHMENT_MAX_COUNT + 1)}
    with pytest.raises(ValidationError):
        contract.ApplicationIn.model_validate(land_search(attachments=many))


def test_an_application_with_its_photo_is_kept_with_the_photo(seed_sandbox: SandboxServer) -> None:
    kiosk = Device(seed_sandbox)
    body = land_search()
    answer = kiosk.post(Paths.APPLICATIONS, body)
    assert answer.status_code == 201, answer.text
    assert body["attachments"]["title_deed_photo"] not in answer.text  # never served back
    engine = make_engine(seed_sandbox.db_url)
    try:
        with engine.connect() as db:
            kept = db.scalar(select(ApplicationRecord.attachments)
                             .filter_by(reference=body["reference"]))
    finally:
        engine.dispose()
    assert json.loads(kept) == body["attachments"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"attachments": {}}, "attachments.title_deed_photo"),
    ({"attachments": {"no_such_photo": contract.encode_attachment(jpeg())}},
     "attachments.no_such_photo"),
    ({"answers": {"title_number": "NAIROBI/BLOCK 12/345", "land_county": "nairobi",
                  "purpose": "buying", "title_deed_photo": "a photo"}},
     "answers.title_deed_photo"),
])
def test_a_missing_or_misplaced_photo_is_refused(seed_sandbox: SandboxServer, changes: dict,
                                                 field: str) -> None:
    kiosk = Device(seed_sandbox)
    answer = kiosk.post(Paths.APPLICATIONS, land_search(**changes))
    assert answer.status_code == 422, answer.text
    assert field in problem(answer).fields


def test_a_photo_that_is_not_a_jpeg_is_refused_by_the_contract(
        seed_sandbox: SandboxServer) -> None:
    kiosk = Device(seed_sandbox)
    answer = kiosk.post(Paths.APPLICATIONS, land_search(
        attachments={"title_deed_photo": contract.encode_attachment(b"GIF89a" + bytes(64))}))
    assert answer.status_code == 422, answer.text
    assert any("title_deed_photo" in name for name in problem(answer).fields)
