"""A network thermal receipt printer, emulated: the test peer of the ESC/POS network adapter.

It listens on raw TCP like a printer's port 9100, takes injected faults (paper near end, paper
out, cover open, an autocutter error, offline, a dropped connection, the roll running out after
N bytes printed), and renders each job to ``job-0001.png`` and ``job-0001.txt`` in ``out_dir``
with :mod:`render`.
A second, line-based TCP port takes the same faults from another process (``fault cover_open``,
``clear``, ``status``, ``jobs``).

Like a real printer it keeps what it receives in a buffer, and its mechanism prints from there:

- with ``print_rate`` (bytes a second) the mechanism prints the buffer over time, as a printer
  does after taking a whole job in at once; by default it prints each command the moment it
  arrives, as fast as the tests can go.
- Real-time commands act at once, on the mechanism's state as it is now, whatever waits in
  the buffer (Epson, *ESC/POS Command Reference*):

  - ``DLE EOT n`` (status) is answered.
  - ``DLE DC4 fn 8`` (clear buffers, ``10 14 08 01 03 14 01 06 02 08``) drops what waits in
    the receive and print buffers, unprinted, with the process IDs and ``GS r`` requests among
    it, recovers from a recoverable error (``cutter_error``), and answers ``37 25 00``: in
    every state, paper out, cover open and ``offline`` included, as Epson says it runs even
    while the printer is offline or in error.
  - ``DLE ENQ n`` (recover from an error) is acted on only while a recoverable error
    (``cutter_error``) stops the printer: n = 1 recovers and prints on from the buffer, n = 2
    clears the buffers as ``DLE DC4 fn 8`` does, then recovers; it answers nothing. After a
    paper end, with the cover open or offline it is ignored, as Epson's reference says of its
    printers and the clones' manuals say of theirs.

  Everything else is processed in sequence: ``GS r n`` is answered when the mechanism reaches
  it, and ``GS ( H`` fn 48 (process ID, ``1D 28 48 06 00 30 30 d1 d2 d3 d4``) is answered
  ``37 22 d1 d2 d3 d4 00`` once all the data before it has printed, never for data that did
  not print or was cleared ("GS ( H <Function 48>", "DLE DC4 <Function 8>", "DLE ENQ").
- ``paper_out_after n`` counts bytes printed. When the roll runs out, the cover opens or the
  cutter fails in the middle of a job, the job's record is made from what reached the paper
  (``complete=False``), and the rest of it waits in the buffer, with anything received after
  it: once the fault is cleared (paper loaded, cover closed, error recovered from) the
  mechanism prints on, and that rest becomes a record of its own (``resumed=True``), unless
  the buffers were cleared first. Data received while ``offline`` is dropped: an offline
  printer takes nothing in and answers nothing but ``DLE DC4 fn 8``.

Threads: :meth:`PrinterEmulator.start` starts one thread that serves print connections one after
another, as a real printer does (a second client waits in the listen backlog), one for the
mechanism, which prints, answers what is processed in sequence and renders each job when it
ends (a job that a buffer clear cuts short is rendered on the connection thread), and one for
the control port. Without a print rate, the connection thread hands each
command to the mechanism and waits until it is printed (or printing has stopped), so answers
are as if printing took no time. :meth:`stop` closes every socket and joins the threads.

    with PrinterEmulator(port=0, out_dir=Path("receipts"), paper_width_mm=58,
                         print_rate=3000) as printer:
        escpos.printer.Network("127.0.0.1", printer.port).textln("Habari")
        printer.inject("paper_near_end")
        printer.wait_for_jobs(1, timeout=5)[0].txt.read_text()   # "Habari\\n"
"""
from __future__ import annotations

import enum
import logging
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from drivers.printer.render import render, scan

log = logging.getLogger(__name__)

_POLL_S = 0.1
"""How often blocked threads look whether :meth:`PrinterEmulator.stop` was called."""
_TICK_S = 0.01
"""With a print rate, the mechanism puts this long's worth of bytes on the paper at a time."""


class Fault(enum.StrEnum):
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    DISCONNECT_MID_JOB = "disconnect_mid_job"
    PAPER_OUT_AFTER = "paper_out_after"
    """Takes ``n``: the roll runs out after n more bytes of job data have printed."""
    CUTTER_ERROR = "cutter_error"
    """An autocutter error: recoverable, so ``DLE ENQ 1`` or ``2`` (or ``DLE DC4 fn 8``)
    recovers from it, as does ``clear``."""


STOPS_PRINTING = frozenset({Fault.PAPER_OUT, Fault.COVER_OPEN, Fault.OFFLINE,
                            Fault.CUTTER_ERROR})
"""Faults under which the mechanism prints nothing: what is in the buffer waits."""
RECOVERABLE = frozenset({Fault.CUTTER_ERROR})
"""Errors that ``DLE ENQ 1`` and ``2`` recover from; the only state in which they act."""


# Real-time status bytes (Epson ESC/POS reference, DLE EOT n; the fixed bits are the ones
# python-escpos's RT_MASK_* constants test for).
STATUS_PRINTER_BASE = 0x16      # DLE EOT 1: bits 1, 2, 4 fixed on
STATUS_PRINTER_OFFLINE = 0x08   # = escpos.constants.RT_MASK_ONLINE: set when offline
STATUS_OFFLINE_BASE = 0x12      # DLE EOT 2: bits 1, 4 fixed on
STATUS_COVER_OPEN = 0x04
STATUS_PAPER_OUT_STOP = 0x20
STATUS_ERROR_OCCURRED = 0x40    # DLE EOT 2: an error (here the cutter's) stopped the printer
STATUS_ERROR_BASE = 0x12        # DLE EOT 3
STATUS_AUTOCUTTER_ERROR = 0x08  # DLE EOT 3: recoverable by DLE ENQ 1 or 2
STATUS_PAPER_BASE = 0x12        # DLE EOT 4 = RT_MASK_PAPER (18): paper adequate
STATUS_PAPER_NEAR_END = 0x0C    # 0x12 | 0x0C = RT_MASK_LOWPAPER (30)
STATUS_PAPER_OUT = 0x60         # 0x12 | 0x60 = RT_MASK_NOPAPER (114)
GS_R_PAPER_NEAR_END = 0x03      # GS r 1: roll paper near-end sensor
GS_R_PAPER_OUT = 0x0C           # GS r 1: roll paper end sensor
PROCESS_ID_RESPONSE = b"\x37\x22"
"""Header and identifier of the answer to ``GS ( H`` fn 48; the 4-byte ID and a NUL follow."""
CLEAR_BUFFERS = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"
"""``DLE DC4 fn 8 d1...d7``: clear the receive and print buffers (real-time)."""
CLEAR_RESPONSE = b"\x37\x25\x00"
"""The answer to ``DLE DC4 fn 8`` once the buffers are clear."""


@dataclass(frozen=True)
class PrintedJob:
    number: int
    data: bytes
    """The bytes that reached the paper (up to where the roll ran out or the connection fell)."""
    png: Path
    txt: Path
    complete: bool
    received: int = 0
    """The job's bytes the emulator had received when this record was made, printed or not
    (requests answered by the printer excluded); for a resumed rest, the bytes of it printed."""
    resumed: bool = False
    """The rest of a job whose printing stopped part-way, printed after the fault was cleared
    because nobody cleared the buffers (``DLE DC4 fn 8``)."""


class _Job:
    """One job as it is received and printed (a cut, or the connection's end, ends it)."""

    def __init__(self, *, resumed: bool = False) -> None:
        self.printed = bytearray()
        self.received = 0
        self.lost = False
        """Some of its bytes will never print: cleared, dropped while offline, cut short."""
        self.limit: int | None = None
        """``disconnect_mid_job``: no more than this many bytes of it print."""
        self.finished = False
        """Its record is made (or it will never have one); what of it still prints goes to
        ``rest``."""
        self.rest: _Job | None = None
        self.resumed = resumed

    def current(self) -> _Job:
        """The job that its next printed bytes belong to."""
        job = self
        while job.finished and job.rest is not None:
            job = job.rest
        return job


class _Client:
    """A print connection, which both the connection thread and the mechanism answer on."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self._closed = False

    def send(self, data: bytes) -> None:
        with self._lock:
            if self._closed or not data:
                return
            try:
                self._conn.sendall(data)
            except OSError:  # the client left without reading
                pass

    def close(self) -> None:
        with self._lock:
            self._closed = True


class _Item:
    """One entry of the printer's buffer: ``data`` to print, a request processed in sequence
    (``process_id``, ``gs_r``), or the ``end`` of a job."""

    __slots__ = ("kind", "job", "data", "client", "done")

    def __init__(self, kind: str, job: _Job, data: bytes = b"",
                 client: _Client | None = None) -> None:
        self.kind = kind
        self.job = job
        self.data = data
        self.client = client
        self.done = False


def _nothing() -> None:
    pass


class PrinterEmulator:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 9100, out_dir: Path,
                 paper_width_mm: int = 80, faults: Iterable[str] = (),
                 control_port: int | None = None, print_rate: float | None = None) -> None:
        """``print_rate``: bytes of job data printed a second; None prints each command the
        moment it arrives."""
        if paper_width_mm not in (58, 80):
            raise ValueError("paper width must be 58 or 80 mm")
        if print_rate is not None and not print_rate > 0:
            raise ValueError("the print rate must be more than 0 bytes a second")
        self.host = host
        self.port = port
        self.control_port = control_port
        self.out_dir = Path(out_dir)
        self.paper_width_mm = paper_width_mm
        self.width_dots = 384 if paper_width_mm == 58 else 576
        self.print_rate = print_rate
        self._lock = threading.Condition()  # an RLock underneath
        self._faults: set[Fault] = set()
        self._paper_left: int | None = None
        self._jobs: list[PrintedJob] = []
        self._received = 0
        self._printed = 0
        self._process_ids = 0
        self._buffer: deque[_Item] = deque()
        self._offset = 0
        """Bytes of the buffer's first item already printed."""
        self._printing: _Job | None = None
        """The job the mechanism last printed bytes of, until its end is processed."""
        self._parked = False
        """The mechanism waits: its buffer is empty, or printing has stopped."""
        self._finish_lock = threading.Lock()  # one record made at a time: numbers stay in order
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listeners: list[socket.socket] = []
        for spec in faults:
            name, _, value = spec.partition("=")
            self.inject(name, **({"n": int(value)} if value else {}))

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Binds the ports and starts serving; returns once both ports listen."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._stopping.clear()
        printer = self._listen(self.port)
        self.port = printer.getsockname()[1]
        self._spawn(self._run_mechanism, (), "printer-emulator-mechanism")
        self._spawn(self._serve_printer, (printer,), "printer-emulator")
        if self.control_port is not None:
            control = self._listen(self.control_port)
            self.control_port = control.getsockname()[1]
            self._spawn(self._serve_control, (control,), "printer-emulator-control")

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)
        for listener in self._listeners:
            listener.close()
        self._threads.clear()
        self._listeners.clear()

    def __enter__(self) -> PrinterEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, port))
        listener.listen(8)
        listener.settimeout(_POLL_S)
        self._listeners.append(listener)
        return listener

    def _spawn(self, target: Callable[..., None], args: tuple[object, ...], name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> socket.socket | None:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            return None
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(_POLL_S)
        return conn

    # -- faults and jobs ----------------------------------------------------------------------

    def inject(self, fault: str, **kwargs: int) -> None:
        """Turns a fault on; ``paper_out_after`` takes ``n`` (bytes of job data still printed)."""
        try:
            which = Fault(fault)
        except ValueError:
            raise ValueError(f"unknown fault {fault!r}") from None
        if which is Fault.PAPER_OUT_AFTER:
            if set(kwargs) != {"n"} or int(kwargs["n"]) < 0:
                raise ValueError("paper_out_after needs n=<bytes>")
        elif kwargs:
            raise ValueError(f"{fault} takes no arguments")
        with self._lock:
            self._faults.add(which)
            if which is Fault.PAPER_OUT_AFTER:
                self._paper_left = int(kwargs["n"])
            self._lock.notify_all()

    def clear(self, fault: str | None = None) -> None:
        """Turns one fault off, or all of them; printing goes on from the buffer."""
        with self._lock:
            if fault is None:
                self._faults.clear()
            else:
                try:
                    self._faults.discard(Fault(fault))
                except ValueError:
                    raise ValueError(f"unknown fault {fault!r}") from None
            if Fault.PAPER_OUT_AFTER not in self._faults:
                self._paper_left = None
            self._lock.notify_all()

    @property
    def faults(self) -> frozenset[str]:
        with self._lock:
            return frozenset(str(f) for f in self._faults)

    @property
    def jobs(self) -> list[PrintedJob]:
        with self._lock:
            return list(self._jobs)

    @property
    def received(self) -> int:
        """Bytes of job data received since start, printed or not (requests that the printer
        answers excluded)."""
        with self._lock:
            return self._received

    @property
    def process_ids_answered(self) -> int:
        """How many ``GS ( H`` process IDs the printer has answered since start."""
        with self._lock:
            return self._process_ids

    @property
    def printed(self) -> int:
        """Bytes of job data that reached the paper since start."""
        with self._lock:
            return self._printed

    @property
    def buffered(self) -> int:
        """Bytes of job data received and waiting to print."""
        with self._lock:
            return sum(len(i.data) for i in self._buffer if i.kind == "data") - self._offset

    def wait_for_jobs(self, n: int, timeout: float) -> list[PrintedJob]:
        """The jobs, once there are at least ``n``; TimeoutError if not in ``timeout`` seconds."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._jobs) >= n, timeout):
                raise TimeoutError(f"{len(self._jobs)} of {n} jobs printed")
            return list(self._jobs)

    def status_byte(self, request: bytes) -> bytes:
        """The answer to one status request (``DLE EOT n`` or ``GS r n``) from the state the
        printer is in now; empty when the printer would not answer."""
        with self._lock:
            faults = set(self._faults)
        if Fault.OFFLINE in faults:
            return b""
        paper_out = Fault.PAPER_OUT in faults
        near_end = Fault.PAPER_NEAR_END in faults
        cover_open = Fault.COVER_OPEN in faults
        cutter_error = Fault.CUTTER_ERROR in faults
        n = request[2]
        if request[0] == 0x1D:  # GS r n
            if n in (1, 49):
                return bytes([(GS_R_PAPER_NEAR_END if near_end else 0)
                              | (GS_R_PAPER_OUT if paper_out else 0)])
            return b"\x00"
        if n == 1:
            stopped = paper_out or cover_open or cutter_error
            return bytes([STATUS_PRINTER_BASE | (STATUS_PRINTER_OFFLINE if stopped else 0)])
        if n == 2:
            return bytes([STATUS_OFFLINE_BASE | (STATUS_COVER_OPEN if cover_open else 0)
                          | (STATUS_PAPER_OUT_STOP if paper_out else 0)
                          | (STATUS_ERROR_OCCURRED if cutter_error else 0)])
        if n == 3:
            return bytes([STATUS_ERROR_BASE
                          | (STATUS_AUTOCUTTER_ERROR if cutter_error else 0)])
        if n == 4:
            return bytes([STATUS_PAPER_BASE | (STATUS_PAPER_NEAR_END if near_end else 0)
                          | (STATUS_PAPER_OUT if paper_out else 0)])
        return b""

    # -- the print port: receiving ------------------------------------------------------------

    def _serve_printer(self, listener: socket.socket) -> None:
        self._serve(listener, self._serve_connection)

    def _serve(self, listener: socket.socket, handle: Callable[[socket.socket], None]) -> None:
        """Accept one client at a time, as a printer does, until stopped."""
        while not self._stopping.is_set():
            conn = self._accept(listener)
            if conn is None:
                continue
            with conn:
                try:
                    handle(conn)
                except OSError:
                    pass  # the client went away
                except Exception:  # one bad client must not stop the printer
                    log.exception("printer emulator: connection failed")

    def _serve_connection(self, conn: socket.socket) -> None:
        client = _Client(conn)
        try:
            self._receive_from(conn, client)
        finally:
            client.close()

    def _receive_from(self, conn: socket.socket, client: _Client) -> None:
        buf = bytearray()
        job = _Job()
        while not self._stopping.is_set():
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:  # reset by the client: the job it was sending is cut short
                job.lost = True
                break
            if not chunk:
                break
            buf += chunk
            pos = 0
            while pos < len(buf):
                found = scan(buf, pos)
                if found is None:
                    break
                length, name = found
                cmd = bytes(buf[pos:pos + length])
                pos += length
                if name == "DLE EOT":
                    client.send(self.status_byte(cmd))
                elif name == "DLE DC4" and cmd == CLEAR_BUFFERS:
                    self._clear_buffers()
                    client.send(CLEAR_RESPONSE)
                    job = _Job()  # what comes after the clear is a job of its own
                elif name == "DLE ENQ":
                    if self._recover(cmd[2]):
                        job = _Job()
                elif name == "GS r" and length == 3:
                    self._queue(_Item("gs_r", job, cmd, client))
                elif name == "GS (" and cmd[2:3] == b"H" and length == 11 and cmd[5:7] == b"00":
                    self._queue(_Item("process_id", job, cmd[7:11], client))
                else:
                    self._receive(job, cmd)
                    if name == "GS V":
                        if self._drop_mid_job(conn, job):
                            return
                        self._queue(_Item("end", job))
                        job = _Job()
            del buf[:pos]
        if buf:  # a command cut short by the close: it goes to the renderer, which drops it
            self._receive(job, bytes(buf))
        if not self._drop_mid_job(conn, job):
            self._queue(_Item("end", job))

    def _receive(self, job: _Job, cmd: bytes) -> None:
        job.received += len(cmd)
        self._queue(_Item("data", job, cmd))

    def _queue(self, item: _Item) -> None:
        """Puts one item in the buffer. Without a print rate, waits until the mechanism has
        processed it or has stopped printing."""
        with self._lock:
            if item.kind == "data":
                self._received += len(item.data)
            if item.kind != "end" and Fault.OFFLINE in self._faults:
                item.job.lost = item.job.lost or item.kind == "data"
                return  # an offline printer takes nothing in
            self._buffer.append(item)
            if self._parked:
                self._parked = False
                self._lock.notify_all()
            if self.print_rate is None:
                while not (item.done or self._parked or self._stopping.is_set()):
                    self._lock.wait(_POLL_S)

    def _recover(self, n: int) -> bool:
        """``DLE ENQ n``, real-time, acted on only while a recoverable error stops the printer
        (ignored after a paper end, with the cover open, offline): n = 1 recovers, and printing
        goes on from the buffer; n = 2 clears the buffers (:meth:`_clear_buffers`) and
        recovers. Whether the buffers were cleared."""
        if n == 2:
            return self._clear_buffers(only_after_error=True)
        with self._lock:
            if n == 1 and self._faults & RECOVERABLE:
                self._faults -= RECOVERABLE
                self._lock.notify_all()
        return False

    def _clear_buffers(self, *, only_after_error: bool = False) -> bool:
        """``DLE DC4 fn 8``, real-time, in any state: drops what waits in the buffer unprinted,
        with the process IDs and ``GS r`` requests in it (never answered), and recovers from a
        recoverable error (as Epson's TM-T81 and TM-U590 specifications say; paper out and an
        open cover stay). The job it cuts short gets its record now. ``only_after_error``
        (``DLE ENQ 2``): nothing happens unless a recoverable error stops the printer. Whether
        the buffers were cleared."""
        with self._lock:  # checked and done at once: nothing prints in between
            if only_after_error and not self._faults & RECOVERABLE:
                return False
            self._faults -= RECOVERABLE
            for item in self._buffer:
                item.done = True
                if item.kind == "data":
                    item.job.current().lost = True
            self._buffer.clear()
            self._offset = 0
            job, self._printing = self._printing, None
            if job is not None and not job.finished:
                job.finished = True
            else:
                job = None
            self._lock.notify_all()
        if job is not None:
            self._finish(job, complete=not (job.lost or job.resumed))
        return True

    def _drop_mid_job(self, conn: socket.socket, job: _Job) -> bool:
        """With ``disconnect_mid_job`` on: keeps the first half of this job, resets the
        connection and clears the fault. The whole job is in by now (its end is the only place
        its length is known), so the client sees the drop on its next send or read."""
        with self._lock:
            if Fault.DISCONNECT_MID_JOB not in self._faults or not job.received:
                return False
            self._faults.discard(Fault.DISCONNECT_MID_JOB)
            job.lost = True
            job.limit = job.received // 2
            self._printed -= max(0, len(job.printed) - job.limit)
            del job.printed[job.limit:]
        self._queue(_Item("end", job))
        # Linger 0: close with RST, as a printer that loses power or resets does.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        return True

    # -- the mechanism ------------------------------------------------------------------------

    def _run_mechanism(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                step = self._next_step()
                if step is None:
                    if not self._parked:
                        self._parked = True
                        self._lock.notify_all()
                    self._lock.wait(_POLL_S)
                    continue
                self._parked = False
            try:
                step()
            except Exception:  # a job that cannot be rendered must not stop the printer
                log.exception("printer emulator: the mechanism failed")

    def _next_step(self) -> Callable[[], None] | None:
        """What the mechanism does next (decided under the lock, done outside it), or None
        when it can do nothing until something changes."""
        if not self._buffer or Fault.OFFLINE in self._faults:
            return None
        item = self._buffer[0]
        if item.kind == "end":
            self._pop()
            job = item.job.current()
            if self._printing is job:
                self._printing = None
            if job.finished:
                return _nothing
            job.finished = True
            return lambda: self._finish(job, complete=not (job.lost or job.resumed))
        if item.kind in ("process_id", "gs_r"):
            # Everything before it has printed: its answer goes now, even if printing has
            # stopped since, because neither needs paper.
            self._pop()
            assert item.client is not None
            self._process_ids += item.kind == "process_id"
            answer = (PROCESS_ID_RESPONSE + item.data + b"\x00" if item.kind == "process_id"
                      else self.status_byte(item.data))
            client = item.client
            return lambda: client.send(answer)
        if self._faults & STOPS_PRINTING:
            job = item.job.current()
            if job.printed and not job.finished:
                # Stopped part-way through a job: its record is what came out so far.
                job.finished = True
                self._printing = None
                return lambda: self._finish(job, complete=False)
            return None
        offset, left = self._offset, len(item.data) - self._offset
        if self.print_rate is None:
            self._put_on_paper(item, offset, left)
            return _nothing
        size = min(left, max(1, round(self.print_rate * _TICK_S)))
        delay = size / self.print_rate

        def print_some() -> None:
            if self._stopping.wait(delay):
                return
            with self._lock:  # unless the buffer was cleared or printing stopped meanwhile
                if (self._buffer and self._buffer[0] is item and self._offset == offset
                        and not self._faults & STOPS_PRINTING):
                    self._put_on_paper(item, offset, size)
        return print_some

    def _pop(self) -> None:
        item = self._buffer.popleft()
        item.done = True
        self._offset = 0
        self._lock.notify_all()

    def _put_on_paper(self, item: _Item, offset: int, size: int) -> None:
        """Prints ``size`` bytes of the first item from ``offset``, as far as the roll goes."""
        chunk = item.data[offset:offset + size]
        if self._paper_left is not None:
            if self._paper_left == 0:
                self._faults.discard(Fault.PAPER_OUT_AFTER)
                self._faults.add(Fault.PAPER_OUT)
                self._paper_left = None
                self._lock.notify_all()
                return
            chunk = chunk[:self._paper_left]
            self._paper_left -= len(chunk)
        job = item.job.current()
        if job.finished:  # printing goes on after the job's record was made: the rest is its own
            job.rest = _Job(resumed=True)
            job = job.rest
        kept = chunk if job.limit is None else chunk[:max(0, job.limit - len(job.printed))]
        job.printed += kept
        if job.resumed:
            job.received += len(chunk)
        self._printed += len(kept)
        self._printing = job
        self._offset += len(chunk)
        if self._offset >= len(item.data):
            self._pop()

    def _finish(self, job: _Job, *, complete: bool) -> None:
        """Makes the job's record from what reached the paper; none when nothing did."""
        if not job.printed:
            return
        with self._finish_lock:
            with self._lock:
                number = len(self._jobs) + 1
            stem = self.out_dir / f"job-{number:04d}"
            result = render(bytes(job.printed), width_dots=self.width_dots)
            png, txt = stem.with_suffix(".png"), stem.with_suffix(".txt")
            result.image.save(png)
            txt.write_text(result.text, encoding="utf-8")
            with self._lock:
                self._jobs.append(PrintedJob(number, bytes(job.printed), png, txt, complete,
                                             job.received, job.resumed))
                self._lock.notify_all()

    # -- the control port ---------------------------------------------------------------------

    def _serve_control(self, listener: socket.socket) -> None:
        self._serve(listener, self._serve_control_connection)

    def _serve_control_connection(self, conn: socket.socket) -> None:
        buf = b""
        while not self._stopping.is_set():
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    conn.sendall((self.control(line.decode("utf-8", "replace")) + "\n").encode())

    def control(self, line: str) -> str:
        """Runs one control command: ``fault <name> [n=<bytes>]``, ``clear [<name>]``,
        ``status``, ``jobs``. Answers ``ok ...`` or ``error <why>``."""
        words = line.split()
        if not words:
            return "error empty command"
        verb, args = words[0], words[1:]
        try:
            if verb == "fault" and args:
                name, _, value = args[0].partition("=")
                kwargs: dict[str, int] = {}
                if value:
                    kwargs["n"] = int(value)
                for arg in args[1:]:
                    key, sep, val = arg.partition("=")
                    if not sep:
                        return f"error expected key=value, not {arg!r}"
                    kwargs[key] = int(val)
                self.inject(name, **kwargs)
                return "ok"
            if verb == "clear" and len(args) <= 1:
                self.clear(args[0] if args else None)
                return "ok"
            if verb == "status" and not args:
                with self._lock:
                    names = sorted(str(f) for f in self._faults)
                    left = self._paper_left
                shown = [f"{n}={left}" if n == Fault.PAPER_OUT_AFTER else n for n in names]
                return " ".join(["ok", *shown])
            if verb == "jobs" and not args:
                return f"ok {len(self.jobs)}"
        except ValueError as err:
            return f"error {err}"
        return f"error unknown command {line.strip()!r}"
