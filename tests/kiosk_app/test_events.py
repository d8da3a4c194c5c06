"""Device threads -> event queue -> the UI thread, in order."""
from __future__ import annotations

import threading

from drivers.events import CodeScanned
from drivers.scanner.simulator import SimulatedScanner
from kiosk_app.bootstrap import build
from kiosk_app.events import EventQueue
from kiosk_app.session import SessionState
from kiosk_app.ui_dispatch import QueueDispatcher


def test_events_from_many_threads_arrive_on_the_ui_thread_in_order_per_thread() -> None:
    ui = QueueDispatcher()
    queue = EventQueue(ui)
    seen: list[tuple[str, int]] = []
    queue.subscribe(lambda e: seen.append((e.device, threading.get_ident())))

    def device(n: int) -> None:
        for i in range(200):
            queue.put(CodeScanned(f"dev{n}", text=str(i)))

    threads = [threading.Thread(target=device, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    while ui.run_pending(timeout=0.1):
        pass
    assert len(seen) == 800
    assert {ident for _, ident in seen} == {threading.get_ident()}


def test_a_failing_handler_does_not_stop_the_others() -> None:
    ui = QueueDispatcher()
    queue = EventQueue(ui)
    got = []
    queue.subscribe(lambda e: 1 / 0)
    queue.subscribe(got.append)
    queue.put(CodeScanned("scanner", text="x"))
    ui.run_pending()
    assert len(got) == 1


def test_a_scan_reaches_the_session_through_the_queue(demo_config) -> None:
    ui = QueueDispatcher()
    scanner = SimulatedScanner("scanner")
    kiosk = build(demo_config, scanner=scanner, dispatcher=ui)
    kiosk.devices.connect(kiosk.events.put)
    scanner.open()
    kiosk.session.start()
    scanner.present("HK1.receipt").join(2)
    ui.run_pending(timeout=1)
    assert kiosk.session.data.scanned == ["HK1.receipt"]
    assert kiosk.session.state is SessionState.HOME
    kiosk.close()


def test_build_touches_no_disk(tmp_path) -> None:
    from kiosk_app.config import KioskConfig

    config = KioskConfig.demo_config(data_dir=tmp_path / "not-yet")
    kiosk = build(config)
    assert not (tmp_path / "not-yet").exists()
    kiosk.close()
    assert not (tmp_path / "not-yet").exists()
