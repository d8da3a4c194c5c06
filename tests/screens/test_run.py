"""`huduma-kiosk run --demo` as `make demo` starts it: it comes up, and stops cleanly on SIGTERM
(as `systemctl stop` sends), even though the kiosk refuses every close request from the screen."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def test_run_demo_comes_up_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "KIVY_HOME": str(tmp_path / "kivy"),
           "SDL_VIDEODRIVER": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk_app", "run", "--demo"], env=env,
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
