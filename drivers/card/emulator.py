"""Our eMRTD card emulator: a document built from an identity (JSON) and a face image, signed
under a test CSCA, served to Debian's ``pcscd`` through the vsmartcard-vpcd driver.

    huduma-kiosk card emulate --identity amina.json --face amina.jpg --pki /tmp/pki --port 35963

The document is standards-correct: EF.COM, DG1 (the MRZ), DG2 (the face, ISO/IEC 19794-5),
DG11 (additional personal details) and EF.SOD signed by a document signer under the test CSCA,
behind BAC and secure messaging (:mod:`drivers.card.emrtd.applet`). Faults for tests: a chip
whose keys do not match the MRZ (``wrong_key``), a card pulled out after N commands
(``remove_after``) and a slow card (``latency_s``).

Identity JSON (dates as YYMMDD or YYYY-MM-DD)::

    {"document_type": "ID", "issuing_state": "KEN", "document_number": "AB1234567",
     "surname": "MWANGI", "given_names": "AMINA WANJIRU", "nationality": "KEN",
     "birth_date": "1990-01-01", "sex": "F", "expiry_date": "2030-01-01",
     "personal_number": "12345678", "place_of_birth": "NYERI"}
"""
from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from drivers.card.emrtd.applet import DEFAULT_ATR, EXTENDED_LENGTH_ATR, EmrtdApplet
from drivers.card.emrtd.lds import (
    FID,
    TAG,
    AdditionalDetails,
    encode_com,
    encode_dg1,
    encode_dg2,
    encode_dg11,
)
from drivers.card.emrtd.mrz import BacKey, Mrz
from drivers.card.emrtd.pki import TestPki, build_sod

log = logging.getLogger(__name__)


def _yymmdd(value: str) -> str:
    value = value.strip()
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        date.fromisoformat(value)
        return value[2:4] + value[5:7] + value[8:10]
    if len(value) == 6 and value.isdigit():
        return value
    raise ValueError("expected YYMMDD or YYYY-MM-DD")


class Identity(BaseModel):
    """The person and document a card emulator plays."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document_type: Literal["ID", "P"] = "ID"
    """``ID`` for an ID card (TD1 MRZ), ``P`` for a passport (TD3 MRZ)."""
    issuing_state: str = Field(default="KEN", pattern=r"^[A-Z<]{3}$")
    # Made-up people in tests and demos, but kept out of repr all the same.
    document_number: str = Field(pattern=r"^[A-Z0-9]{1,22}$", repr=False)
    surname: str = Field(repr=False)
    given_names: str = Field(repr=False)
    nationality: str = Field(default="KEN", pattern=r"^[A-Z<]{3}$")
    birth_date: str = Field(repr=False)
    sex: Literal["M", "F", "<"] = Field(default="<", repr=False)
    expiry_date: str = Field(repr=False)
    personal_number: str | None = Field(default=None, repr=False)
    full_date_of_birth: str | None = Field(default=None, repr=False)
    place_of_birth: str | None = Field(default=None, repr=False)
    address: str | None = Field(default=None, repr=False)

    @field_validator("birth_date", "expiry_date")
    @classmethod
    def _dates(cls, value: str) -> str:
        return _yymmdd(value)

    @field_validator("surname", "given_names")
    @classmethod
    def _names(cls, value: str) -> str:
        return value.strip().upper()

    @property
    def mrz(self) -> Mrz:
        return Mrz(
            format="TD1" if self.document_type == "ID" else "TD3",
            document_code="I" if self.document_type == "ID" else "P",
            issuing_state=self.issuing_state,
            document_number=self.document_number,
            birth_date=self.birth_date,
            sex=self.sex,
            expiry_date=self.expiry_date,
            nationality=self.nationality,
            surname=self.surname,
            given_names=self.given_names,
            optional_data=(self.personal_number or "") if self.document_type == "P" else "",
        )

    @property
    def bac_key(self) -> BacKey:
        return BacKey(document_number=self.document_number, birth_date=self.birth_date,
                      expiry_date=self.expiry_date)

    @classmethod
    def load(cls, path: str | Path) -> "Identity":
        return cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


def _image_info(face: bytes) -> tuple[str, int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(face)) as image:
        mime = "image/jp2" if image.format == "JPEG2000" else "image/jpeg"
        if image.format not in ("JPEG", "JPEG2000"):
            raise ValueError(f"the face must be JPEG or JPEG 2000, not {image.format}")
        return mime, image.width, image.height


@dataclass(frozen=True)
class Document:
    files: dict[int, bytes]
    bac_key: BacKey
    data_groups: dict[int, bytes]


def build_document(identity: Identity, face: bytes, pki: TestPki) -> Document:
    """Every file of the LDS for ``identity``, EF.SOD signed by the PKI's document signer."""
    mime, width, height = _image_info(face)
    dg1 = encode_dg1(identity.mrz)
    dg2 = encode_dg2(face, mime, width, height)
    groups = {1: dg1, 2: dg2}
    if any([identity.personal_number, identity.full_date_of_birth, identity.place_of_birth,
            identity.address]):
        groups[11] = encode_dg11(AdditionalDetails(
            full_name=f"{identity.surname}<<{identity.given_names.replace(' ', '<')}",
            personal_number=identity.personal_number,
            full_date_of_birth=identity.full_date_of_birth,
            place_of_birth=identity.place_of_birth,
            address=identity.address,
        ))
    tags = [TAG["DG1"], TAG["DG2"]] + ([TAG["DG11"]] if 11 in groups else [])
    files = {
        FID["COM"]: encode_com(tags),
        FID["DG1"]: dg1,
        FID["DG2"]: dg2,
        FID["SOD"]: build_sod(groups, pki.ds_key, pki.ds_cert),
    }
    if 11 in groups:
        files[FID["DG11"]] = groups[11]
    return Document(files, identity.bac_key, groups)


def make_applet(document: Document, *, wrong_key: bool = False, max_read: int = 65536,
                extended_length: bool = False, seed: int | None = None) -> EmrtdApplet:
    """``extended_length``: the chip's ATR announces extended Lc and Le, so a reader may ask
    for up to 64 KB in one READ BINARY; otherwise it announces nothing and readers keep to
    short APDUs (at most 256 bytes)."""
    return EmrtdApplet(document.files, document.bac_key, wrong_key=wrong_key, max_read=max_read,
                       atr=EXTENDED_LENGTH_ATR if extended_length else DEFAULT_ATR, seed=seed)


def alter_data_group(document: Document, number: int) -> Document:
    """The same document with one byte of a data group changed after signing (a forgery
    that passive authentication must catch)."""
    fid = {1: FID["DG1"], 2: FID["DG2"], 11: FID["DG11"]}[number]
    content = bytearray(document.files[fid])
    content[-1] ^= 0x01
    files = {**document.files, fid: bytes(content)}
    return Document(files, document.bac_key, {**document.data_groups, number: bytes(content)})


def demo_identity() -> Identity:
    """A made-up Kenyan ID card holder for demos and tests."""
    return Identity(document_type="ID", issuing_state="KEN", document_number="AB1234567",
                    surname="WANJIKU", given_names="AMINA NJERI", nationality="KEN",
                    birth_date="1990-01-01", sex="F", expiry_date="2031-06-30",
                    personal_number="12345678", place_of_birth="NYERI")


def demo_face(target_bytes: int = 20_000, *, seed: int = 1) -> bytes:
    """A JPEG portrait of about ``target_bytes`` (a drawn face with a textured background, so
    that it compresses like a photograph)."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    width, height = 240, 320
    quality = 85
    image = Image.new("RGB", (width, height), (200, 205, 210))
    draw = ImageDraw.Draw(image)
    for _ in range(3000):
        x, y = rng.randrange(width), rng.randrange(height)
        shade = rng.randrange(150, 230)
        draw.point((x, y), fill=(shade, shade, shade + 10 if shade < 245 else 255))
    draw.ellipse((60, 60, 180, 210), fill=(120, 80, 55))
    draw.ellipse((90, 110, 105, 122), fill=(20, 20, 20))
    draw.ellipse((135, 110, 150, 122), fill=(20, 20, 20))
    draw.arc((95, 150, 145, 185), 20, 160, fill=(60, 20, 20), width=4)
    draw.rectangle((40, 230, 200, 320), fill=(30, 60, 120))
    out = b""
    for quality in range(95, 5, -5):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        out = buffer.getvalue()
        if len(out) <= target_bytes:
            break
    if len(out) < target_bytes:
        # Pad with a JPEG comment so the file is the size asked for and still a valid JPEG.
        pad = target_bytes - len(out)
        segments = b""
        while pad > 4:
            chunk = min(pad - 4, 65533)
            segments += b"\xff\xfe" + (chunk + 2).to_bytes(2, "big") + bytes(chunk)
            pad -= chunk + 4
        out = out[:2] + segments + out[2:]
    return out
