"""ESC/POS receipt printers on the network: raw TCP, usually port 9100 (kind ``escpos-network``).

A fresh connection is opened for each job and each status probe and closed after it. Many
network printers serve one TCP client at a time, so holding the port would lock out the
technician's tools; a printer that was switched off and on needs nothing from us; and one
handshake on the kiosk's LAN costs about a millisecond. TCP_NODELAY is set so that each status
request leaves at once instead of waiting for Nagle's algorithm.

Runs on whichever worker thread calls it; every connect and status round gives up within
``timeout_s``.

    printer = EscposNetworkPrinter("printer",
                                   EscposNetworkPrinter.Settings(uri="tcp://192.168.1.50:9100"))
    printer.probe()          # DeviceState(NO_DEVICE) when nothing listens there
"""
from __future__ import annotations

import socket
from typing import Annotated, ClassVar

from drivers.errors import DeviceOffline, NoDevice
from drivers.printer.escpos_base import EscposPrinter, EscposSettings, uri_check
from drivers.printer.uri import NetworkAddress
from drivers.schema import settings
from drivers.status import Reason


@settings
class EscposNetworkSettings(EscposSettings):
    uri: Annotated[str, uri_check(NetworkAddress)]
    """Where the printer is: ``tcp://HOST[:PORT]`` (port 9100 if left out)."""


class EscposNetworkPrinter(EscposPrinter):
    kind: ClassVar[str] = "escpos-network"
    Settings: ClassVar = EscposNetworkSettings
    keep_open: ClassVar[bool] = False

    def __init__(self, name: str, settings: EscposNetworkSettings | None = None) -> None:
        super().__init__(name, settings)
        self._address: NetworkAddress = self.settings.address  # type: ignore[assignment]
        self._sock: socket.socket | None = None

    def _open(self) -> None:
        where = f"{self._address.host}:{self._address.port}"
        try:
            sock = socket.create_connection((self._address.host, self._address.port),
                                            timeout=self.settings.timeout_s)
        except ConnectionRefusedError as err:
            raise NoDevice(f"nothing listens on {where}", reason=Reason.DISCONNECTED) from err
        except socket.gaierror as err:
            raise NoDevice(f"cannot resolve {self._address.host}: {err.strerror}") from err
        except TimeoutError as err:
            raise DeviceOffline(f"no answer from {where} within "
                                f"{self.settings.timeout_s:g} s") from err
        except OSError as err:  # host or network unreachable
            raise DeviceOffline(f"cannot reach {where}: {err.strerror or err}") from err
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock

    def _raw(self, data: bytes) -> None:
        assert self._sock is not None
        try:
            self._sock.settimeout(self._send_budget(len(data)))
            self._sock.sendall(data)
        except OSError as err:  # includes TimeoutError and a reset connection
            raise DeviceOffline(f"sending to the printer failed: {err}") from err

    def _read(self, n: int, timeout: float) -> bytes:
        assert self._sock is not None
        try:
            self._sock.settimeout(timeout if timeout > 0 else 0.0)
            data = self._sock.recv(n)
        except (TimeoutError, BlockingIOError):
            return b""
        except OSError as err:
            raise DeviceOffline(f"reading from the printer failed: {err}") from err
        if not data:
            raise DeviceOffline("the printer closed the connection")
        return data

    def _close(self) -> None:
        if self._sock is not None:
            sock, self._sock = self._sock, None
            try:
                sock.close()
            except OSError:
                pass
