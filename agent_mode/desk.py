"""The agent's desk: every agent service, wired on a kiosk that :func:`kiosk_app.bootstrap.build`
made (the one composition root; this adds the agent's parts to it and nothing else).

    desk = build_agent(config)              # build(config, ...) and the agent's parts
    desk = AgentDesk.for_kiosk(kiosk)       # on a kiosk already built (the app in the agent role)
    desk.kiosk.start()                      # devices, sync, upkeep: as for a kiosk
    agent = desk.sign_in_with_pin("BA-0001", "2468")                 # worker thread
    desk.shifts.start(agent.agent_number, opening_cents=500_000)     # worker thread
    done = desk.assisted.submit(draft, agent, consent_at=t, cash=True)
    desk.close(); desk.kiosk.close()

The layers keep ``kiosk_app`` from importing ``agent_mode``, so the kiosk role never loads any
of this: the agent role's app, CLI and tests build the kiosk, then the desk on it. Building
touches no disk and no network: the agent's file is opened on first use.

Parts (each module says which of its methods block; none may be called on the UI thread
unless it says so):

=================  ===================================================================
``sign_in``        :class:`agent_mode.signin.AgentSignIn`: PIN or own ID card, PIN lock
``shifts``         :class:`agent_mode.shifts.Shifts`: start and end with the cash counted
``books``          :class:`agent_mode.ledger.Books`: the ledger, float top-ups and banking
``limits``         :class:`agent_mode.limits.OfflineLimits`: cash the backend has not seen
``assisted``       :class:`agent_mode.assisted.AssistedApplying`: tariff, consent, submit
``reconciler``     :class:`agent_mode.reconcile.Reconciler`: the day against the backend
``reports``        :class:`agent_mode.reports.Reports`: by days, on screen and on paper
``z_reports``      :class:`agent_mode.zreport.ZReports`: the printed Z-report
=================  ===================================================================
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from kiosk_app.applying import Applying
from kiosk_app.bootstrap import Kiosk, build
from kiosk_app.config import KioskConfig

from agent_mode.assisted import AssistedApplying
from agent_mode.ledger import Books
from agent_mode.limits import OfflineLimits
from agent_mode.reconcile import Reconciler
from agent_mode.reports import Reports
from agent_mode.shifts import Shifts
from agent_mode.signin import AgentSignIn, SignedIn
from agent_mode.store import AGENT_FILE, AgentStore
from agent_mode.zreport import ZReports

log = logging.getLogger(__name__)


class NotAnAgentDevice(ValueError):
    """The desk was asked for on a device whose role is not ``agent``."""


@dataclass
class AgentDesk:
    kiosk: Kiosk
    store: AgentStore
    books: Books
    sign_in: AgentSignIn
    shifts: Shifts
    limits: OfflineLimits
    assisted: AssistedApplying
    reconciler: Reconciler
    reports: Reports
    z_reports: ZReports
    agent: SignedIn | None = None
    """Who is signed in at this device now (set by the sign-in methods below)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def for_kiosk(cls, kiosk: Kiosk, *, applying: Applying | None = None) -> AgentDesk:
        """The agent's parts on a built kiosk (any thread: nothing is opened here)."""
        config = kiosk.config
        if config.role != "agent":
            raise NotAnAgentDevice(f"this device's role is {config.role!r}, not 'agent'")
        clock = kiosk.clock
        store = AgentStore(config.data_dir / AGENT_FILE, clock=clock)
        books = Books(store, kiosk.outbox, clock=clock, wake_sync=kiosk.sync.wake,
                      training=config.agent.training)
        shifts = Shifts(store, books, clock=clock)
        limits = OfflineLimits(config, kiosk.outbox)
        applying = applying or Applying.for_kiosk(kiosk)
        reconciler = Reconciler(books, shifts, kiosk.outbox, kiosk.backend, kiosk.enroller,
                                clock=clock)
        return cls(
            kiosk=kiosk, store=store, books=books,
            sign_in=AgentSignIn(config, store, kiosk.enroller, kiosk.backend, clock=clock,
                                online=lambda: kiosk.upkeep.online),
            shifts=shifts, limits=limits,
            assisted=AssistedApplying(applying, books, limits, shifts, clock=clock,
                                      training=config.agent.training),
            reconciler=reconciler,
            reports=Reports(books, kiosk.outbox, spooler=kiosk.spooler,
                            printer=kiosk.devices.get("printer"), device_id=config.device_id,
                            clock=clock, training=config.training),
            z_reports=ZReports(reconciler, spooler=kiosk.spooler, outbox=kiosk.outbox,
                               printer=kiosk.devices.get("printer"),
                               device_id=config.device_id, clock=clock,
                               training=config.training))

    @property
    def training(self) -> bool:
        """Whether every screen and slip must say TRAINING / MAFUNZO (any thread)."""
        return self.kiosk.config.training

    # -- who is at the desk -------------------------------------------------------------------
    def sign_in_with_pin(self, agent_number: str, pin: str) -> SignedIn:
        """Worker thread (network, disk, scrypt). Raises SignInRefused."""
        agent = self.sign_in.with_pin(agent_number, pin)
        with self._lock:
            self.agent = agent
        return agent

    def sign_in_with_card(self, identity: Any) -> SignedIn:
        """Worker thread (disk, scrypt). ``identity`` read from the agent's own card."""
        agent = self.sign_in.with_card(identity)
        with self._lock:
            self.agent = agent
        return agent

    def sign_out(self) -> None:
        """Any thread."""
        with self._lock:
            self.agent = None

    def close(self) -> None:
        """Close the agent's file (the kiosk is closed by whoever built it)."""
        self.store.close()


def build_agent(config: KioskConfig, **parts: Any) -> AgentDesk:
    """``bootstrap.build(config, **parts)`` and the agent's desk on it."""
    return AgentDesk.for_kiosk(build(config, **parts))
