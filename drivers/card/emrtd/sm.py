"""Secure messaging after BAC (ICAO 9303-11 §9.8, worked example in appendix D.4), both sides.

:class:`SecureMessaging` is the terminal: it wraps each plain command APDU into a protected one
(DO87 or DO85 with the encrypted data, DO97 with Le, DO8E with the MAC) and unwraps the card's
answer. :class:`CardSecureMessaging` is the card emulator's mirror. Both count the send
sequence counter (SSC) the same way: +1 before each command MAC, +1 before each response MAC.
Short and extended length are both supported.

    sm = SecureMessaging(keys)                                   # keys from BAC
    protected = sm.wrap(bytes.fromhex("00A4020C02011E"))         # SELECT EF.COM
    data, sw = sm.unwrap(card.transmit(protected))               # (b"", 0x9000)

Plain and protected APDUs here are ``bytes``; a malformed *plain* APDU handed to ``wrap`` is a
programming error (ValueError), anything wrong in what the other side sent is a
:class:`SmError`.
"""
from __future__ import annotations

from dataclasses import dataclass

from drivers.card.emrtd.bac import SessionKeys
from drivers.card.emrtd.crypto import KeyedDes, mac_equal, pad, unpad
from drivers.card.emrtd.errors import LdsError, SmError
from drivers.card.emrtd.lds import encode_tlv, read_tlv

_SM_CLA_BITS = 0x0C           # "SM, command header authenticated" (ISO/IEC 7816-4 §5.4.1)
_SSC_MODULUS = 1 << 64
_DO_ENCRYPTED = 0x87          # padding indicator || cryptogram
_DO_ENCRYPTED_ODD = 0x85      # cryptogram, for odd INS (data in BER-TLV)
_DO_LE = 0x97
_DO_STATUS = 0x99
_DO_MAC = 0x8E
_PADDING_INDICATOR = 0x01
_MAC_DO_LENGTH = 10           # 8E 08 <8 bytes>
_MAC_DO_HEAD = bytes((_DO_MAC, 8))
_DO97_SHORT = 3             # 97 01 Le


@dataclass(frozen=True)
class _Command:
    header: bytes             # CLA INS P1 P2
    data: bytes
    le: int | None            # 1 ... 65536; None when the command expects no data
    extended: bool


def _parse_command(apdu: bytes) -> _Command:
    """Split a command APDU of any ISO/IEC 7816-4 case; raises ValueError when malformed."""
    if len(apdu) < 4:
        raise ValueError("command APDU shorter than its header")
    header, body = bytes(apdu[:4]), apdu[4:]
    if not body:                                                  # case 1
        return _Command(header, b"", None, False)
    if len(body) == 1:                                            # case 2 short
        return _Command(header, b"", body[0] or 256, False)
    if body[0]:
        lc = body[0]
        if len(body) == 1 + lc:                                   # case 3 short
            return _Command(header, bytes(body[1:]), None, False)
        if len(body) == 2 + lc:                                   # case 4 short
            return _Command(header, bytes(body[1:-1]), body[-1] or 256, False)
        raise ValueError("command APDU length does not match Lc")
    if len(body) == 3:                                            # case 2 extended
        return _Command(header, b"", int.from_bytes(body[1:3], "big") or 65536, True)
    lc = int.from_bytes(body[1:3], "big") if len(body) > 3 else 0
    if lc and len(body) == 3 + lc:                                # case 3 extended
        return _Command(header, bytes(body[3:]), None, True)
    if lc and len(body) == 5 + lc:                                # case 4 extended
        return _Command(header, bytes(body[3:-2]), int.from_bytes(body[-2:], "big") or 65536,
                        True)
    raise ValueError("command APDU length does not match Lc")


def _encode_command(header: bytes, data: bytes, le: int | None, extended: bool) -> bytes:
    if not extended:
        if len(data) > 255 or (le is not None and not 1 <= le <= 256):
            raise ValueError("too long for a short APDU")
        lc = bytes([len(data)]) + data if data else b""
        return header + lc + (bytes([le & 0xFF]) if le is not None else b"")
    if len(data) > 65535 or (le is not None and not 1 <= le <= 65536):
        raise ValueError("too long for an extended APDU")
    lc = b"\x00" + len(data).to_bytes(2, "big") + data if data else b""
    if le is None:
        return header + lc
    le_bytes = (le & 0xFFFF).to_bytes(2, "big")               # 65536 is 00 00
    return header + lc + (le_bytes if data else b"\x00" + le_bytes)


_RESPONSE_OBJECTS = frozenset({_DO_ENCRYPTED, _DO_ENCRYPTED_ODD, _DO_STATUS})


def _split_response(body: bytes) -> tuple[dict[int, bytes], bytes, bytes]:
    """:func:`_split_objects` for a response, with a fast path for the layout nearly every
    answer has (DO87 with a one- or two-byte length, DO99, DO8E): it runs on every APDU."""
    if len(body) > 16 and body[0] == _DO_ENCRYPTED and body[-10] == _DO_MAC and body[-9] == 8 \
            and body[-14] == _DO_STATUS and body[-13] == 2:
        first = body[1]
        if first < 0x80:
            start, length = 2, first
        elif first == 0x81:
            start, length = 3, body[2]
        elif first == 0x82:
            start, length = 4, int.from_bytes(body[2:4], "big")
        else:
            start, length = 0, -1
        if start and start + length == len(body) - 14:
            return ({_DO_ENCRYPTED: body[start:start + length], _DO_STATUS: body[-12:-10]},
                    body[:-10], body[-8:])
    return _split_objects(body, _RESPONSE_OBJECTS)


def _split_objects(body: bytes, allowed: frozenset[int]) -> tuple[dict[int, bytes], bytes, bytes]:
    """The data objects before DO8E (by tag), the bytes the MAC covers, and the MAC."""
    objects: dict[int, bytes] = {}
    offset = 0
    try:
        while offset < len(body):
            start = offset
            tag, value, offset = read_tlv(body, offset)
            if tag == _DO_MAC:
                if offset != len(body) or len(value) != 8:
                    raise SmError("DO8E malformed or not last")
                return objects, bytes(body[:start]), value
            if tag not in allowed or tag in objects:
                raise SmError("unexpected secure-messaging data object")
            objects[tag] = value
    except LdsError as err:
        raise SmError("malformed secure-messaging data objects") from err
    raise SmError("DO8E missing")


def _encrypted_object(enc: KeyedDes, data: bytes, odd_ins: bool) -> bytes:
    cryptogram = enc.encrypt(pad(data))
    if odd_ins:
        return encode_tlv(_DO_ENCRYPTED_ODD, cryptogram)
    return encode_tlv(_DO_ENCRYPTED, bytes([_PADDING_INDICATOR]) + cryptogram)


def _decrypt_object(enc: KeyedDes, objects: dict[int, bytes]) -> bytes:
    if _DO_ENCRYPTED in objects and _DO_ENCRYPTED_ODD in objects:
        raise SmError("both DO87 and DO85")
    if _DO_ENCRYPTED in objects:
        value = objects[_DO_ENCRYPTED]
        if not value or value[0] != _PADDING_INDICATOR:
            raise SmError("DO87 without padding indicator 01")
        cryptogram = value[1:]
    elif _DO_ENCRYPTED_ODD in objects:
        cryptogram = objects[_DO_ENCRYPTED_ODD]
    else:
        return b""
    if not cryptogram or len(cryptogram) % 8:
        raise SmError("cryptogram is not whole blocks")
    return unpad(enc.decrypt(cryptogram))


class _Counter:
    """The send sequence counter and the keys, shared by both sides."""

    def __init__(self, keys: SessionKeys) -> None:
        self._keys = keys
        self._ssc = keys.ssc
        self._enc = KeyedDes(keys.ks_enc)
        self._mac_key = KeyedDes(keys.ks_mac)

    @property
    def ssc(self) -> int:
        return self._ssc

    def _next(self) -> int:
        self._ssc = (self._ssc + 1) % _SSC_MODULUS
        return self._ssc

    def _mac(self, ssc: int, message: bytes) -> bytes:
        return self._mac_key.mac_after(ssc, message)


class SecureMessaging(_Counter):
    """The terminal side: :meth:`wrap` commands, :meth:`unwrap` responses, in turn."""

    def wrap(self, apdu: bytes) -> bytes:
        """The protected form of the plain command ``apdu`` (cases 1 to 4, short or extended).

        The result is extended when the plain command is, when Le is over 256, or when the
        protected data would not fit a short APDU."""
        command = _parse_command(apdu)
        return self.wrap_parts(command.header, command.data, command.le, command.extended)

    def wrap_parts(self, header: bytes, data: bytes, le: int | None, extended: bool) -> bytes:
        """:meth:`wrap` of a command given as its header (CLA INS P1 P2), data, Le (None for
        none) and whether it is extended, for a caller that has them apart already."""
        header = bytes([header[0] | _SM_CLA_BITS]) + header[1:4]
        objects = _encrypted_object(self._enc, data, odd_ins=bool(header[1] & 1)) if data else b""
        extended = extended or (le or 0) > 256
        if not extended:
            extended = len(objects) + (_DO97_SHORT if le is not None else 0) + _MAC_DO_LENGTH > 255
        if le is not None:
            if extended:
                objects += bytes((_DO_LE, 2)) + (le & 0xFFFF).to_bytes(2, "big")
            else:
                objects += bytes((_DO_LE, 1, le & 0xFF))
        mac = self._mac(self._next(), pad(header) + objects)
        body = objects + _MAC_DO_HEAD + mac
        if extended:
            return header + b"\x00" + len(body).to_bytes(2, "big") + body + b"\x00\x00"
        return header + bytes([len(body)]) + body + b"\x00"

    def unwrap(self, response: bytes) -> tuple[bytes, int]:
        """(plain data, status word) from the card's protected response (data || SW1 SW2).

        A bare error status with no data (6982, 6A82, 6987 ...) comes back as (b"", sw) without
        raising; the card has left secure messaging or refused the command. The SSC counts
        such an answer like any other response (cards differ here; after an SM error the
        session is over anyway). Raises
        :class:`SmError` when the MAC does not verify, DO99 or DO8E is missing, or the TLV is
        malformed."""
        if len(response) < 2:
            raise SmError("response shorter than a status word")
        body, sw = response[:-2], int.from_bytes(response[-2:], "big")
        ssc = self._next()
        if not body:
            if sw == 0x9000 or sw >> 8 == 0x61:
                raise SmError("success without secure messaging")
            return b"", sw
        objects, covered, mac = _split_response(body)
        if _DO_STATUS not in objects or len(objects[_DO_STATUS]) != 2:
            raise SmError("DO99 missing")
        if not mac_equal(self._mac(ssc, covered), mac):
            raise SmError("response MAC does not verify")
        data = _decrypt_object(self._enc, objects)
        return data, int.from_bytes(objects[_DO_STATUS], "big")


class CardSecureMessaging(_Counter):
    """The card side, for the emulator: :meth:`unwrap_command`, then :meth:`wrap_response`."""

    def unwrap_command(self, apdu: bytes) -> bytes:
        """The plain command APDU of a protected one: CLA without the SM bits, Lc, data and Le
        rebuilt (extended if the protected command was, or if Le is over 256). Raises
        :class:`SmError` when the MAC does not verify or the command is malformed."""
        try:
            command = _parse_command(apdu)
        except ValueError as err:
            raise SmError("malformed command APDU") from err
        if command.header[0] & _SM_CLA_BITS != _SM_CLA_BITS:
            raise SmError("command is not protected")
        ssc = self._next()
        objects, covered, mac = _split_objects(
            command.data, frozenset({_DO_ENCRYPTED, _DO_ENCRYPTED_ODD, _DO_LE}))
        if not mac_equal(self._mac(ssc, pad(command.header) + covered), mac):
            raise SmError("command MAC does not verify")
        data = _decrypt_object(self._enc, objects)
        le: int | None = None
        if _DO_LE in objects:
            raw = objects[_DO_LE]
            if len(raw) not in (1, 2):
                raise SmError("DO97 malformed")
            le = int.from_bytes(raw, "big") or (256 if len(raw) == 1 else 65536)
        extended = command.extended or (le or 0) > 256 or len(data) > 255
        header = bytes([command.header[0] & ~_SM_CLA_BITS & 0xFF]) + command.header[1:]
        return _encode_command(header, data, le, extended)

    def wrap_response(self, data: bytes, sw: int, *, odd_ins: bool = False) -> bytes:
        """The protected response: DO87 (DO85 for odd INS) when there is data, DO99 with
        ``sw``, DO8E, then ``sw`` itself as SW1 SW2 (9000, or the error or warning, as 9303-11
        does for errors with no data)."""
        ssc = self._next()
        objects = _encrypted_object(self._enc, data, odd_ins) if data else b""
        status = sw.to_bytes(2, "big")
        objects += encode_tlv(_DO_STATUS, status)
        return objects + encode_tlv(_DO_MAC, self._mac(ssc, objects)) + status
