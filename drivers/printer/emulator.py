"""A network thermal receipt printer, emulated: the test peer of the ESC/POS network adapter.

It listens on raw TCP like a printer's port 9100, answers the real-time status requests
(``DLE EOT n``, ``GS r n``) as they arrive, takes injected faults (paper near end, paper out,
cover open, offline, a dropped connection, the roll running out after N bytes), and renders
each job to ``job-0001.png`` and ``job-0001.txt`` in ``out_dir`` with :mod:`render`.
A second, line-based TCP port takes the same faults from another process (``fault cover_open``,
``clear``, ``status``, ``jobs``).

Threads: :meth:`PrinterEmulator.start` starts one thread that serves print connections one after
another, as a real printer does (a second client waits in the listen backlog), and one for the
control port. A job is rendered on the print thread when it ends. :meth:`stop` closes every
socket and joins both threads.

    with PrinterEmulator(port=0, out_dir=Path("receipts"), paper_width_mm=58) as printer:
        escpos.printer.Network("127.0.0.1", printer.port).textln("Habari")
        printer.inject("paper_near_end")
        printer.wait_for_jobs(1, timeout=5)[0].txt.read_text()   # "Habari\\n"
"""
from __future__ import annotations

import enum
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from drivers.printer.render import render, scan

log = logging.getLogger(__name__)

_POLL_S = 0.1
"""How often blocked threads look whether :meth:`PrinterEmulator.stop` was called."""


class Fault(enum.StrEnum):
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    DISCONNECT_MID_JOB = "disconnect_mid_job"
    PAPER_OUT_AFTER = "paper_out_after"
    """Takes ``n``: the roll runs out after n more bytes of job data."""


STOPS_PRINTING = frozenset({Fault.PAPER_OUT, Fault.COVER_OPEN, Fault.OFFLINE})
"""Faults under which job bytes are received but not printed."""


# Real-time status bytes (Epson ESC/POS reference, DLE EOT n; the fixed bits are the ones
# python-escpos's RT_MASK_* constants test for).
STATUS_PRINTER_BASE = 0x16      # DLE EOT 1: bits 1, 2, 4 fixed on
STATUS_PRINTER_OFFLINE = 0x08   # = escpos.constants.RT_MASK_ONLINE: set when offline
STATUS_OFFLINE_BASE = 0x12      # DLE EOT 2: bits 1, 4 fixed on
STATUS_COVER_OPEN = 0x04
STATUS_PAPER_OUT_STOP = 0x20
STATUS_ERROR_BASE = 0x12        # DLE EOT 3
STATUS_PAPER_BASE = 0x12        # DLE EOT 4 = RT_MASK_PAPER (18): paper adequate
STATUS_PAPER_NEAR_END = 0x0C    # 0x12 | 0x0C = RT_MASK_LOWPAPER (30)
STATUS_PAPER_OUT = 0x60         # 0x12 | 0x60 = RT_MASK_NOPAPER (114)
GS_R_PAPER_NEAR_END = 0x03      # GS r 1: roll paper near-end sensor
GS_R_PAPER_OUT = 0x0C           # GS r 1: roll paper end sensor


@dataclass(frozen=True)
class PrintedJob:
    number: int
    data: bytes
    """The bytes that reached the paper (up to where the roll ran out or the connection fell)."""
    png: Path
    txt: Path
    complete: bool
    received: int = 0
    """All the job's bytes the emulator received, printed or not (status requests excluded)."""


class _Job:
    def __init__(self) -> None:
        self.printed = bytearray()
        self.received = 0
        self.stopped = False
        self.offline_only = True


class PrinterEmulator:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 9100, out_dir: Path,
                 paper_width_mm: int = 80, faults: Iterable[str] = (),
                 control_port: int | None = None) -> None:
        if paper_width_mm not in (58, 80):
            raise ValueError("paper width must be 58 or 80 mm")
        self.host = host
        self.port = port
        self.control_port = control_port
        self.out_dir = Path(out_dir)
        self.paper_width_mm = paper_width_mm
        self.width_dots = 384 if paper_width_mm == 58 else 576
        self._lock = threading.Condition()
        self._faults: set[Fault] = set()
        self._paper_left: int | None = None
        self._jobs: list[PrintedJob] = []
        self._received = 0
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
        self._spawn(self._serve_printer, printer, "printer-emulator")
        if self.control_port is not None:
            control = self._listen(self.control_port)
            self.control_port = control.getsockname()[1]
            self._spawn(self._serve_control, control, "printer-emulator-control")

    def stop(self) -> None:
        self._stopping.set()
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

    def _spawn(self, target: object, listener: socket.socket, name: str) -> None:
        thread = threading.Thread(target=target, args=(listener,), name=name, daemon=True)
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

    def clear(self, fault: str | None = None) -> None:
        """Turns one fault off, or all of them."""
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
        """Bytes of job data received since start, printed or not (status requests excluded)."""
        with self._lock:
            return self._received

    def wait_for_jobs(self, n: int, timeout: float) -> list[PrintedJob]:
        """The jobs, once there are at least ``n``; TimeoutError if not in ``timeout`` seconds."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._jobs) >= n, timeout):
                raise TimeoutError(f"{len(self._jobs)} of {n} jobs printed")
            return list(self._jobs)

    def status_byte(self, request: bytes) -> bytes:
        """The answer to one real-time status request (``DLE EOT n`` or ``GS r n``); empty when
        the printer would not answer."""
        with self._lock:
            faults = set(self._faults)
        if Fault.OFFLINE in faults:
            return b""
        paper_out = Fault.PAPER_OUT in faults
        near_end = Fault.PAPER_NEAR_END in faults
        cover_open = Fault.COVER_OPEN in faults
        n = request[2]
        if request[0] == 0x1D:  # GS r n
            if n in (1, 49):
                return bytes([(GS_R_PAPER_NEAR_END if near_end else 0)
                              | (GS_R_PAPER_OUT if paper_out else 0)])
            return b"\x00"
        if n == 1:
            stopped = paper_out or cover_open
            return bytes([STATUS_PRINTER_BASE | (STATUS_PRINTER_OFFLINE if stopped else 0)])
        if n == 2:
            return bytes([STATUS_OFFLINE_BASE | (STATUS_COVER_OPEN if cover_open else 0)
                          | (STATUS_PAPER_OUT_STOP if paper_out else 0)])
        if n == 3:
            return bytes([STATUS_ERROR_BASE])
        if n == 4:
            return bytes([STATUS_PAPER_BASE | (STATUS_PAPER_NEAR_END if near_end else 0)
                          | (STATUS_PAPER_OUT if paper_out else 0)])
        return b""

    # -- the print port -----------------------------------------------------------------------

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
        buf = bytearray()
        job = _Job()
        while not self._stopping.is_set():
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:  # reset by the client: the job fell mid-way
                self._finish(job, complete=False)
                return
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
                if name == "DLE EOT" or (name == "GS r" and length == 3):
                    answer = self.status_byte(cmd)
                    if answer:
                        try:
                            conn.sendall(answer)
                        except OSError:  # the client left without reading: keep the job
                            pass
                    continue
                self._take(job, cmd)
                if name == "GS V":
                    if self._drop_mid_job(conn, job):
                        return
                    self._finish(job, complete=not job.stopped)
                    job = _Job()
            del buf[:pos]
        if buf:  # a command cut short by the close: it goes to the renderer, which drops it
            self._take(job, bytes(buf))
        if not self._drop_mid_job(conn, job):
            self._finish(job, complete=not job.stopped)

    def _take(self, job: _Job, cmd: bytes) -> None:
        """Puts one command's bytes on the paper, as far as the printer is able to."""
        job.received += len(cmd)
        with self._lock:
            self._received += len(cmd)
            if Fault.OFFLINE not in self._faults:
                job.offline_only = False
            if self._faults & STOPS_PRINTING:
                job.stopped = True
            if job.stopped:
                return
            if self._paper_left is not None and len(cmd) > self._paper_left:
                job.printed += cmd[:self._paper_left]
                job.stopped = True
                self._faults.discard(Fault.PAPER_OUT_AFTER)
                self._faults.add(Fault.PAPER_OUT)
                self._paper_left = None
                return
            if self._paper_left is not None:
                self._paper_left -= len(cmd)
            job.printed += cmd

    def _drop_mid_job(self, conn: socket.socket, job: _Job) -> bool:
        """With ``disconnect_mid_job`` on: keeps the first half of this job, resets the
        connection and clears the fault. The whole job is in by now (its end is the only place
        its length is known), so the client sees the drop on its next send or read."""
        with self._lock:
            if Fault.DISCONNECT_MID_JOB not in self._faults or not job.received:
                return False
            self._faults.discard(Fault.DISCONNECT_MID_JOB)
        del job.printed[job.received // 2:]
        # Linger 0: close with RST, as a printer that loses power or resets does.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self._finish(job, complete=False)
        return True

    def _finish(self, job: _Job, *, complete: bool) -> None:
        if not job.received or job.offline_only:
            return
        with self._lock:
            number = len(self._jobs) + 1
        stem = self.out_dir / f"job-{number:04d}"
        result = render(bytes(job.printed), width_dots=self.width_dots)
        png, txt = stem.with_suffix(".png"), stem.with_suffix(".txt")
        result.image.save(png)
        txt.write_text(result.text, encoding="utf-8")
        with self._lock:
            self._jobs.append(PrintedJob(number, bytes(job.printed), png, txt, complete,
                                         job.received))
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
