"""Every submission accepted exactly once through a network that drops, delays and cuts
connections: the outbox, the sync worker and the backend client against the real sandbox,
through a proxy on loopback (tests/netfaults.py)."""
from __future__ import annotations

import random
import threading
from dataclasses import replace
from pathlib import Path

from kiosk_app.backend.client import BackendClient
from kiosk_app.backend.delivery import make_delivery
from kiosk_app.config import BackendConfig, KioskConfig
from kiosk_app.outbox import Outbox
from kiosk_app.outbox.sync import SyncWorker
from tests.kiosk_app.backend.applications import application, simple_services
from tests.kiosk_app.backend.test_with_sandbox import catalogue_of, held_by
from tests.netfaults import FlakyProxy
from tests.sandbox_fixtures import SandboxServer

SUBMISSIONS = 40


def test_every_submission_is_accepted_exactly_once_through_a_flaky_network(
        sandbox: SandboxServer, tmp_path: Path) -> None:
    services = simple_services(catalogue_of(sandbox))
    rng = random.Random(6)
    bodies = [application(rng.choice(services)) for _ in range(SUBMISSIONS)]
    with FlakyProxy(("127.0.0.1", sandbox.port), seed=11, delay_s=1.2) as proxy:
        config = replace(KioskConfig.demo_config(data_dir=tmp_path),
                         backend=BackendConfig(url=proxy.url, timeout_s=0.8,
                                     enrolment_code=sandbox.enrolment_code))
        # The client tries each call once: the worker's back-off is what is being tested.
        client = BackendClient(proxy.url, timeout_s=0.8, attempts=1)
        deliver = make_delivery(config, client)
        outbox = Outbox(tmp_path / "outbox.sqlite3")
        everything_sent = threading.Event()

        def listen(summary) -> None:  # noqa: ANN001 - the sync worker's thread
            if summary.counts["sent"] == SUBMISSIONS:
                everything_sent.set()

        worker = SyncWorker(outbox, deliver, base_s=0.02, cap_s=0.2, rng=random.Random(3),
                            idle_s=0.2)
        worker.add_listener(listen)
        worker.start()
        try:
            for body in bodies:  # submitted while the worker is already sending
                outbox.enqueue("application", body.model_dump(mode="json"),
                               personal=("applicant", "answers"))
                worker.wake()
            assert everything_sent.wait(120), outbox.summary()
        finally:
            worker.stop(timeout=10)
        faults = dict(proxy.counts)
    held = held_by(sandbox)
    assert sorted(held) == sorted(b.reference for b in bodies)  # each once: no more, no less
    summary = outbox.summary()
    assert summary.counts["failed"] == 0 and summary.counts["pending"] == 0
    # The network really was bad, in each of its ways, and the answer-cut case happened.
    assert all(faults.get(f, 0) > 0 for f in ("drop", "delay", "cut_request", "cut_answer")), faults
    retried = [r for r in outbox.rows() if r.attempts > 1]
    assert retried, "no row needed a second try: the proxy did not bite"
