"""Start-up: `huduma-kiosk run --demo` to its first interactive frame, beside a bare Kivy app
with one button, both headless (SDL offscreen, Mesa), measured in the same run.

- **ours**: ``python -m kiosk_app run --demo`` with the demo's settings and a backend of this
  run's own that already answers (so the kiosk process alone is measured: its imports, config,
  ``bootstrap.build``, every screen built, the devices opened on a worker, the first frame);
  and once more where nothing answers, so that demo mode starts its sandbox first, as
  ``make demo`` does on a fresh machine (reported beside, not judged: that is two processes).
- **peer**: a bare Kivy App whose root is one Button, with the same window settings.

"First interactive frame": the first frame Kivy shows after ``on_start`` (``Window.on_flip``);
both apps print or log the line ``first interactive frame`` then, and from that moment touches
are handled. Time is from starting the process to that line, wall clock. Peak memory is the
process's RSS high-water mark (``VmHWM`` in ``/proc/<pid>/status``), read after one more second
of frames. Each is the median of ``--runs`` runs, ours and the peer's taken in turn, after one
uncounted run of each (the disk cache warm, and each app's bytecode compiled once, into a folder
of the run's own, as an installed kiosk has it).

Targets: within 1.5x the bare app's time and 1.3x its peak memory.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--profile]

``--profile`` also prints where our start-up's import time goes (``python -X importtime``).
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "first interactive frame"
TIMEOUT_S = 120.0
SETTLE_S = 1.0
TIME_TARGET, MEMORY_TARGET = 1.5, 1.3

BARE_APP = textwrap.dedent(f"""
    import os
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config
    Config.set("graphics", "width", "1080")
    Config.set("graphics", "height", "1920")
    Config.set("graphics", "maxfps", "30")
    from kivy.app import App
    from kivy.core.window import Window
    from kivy.uix.button import Button

    class Bare(App):
        def build(self):
            return Button(text="Touch the screen to start")

        def on_start(self):
            Window.bind(on_flip=self.first_frame)

        def first_frame(self, *_args):
            Window.unbind(on_flip=self.first_frame)
            print({MARK!r}, flush=True)

    Bare().run()
""")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(home: Path) -> dict[str, str]:
    env = {**os.environ, "HOME": str(home), "KIVY_HOME": str(home / "kivy"),
           "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1",
           # Bytecode as a person has it (pip compiles a package when it installs it; a second
           # `make demo` finds what the first wrote), for both apps alike: each compiles what it
           # imports in its uncounted first run, into this run's own folder (nothing is written
           # beside the sources), and reads it from then on. Without this our modules were
           # compiled from source at every measured start, and Kivy's read from its install.
           "PYTHONPYCACHEPREFIX": str(home / "bytecode")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def kiosk_config(folder: Path, port: int) -> Path:
    """The demo's settings, its data in ``folder`` and its backend on ``port``."""
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kiosk.toml"
    path.write_text(textwrap.dedent(f"""
        data_dir = "{data}"
        [backend]
        url = "http://127.0.0.1:{port}"
        enrolment_code = "HUDUMA-DEMO"
        [display]
        fullscreen = false
        [identity]
        csca_dir = "{data / 'demo-pki'}"
    """))
    return path


def vm_hwm_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def measure(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, int]:
    """(seconds to the first interactive frame, peak RSS of the process in KB, peak RSS of
    its child processes in KB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = started + TIMEOUT_S
        while time.perf_counter() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("it ended before its first frame:\n" + "".join(lines[-30:]))
            lines.append(line)
            if MARK in line:
                break
        else:
            raise RuntimeError("no first frame in time")
        elapsed = time.perf_counter() - started
        time.sleep(SETTLE_S)
        peak = vm_hwm_kb(proc.pid)
        child_peak = sum(vm_hwm_kb(c) for c in children(proc.pid))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
    return elapsed, peak, child_peak


def start_sandbox(port: int, folder: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    import requests

    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port",
                             str(port), "--db", f"sqlite:///{folder / 'sandbox.sqlite3'}"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the sandbox did not start")


def import_profile(argv: list[str], env: dict[str, str]) -> None:
    """Where our start-up's import time goes up to its first frame, by top-level package (each
    module's own time; ``python -X importtime`` on ``argv`` itself)."""
    proc = subprocess.Popen([argv[0], "-X", "importtime", *argv[1:]], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    totals: dict[str, int] = {}
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if MARK in line:
                break
            if not line.startswith("import time:") or "|" not in line:
                continue
            own, _cumulative, name = line[len("import time:"):].split("|")
            if not own.strip().isdigit():
                continue  # the header
            top = name.strip().split(".")[0]
            totals[top] = totals.get(top, 0) + int(own)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    print(f"import time of our start-up to its first frame: {sum(totals.values()) / 1000:.0f} ms;"
          " by package (ms, each module's own time):")
    for name, us in sorted(totals.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {name:<24}{us / 1000:>8.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="huduma-startup-") as tmp:
        folder = Path(tmp)
        env = environment(folder)
        bare = folder / "bare_app.py"
        bare.write_text(BARE_APP)
        port = free_port()
        config = kiosk_config(folder / "kiosk", port)
        sandbox = start_sandbox(port, folder, env)
        ours_argv = [sys.executable, "-m", "kiosk_app", "run", "--demo", "--config", str(config)]
        try:
            # One run of each first, not counted: the disk cache warm and the bytecode made,
            # for both.
            measure(ours_argv, env, ROOT)
            measure([sys.executable, str(bare)], env, folder)
            ours, peer = [], []
            for _ in range(args.runs):
                ours.append(measure(ours_argv, env, ROOT))
                peer.append(measure([sys.executable, str(bare)], env, folder))
        finally:
            sandbox.terminate()
            sandbox.wait(timeout=20)
        # The whole of `make demo` on a fresh machine: nothing answers, so the demo starts
        # its own sandbox first (a new port each run).
        whole = []
        for i in range(max(1, args.runs // 2)):
            fresh = kiosk_config(folder / f"fresh{i}", free_port())
            whole.append(measure([sys.executable, "-m", "kiosk_app", "run", "--demo", "--config",
                                  str(fresh)], env, ROOT))
        if args.profile:
            profiled = free_port()
            sandbox = start_sandbox(profiled, folder, env)
            try:
                import_profile([sys.executable, "-m", "kiosk_app", "run", "--demo", "--config",
                                str(kiosk_config(folder / "profiled", profiled))], env)
            finally:
                sandbox.terminate()
                sandbox.wait(timeout=20)

    def med(rows: list[tuple[float, int, int]], i: int) -> float:
        return statistics.median(row[i] for row in rows)

    o_time, o_mem = med(ours, 0), med(ours, 1) / 1024
    p_time, p_mem = med(peer, 0), med(peer, 1) / 1024
    w_time, w_mem, w_child = med(whole, 0), med(whole, 1) / 1024, med(whole, 2) / 1024
    print(f"start-up to the first interactive frame, headless (SDL offscreen, Mesa), "
          f"median of {args.runs} runs")
    print(f"{'':<44}{'time (s)':>10}{'peak RSS (MB)':>15}")
    print(f"{'ours: huduma-kiosk run --demo':<44}{o_time:>10.2f}{o_mem:>15.1f}")
    print(f"{'peer: bare Kivy app, one Button':<44}{p_time:>10.2f}{p_mem:>15.1f}")
    print(f"{'ours / peer':<44}{o_time / p_time:>9.2f}x{o_mem / p_mem:>14.2f}x")
    print(f"{'targets':<44}{TIME_TARGET:>9.2f}x{MEMORY_TARGET:>14.2f}x")
    print(f"{'ours, starting its own sandbox first':<44}{w_time:>10.2f}{w_mem:>15.1f}"
          f"  (+ {w_child:.1f} MB the sandbox; median of {len(whole)})")
    time_ok, memory_ok = o_time <= TIME_TARGET * p_time, o_mem <= MEMORY_TARGET * p_mem
    verdict = "meets both targets" if time_ok and memory_ok else "misses " + " and ".join(
        what for what, ok in (("the time target", time_ok), ("the memory target", memory_ok))
        if not ok)
    print(f"verdict: ours {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
