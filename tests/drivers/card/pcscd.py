"""A private ``pcscd`` with a vpcd reader, one per test run, that meets no other.

pcscd 1.9.9 (Debian 12) always listens on ``/run/pcscd/pcscd.comm``: unlike the client library,
the daemon ignores ``PCSCLITE_CSOCK_NAME``. So each private daemon runs in its own mount
namespace (``unshare --mount``, plus ``--user --map-root-user`` when not root) in which a temp
directory is bind-mounted over ``/run``; its socket, ``<dir>/run/pcscd/pcscd.comm``, is then
reached from outside by setting ``PCSCLITE_CSOCK_NAME`` to that path. A USB reader plugged
into the machine may still show up in it: tests pick vpcd's readers by name.

Its reader.conf.d holds one vpcd entry on a free TCP port (``DEVICENAME /dev/null:PORT``);
vpcd then opens two slots, "Virtual PCD 00 00" on PORT and "Virtual PCD 00 01" on PORT+1.

libpcsclite reads ``PCSCLITE_CSOCK_NAME`` once per process, at the first PC/SC call: a test
process talks to one daemon only. Talk to a second one from a subprocess with ``.env``.

    with PrivatePcscd() as daemon:
        os.environ.update(daemon.env)        # before the first PC/SC call in this process
        VpcdCardSlot(card, port=daemon.vpcd_port).insert()

Set ``HUDUMA_PCSCD_DEBUG=1`` to pass ``-d`` (``=apdu`` for ``-d -a``) and see its log on stderr.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
READER_PREFIX = "Virtual PCD"
_SUN_PATH_MAX = 107

# Lists the readers through PCSCLITE_CSOCK_NAME until one of vpcd's appears (exit 0) or the
# deadline passes (exit 1). Run in a subprocess so that this process's libpcsclite never
# reads PCSCLITE_CSOCK_NAME before the caller has set it.
_WAIT_FOR_READER = """
import sys, time
from smartcard import scard
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    rv, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rv == scard.SCARD_S_SUCCESS:
        rv, readers = scard.SCardListReaders(ctx, [])
        scard.SCardReleaseContext(ctx)
        names = [r for r in readers if sys.argv[2] in r] if rv == scard.SCARD_S_SUCCESS else []
        if names:
            print(sorted(names)[0])
            sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
"""


class PcscdUnavailable(RuntimeError):
    """pcscd, the vpcd driver or util-linux's unshare is missing on this machine."""


class PrivatePcscd:
    """``pcscd -f`` with one vpcd reader on a free port, in a temp dir of its own."""

    def __init__(self, *, start_timeout: float = 10.0) -> None:
        self.start_timeout = start_timeout
        self.pcscd = _find_tool("pcscd", ["/usr/sbin/pcscd", "/sbin/pcscd"])
        self.unshare = _find_tool("unshare", ["/usr/bin/unshare", "/bin/unshare"])
        if not VPCD_DRIVER.exists():
            raise PcscdUnavailable(f"the vpcd driver {VPCD_DRIVER} is missing: `make test` "
                                   "installs it (Debian package vsmartcard-vpcd)")
        self.dir = Path(tempfile.mkdtemp(prefix="huduma-pcscd-"))
        self.socket = str(self.dir / "run" / "pcscd" / "pcscd.comm")
        if len(self.socket) > _SUN_PATH_MAX:
            shutil.rmtree(self.dir)
            raise PcscdUnavailable(f"socket path too long for a Unix socket: {self.socket}")
        (self.dir / "run").mkdir()
        (self.dir / "reader.conf.d").mkdir()
        self.vpcd_port = _free_port_pair()
        (self.dir / "reader.conf.d" / "vpcd").write_text(
            f'FRIENDLYNAME "{READER_PREFIX}"\n'
            f"DEVICENAME   /dev/null:{self.vpcd_port}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
        )
        self.env = {"PCSCLITE_CSOCK_NAME": self.socket}
        """Merge into a client's environment to talk to this daemon."""
        self.reader_name = ""
        """The slot on ``vpcd_port``: "Virtual PCD 00 00" (PORT+1 is "Virtual PCD 00 01")."""
        self._process: subprocess.Popen[bytes] | None = None
        self._log = None
        try:
            self.start_daemon()
        except BaseException:
            self.stop()
            raise

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def log_text(self) -> str:
        path = self.dir / "pcscd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- the daemon -------------------------------------------------------------------------------
    def start_daemon(self) -> None:
        """Start pcscd (again) on this run's socket and port; wait until vpcd's reader is
        listed through the socket."""
        if self._process is not None:
            return
        # A pcscd killed hard leaves its socket and pid file: clear them, they are ours.
        shutil.rmtree(self.dir / "run" / "pcscd", ignore_errors=True)
        debug = os.environ.get("HUDUMA_PCSCD_DEBUG", "")
        flags = (["-d"] if debug else []) + (["-a"] if debug == "apdu" else [])
        ns = ["--mount", "--propagation", "private"]
        if os.geteuid() != 0:
            ns = ["--user", "--map-root-user", *ns]
        # unshare execs sh, which execs pcscd: the child's PID is pcscd's.
        script = ('run=$0 pcscd=$1 conf=$2; shift 2; '
                  'mount --bind "$run" /run && exec "$pcscd" -f -c "$conf" "$@"')
        cmd = [self.unshare, *ns, "sh", "-c", script, str(self.dir / "run"), self.pcscd,
               str(self.dir / "reader.conf.d"), *flags]
        self._log = None if debug else open(self.dir / "pcscd.log", "ab")
        self._process = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
            env={**os.environ, **self.env}, preexec_fn=_die_with_parent)
        self.reader_name = self._wait_for_reader()

    def stop_daemon(self) -> None:
        """Stop pcscd by its PID (SIGTERM, then SIGKILL after 5 s); keep the socket path and
        port so that ``start_daemon()`` brings back the same reader."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        """Stop pcscd and remove the temp dir. Safe to call twice."""
        self.stop_daemon()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "PrivatePcscd":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_for_reader(self) -> str:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        while not os.path.exists(self.socket):
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"pcscd exited with {self._process.returncode}. It runs in a mount "
                    "namespace of its own (pcscd 1.9 ignores PCSCLITE_CSOCK_NAME), which "
                    "needs root or unprivileged user namespaces (sysctl "
                    f"kernel.unprivileged_userns_clone=1). Its output:\n{self.log_text}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"pcscd made no socket at {self.socket} in "
                                   f"{self.start_timeout:g} s:\n{self.log_text}")
            time.sleep(0.02)
        left = max(0.5, deadline - time.monotonic())
        listed = subprocess.run(
            [sys.executable, "-c", _WAIT_FOR_READER, str(left), f"{READER_PREFIX} 00 00"],
            env={**os.environ, **self.env}, capture_output=True, text=True, timeout=left + 10)
        if listed.returncode != 0:
            raise RuntimeError(f"pcscd listed no {READER_PREFIX!r} reader in "
                               f"{self.start_timeout:g} s:\n{listed.stderr}{self.log_text}")
        return listed.stdout.strip()


def _find_tool(name: str, fallbacks: list[str]) -> str:
    found = shutil.which(name) or next((p for p in fallbacks if os.access(p, os.X_OK)), None)
    if found is None:
        raise PcscdUnavailable(f"{name} is not installed: `make test` installs it (Debian "
                               "packages pcscd, vsmartcard-vpcd and util-linux)")
    return found


def _free_port_pair() -> int:
    """A port P such that P and P+1 are both free now on every interface (vpcd binds both,
    on 0.0.0.0). Another program could still take them before pcscd does: unlikely enough."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("0.0.0.0", 0))
            port = first.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("0.0.0.0", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("found no two free consecutive TCP ports for vpcd")


def _die_with_parent() -> None:
    """In the child before exec: have the kernel SIGTERM pcscd if the test process dies
    without stopping it (killed by a timeout, say), so no daemon outlives its test run. The
    kernel sends it when the *thread* that started pcscd ends: start it from one that lives
    as long as the run (pytest's main thread does)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_for_card(reader: str, *, present: bool = True, timeout: float = 3.0) -> bytes:
    """Wait, in this process's PC/SC (so after PCSCLITE_CSOCK_NAME is set), until pcscd shows
    a card in ``reader`` (or shows it empty); return the ATR it shows. pcscd looks at a vpcd
    slot every few hundred milliseconds, so a card inserted or removed takes that long to
    show. Raises AssertionError on timeout."""
    from smartcard import scard

    rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert rv == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(rv)
    try:
        deadline = time.monotonic() + timeout
        state = scard.SCARD_STATE_UNAWARE
        while True:
            left = deadline - time.monotonic()
            rv, states = scard.SCardGetStatusChange(context, max(0, int(left * 1000)),
                                                    [(reader, state)])
            if rv == scard.SCARD_S_SUCCESS:
                _name, event, atr = states[0]
                if bool(event & scard.SCARD_STATE_PRESENT) == present:
                    return bytes(atr)
                state = event & ~scard.SCARD_STATE_CHANGED
            elif rv != scard.SCARD_E_TIMEOUT:
                raise AssertionError(f"{reader}: {scard.SCardGetErrorMessage(rv)}")
            if time.monotonic() >= deadline:
                raise AssertionError(f"{reader} still {'empty' if present else 'holds a card'}"
                                     f" after {timeout:g} s")
    finally:
        scard.SCardReleaseContext(context)
