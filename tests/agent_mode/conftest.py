"""What the agent's tests share: an agent device's config, its desk on real parts (the outbox
and the agent's file on disk, a simulated printer or the printer emulator), and a sandbox
backend for the module."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from agent_mode.desk import AgentDesk
from drivers.printer.simulator import SimulatedPrinter
from kiosk_app.applying import Applying, Draft
from kiosk_app.backend.delivery import Delivery
from kiosk_app.bootstrap import build
from kiosk_app.identity import Identity, typed_identity
from kiosk_app.outbox.sync import SyncCounts, sync_once
from kiosk_app.payments import PaymentView
from kiosk_app.session import SessionData
from tests.kiosk_app.backend.applications import answers_for
from tests.kiosk_app.receipts.test_documents import printed_lines
from kiosk_app.backend.enrolment import Credentials, save_credentials
from kiosk_app.clock import ManualClock
from kiosk_app.config import AgentConfig, KioskConfig
from kiosk_app import contract
from kiosk_app.services import CATALOGUE_FILE
from tests.conftest import config_for_tests
from tests.sandbox_fixtures import SandboxServer

SEED = Path(__file__).resolve().parents[2] / "sandbox" / "seed" / "catalogue.json"
DEVICE_ID = "AGT-TEST-0001"
PINS = {"BA-0001": "2468", "BA-0002": "1357", "BA-0003": "8024"}


def agent_config(data_dir: Path, sandbox: SandboxServer | None = None,
                 **changes: object) -> KioskConfig:
    """An agent device: the demo's simulated devices, this test's folder, and the sandbox as
    its backend (or a closed port: no backend at all)."""
    config = config_for_tests(data_dir, role="agent", device_id=DEVICE_ID, demo=False)
    if sandbox is not None:
        config = replace(config, backend=replace(
        config.backend, url=sandbox.url, enrolment_code=sandbox.enrolment_code, timeout_s=3.0))
    if isinstance(changes.get("agent"), dict):
        changes["agent"] = AgentConfig(**changes["agent"])  # type: ignore[arg-type]
    return replace(config, **changes)


def keep_catalogue(config: KioskConfig) -> None:
    """The seed catalogue, as a device keeps it after its first download."""
    path = config.effective().data_dir / CATALOGUE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"etag": None, "fetched_at": "2026-01-01T08:00:00+00:00",
                                "catalogue": json.loads(SEED.read_text())}))


def keep_enrolment(config: KioskConfig, server: SandboxServer) -> Credentials:
    """Enrol this device with the sandbox and keep what it answered (the agents bound to it
    with the PIN hashes the sandbox made), as the device does when it is first online."""
    enrolment = contract.Enrolment.model_validate(server.enrol(DEVICE_ID, role="agent"))
    credentials = Credentials(enrolment.device_id, server.url, enrolment.token,
                              enrolment.key_id, "2026-01-01T08:00:00+00:00",
                              tuple(enrolment.agents))
    save_credentials(config.effective().data_dir, credentials)
    return credentials


def make_desk(config: KioskConfig, *, clock: ManualClock | None = None,
              printer: object | None = None, confirm_wait_s: float = 0.0) -> AgentDesk:
    """The agent's desk on a kiosk built by ``bootstrap.build``, with the seed catalogue kept.
    ``confirm_wait_s``: how long a submit waits for the backend before the receipt (none by
    default: the tests send what waits themselves, with :func:`send_all`)."""
    if printer is None:
        printer = SimulatedPrinter("printer")
        printer.open()
    if not (config.effective().data_dir / CATALOGUE_FILE).exists():
        keep_catalogue(config)
    kiosk = build(config, clock=clock, printer=printer)
    desk = AgentDesk.for_kiosk(kiosk, applying=Applying.for_kiosk(
        kiosk, confirm_wait_s=confirm_wait_s))
    assert desk.kiosk.services.load()
    return desk


def send_all(desk: AgentDesk) -> SyncCounts:
    """One pass of the sync, as the sync worker makes it, on this thread."""
    return sync_once(desk.kiosk.outbox, Delivery(desk.kiosk.backend, desk.kiosk.enroller))


def draft_for(desk: AgentDesk, code: str, *, payment: PaymentView | None = None,
              identity: Identity | None = None) -> Draft:
    """A customer's answered form for ``code``, confirmed now (the desk's clock)."""
    service = desk.kiosk.services.service(code)
    assert service is not None, code
    data = SessionData(language="sw", service_code=code, answers=answers_for(service),
                       identity=identity or typed_identity("Juma Otieno Barasa", "23456789",
                                                           "17/05/1985"),
                       reference=contract.new_reference(), payment=payment)
    return Draft.from_session(data, desk.kiosk.clock.now())


def printed_texts(job: bytes) -> list[str]:
    return [text for text, _width in printed_lines(job)]


@pytest.fixture(scope="module")
def agent_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One sandbox for the module (payments confirmed after 0.2 s, agents locked for 60 s)."""
    server = SandboxServer(tmp_path_factory.mktemp("agent-sandbox"), confirm_after=0.2,
                           lockout=60.0)
    try:
        yield server
    finally:
        server.stop()
