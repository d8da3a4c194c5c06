"""ESC/POS receipt printers, the work written once above four transport primitives.

A transport (network, USB, serial) implements only ``_open()``, ``_raw(data)``,
``_read(n, timeout)`` and ``_close()``, and turns its library's exceptions into ours
(:mod:`drivers.errors`). This class asks the printer's state with DLE EOT, refuses a job the
printer cannot print, sends it, and counts it printed only once the printer says so.
Everything here blocks for a bounded time (``timeout_s`` per connect, per status round and per
buffer clear, and the confirmation budget below): call it from a worker thread, never the UI.

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

A printer takes a whole job into its receive buffer at once and prints it over the next second
or two, so a status asked just after sending cannot see a roll that runs out three lines later.
So each job is followed by ``GS ( H`` fn 48 ("process ID response", ``1D 28 48 06 00 30 30``
and four ID characters), which the printer answers ``37 22 d1 d2 d3 d4 00`` once everything
before it has printed, and never for data that did not print. Until that answer comes, the
status is asked every :data:`CONFIRM_POLL_S`: paper out or an open cover first means the job did
not print (PaperOut, CoverOpen; the spooler keeps it). The wait is bounded by
:meth:`EscposPrinter.confirm_budget`: ``PRINT_START_S`` + size / ``SLOWEST_PRINT_BYTES_PER_S``,
plus ``timeout_s`` for the status round under way when that ends. A printer that never answers
while reporting itself fine all along has its job counted as printed, with a warning (see
``_send_and_confirm``). Status bytes, process-ID answers and the buffer-clear answer below
share the input stream: :class:`PrinterReplies` tells them apart.

A job cut short leaves its rest in the printer's buffer, which a printer prints once the fault
is cleared: on top of its own reprint. So after a fault ``DLE DC4 fn 8`` ("clear buffers",
``10 14 08 01 03 14 01 06 02 08``) is sent at once, and again before the next job, once the
status says the printer is ready: a real-time command that drops what waits in the receive and
print buffers, unprinted, and that Epson's printers run even while offline or in error (paper
end, cover open), answering ``37 25 00`` once done. Nothing more is sent until that answer
comes, as Epson asks, but for no longer than ``timeout_s``; at the fault no later than the
job's confirmation budget ends, and not at all from a printer that has stopped answering.
(``DLE ENQ 2``, "recover from an error after clearing the buffers", would not do: printers act
on it only after a recoverable error such as an autocutter error, and ignore it after a paper
end.)

A printer whose profile says it does not answer ``GS ( H`` (``confirms_printing = false``) gets
the job and one status round after it, as before: a roll that runs out while it prints from its
buffer goes unnoticed, and the job counts as printed.

    printer = EscposNetworkPrinter("printer", EscposNetworkPrinter.Settings(uri="tcp://10.0.0.7"))
    printer.probe()                            # DeviceState(ONLINE) within timeout_s
    printer.print_job(receipt_bytes, job_id="R-2026-000123")   # returns once it has printed

Known flaws: a printer without ``DLE DC4 fn 8`` (older models and some clones; it never
answers it, and a warning says so before the next job) still prints the rest of a stopped job
when the fault is cleared, before the reprint. A printer that stops answering altogether before
it confirms a job has that job counted as not printed, so if it did print, the reprint is a
second copy.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Annotated, ClassVar, Literal, NoReturn

from escpos.constants import RT_STATUS, RT_STATUS_ONLINE, RT_STATUS_PAPER

from drivers.base import AdapterSettings
from drivers.errors import CoverOpen, DeviceError, DeviceOffline, PaperOut, error_for
from drivers.printer.base import PrinterProfile, ReceiptPrinter
from drivers.printer.uri import PrinterAddress, parse_printer_uri
from drivers.schema import Check, settings
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

#: DLE DC4 fn 8 d1...d7: clear the receive and print buffers (real-time, in any state); the
#: printer answers ``37 25 00`` once done.
RT_CLEAR_BUFFERS = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"
#: GS ( H fn 48 m 48, without its four ID bytes: answer with the ID once the data before it is
#: processed (printed).
PROCESS_ID_REQUEST = b"\x1d(H\x06\x00\x30\x30"
#: What every "header to NUL" answer starts with (37h); a process-ID answer goes on with 22h,
#: the answer to DLE DC4 fn 8 with 25h.
BLOCK_HEADER, PROCESS_ID_IDENTIFIER, CLEAR_IDENTIFIER = 0x37, 0x22, 0x25
CLEAR_RESPONSE = bytes([BLOCK_HEADER, CLEAR_IDENTIFIER, 0x00])

#: The slowest printer link we drive drains about this many bytes a second (9600 baud serial);
#: sending a job may take its length divided by this on top of ``timeout_s``.
SLOWEST_LINK_BYTES_PER_S = 960
#: Printing is given this many bytes a second when waiting for a job's process ID: a 58 mm
#: printer at 50 mm/s prints about 13 lines a second, and a receipt's lines average under 16
#: bytes. Raster images and QR codes print faster per byte.
SLOWEST_PRINT_BYTES_PER_S = 200
#: Seconds added to every job's wait for its process ID: starting, the feed and the cut.
PRINT_START_S = 1.0
#: How often the status is asked while waiting for a job's process ID, in seconds.
CONFIRM_POLL_S = 0.1


def uri_check(*address_types: type) -> Check:
    """The check of the ``uri`` setting: a printer URI, and for a transport's settings, one of
    the address types that transport drives (each transport declares ``uri`` again with its
    own)."""

    def check(value: str) -> str:
        try:
            address = parse_printer_uri(value)
            if address_types and not isinstance(address, address_types):
                raise ValueError(f"printer URI {value!r} is not for this adapter "
                                 f"(expected {address_types[0].__name__})")
        except ValueError as err:
            # Its own error type, which the config's refusal words in both languages. Only ever
            # run by a full check, so pydantic is already imported.
            from pydantic_core import PydanticCustomError

            raise PydanticCustomError("printer_uri", "{detail}", {"detail": str(err)}) from None
        return value

    return Check(after=check)


@settings
class EscposSettings(AdapterSettings):
    uri: Annotated[str, uri_check()]
    """Where the printer is: ``tcp://HOST[:PORT]``, ``usb://VID:PID`` or
    ``serial:///dev/DEVICE?baud=19200``."""
    paper_width_mm: Literal[58, 80] = 80
    """Paper roll width, in millimetres."""
    native_qr: bool = True
    """The printer draws QR codes itself (``GS ( k``); otherwise they are sent as images."""
    cutter: bool = True
    """The printer has an automatic cutter."""
    confirms_printing: bool = True
    """The printer answers ``GS ( H`` process-ID requests once the data before them has printed
    (Epson's reference lists it for its current TM models, the TM-T88IV onwards among them;
    other makes copy it, not all of them), so a job counts as printed only once all of it came
    out. ``false`` for one that does not: its job counts as printed once sent, when the status
    asked just after is fine."""
    timeout_s: Annotated[float, Check(gt=0.0, le=30.0)] = 1.5
    """Longest wait, in seconds, for a connection or for one round of status requests."""

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


class PrinterReplies:
    """What a printer sends back, read in order and told apart.

    A real-time status answer (DLE EOT) is one byte with bit 0 off; an answer processed in
    sequence, such as the process ID (``37 22 d1 d2 d3 d4 00``) or the buffer-clear answer
    (``37 25 00``), runs from a 37h header to a NUL and is sent whole. So a 37h outside such a
    block starts one, and any other byte there is a status answer (a byte with the wrong fixed
    bits is kept, for :func:`state_from_status` to report). Process IDs are kept and buffer-clear
    answers counted; other blocks are dropped. Pure and not thread-safe: the adapter feeds it
    under its I/O lock.

        replies = PrinterReplies()
        replies.feed(b"\x37\x22" b"00")
        replies.feed(b"07\x00\x12\x37\x25\x00")
        replies.process_ids, replies.statuses, replies.clears   # [b"0007"], deque([0x12]), 1
    """

    MAX_BLOCK = 128
    """A header with no NUL this far after it is taken for noise, not a block."""

    def __init__(self) -> None:
        self._pending = bytearray()
        self.statuses: deque[int] = deque()
        self.process_ids: list[bytes] = []
        self.clears = 0
        """Answers to DLE DC4 fn 8 (``37 25 00``) read so far."""

    def feed(self, data: bytes) -> None:
        self._pending += data
        while self._pending:
            if self._pending[0] != BLOCK_HEADER:
                self.statuses.append(self._pending.pop(0))
                continue
            end = self._pending.find(0, 1)
            if end < 0:
                if len(self._pending) <= self.MAX_BLOCK:
                    return  # the rest of the block is still on its way
                self._pending.pop(0)
                continue
            block = bytes(self._pending[:end + 1])
            del self._pending[:end + 1]
            if len(block) == 7 and block[1] == PROCESS_ID_IDENTIFIER:
                self.process_ids.append(block[2:6])
            elif block == CLEAR_RESPONSE:
                self.clears += 1


class EscposPrinter(ReceiptPrinter):
    """An ESC/POS printer on some transport; subclasses give the four primitives."""

    Settings: ClassVar[type[EscposSettings]] = EscposSettings
    keep_open: ClassVar[bool] = True
    """Keep the connection between jobs (re-opened after a failure); False opens one per job."""

    settings: EscposSettings

    def __init__(self, name: str, settings: EscposSettings | None = None) -> None:
        super().__init__(name, settings)
        self._profile = PrinterProfile.for_width(
            self.settings.paper_width_mm, native_qr=self.settings.native_qr,
            cutter=self.settings.cutter, confirms_printing=self.settings.confirms_printing)
        self._io_lock = threading.Lock()
        self._connected = False
        self._replies = PrinterReplies()
        self._last_process_id = 0
        self._clear_before_next_job = False
        """A job failed: what it left in the printer's buffer is dropped before the next."""

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

    def confirm_budget(self, size: int) -> float:
        """The longest wait, in seconds, between sending a job of ``size`` bytes and knowing
        whether it printed: its printing at the slowest rate we allow for, then one status
        round."""
        return PRINT_START_S + size / SLOWEST_PRINT_BYTES_PER_S + self.settings.timeout_s

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
        data = bytes(data)
        with self._io_lock:
            try:
                self._connect()
                before = self._status()
                self._set_state(before)
                if not before.usable:
                    log.info("job %s refused: printer is %s", job_id, before.status.value)
                    raise error_for(before)
                if self._clear_before_next_job:  # once the printer is ready again
                    if not self._clear_buffers(time.monotonic() + self.settings.timeout_s):
                        log.warning("the printer did not answer DLE DC4 fn 8 (clear buffers) "
                                    "within %g s: if this model does not know it, what was "
                                    "left of a stopped job prints when the fault is cleared",
                                    self.settings.timeout_s)
                    self._clear_before_next_job = False
                if self.profile.confirms_printing:
                    self._send_and_confirm(data, job_id)
                else:
                    self._raw(data)
                    after = self._status()
                    self._set_state(after)
                    if not after.usable:
                        self._stopped_mid_job(job_id, len(data), after,
                                              time.monotonic() + self.settings.timeout_s)
            except (PaperOut, CoverOpen):
                self._clear_before_next_job = True
                raise
            except DeviceError as err:
                self._clear_before_next_job = True
                self._disconnect()
                self._set_state(err.state)
                raise
            finally:
                if not self.keep_open:
                    self._disconnect()
        log.info("job %s %s (%d bytes)", job_id,
                 "printed" if self.profile.confirms_printing else "sent", len(data))

    def _send_and_confirm(self, data: bytes, job_id: str) -> None:
        """Send the job with a process-ID request after it; return once the printer answers
        it; raise when the printer stops first (paper out, cover open, silent)."""
        self._last_process_id = self._last_process_id % 9999 + 1
        process_id = b"%04d" % self._last_process_id
        self._take_waiting()
        self._replies.process_ids.clear()  # an answer for an earlier job that we gave up on
        self._raw(data + PROCESS_ID_REQUEST + process_id)
        budget = self.confirm_budget(len(data))
        budget_end = time.monotonic() + budget
        # Polling stops one status round before the budget ends, so that the round under way
        # then ends within it.
        polls_end = budget_end - self.settings.timeout_s
        printed = lambda: process_id in self._replies.process_ids  # noqa: E731
        while True:
            if self._await(printed, min(polls_end, time.monotonic() + CONFIRM_POLL_S)):
                return
            if time.monotonic() >= polls_end:
                break
            state = self._status()
            if printed():  # it printed whole before whatever the status now says
                return
            self._set_state(state)
            if not state.usable:
                self._stopped_mid_job(job_id, len(data), state, budget_end)
        # The printer says it is fine but never answered. Either it does not implement GS ( H
        # although its profile says it does, or it is slower than we allow for; in both cases
        # it most likely printed the job, and a second receipt handed out for one payment does
        # more harm than trusting this one. The technician sees the warning.
        log.warning("job %s (%d bytes): the printer reported no fault but did not confirm "
                    "printing within %.1f s; counted as printed (if this model does not answer "
                    "GS ( H, set confirms_printing = false)", job_id, len(data), budget)

    def _stopped_mid_job(self, job_id: str, size: int, state: DeviceState,
                         deadline: float) -> NoReturn:
        """The printer stopped with a job not all printed: whoever asked must treat it as not
        printed. What is left of it in the printer's buffer is dropped now, so that it does not
        come out when the fault is cleared (and again before the next job); its answer is
        awaited until ``deadline`` at the latest, and not at all from a printer that has
        stopped answering."""
        log.warning("job %s (%d bytes) sent but printer is now %s before it printed", job_id,
                    size, state.status.value)
        if state.reason is Reason.NOT_RESPONDING:
            deadline = time.monotonic()
        try:
            self._clear_buffers(min(deadline, time.monotonic() + self.settings.timeout_s))
        except DeviceError:
            pass  # sent before the next job anyway
        raise error_for(state)

    def _clear_buffers(self, deadline: float) -> bool:
        """Send DLE DC4 fn 8 and read until its answer (``37 25 00``) comes or ``deadline``
        (``time.monotonic()``) passes; whether it came. Replies that come meanwhile are kept."""
        self._take_waiting()
        self._replies.clears = 0
        self._raw(RT_CLEAR_BUFFERS)
        return self._await(lambda: self._replies.clears > 0, deadline)

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
            self._replies = PrinterReplies()

    def _disconnect(self) -> None:
        if self._connected:
            self._connected = False
            self._close()

    def _status(self) -> DeviceState:
        """Ask DLE EOT 1, 2 and 4, all within one ``timeout_s``."""
        deadline = time.monotonic() + self.settings.timeout_s
        answers: list[int] = []
        for request in (RT_STATUS_ONLINE, RT_STATUS_OFFLINE_CAUSE, RT_STATUS_PAPER):
            # A late answer to an earlier request must not be read as this one's; a process
            # ID that came meanwhile is kept.
            self._take_waiting()
            self._replies.statuses.clear()
            self._raw(request)
            if not self._await(lambda: bool(self._replies.statuses), deadline):
                return DeviceState(DeviceStatus.OFFLINE, Reason.NOT_RESPONDING,
                                   f"no answer to DLE EOT {request[-1]} within "
                                   f"{self.settings.timeout_s:g} s")
            answers.append(self._replies.statuses.popleft())
        return state_from_status(*answers)

    def _take_waiting(self) -> None:
        """Read what the printer has sent already, without waiting."""
        for _ in range(64):
            data = self._read(64, 0.0)
            if not data:
                return
            self._replies.feed(data)

    def _await(self, done: Callable[[], bool], deadline: float) -> bool:
        """Read until ``done()`` or the deadline (``time.monotonic()``); whether it is done.
        One byte is awaited at a time, as a serial port's read waits for all it asks for."""
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            data = self._read(1, remaining)
            if data:
                self._replies.feed(data)
                self._take_waiting()
        return True
