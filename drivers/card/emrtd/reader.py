"""Reading an ICAO 9303 eMRTD (an ID card or passport chip) over any card connection.

The terminal side: SELECT the LDS application, Basic Access Control with the MRZ information,
then secure messaging for every command; EF.COM (which lists the data groups present), DG1,
DG2, DG11 (where EF.COM lists it) and EF.SOD are
read with the largest read length the card accepts, switching to the odd-INS READ BINARY past
offset 32767; passive authentication checks what was read.

Blocking, several hundred milliseconds with a face image: call it from a worker thread.

    with reader.connect() as card:
        document = EmrtdReader(card).read(BacKey.from_typed("AB1234567", "900101", "300101"),
                                          csca=load_certificates("/etc/huduma-kiosk/csca"))
    document.mrz.surname, document.face.data, document.pa.status

Errors: :class:`~drivers.card.emrtd.errors.BacError` when the details do not open the card,
:class:`NotAnEmrtd`, :class:`~drivers.errors.CardRemoved` when the card leaves mid-read, and
:class:`ReadFailed` for anything else the card refuses. No partial document is ever returned.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.card.apdu import CommandApdu, sw_of
from drivers.card.emrtd.bac import terminal_command, terminal_finish, document_keys
from drivers.card.emrtd.errors import BacError, EmrtdError, LdsError
from drivers.card.emrtd.lds import (
    FID,
    AdditionalDetails,
    DG_NUMBER_BY_TAG,
    FaceImage,
    encode_tlv,
    parse_com,
    parse_dg1,
    parse_dg2,
    parse_dg11,
    read_tlv,
    total_length,
)
from drivers.card.emrtd.mrz import BacKey, Mrz
from drivers.card.emrtd.pa import PaResult, passive_authentication
from drivers.card.emrtd.sm import SecureMessaging
from drivers.card.reader import CardConnection

log = logging.getLogger(__name__)

AID = bytes.fromhex("A0000002471001")
DG_FID = {1: FID["DG1"], 2: FID["DG2"], 11: FID["DG11"]}

#: Read lengths tried, largest first, until the card accepts one. Under secure messaging a short
#: response has room for 223 bytes of data (JMRTD and most readers use 0xDF).
SHORT_READS = (0xDF, 0x80, 0x40)
EXTENDED_READS = (0x8000, 0x1000, 0x400) + SHORT_READS
MAX_EVEN_OFFSET = 0x7FFF


class NotAnEmrtd(EmrtdError):
    """The card has no ICAO LDS application."""


class ReadFailed(EmrtdError):
    """The card refused a command it should have accepted; ``sw`` says how."""

    def __init__(self, what: str, sw: int) -> None:
        super().__init__(f"{what}: status {sw:04X}")
        self.sw = sw


@dataclass(frozen=True)
class EmrtdDocument:
    mrz: Mrz = field(repr=False)
    face: FaceImage | None = field(repr=False)
    details: AdditionalDetails | None = field(repr=False)
    data_groups: dict[int, bytes] = field(repr=False)
    """Each data group file as read (tag, length and value), by number."""
    sod: bytes = field(repr=False)
    pa: PaResult
    read_length: int
    """The READ BINARY length the card accepted."""
    apdus: int
    """How many command APDUs the read took."""


Progress = Callable[[float], None]


class EmrtdReader:
    def __init__(self, connection: CardConnection, *, progress: Progress | None = None,
                 random: Callable[[int], bytes] = os.urandom) -> None:
        self._card = connection
        self._progress = progress or (lambda _fraction: None)
        self._random = random
        self._sm: SecureMessaging | None = None
        extended = bool(getattr(connection, "extended_length", False))
        self._reads = list(EXTENDED_READS if extended else SHORT_READS)
        self.apdus = 0

    # -- plain and protected exchanges ------------------------------------------------------
    def _plain(self, command: CommandApdu) -> tuple[bytes, int]:
        self.apdus += 1
        response = self._card.transmit(command.encode())
        return response[:-2], sw_of(response)

    def _protected(self, command: CommandApdu) -> tuple[bytes, int]:
        assert self._sm is not None
        self.apdus += 1
        header = bytes((command.cla, command.ins, command.p1, command.p2))
        protected = self._sm.wrap_parts(header, command.data, command.le, command.needs_extended)
        return self._sm.unwrap(self._card.transmit(protected))

    # -- the steps --------------------------------------------------------------------------
    def select_application(self) -> None:
        _, sw = self._plain(CommandApdu(0x00, 0xA4, 0x04, 0x0C, AID))
        if sw != 0x9000:
            raise NotAnEmrtd(f"SELECT of the LDS application: status {sw:04X}")

    def authenticate(self, key: BacKey) -> None:
        """Basic Access Control; raises BacError when the details do not open the card."""
        k_enc, k_mac = document_keys(key)
        rnd_icc, sw = self._plain(CommandApdu(0x00, 0x84, 0x00, 0x00, le=8))
        if sw != 0x9000 or len(rnd_icc) != 8:
            raise ReadFailed("GET CHALLENGE", sw)
        rnd_ifd, k_ifd = self._random(8), self._random(16)
        command = terminal_command(k_enc, k_mac, rnd_icc, rnd_ifd, k_ifd)
        response, sw = self._plain(CommandApdu(0x00, 0x82, 0x00, 0x00, command, le=40))
        if sw in (0x6300, 0x6982) or (sw & 0xFFF0) == 0x63C0:
            raise BacError("the card refused the access keys")
        if sw != 0x9000:
            raise ReadFailed("EXTERNAL AUTHENTICATE", sw)
        self._sm = SecureMessaging(terminal_finish(k_enc, k_mac, response, rnd_icc, rnd_ifd, k_ifd))

    def select_file(self, fid: int) -> bool:
        """Select an elementary file; False when the document does not have it."""
        _, sw = self._protected(CommandApdu(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")))
        if sw == 0x6A82:
            return False
        if sw != 0x9000:
            raise ReadFailed(f"SELECT {fid:04X}", sw)
        return True

    def _read_at(self, offset: int, length: int) -> bytes:
        """One READ BINARY of up to ``length`` bytes at ``offset``, shrinking the read length
        until the card accepts it."""
        while True:
            want = min(length, self._reads[0])
            if offset <= MAX_EVEN_OFFSET:
                command = CommandApdu(0x00, 0xB0, offset >> 8, offset & 0xFF, le=want)
            else:
                raw = offset.to_bytes(3 if offset > 0xFFFF else 2, "big")
                command = CommandApdu(0x00, 0xB1, 0x00, 0x00, encode_tlv(0x54, raw),
                                      le=min(want + 4, 65536))
            data, sw = self._protected(command)
            if sw == 0x9000 or sw == 0x6282:
                if command.ins == 0xB1:
                    try:
                        tag, data, _ = read_tlv(data)
                    except LdsError as err:
                        raise ReadFailed("READ BINARY (odd)", 0x6F00) from err
                    if tag != 0x53:
                        raise ReadFailed("READ BINARY (odd)", 0x6F00)
                if not data:
                    raise ReadFailed(f"READ BINARY at {offset}", sw)
                return data
            if (sw in (0x6700,) or (sw & 0xFF00) == 0x6C00) and len(self._reads) > 1:
                self._reads.pop(0)  # too long for this card: the next size down, from now on
                continue
            raise ReadFailed(f"READ BINARY at {offset}", sw)

    def read_file(self, fid: int, on_bytes: Callable[[int], None] | None = None) -> bytes | None:
        if not self.select_file(fid):
            return None
        head = self._read_at(0, 8)
        try:
            size = total_length(head)
        except LdsError as err:
            raise ReadFailed(f"file {fid:04X} header", 0x6F00) from err
        content = bytearray(head[:size])
        while len(content) < size:
            content += self._read_at(len(content), size - len(content))
            if on_bytes:
                on_bytes(len(content))
        return bytes(content[:size])

    def read(self, key: BacKey, *, csca: list | None = None, with_face: bool = True,
             optional: tuple[int, ...] = (11,)) -> EmrtdDocument:
        """Everything a kiosk needs from the document, checked by passive authentication."""
        self.select_application()
        self.authenticate(key)
        com = self.read_file(FID["COM"])
        if com is None:
            raise ReadFailed("EF.COM is missing", 0x6A82)
        try:
            present = {DG_NUMBER_BY_TAG.get(tag) for tag in parse_com(com)[2]}
        except (LdsError, EmrtdError) as err:
            raise ReadFailed("EF.COM is malformed", 0x6F00) from err
        self._progress(0.1)
        wanted = [1, *([2] if with_face else []), *(n for n in optional if n in present)]
        groups: dict[int, bytes] = {}
        for index, number in enumerate(wanted):
            content = self.read_file(DG_FID[number])
            if content is None:
                if number in optional:
                    continue
                raise ReadFailed(f"DG{number} is missing", 0x6A82)
            groups[number] = content
            self._progress(0.1 + 0.8 * (index + 1) / (len(wanted) + 1))
        sod = self.read_file(FID["SOD"])
        if sod is None:
            raise ReadFailed("EF.SOD is missing", 0x6A82)
        self._progress(0.95)
        try:
            mrz = parse_dg1(groups[1])
            face = parse_dg2(groups[2]) if 2 in groups else None
            details = parse_dg11(groups[11]) if 11 in groups else None
        except (LdsError, EmrtdError) as err:
            raise ReadFailed("a data group is malformed", 0x6F00) from err
        pa = passive_authentication(sod, groups, csca)
        self._progress(1.0)
        return EmrtdDocument(mrz=mrz, face=face, details=details, data_groups=groups, sod=sod,
                             pa=pa, read_length=self._reads[0], apdus=self.apdus)
