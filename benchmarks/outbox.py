"""The outbox's speed: queueing an application durably, and sending what waits, each beside a
named peer measured in the same run.

- **enqueue, ours**: :meth:`kiosk_app.outbox.Outbox.enqueue` of one application (its applicant
  and answers sealed with AES-256-GCM), WAL, ``synchronous=FULL``, one transaction per row;
- **enqueue, plain sqlite3**: an ``INSERT`` of the same application's JSON, unsealed, into a
  table of the same columns, with the same settings (WAL, ``synchronous=FULL``, one transaction
  per row): what durability alone costs on this disk;
- **sync, ours**: :func:`kiosk_app.outbox.sync.sync_once` with the real delivery
  (:func:`kiosk_app.backend.delivery.make_delivery`) to a sandbox on loopback: claim, open,
  check against the contract, POST with the row's idempotency key, mark sent (two durable
  commits per row);
- **sync, bare requests**: the same applications POSTed one after another on one
  ``requests.Session`` with a token and an idempotency key each, and nothing kept.

The sandbox (``python -m sandbox`` on a free loopback port, its own SQLite file) is started
here and stopped by its PID at the end. Rounds alternate ours and the peer; the median round is
printed.

    .venv/bin/python benchmarks/outbox.py [--rows 300] [--sync-rows 150] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from kiosk_app import contract  # noqa: E402
from kiosk_app.backend.delivery import make_delivery  # noqa: E402
from kiosk_app.config import BackendConfig, KioskConfig  # noqa: E402
from kiosk_app.outbox import Outbox  # noqa: E402
from kiosk_app.outbox.sync import sync_once  # noqa: E402

ENROLMENT_CODE = "BENCH-CODE-1"
PLAIN_SCHEMA = """
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
    payload BLOB NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
"""


def application(n: int) -> dict[str, Any]:
    """An application to a free service of the seeded catalogue, with a full applicant."""
    return contract.ApplicationIn(
        reference=contract.new_reference(), service_code="HELB-COMPLIANCE",
        applicant=contract.Applicant(document_type=contract.DocumentType.NATIONAL_ID,
                                     document_number=f"{30000000 + n}", surname="WANJIKU",
                                     given_names="AMANI NJERI", date_of_birth="1990-04-01",
                                     phone="254712345678", chip_verified=True),
        answers={"loan_status": "cleared", "email": "amani@example.com"},
        amount_cents=0, created_at=datetime.now(timezone.utc),
    ).model_dump(mode="json")


def rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("inf")


def enqueue_ours(folder: Path, bodies: list[dict[str, Any]]) -> float:
    box = Outbox(folder / "ours.sqlite3")
    box.summary()  # open the file and make its schema outside the timing
    box.enqueue("application", bodies[0])  # and the key
    start = time.perf_counter()
    for body in bodies[1:]:
        box.enqueue("application", body)
    elapsed = time.perf_counter() - start
    box.close()
    return rate(len(bodies) - 1, elapsed)


def enqueue_plain(folder: Path, bodies: list[dict[str, Any]]) -> float:
    db = sqlite3.connect(folder / "plain.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(PLAIN_SCHEMA)
    start = time.perf_counter()
    for body in bodies[1:]:
        now = datetime.now(timezone.utc).isoformat()
        db.execute("INSERT INTO outbox (idempotency_key, kind, payload, status, created_at,"
                   " updated_at) VALUES (?, 'application', ?, 'pending', ?, ?)",
                   (str(uuid.uuid4()),
                    json.dumps(body, separators=(",", ":"), sort_keys=True).encode(), now, now))
    elapsed = time.perf_counter() - start
    db.close()
    return rate(len(bodies) - 1, elapsed)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_sandbox(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "sandbox.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port",
                             str(port), "--db", f"sqlite:///{folder / 'sandbox.sqlite3'}",
                             "--enrolment-code", ENROLMENT_CODE], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the sandbox exited: {(folder / 'sandbox.log').read_text()}")
        try:
            if requests.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.1)
    stop(proc)
    raise SystemExit("the sandbox did not answer within 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def sync_ours(folder: Path, url: str, count: int, round_no: int) -> float:
    config = KioskConfig(data_dir=folder / f"device-{round_no}", device_id=f"KSK-BENCH-{round_no}",
                         backend=BackendConfig(url=url, enrolment_code=ENROLMENT_CODE))
    box = Outbox(config.outbox_path)
    for n in range(count):
        box.enqueue("application", application(n))
    deliver = make_delivery(config)
    deliver.enroller.ensure()  # enrol outside the timing, as the peer does
    start = time.perf_counter()
    counts = sync_once(box, deliver)
    elapsed = time.perf_counter() - start
    deliver.client.close()
    box.close()
    if (counts.sent, counts.failed, counts.pending) != (count, 0, 0):
        raise SystemExit(f"our sync did not send everything: {counts}")
    return rate(count, elapsed)


def sync_bare(url: str, count: int, round_no: int) -> float:
    import base64

    session = requests.Session()
    enrolment = session.post(f"{url}{contract.Paths.ENROL}", timeout=10, json={
        "device_id": f"KSK-PEER-{round_no}", "role": "kiosk", "enrolment_code": ENROLMENT_CODE,
        "public_key": base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()})
    enrolment.raise_for_status()
    token = enrolment.json()["token"]
    bodies = [application(n) for n in range(count)]
    start = time.perf_counter()
    for body in bodies:
        response = session.post(f"{url}{contract.Paths.APPLICATIONS}", json=body, timeout=10,
                                headers={"Authorization": f"Bearer {token}",
                                         contract.IDEMPOTENCY_HEADER: str(uuid.uuid4())})
        response.raise_for_status()
    elapsed = time.perf_counter() - start
    session.close()
    return rate(count, elapsed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300, help="rows per enqueue round")
    parser.add_argument("--sync-rows", type=int, default=150, help="rows per sync round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bodies = [application(n) for n in range(args.rows + 1)]
    size = len(json.dumps(bodies[0], separators=(",", ":")))
    with tempfile.TemporaryDirectory(prefix="outbox-bench-") as tmp:
        folder = Path(tmp)
        ours, plain = [], []
        for r in range(args.rounds):
            round_dir = folder / f"enqueue-{r}"
            round_dir.mkdir()
            ours.append(enqueue_ours(round_dir, bodies))
            plain.append(enqueue_plain(round_dir, bodies))
        proc, url = start_sandbox(folder)
        try:
            sync_ours_rates, sync_bare_rates = [], []
            for r in range(args.rounds):
                sync_ours_rates.append(sync_ours(folder, url, args.sync_rows, r))
                sync_bare_rates.append(sync_bare(url, args.sync_rows, r))
        finally:
            stop(proc)
    e_ours, e_plain = statistics.median(ours), statistics.median(plain)
    s_ours, s_bare = statistics.median(sync_ours_rates), statistics.median(sync_bare_rates)
    print(f"outbox: {args.rows} enqueues and {args.sync_rows} sends per round, {args.rounds} "
          f"rounds, median; an application of {size} bytes of JSON; "
          "WAL, synchronous=FULL, one transaction per row")
    print(f"{'':<34}{'ours (rows/s)':>15}{'peer (rows/s)':>15}  peer")
    print(f"{'enqueue (durable)':<34}{e_ours:>15,.0f}{e_plain:>15,.0f}  plain sqlite3 INSERT, "
          "unsealed")
    print(f"{'sync to the sandbox (loopback)':<34}{s_ours:>15,.0f}{s_bare:>15,.0f}  bare requests "
          "POST, nothing kept")
    print(f"verdict: enqueue at {e_ours / e_plain:.0%} of plain sqlite3's rate (sealing and "
          f"bookkeeping cost {max(0.0, 1 - e_ours / e_plain):.0%}); sync at "
          f"{s_ours / s_bare:.0%} of bare POSTs (the outbox's two durable commits per row and "
          "the contract check cost the rest)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
