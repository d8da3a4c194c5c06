"""Where a receipt printer is, written as one URI in config.

    tcp://192.168.1.50:9100                          a network printer (port 9100 if left out)
    usb://04b8:0e15                                  a USB printer by vendor and product id (hex)
    serial:///dev/ttyUSB0?baud=19200&parity=N        a serial printer (19200 8N1 if left out)

    >>> parse_printer_uri("tcp://10.0.0.7")
    NetworkAddress(host='10.0.0.7', port=9100)
    >>> parse_printer_uri("usb://04b8:0e15")
    UsbAddress(vendor_id=1208, product_id=3605)

Errors are ``ValueError`` with an English sentence naming what is wrong: config is checked when
the kiosk starts and the technician reads the message.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

DEFAULT_TCP_PORT = 9100
DEFAULT_BAUD = 19200
_BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
_PARITIES = ("N", "E", "O", "M", "S")
_BYTESIZES = (5, 6, 7, 8)
_STOPBITS = (1.0, 1.5, 2.0)


@dataclass(frozen=True)
class NetworkAddress:
    host: str
    port: int = DEFAULT_TCP_PORT


@dataclass(frozen=True)
class UsbAddress:
    vendor_id: int
    product_id: int


@dataclass(frozen=True)
class SerialAddress:
    device: str
    baud: int = DEFAULT_BAUD
    parity: str = "N"
    bytesize: int = 8
    stopbits: float = 1.0


PrinterAddress = NetworkAddress | UsbAddress | SerialAddress


def parse_printer_uri(uri: str) -> PrinterAddress:
    """Parse ``tcp://``, ``usb://`` or ``serial://`` into an address; ValueError otherwise."""
    if not isinstance(uri, str) or not uri.strip():
        raise ValueError("printer URI is empty; expected tcp://HOST[:PORT], usb://VID:PID "
                         "or serial:///dev/DEVICE[?baud=N]")
    parts = urlsplit(uri.strip())
    scheme = parts.scheme.lower()
    if scheme == "tcp":
        return _network(uri, parts)
    if scheme == "usb":
        return _usb(uri, parts)
    if scheme == "serial":
        return _serial(uri, parts)
    raise ValueError(f"printer URI {uri!r} has scheme {parts.scheme or 'none'!r}; "
                     "expected tcp, usb or serial")


def _network(uri: str, parts) -> NetworkAddress:  # noqa: ANN001 - urllib's SplitResult
    if parts.path not in ("", "/") or parts.query:
        raise ValueError(f"printer URI {uri!r}: a tcp URI has only a host and a port")
    host = parts.hostname
    if not host:
        raise ValueError(f"printer URI {uri!r} has no host")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"printer URI {uri!r} has a port that is not a number from 1 to 65535"
                         ) from None
    if port == 0:
        raise ValueError(f"printer URI {uri!r} has a port that is not a number from 1 to 65535")
    return NetworkAddress(host, port if port is not None else DEFAULT_TCP_PORT)


def _usb(uri: str, parts) -> UsbAddress:  # noqa: ANN001
    ids = parts.netloc + parts.path.rstrip("/")
    vid, sep, pid = ids.partition(":")
    if not sep or parts.query:
        raise ValueError(f"printer URI {uri!r}: expected usb://VID:PID in hex, "
                         "such as usb://04b8:0e15")
    return UsbAddress(_hex_id(uri, "vendor", vid), _hex_id(uri, "product", pid))


def _hex_id(uri: str, what: str, text: str) -> int:
    if not 1 <= len(text) <= 4:
        raise ValueError(f"printer URI {uri!r}: the USB {what} id {text!r} "
                         "is not 1 to 4 hex digits")
    try:
        return int(text, 16)
    except ValueError:
        raise ValueError(f"printer URI {uri!r}: the USB {what} id {text!r} is not hex") from None


def _serial(uri: str, parts) -> SerialAddress:  # noqa: ANN001
    if parts.netloc:
        raise ValueError(f"printer URI {uri!r}: a serial URI has three slashes and a device "
                         "path, such as serial:///dev/ttyUSB0")
    if not parts.path.startswith("/dev/") or parts.path == "/dev/":
        raise ValueError(f"printer URI {uri!r}: the serial device must be a path under /dev/")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = sorted(set(query) - {"baud", "parity", "bytesize", "stopbits"})
    if unknown:
        raise ValueError(f"printer URI {uri!r}: unknown serial option {unknown[0]!r}; "
                         "known: baud, parity, bytesize, stopbits")

    def one(name: str) -> str | None:
        values = query.get(name)
        if values is None:
            return None
        if len(values) > 1:
            raise ValueError(f"printer URI {uri!r} gives {name} more than once")
        return values[0]

    baud = _choice(uri, "baud", one("baud"), int, _BAUDS, DEFAULT_BAUD)
    parity_text = one("parity")
    parity = _choice(uri, "parity", parity_text.upper() if parity_text is not None else None,
                     str, _PARITIES, "N")
    bytesize = _choice(uri, "bytesize", one("bytesize"), int, _BYTESIZES, 8)
    stopbits = _choice(uri, "stopbits", one("stopbits"), float, _STOPBITS, 1.0)
    return SerialAddress(parts.path, baud, parity, bytesize, stopbits)


def _choice(uri: str, name: str, text: str | None, kind: type, allowed: tuple,  # noqa: ANN202
            default):  # noqa: ANN001
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value not in allowed:
        shown = ", ".join(f"{a:g}" if isinstance(a, float) else str(a) for a in allowed)
        raise ValueError(f"printer URI {uri!r}: {name} {text!r} is not one of {shown}")
    return value
