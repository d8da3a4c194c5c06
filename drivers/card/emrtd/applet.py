"""The card side of an ICAO 9303 eMRTD: what our card emulator answers, APDU by APDU.

A standards-correct LDS application behind BAC: the application is selected by its AID; every
data group needs Basic Access Control first (6982 otherwise); after BAC every command must come
under secure messaging, and a command that fails its MAC ends the session (6988), as a real chip
does. Files are selected by file identifier or read by short file identifier; offsets beyond
32767 use the odd-INS READ BINARY (B1) with its offset and data objects 54 / 53.

    applet = EmrtdApplet(files, bac_key)
    applet.process(bytes.fromhex("00A4040C07A0000002471001"))   # -> 90 00
    applet.process(bytes.fromhex("00A4020C020101"))             # -> 69 82 (no BAC yet)

The applet is plain Python with no I/O: the in-process simulator and the vpcd transport both
hand it APDUs.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable

from drivers.card.apdu import ApduError, CommandApdu
from drivers.card.emrtd.bac import card_response, document_keys
from drivers.card.emrtd.errors import BacError, LdsError, SmError
from drivers.card.emrtd.lds import FID, encode_tlv, read_tlv
from drivers.card.emrtd.mrz import BacKey
from drivers.card.emrtd.sm import CardSecureMessaging

log = logging.getLogger(__name__)

AID = bytes.fromhex("A0000002471001")
#: An ATR for a contactless ICAO card seen through a PC/SC reader (PC/SC part 3: 3B 8n 80 01,
#: the ATS's historical bytes, TCK). Its historical bytes carry no card capabilities, so a
#: reader assumes short APDUs only, as with many ID cards in service.
DEFAULT_ATR = bytes.fromhex("3B8880014D524344394C4700C0")
#: The same with card capabilities (ISO/IEC 7816-4, 8.1.1.2.7, compact-TLV 73 00 00 C0):
#: command chaining and extended Lc and Le fields, as newer passports announce.
EXTENDED_LENGTH_ATR = bytes.fromhex("3B85800180730000C037")

SW_OK = 0x9000
SW_AUTH_FAILED = 0x6300
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_STATUS = 0x6982
SW_SM_WRONG = 0x6988
SW_NO_EF_SELECTED = 0x6986
SW_WRONG_DATA = 0x6A80
SW_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6B00
SW_INS_UNKNOWN = 0x6D00
SW_CLA_UNKNOWN = 0x6E00
SW_CONDITIONS = 0x6985

#: Short file identifiers of the LDS files (ICAO 9303-10, table 38).
SFI = {0x1E: FID["COM"], 0x01: FID["DG1"], 0x02: FID["DG2"], 0x0B: FID["DG11"], 0x1D: FID["SOD"]}


def _seeded(seed: int) -> Callable[[int], bytes]:
    import random

    rng = random.Random(seed)
    return lambda n: rng.randbytes(n)


def _sw(value: int) -> bytes:
    return value.to_bytes(2, "big")


class EmrtdApplet:
    def __init__(self, files: dict[int, bytes], bac_key: BacKey, *,
                 atr: bytes = DEFAULT_ATR,
                 max_read: int = 65536,
                 max_le: int | None = None,
                 wrong_key: bool = False,
                 random: Callable[[int], bytes] = os.urandom,
                 seed: int | None = None) -> None:
        """``files`` maps file identifiers (0x0101 ...) to whole file contents.
        ``max_read``: the most data bytes one READ BINARY returns (the chip's buffer).
        ``max_le``: the largest Le the chip accepts at all; beyond it, 6700 (wrong length).
        ``wrong_key``: the chip holds other access keys than the document's MRZ (every BAC
        attempt fails with 6300), as when a person types details that are not the card's.
        ``seed``: the chip's random numbers start again from this seed at every reset, so that
        a benchmark can replay a session's APDUs exactly (never for anything else)."""
        self.atr = atr
        self._files = dict(files)
        self._max_read = max_read
        self._max_le = max_le
        if wrong_key:
            bac_key = BacKey(document_number="X00000000", birth_date="000101",
                             expiry_date="000101")
        self._k_enc, self._k_mac = document_keys(bac_key)
        self._seed = seed
        self._random = _seeded(seed) if seed is not None else random
        self._app_selected = False
        self._challenge: bytes | None = None
        self._sm: CardSecureMessaging | None = None
        self._current: int | None = None

    @property
    def authenticated(self) -> bool:
        return self._sm is not None

    def reset(self) -> None:
        """Power cycle: everything volatile is gone."""
        self._app_selected = False
        self._challenge = None
        self._sm = None
        self._current = None
        if self._seed is not None:
            self._random = _seeded(self._seed)

    # -- the APDU entry point ---------------------------------------------------------------
    def process(self, apdu: bytes) -> bytes:
        try:
            if len(apdu) >= 1 and apdu[0] & 0x0C == 0x0C:
                return self._secured(apdu)
            command = CommandApdu.parse(apdu)
            if command.cla & 0xF0 not in (0x00,) and command.cla != 0x80:
                return _sw(SW_CLA_UNKNOWN)
            if self._sm is not None and command.ins != 0xA4:
                # A plain command inside an SM session: the session ends (ICAO 9303-11 §9.8).
                self._sm = None
                return _sw(SW_SECURITY_STATUS)
            data, sw = self._dispatch(command, secured=False)
            return data + _sw(sw)
        except ApduError:
            return _sw(SW_WRONG_LENGTH)

    def _secured(self, apdu: bytes) -> bytes:
        if self._sm is None:
            return _sw(SW_SM_WRONG)
        try:
            plain = CommandApdu.parse(self._sm.unwrap_command(apdu))
        except (SmError, ApduError):
            self._sm = None
            return _sw(SW_SM_WRONG)
        data, sw = self._dispatch(plain, secured=True)
        if self._sm is None:  # the command ended the session (a SELECT of the application)
            return data + _sw(sw)
        return self._sm.wrap_response(data, sw, odd_ins=plain.ins == 0xB1)

    # -- commands ---------------------------------------------------------------------------
    def _dispatch(self, cmd: CommandApdu, *, secured: bool) -> tuple[bytes, int]:
        if cmd.ins == 0xA4:
            return self._select(cmd, secured)
        if cmd.ins == 0x84:
            return self._get_challenge(cmd)
        if cmd.ins == 0x82:
            return self._external_authenticate(cmd)
        if cmd.ins in (0xB0, 0xB1):
            if not secured:
                return b"", SW_SECURITY_STATUS
            return self._read_binary(cmd)
        return b"", SW_INS_UNKNOWN

    def _select(self, cmd: CommandApdu, secured: bool) -> tuple[bytes, int]:
        if cmd.p1 == 0x04:  # by DF name
            if cmd.data != AID:
                return b"", SW_NOT_FOUND
            self._app_selected = True
            self._current = None
            self._sm = None  # selecting the application again starts over
            return b"", SW_OK
        if cmd.p1 in (0x00, 0x02) and len(cmd.data) == 2:
            if not self._app_selected:
                return b"", SW_NOT_FOUND
            if not secured:
                return b"", SW_SECURITY_STATUS
            fid = int.from_bytes(cmd.data, "big")
            if fid not in self._files:
                return b"", SW_NOT_FOUND
            self._current = fid
            return b"", SW_OK
        return b"", SW_WRONG_P1P2

    def _get_challenge(self, cmd: CommandApdu) -> tuple[bytes, int]:
        if cmd.le != 8:
            return b"", SW_WRONG_LENGTH
        if not self._app_selected:
            return b"", SW_CONDITIONS
        self._challenge = self._random(8)
        return self._challenge, SW_OK

    def _external_authenticate(self, cmd: CommandApdu) -> tuple[bytes, int]:
        challenge, self._challenge = self._challenge, None
        if challenge is None:
            return b"", SW_CONDITIONS
        if len(cmd.data) != 40:
            return b"", SW_WRONG_LENGTH
        try:
            response, keys = card_response(self._k_enc, self._k_mac, cmd.data, challenge,
                                           self._random(16))
        except BacError:
            log.info("BAC refused: the terminal's keys do not match this document")
            return b"", SW_AUTH_FAILED
        self._sm = CardSecureMessaging(keys)
        return response, SW_OK

    def _read_binary(self, cmd: CommandApdu) -> tuple[bytes, int]:
        if cmd.ins == 0xB0:
            if cmd.p1 & 0x80:  # short file identifier in P1, offset in P2
                fid = SFI.get(cmd.p1 & 0x1F)
                if fid is None or fid not in self._files:
                    return b"", SW_NOT_FOUND
                self._current = fid
                offset = cmd.p2
            else:
                offset = (cmd.p1 << 8) | cmd.p2
        else:
            try:
                tag, value, _ = read_tlv(cmd.data)
            except LdsError:
                return b"", SW_WRONG_DATA
            if tag != 0x54 or not 1 <= len(value) <= 3:
                return b"", SW_WRONG_DATA
            offset = int.from_bytes(value, "big")
        if self._max_le is not None and (cmd.le or 256) > self._max_le:
            return b"", SW_WRONG_LENGTH
        if self._current is None:
            return b"", SW_NO_EF_SELECTED
        content = self._files[self._current]
        if offset > len(content):
            return b"", SW_WRONG_P1P2
        want = min(cmd.le or 256, self._max_read)
        chunk = content[offset:offset + want]
        if cmd.ins == 0xB1:
            return encode_tlv(0x53, chunk), SW_OK
        return chunk, SW_OK
