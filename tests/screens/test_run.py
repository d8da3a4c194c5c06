"""`huduma-kiosk run --demo` as `make demo` starts it: it comes up, and stops cleanly on SIGTERM
(as `systemctl stop` sends), even though the kiosk refuses every close request from the screen."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_demo_comes_up_with_its_sandbox_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "KIVY_HOME": str(tmp_path / "kivy"),
           "SDL_VIDEODRIVER": "offscreen"}
    # The demo's own settings, but its sandbox on a port of this run's own: two runs (or a
    # demo already running on this machine) never meet.
    port = _free_port()
    data = tmp_path / "data"
    config = tmp_path / "kiosk.toml"
    config.write_text(f"""
data_dir = "{data}"
[backend]
url = "http://127.0.0.1:{port}"
enrolment_code = "HUDUMA-DEMO"
[display]
fullscreen = false
[identity]
csca_dir = "{data / 'demo-pki'}"
""")
    proc = subprocess.Popen([sys.executable, "-m", "kiosk_app", "run", "--demo", "--config",
                             str(config)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Start application main loop" in line:
                break
        assert any("Start application main loop" in l for l in lines), "".join(lines)
        time.sleep(1.0)  # a few frames of the attract screen
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(lines) + rest
    assert "Traceback" not in "".join(lines) + rest
    # Demo mode brought its sandbox up on that address, and took it down on the way out.
    assert (data / "sandbox.sqlite3").exists()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the demo's sandbox is still running"
