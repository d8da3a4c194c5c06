"""ESC/POS receipt printers on a serial port, through pyserial (kind ``escpos-serial``).

The port stays open between jobs and is opened again after a failure. A serial line cannot
tell a switched-off printer from a missing one once the port itself exists, so both show as
OFFLINE (no answer to DLE EOT); a missing port (an unplugged USB-serial adapter) is NO_DEVICE.
Runs on whichever worker thread calls it; every status round gives up within ``timeout_s``.

    printer = EscposSerialPrinter("printer", EscposSerialPrinter.Settings(
        uri="serial:///dev/ttyUSB0?baud=19200", paper_width_mm=58))
    printer.probe()
"""
from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Annotated, ClassVar

from drivers.base import module_usable
from drivers.errors import DeviceOffline, NoDevice
from drivers.printer.escpos_base import EscposPrinter, EscposSettings, uri_check
from drivers.printer.uri import SerialAddress
from drivers.schema import settings
from drivers.status import Reason

if TYPE_CHECKING:  # pragma: no cover
    import serial

_ABSENT = {errno.ENOENT, errno.ENODEV, errno.ENXIO}


@settings
class EscposSerialSettings(EscposSettings):
    uri: Annotated[str, uri_check(SerialAddress)]
    """Which port: ``serial:///dev/DEVICE?baud=19200&parity=N`` (19200 8N1 if left out)."""


class EscposSerialPrinter(EscposPrinter):
    kind: ClassVar[str] = "escpos-serial"
    Settings: ClassVar = EscposSerialSettings

    def __init__(self, name: str, settings: EscposSerialSettings | None = None) -> None:
        super().__init__(name, settings)
        self._address: SerialAddress = self.settings.address  # type: ignore[assignment]
        self._port: serial.Serial | None = None

    @classmethod
    def is_usable(cls) -> tuple[bool, str]:
        return module_usable("serial", "pyserial")

    def _open(self) -> None:
        import serial

        a = self._address
        try:
            self._port = serial.Serial(port=a.device, baudrate=a.baud, bytesize=a.bytesize,
                                       parity=a.parity, stopbits=a.stopbits,
                                       timeout=self.settings.timeout_s,
                                       write_timeout=self.settings.timeout_s)
        except serial.SerialException as err:
            if err.errno in _ABSENT:
                raise NoDevice(f"no serial port {a.device}", reason=Reason.DISCONNECTED) from err
            raise DeviceOffline(f"cannot open {a.device}: {err}") from err

    def _raw(self, data: bytes) -> None:
        import serial

        assert self._port is not None
        try:
            self._port.write_timeout = self._send_budget(len(data))
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as err:  # SerialTimeoutException included
            raise DeviceOffline(f"sending to {self._address.device} failed: {err}") from err

    def _read(self, n: int, timeout: float) -> bytes:
        import serial

        assert self._port is not None
        try:
            self._port.timeout = timeout
            return bytes(self._port.read(n))
        except (serial.SerialException, OSError) as err:
            raise DeviceOffline(f"reading from {self._address.device} failed: {err}") from err

    def _close(self) -> None:
        if self._port is not None:
            port, self._port = self._port, None
            try:
                port.close()
            except Exception:  # noqa: BLE001 - closing a broken port must not raise
                pass
