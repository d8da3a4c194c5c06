"""Killed at any moment, the kiosk loses nothing and sends nothing twice.

A child process (crash_child.py) queues a batch of applications, through `huduma-kiosk submit`
or the Outbox API, and sends what waits to a live sandbox with the real delivery; the test kills
it with SIGKILL after a random 0-300 ms (seeded), again and again, each time with a new batch,
so kills land while it enqueues, while it enrols, mid-request and between the backend's answer
and the outbox's commit. Then one last run sends everything, and the backend must hold each
application that the outbox holds exactly once, every application the child said was queued
among them, and the outbox must show every row sent and none failed.
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from kiosk_app import contract
from kiosk_app.outbox import Outbox, OutboxStatus
from tests.kiosk_app.outbox.samples import submit_line
from tests.sandbox_fixtures import ROOT, SandboxServer, sandbox, sandbox_factory  # noqa: F401

CHILD = Path(__file__).with_name("crash_child.py")
RUNS = 20
BATCH = 5
SEED = 20261124
QUEUED = re.compile(r"^(?:Line \d+: (HK-[0-9A-Z-]+) is queued to be sent\.|queued (HK-[0-9A-Z-]+))$")


def write_config(folder: Path, sandbox: SandboxServer) -> Path:  # noqa: F811
    path = folder / "config.toml"
    path.write_text(f'data_dir = "{folder / "data"}"\ndevice_id = "KSK-CRASH-0001"\n'
                    f'[backend]\nurl = "{sandbox.url}"\ntimeout_s = 10\n'
                    f'enrolment_code = "{sandbox.enrolment_code}"\n'
                    "[outbox]\nbackoff_base_s = 0.05\nbackoff_cap_s = 0.5\n", encoding="utf-8")
    return path


def start_child(config: Path, batch: Path, mode: str, log: Path) -> subprocess.Popen[str]:
    with log.open("a") as err:
        return subprocess.Popen([sys.executable, str(CHILD), str(config), str(batch), mode],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})


def reported(output: str) -> set[str]:
    """The references the child said were committed to its outbox."""
    found = set()
    for line in output.splitlines():
        match = QUEUED.match(line)
        if match:
            found.add(match.group(1) or match.group(2))
    return found


def test_kill_at_random_moments_loses_nothing_and_sends_nothing_twice(
        tmp_path: Path, sandbox: SandboxServer) -> None:  # noqa: F811
    rng = random.Random(SEED)
    config = write_config(tmp_path, sandbox)
    log = tmp_path / "children.log"
    said_queued: set[str] = set()
    killed = finished = 0
    for run in range(RUNS):
        batch = tmp_path / f"batch-{run}.jsonl"
        batch.write_text("\n".join(json.dumps(submit_line(run * BATCH + i))
                                   for i in range(BATCH)) + "\n", encoding="utf-8")
        proc = start_child(config, batch, "submit" if run % 2 == 0 else "api", log)
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            assert first == "ready\n", first + log.read_text()
            time.sleep(rng.uniform(0, 0.3))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            status = proc.wait(timeout=60)
            output = proc.stdout.read()
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            proc.stdout.close()
        if status == -signal.SIGKILL:
            killed += 1
        else:
            assert status == 0 and output.endswith("finished\n"), output + log.read_text()
            finished += 1
        said_queued |= reported(output)

    # The last run, left to finish, queues one more batch (so there is always something to
    # check, even when a busy machine let every killed run die before its first enqueue) and
    # sends everything that waits.
    last = tmp_path / f"batch-{RUNS}.jsonl"
    last.write_text("\n".join(json.dumps(submit_line(RUNS * BATCH + i))
                              for i in range(BATCH)) + "\n", encoding="utf-8")
    proc = start_child(config, last, "submit", log)
    try:
        output, _ = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert proc.returncode == 0, output + log.read_text()
    said_queued |= reported(output)

    box = Outbox(tmp_path / "data" / "outbox.sqlite3")
    try:
        rows = box.rows(opened=False)
    finally:
        box.close()
    assert {r.status for r in rows} == {OutboxStatus.SENT}, [
        (r.status, r.last_error) for r in rows if r.status is not OutboxStatus.SENT]
    in_outbox = [r.payload["reference"] for r in rows]
    assert len(set(in_outbox)) == len(in_outbox)

    response = requests.get(f"{sandbox.url}{contract.Paths.OPERATOR_APPLICATIONS}",
                            headers=sandbox.operator_headers, timeout=30)
    response.raise_for_status()
    held = [a["reference"] for a in response.json()]
    assert sorted(held) == sorted(set(held)), "an application was applied twice"
    assert set(held) == set(in_outbox)
    assert said_queued <= set(in_outbox), "an application the child said was queued is lost"
    # The run was worth its time: children died mid-work, and applications went.
    resent = sum(1 for r in rows if r.attempts > 1)
    print(f"{killed} killed, {finished} finished on their own; {len(in_outbox)} applications, "
          f"{len(said_queued)} reported queued before a kill or the end, {resent} sent again "
          "after a kill mid-send")
    assert killed >= 1 and len(said_queued) >= BATCH
