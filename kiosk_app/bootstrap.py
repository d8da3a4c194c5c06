"""The one composition root: the app, the agent mode, the CLI and the tests all call build().

    kiosk = build(KioskConfig.demo_config())                  # simulated devices
    kiosk = build(config, printer=my_printer, clock=clock)    # a test's own parts
    kiosk.start()     # opens devices on a worker thread; returns at once
    ...
    kiosk.close()

``build`` only wires: it touches no hardware, disk or network. ``start`` is where devices are
opened (on a worker, so the UI thread never waits) and the event queue starts flowing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from drivers.base import Device
from drivers.registry import Registry, builtin_registry
from kiosk_app import __version__
from kiosk_app.backend import BackendClient
from kiosk_app.backend.delivery import Delivery
from kiosk_app.backend.enrolment import Enroller
from kiosk_app.clock import Clock, SystemClock
from kiosk_app.config import ConfigError, KioskConfig, PendingCheck
from kiosk_app.devices import DeviceHub
from kiosk_app.events import EventQueue
from kiosk_app.identity import IdentityReader
from kiosk_app.outbox import Outbox
from kiosk_app.outbox.sync import SYNC_KINDS, SyncWorker
from kiosk_app.receipts.spooler import PrintSpooler
from kiosk_app.services import CATALOGUE_FILE, ServiceCatalogue
from kiosk_app.session import Session
from kiosk_app.speech import Speaker
from kiosk_app.ui_dispatch import Dispatcher, ImmediateDispatcher
from kiosk_app.ui_watch import UiWatch
from kiosk_app.upkeep import Upkeep
from kiosk_app.workers import Workers

if TYPE_CHECKING:
    from kiosk_app.contract import HeartbeatIn

log = logging.getLogger(__name__)


@dataclass
class Kiosk:
    config: KioskConfig
    clock: Clock
    dispatcher: Dispatcher
    registry: Registry
    devices: DeviceHub
    events: EventQueue
    session: Session
    workers: Workers
    backend: BackendClient
    outbox: Outbox
    ui_watch: UiWatch
    identity: IdentityReader
    spooler: PrintSpooler
    services: ServiceCatalogue
    enroller: Enroller
    upkeep: Upkeep
    sync: SyncWorker
    speaker: Speaker
    config_check: PendingCheck | None = None
    """The config's full check, when it was made at once (``huduma-kiosk run``): run first
    by :meth:`start`'s worker, before anything is opened."""
    _started: bool = field(default=False, repr=False)

    def start(self, *, on_config_refused: Callable[[ConfigError], None] | None = None,
              on_config_accepted: Callable[[], None] | None = None) -> None:
        """Open the devices on a worker thread and let their events flow. Returns at once.
        A config made at once is checked in full first: refused, nothing is opened and
        ``on_config_refused`` hears why; accepted (or already checked), ``on_config_accepted``
        is called. Both on the dispatcher's thread."""
        if self._started:
            return
        self._started = True
        self.devices.connect(self.events.put)
        self.workers.submit(self._open_and_print, on_config_refused, on_config_accepted)

    def _open_and_print(self, on_config_refused: Callable[[ConfigError], None] | None,
                        on_config_accepted: Callable[[], None] | None) -> None:
        """Worker thread: check the config in full if that waits, open the devices, then print
        what a previous run left waiting; load the kept catalogue, then keep in touch with the
        backend."""
        if self.config_check is not None:
            try:
                self.config_check.run(self.registry)
            except ConfigError as err:
                # The settings by name only: a refused value may be a secret (an enrolment
                # code); the whole refusal goes to the technician's terminal (screens/launch.py).
                log.error("the config in %s was refused: %s", err.source,
                          ", ".join(problem.field or "(the file)" for problem in err.problems))
                if on_config_refused is not None:
                    self.dispatcher.call_soon(on_config_refused, err)
                return
            self.config_check = None
        if on_config_accepted is not None:
            self.dispatcher.call_soon(on_config_accepted)
        self.devices.open_all()
        self.spooler.start()
        self.services.load()
        self.sync.start()
        self.upkeep.start()

    def close(self) -> None:
        self.speaker.close()
        self.upkeep.stop(timeout=1.0)
        self.sync.stop(timeout=1.0)
        self.workers.shutdown(wait=False)
        self.devices.close_all()
        self.backend.close()
        self.outbox.close()


def build(config: KioskConfig, *,
          card_reader: Device | None = None,
          printer: Device | None = None,
          scanner: Device | None = None,
          camera: Device | None = None,
          backend: BackendClient | None = None,
          outbox: Outbox | None = None,
          clock: Clock | None = None,
          dispatcher: Dispatcher | None = None,
          registry: Registry | None = None,
          ui_watch: UiWatch | None = None,
          speaker: Speaker | None = None,
          config_check: PendingCheck | None = None) -> Kiosk:
    # An agent device in training mode runs with its own folder and the training backend.
    config = config.effective()
    clock = clock or SystemClock()
    dispatcher = dispatcher or ImmediateDispatcher()
    registry = registry or builtin_registry()
    overrides: dict[str, Any] = {"card_reader": card_reader, "printer": printer,
                                 "scanner": scanner, "camera": camera}
    devices = DeviceHub(config, registry, overrides)
    events = EventQueue(dispatcher)
    idle_s, warning_s = config.idle_limits
    session = Session(clock=clock, idle_s=idle_s, warning_s=warning_s,
                      default_language=config.language,
                      card_attempts=config.identity.card_attempts, role=config.role)
    events.subscribe(devices.on_device_event)
    events.subscribe(session.on_device_event)
    # Spoken guidance stops at every wipe: first of the session's listeners.
    speaker = speaker or Speaker(enabled=config.display.speech, volume=config.display.speech_volume,
                                 rate=config.display.speech_rate)
    session.add_listener(speaker)
    workers = Workers(dispatcher)
    outbox = outbox or Outbox(config.outbox_path, clock=clock,
                              retention_h=config.outbox.retention_hours)
    spooler = PrintSpooler(outbox, devices.get("printer"),  # type: ignore[arg-type]
                           dispatcher=dispatcher, workers=workers, clock=clock)
    events.subscribe(spooler.on_device_event)
    session.add_listener(spooler)  # what waits to print for a person who has left is withdrawn
    backend = backend or BackendClient(config.backend.url, timeout_s=config.backend.timeout_s)
    services = ServiceCatalogue(config.data_dir / CATALOGUE_FILE)
    enroller = Enroller(config, backend)
    sync = SyncWorker(outbox, Delivery(backend, enroller), clock=clock,
                      base_s=config.outbox.backoff_base_s, cap_s=config.outbox.backoff_cap_s)

    def heartbeat() -> HeartbeatIn:
        """Upkeep thread: what the fleet's operators see of this device."""
        from kiosk_app.contract import HeartbeatIn

        waiting = outbox.summary(SYNC_KINDS)
        return HeartbeatIn(
            app_version=__version__,
            devices={family: state.status.value for family, state in devices.states().items()},
            outbox_waiting=waiting.waiting,
            oldest_waiting=waiting.oldest_waiting, sent_at=clock.now())

    upkeep = Upkeep(config, backend, services, enroller, heartbeat=heartbeat,
                    on_back_online=sync.wake)
    return Kiosk(
        config=config,
        clock=clock,
        dispatcher=dispatcher,
        registry=registry,
        devices=devices,
        events=events,
        session=session,
        workers=workers,
        backend=backend,
        outbox=outbox,
        ui_watch=ui_watch or UiWatch(),
        identity=IdentityReader(devices.get("card_reader"),  # type: ignore[arg-type]
                                csca_dir=config.identity.csca_dir),
        spooler=spooler,
        services=services,
        enroller=enroller,
        upkeep=upkeep,
        sync=sync,
        speaker=speaker,
        config_check=config_check,
    )
