"""ESC/POS receipt printers, the work written once above four transport primitives.

A transport (network, USB, serial) implements only ``_open()``, ``_raw(data)``,
``_read(n, timeout)`` and ``_close()``, and turns its library's exceptions into ours
(:mod:`drivers.errors`). This class asks the printer's state with DLE EOT, refuses a job the
printer cannot print, sends it, and asks again. Everything here blocks for a bounded time
(``timeout_s`` per connect and per status round): call it from a worker thread, never the UI.

Status comes from three real-time requests, answered by the printer even when it is offline
(Epson, *ESC/POS Command Reference*, "DLE EOT n: Transmit real-time status"; python-escpos
names n=1 and n=4 ``RT_STATUS_ONLINE`` and ``RT_STATUS_PAPER``). Each answer is one byte whose
bits 0 and 7 are 0 and bits 1 and 4 are 1; the other bits:

=====  =========================================================================
n = 1  printer status: bit 3 offline
n = 2  offline cause: bit 2 cover open, bit 3 paper fed by the FEED button,
       bit 5 printing stopped at the paper end, bit 6 an error occurred
n = 4  roll paper sensor: bits 2-3 paper near its end, bits 5-6 paper end
=====  =========================================================================

    printer = EscposNetworkPrinter("printer", EscposNetworkPrinter.Settings(uri="tcp://10.0.0.7"))
    printer.probe()                            # DeviceState(ONLINE) within timeout_s
    printer.print_job(receipt_bytes, job_id="R-2026-000123")

Known flaw: a printer takes a job into its buffer before it prints it, so the status asked just
after sending cannot see a roll that runs out three lines later. It catches a roll that was
already out or a cover that was opened while the job was being sent, which is what the
printers we use report at that moment.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import ClassVar, Literal

from escpos.constants import RT_STATUS, RT_STATUS_ONLINE, RT_STATUS_PAPER
from pydantic import Field, field_validator

from drivers.base import AdapterSettings
from drivers.errors import CoverOpen, DeviceError, DeviceOffline, PaperOut, error_for
from drivers.printer.base import PrinterProfile, ReceiptPrinter
from drivers.printer.uri import PrinterAddress, parse_printer_uri
from drivers.status import DeviceState, DeviceStatus, Reason

log = logging.getLogger(__name__)

#: DLE EOT 2: transmit the offline cause (python-escpos has no name for it).
RT_STATUS_OFFLINE_CAUSE = RT_STATUS + b"\x02"

# Bits of the status bytes (see the module docstring).
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12
PRINTER_OFFLINE = 0x08
CAUSE_COVER_OPEN = 0x04
CAUSE_FEED_BUTTON = 0x08
CAUSE_PAPER_END_STOP = 0x20
CAUSE_ERROR = 0x40
PAPER_NEAR_END = 0x0C
PAPER_END = 0x60

#: The slowest printer link we drive drains about this many bytes a second (9600 baud serial);
#: sending a job may take its length divided by this on top of ``timeout_s``.
SLOWEST_LINK_BYTES_PER_S = 960


class EscposSettings(AdapterSettings):
    address_types: ClassVar[tuple[type, ...]] = ()
    """The URI schemes that this transport accepts (set by each transport)."""

    uri: str
    """Where the printer is: ``tcp://HOST[:PORT]``, ``usb://VID:PID`` or
    ``serial:///dev/DEVICE?baud=19200``."""
    paper_width_mm: Literal[58, 80] = 80
    """Paper roll width, in millimetres."""
    native_qr: bool = True
    """The printer draws QR codes itself (``GS ( k``); otherwise they are sent as images."""
    cutter: bool = True
    """The printer has an automatic cutter."""
    timeout_s: float = Field(default=1.5, gt=0.0, le=30.0)
    """Longest wait, in seconds, for a connection or for one round of status requests."""

    @field_validator("uri")
    @classmethod
    def _uri_for_this_transport(cls, value: str) -> str:
        address = parse_printer_uri(value)
        if cls.address_types and not isinstance(address, cls.address_types):
            raise ValueError(f"printer URI {value!r} is not for this adapter "
                             f"(expected {cls.address_types[0].__name__})")
        return value

    @property
    def address(self) -> PrinterAddress:
        return parse_printer_uri(self.uri)


def state_from_status(printer: int, offline_cause: int, paper: int) -> DeviceState:
    """The device state for the answers to DLE EOT 1, 2 and 4 (one byte each).

    The most serious finding wins: a person's fault (cover, paper) before a printer error,
    because a person at the kiosk can clear it and an open cover also raises the error bit on
    some models.
    """
    for n, byte in ((1, printer), (2, offline_cause), (4, paper)):
        if byte & _FIXED_MASK != _FIXED_BITS:
            return DeviceState(DeviceStatus.HARDWARE_ERROR, None,
                               f"unexpected answer 0x{byte:02x} to DLE EOT {n}")
    if offline_cause & CAUSE_COVER_OPEN:
        return DeviceState(DeviceStatus.USER_ERROR, Reason.COVER_OPEN, "cover open")
    if paper & PAPER_END or offline_cause & CAUSE_PAPER_END_STOP:
        return DeviceState(DeviceStatus.USER_ERROR, Reason.PAPER_OUT, "paper end")
    if offline_cause & CAUSE_ERROR:
        return DeviceState(DeviceStatus.HARDWARE_ERROR, None,
                           "printer reports an error (cutter, head temperature or voltage)")
    if printer & PRINTER_OFFLINE:
        if offline_cause & CAUSE_FEED_BUTTON:
            return DeviceState(DeviceStatus.BUSY, None, "paper fed by the FEED button")
        return DeviceState(DeviceStatus.OFFLINE, None, "printer reports itself offline")
    if paper & PAPER_NEAR_END:
        return DeviceState.online(Reason.PAPER_NEAR_END, "paper near its end")
    return DeviceState.online()


class EscposPrinter(ReceiptPrinter):
    """An ESC/POS printer on some transport; subclasses give the four primitives."""

    Settings: ClassVar[type[EscposSettings]] = EscposSettings
    keep_open: ClassVar[bool] = True
    """Keep the connection between jobs (re-opened after a failure); False opens one per job."""

    settings: EscposSettings

    def __init__(self, name: str, settings: EscposSettings | None = None) -> None:
        super().__init__(name, settings)
        self._profile = PrinterProfile.for_width(self.settings.paper_width_mm,
                                                 native_qr=self.settings.native_qr,
                                                 cutter=self.settings.cutter)
        self._io_lock = threading.Lock()
        self._connected = False

    # -- the transport's primitives ----------------------------------------------------------
    def _open(self) -> None:
        """Connect within ``timeout_s``; raise NoDevice (absent) or DeviceOffline."""
        raise NotImplementedError

    def _raw(self, data: bytes) -> None:
        """Send all of ``data`` within :meth:`_send_budget`; raise DeviceOffline otherwise."""
        raise NotImplementedError

    def _read(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes that arrive within ``timeout`` seconds; b"" if none did.
        ``timeout`` 0 takes only what is already waiting."""
        raise NotImplementedError

    def _close(self) -> None:
        """Release the connection; never raises."""
        raise NotImplementedError

    # -- the work, once -------------------------------------------------------------------------
    @property
    def profile(self) -> PrinterProfile:
        return self._profile

    def _send_budget(self, size: int) -> float:
        """How long sending ``size`` bytes may take, in seconds."""
        return self.settings.timeout_s + size / SLOWEST_LINK_BYTES_PER_S

    def probe(self) -> DeviceState:
        with self._io_lock:
            try:
                self._connect()
                state = self._status()
            except DeviceError as err:
                self._disconnect()
                return err.state
            finally:
                if not self.keep_open:
                    self._disconnect()
        return state

    def print_job(self, data: bytes, *, job_id: str = "") -> None:
        # Only the job's id and size are logged: the bytes hold people's names and numbers.
        with self._io_lock:
            try:
                self._connect()
                before = self._status()
                self._set_state(before)
                if not before.usable:
                    log.info("job %s refused: printer is %s", job_id, before.status.value)
                    raise error_for(before)
                self._raw(bytes(data))
                after = self._status()
                self._set_state(after)
                if not after.usable:
                    # The job may be cut short: whoever asked must treat it as not printed.
                    log.warning("job %s (%d bytes) sent but printer is now %s", job_id,
                                len(data), after.status.value)
                    raise error_for(after)
            except (PaperOut, CoverOpen):
                raise
            except DeviceError as err:
                self._disconnect()
                self._set_state(err.state)
                raise
            finally:
                if not self.keep_open:
                    self._disconnect()
        log.info("job %s sent (%d bytes)", job_id, len(data))

    def close(self) -> None:
        with self._io_lock:
            self._disconnect()

    def _connect(self) -> None:
        if not self._connected:
            try:
                self._open()
            except DeviceError:
                raise
            except OSError as err:  # a library error the transport did not expect
                raise DeviceOffline(f"cannot open {self.settings.uri}: {err}") from err
            self._connected = True

    def _disconnect(self) -> None:
        if self._connected:
            self._connected = False
            self._close()

    def _status(self) -> DeviceState:
        """Ask DLE EOT 1, 2 and 4, all within one ``timeout_s``."""
        deadline = time.monotonic() + self.settings.timeout_s
        answers: list[int] = []
        for request in (RT_STATUS_ONLINE, RT_STATUS_OFFLINE_CAUSE, RT_STATUS_PAPER):
            self._drain()
            self._raw(request)
            reply = self._read(1, max(0.0, deadline - time.monotonic()))
            if not reply:
                return DeviceState(DeviceStatus.OFFLINE, Reason.NOT_RESPONDING,
                                   f"no answer to DLE EOT {request[-1]} within "
                                   f"{self.settings.timeout_s:g} s")
            answers.append(reply[0])
        return state_from_status(*answers)

    def _drain(self) -> None:
        """Drop bytes left from an earlier, late answer so they are not read as this one's."""
        for _ in range(64):
            if not self._read(64, 0.0):
                return
