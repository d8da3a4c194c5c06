"""Command APDUs (ISO/IEC 7816-4): parsing and encoding, short and extended length.

    cmd = CommandApdu.parse(bytes.fromhex("00B0000004"))
    cmd.le          # 4
    CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256).encode()   # 00 B0 00 00 00

``le`` is the number of bytes expected (None: no Le field); 256 in short form and 65536 in
extended form are written as 00 and 00 00.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class ApduError(ValueError):
    """A command APDU that is not well formed."""


@dataclass(frozen=True)
class CommandApdu:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = field(default=b"", repr=False)
    le: int | None = None
    extended: bool = False
    """Encode with extended length fields (forced when data > 255 or le > 256)."""

    @property
    def needs_extended(self) -> bool:
        return self.extended or len(self.data) > 255 or (self.le or 0) > 256

    def encode(self) -> bytes:
        header = bytes([self.cla, self.ins, self.p1, self.p2])
        ext = self.needs_extended
        body = b""
        if self.data:
            body += (b"\x00" + len(self.data).to_bytes(2, "big")) if ext else bytes([len(self.data)])
            body += self.data
        if self.le is not None:
            if not 1 <= self.le <= (65536 if ext else 256):
                raise ApduError(f"Le {self.le} out of range")
            if ext:
                le = (self.le % 65536).to_bytes(2, "big")
                body += le if self.data else b"\x00" + le
            else:
                body += bytes([self.le % 256])
        return header + body

    @classmethod
    def parse(cls, raw: bytes) -> "CommandApdu":
        if len(raw) < 4:
            raise ApduError("shorter than a header")
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:  # case 1
            return cls(cla, ins, p1, p2)
        if len(body) == 1:  # case 2 short
            return cls(cla, ins, p1, p2, le=body[0] or 256)
        if body[0] != 0:  # short, case 3 or 4
            lc = body[0]
            if len(body) == 1 + lc:
                return cls(cla, ins, p1, p2, body[1:])
            if len(body) == 2 + lc:
                return cls(cla, ins, p1, p2, body[1:1 + lc], body[-1] or 256)
            raise ApduError("Lc does not match the data")
        # extended
        if len(body) == 3:  # case 2 extended
            return cls(cla, ins, p1, p2, le=int.from_bytes(body[1:3], "big") or 65536, extended=True)
        lc = int.from_bytes(body[1:3], "big")
        if lc == 0 or len(body) < 3 + lc:
            raise ApduError("extended Lc does not match the data")
        data = body[3:3 + lc]
        rest = body[3 + lc:]
        if not rest:
            return cls(cla, ins, p1, p2, data, extended=True)
        if len(rest) == 2:
            return cls(cla, ins, p1, p2, data, int.from_bytes(rest, "big") or 65536, extended=True)
        raise ApduError("trailing bytes after extended Le")


def sw_of(response: bytes) -> int:
    """The status word of a response APDU (0 when there is none)."""
    return int.from_bytes(response[-2:], "big") if len(response) >= 2 else 0
