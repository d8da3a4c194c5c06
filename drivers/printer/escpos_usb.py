"""ESC/POS receipt printers on USB, through python-escpos's ``Usb`` and pyusb (kind ``escpos-usb``).

python-escpos finds the device by vendor and product id, detaches the kernel's usblp driver and
sets the configuration; the bulk endpoints are then written and read here, with our own time
limits (python-escpos reads without one). The device stays claimed between jobs and is opened
again after a failure: opening resets the USB device, which takes time. Needs pyusb and libusb.
Runs on whichever worker thread calls it.

    printer = EscposUsbPrinter("printer", EscposUsbPrinter.Settings(uri="usb://04b8:0e15"))
    printer.probe()          # DeviceState(NO_DEVICE) when it is unplugged
"""
from __future__ import annotations

import errno
from typing import Annotated, Any, ClassVar

from drivers.errors import DeviceOffline, NoDevice
from drivers.printer.escpos_base import EscposPrinter, EscposSettings, uri_check
from drivers.printer.uri import UsbAddress
from drivers.schema import Check, settings
from drivers.status import Reason

#: Bulk reads ask for a whole packet: asking a USB device for less than it sends is an overflow.
_PACKET = 64


@settings
class EscposUsbSettings(EscposSettings):
    uri: Annotated[str, uri_check(UsbAddress)]
    """Which printer: ``usb://VID:PID``, its vendor and product id in hex."""
    in_ep: Annotated[int, Check(ge=0x81, le=0x8F)] = 0x82
    """The printer's bulk IN endpoint (0x82 on most Epson-compatible printers)."""
    out_ep: Annotated[int, Check(ge=0x01, le=0x0F)] = 0x01
    """The printer's bulk OUT endpoint."""


class EscposUsbPrinter(EscposPrinter):
    kind: ClassVar[str] = "escpos-usb"
    Settings: ClassVar = EscposUsbSettings

    def __init__(self, name: str, settings: EscposUsbSettings | None = None) -> None:
        super().__init__(name, settings)
        self._address: UsbAddress = self.settings.address  # type: ignore[assignment]
        self._usb: Any = None
        self._pending = b""

    @classmethod
    def is_usable(cls) -> tuple[bool, str]:
        try:
            import usb.backend.libusb0
            import usb.backend.libusb1
            import usb.core  # noqa: F401
        except ImportError:
            return False, "python module 'usb' (pyusb) is not installed"
        if usb.backend.libusb1.get_backend() is None and usb.backend.libusb0.get_backend() is None:
            return False, "the libusb library is not installed"
        return True, ""

    def _where(self) -> str:
        return f"{self._address.vendor_id:04x}:{self._address.product_id:04x}"

    def _open(self) -> None:
        import usb.core
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Usb

        printer = Usb(self._address.vendor_id, self._address.product_id,
                      timeout=self._ms(self.settings.timeout_s), in_ep=self.settings.in_ep,
                      out_ep=self.settings.out_ep, profile="default")
        try:
            printer.open()
        except DeviceNotFoundError as err:
            raise NoDevice(f"no USB device {self._where()}", reason=Reason.DISCONNECTED) from err
        except usb.core.USBError as err:
            raise DeviceOffline(f"cannot open USB device {self._where()}: {err}") from err
        self._usb = printer
        self._pending = b""

    def _raw(self, data: bytes) -> None:
        try:
            self._usb.device.write(self.settings.out_ep, data,
                                   self._ms(self._send_budget(len(data))))
        except Exception as err:  # noqa: BLE001 - pyusb raises USBError and its subclasses
            raise self._translate("sending to", err) from err

    def _read(self, n: int, timeout: float) -> bytes:
        import usb.core

        if not self._pending:
            try:
                # pyusb reads 0 ms as "no limit": ask for 1 ms when only draining.
                packet = self._usb.device.read(self.settings.in_ep, _PACKET,
                                               max(1, self._ms(timeout)))
                self._pending = bytes(packet)
            except usb.core.USBTimeoutError:
                return b""
            except Exception as err:  # noqa: BLE001
                raise self._translate("reading from", err) from err
        data, self._pending = self._pending[:n], self._pending[n:]
        return data

    def _close(self) -> None:
        if self._usb is not None:
            printer, self._usb = self._usb, None
            try:
                printer.close()
            except Exception:  # noqa: BLE001 - releasing a vanished device must not raise
                pass

    def _translate(self, doing: str, err: Exception) -> Exception:
        import usb.core

        if isinstance(err, usb.core.USBTimeoutError):
            return DeviceOffline(f"{doing} USB device {self._where()} timed out")
        if getattr(err, "errno", None) == errno.ENODEV:
            return NoDevice(f"USB device {self._where()} was unplugged",
                            reason=Reason.DISCONNECTED)
        return DeviceOffline(f"{doing} USB device {self._where()} failed: {err}")

    @staticmethod
    def _ms(seconds: float) -> int:
        return int(seconds * 1000)
