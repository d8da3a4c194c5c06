"""Keeping in touch with the backend: whether it answers, the catalogue, the key directory,
the heartbeat.

    upkeep = Upkeep(config, client, services, enroller, heartbeat=facts, on_back_online=sync.wake)
    upkeep.start()          # a daemon thread; one round at once, then every `every_s`
    upkeep.online           # True / False / None (not asked yet)
    upkeep.add_listener(fn) # fn(online: bool) on the upkeep thread when it changes

One round: ask ``/v1/health``; when it answers, make sure the device is enrolled, refresh the
catalogue (one 304 when unchanged), merge the backend's public keys into the kept key directory
(so receipts from every enrolled device verify offline), and send a heartbeat with the devices'
states and what is waiting to be sent. When the backend comes back after being away,
``on_back_online`` is called, so the sync worker stops waiting out its back-off.

Blocking (network, disk) on its own thread; ``wake()`` asks for a round now.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from kiosk_app.backend.client import BackendClient, BackendError
from kiosk_app.backend.enrolment import Enroller
from kiosk_app.config import KioskConfig
from kiosk_app.receipts.keys import DEVICE_KEY_FILE, DIRECTORY_FILE, DeviceKey, KeyDirectory, KeyFileError
from kiosk_app.services import ServiceCatalogue

if TYPE_CHECKING:
    from kiosk_app import contract

log = logging.getLogger(__name__)


class Upkeep:
    def __init__(self, config: KioskConfig, client: BackendClient, services: ServiceCatalogue,
                 enroller: Enroller, *, every_s: float = 60.0,
                 heartbeat: Callable[[], contract.HeartbeatIn] | None = None,
                 on_back_online: Callable[[], None] | None = None) -> None:
        self.config = config
        self.client = client
        self.services = services
        self.enroller = enroller
        self.every_s = every_s
        self._heartbeat = heartbeat
        self._on_back_online = on_back_online
        self._listeners: list[Callable[[bool], None]] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.online: bool | None = None
        self.last_error: str = ""

    def add_listener(self, listener: Callable[[bool], None]) -> None:
        """``listener(online)`` runs on the upkeep thread whenever reachability changes."""
        self._listeners.append(listener)

    def start(self) -> None:
        if self._thread is None:
            # Started before it is kept: stop() from another thread never joins a thread that
            # has not started (the kiosk may close while its devices are still opening).
            thread = threading.Thread(target=self._loop, name="upkeep", daemon=True)
            thread.start()
            self._thread = thread

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.round()
            except Exception:  # noqa: BLE001 - the thread must outlive any one bad round
                log.exception("backend upkeep round failed")
            self._wake.wait(self.every_s)
            self._wake.clear()

    def round(self) -> bool:
        """One round (on the calling thread). Answers whether the backend answered."""
        health = self.client.health()
        if not health.reachable:
            self.last_error = health.detail
            self._set_online(False)
            return False
        self._set_online(True)
        try:
            self.enroller.ensure()
        except BackendError as err:
            self.last_error = str(err)
            log.warning("not enrolled with the backend: %s", err)
            self.services.refresh(self.client)  # the catalogue is public
            return True
        self.services.refresh(self.client)
        self._refresh_keys()
        if self._heartbeat is not None:
            try:
                self.client.heartbeat(self.config.device_id, self._heartbeat())
            except BackendError as err:
                log.info("heartbeat not sent: %s", err)
        return True

    def _refresh_keys(self) -> None:
        try:
            published = self.client.keys()
        except BackendError as err:
            log.info("key directory not refreshed: %s", err)
            return
        path = Path(self.config.data_dir) / DIRECTORY_FILE
        try:
            # The constructor checks each entry and skips (with a warning) one that fails.
            directory = KeyDirectory(KeyDirectory.load(path).entries()
                                     + [entry.model_dump(mode="json") for entry in published.keys])
            own = DeviceKey.load_or_create(Path(self.config.data_dir) / DEVICE_KEY_FILE)
            directory.with_device(own, self.config.device_id).save(path)
        except (KeyFileError, ValueError, OSError) as err:
            log.error("the key directory %s cannot be updated: %s", path, err)

    def _set_online(self, online: bool) -> None:
        was = self.online
        self.online = online
        if was is online:
            return
        if online:
            log.info("the backend answers again")
            if was is False and self._on_back_online is not None:
                self._on_back_online()
        else:
            log.warning("the backend does not answer: %s", self.last_error)
        for listener in list(self._listeners):
            listener(online)
