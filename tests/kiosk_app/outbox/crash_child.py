"""A kiosk process for test_crash.py to kill at any moment: it queues a batch of applications,
then sends everything that waits to the backend with the real delivery.

    python tests/kiosk_app/outbox/crash_child.py CONFIG BATCH.jsonl submit|api

``submit`` queues through ``huduma-kiosk submit --file`` (which prints ``Line N: REF is queued
to be sent.`` once each application is committed) and sends with ``outbox sync --once`` until
nothing waits; ``api`` queues through the Outbox API (printing ``queued REF`` once each is
committed) while the sync worker runs on its own thread. It prints ``ready`` once its imports
are done (the test starts its random wait from there) and ``finished`` at the end.
"""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from kiosk_app.backend.delivery import make_delivery  # noqa: E402
from kiosk_app.cli import main as cli  # noqa: E402
from kiosk_app.config import load_config  # noqa: E402
from kiosk_app.outbox import Outbox  # noqa: E402
from kiosk_app.outbox.sync import SYNC_KINDS, SyncWorker  # noqa: E402
from kiosk_app.outbox_commands import PERSONAL, prepare_line  # noqa: E402


def with_submit_command(config_path: str, batch: str) -> None:
    cli(["submit", "--file", batch, "--config", config_path])
    while cli(["outbox", "sync", "--once", "--config", config_path]) != 0:
        time.sleep(0.05)


def with_api(config_path: str, batch: str) -> None:
    config = load_config(config_path)
    outbox = Outbox(config.outbox_path, retention_h=config.outbox.retention_hours)
    worker = SyncWorker(outbox, make_delivery(config), base_s=config.outbox.backoff_base_s,
                        cap_s=config.outbox.backoff_cap_s)
    worker.start()
    now = datetime.now(timezone.utc)
    for text in Path(batch).read_text(encoding="utf-8").splitlines():
        key, payload = prepare_line(text, now)
        outbox.enqueue("application", payload, idempotency_key=key, personal=PERSONAL)
        print(f"queued {payload['reference']}", flush=True)
        worker.wake()
    while True:
        counts = outbox.summary(SYNC_KINDS).counts
        if counts["pending"] + counts["sending"] == 0:
            break
        time.sleep(0.02)
    worker.stop(timeout=10)
    outbox.close()


def main(argv: list[str]) -> int:
    config_path, batch, mode = argv
    print("ready", flush=True)
    if mode == "submit":
        with_submit_command(config_path, batch)
    else:
        with_api(config_path, batch)
    print("finished", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
