"""An in-process receipt printer that keeps every job it accepts.

For demo mode and fast tests; faults (``paper_out``, ``cover_open``, ``paper_near_end``, ...)
come from config or ``inject()``. The network-level peer that renders jobs to PNG is the printer
emulator, not this.

    printer = SimulatedPrinter("printer")
    printer.open()
    printer.print_job(b"...", job_id="R-1")
    printer.jobs      # [PrintedJob(job_id="R-1", data=b"...")]
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import ClassVar, Literal

from drivers.printer.base import PrinterProfile, ReceiptPrinter
from drivers.schema import settings
from drivers.simulated import COMMON_FAULTS, SimulatedDevice, SimulatorSettings
from drivers.status import DeviceState, DeviceStatus, Reason


@dataclass(frozen=True)
class PrintedJob:
    job_id: str
    data: bytes


@settings
class SimulatedPrinterSettings(SimulatorSettings):
    paper_width_mm: Literal[58, 80] = 80
    """Paper roll width, in millimetres."""


class SimulatedPrinter(SimulatedDevice, ReceiptPrinter):
    Settings: ClassVar = SimulatedPrinterSettings
    FAULTS: ClassVar = {
        **COMMON_FAULTS,
        "paper_out": DeviceState(DeviceStatus.USER_ERROR, Reason.PAPER_OUT, "simulated: roll empty"),
        "cover_open": DeviceState(DeviceStatus.USER_ERROR, Reason.COVER_OPEN, "simulated: cover open"),
        "paper_near_end": DeviceState(DeviceStatus.ONLINE, Reason.PAPER_NEAR_END,
                                      "simulated: roll nearly empty"),
    }

    def __init__(self, name: str, settings: SimulatedPrinterSettings | None = None) -> None:
        super().__init__(name, settings)
        self._profile = PrinterProfile.for_width(self.settings.paper_width_mm)
        self._jobs_lock = threading.Lock()
        self.jobs: list[PrintedJob] = []

    @property
    def profile(self) -> PrinterProfile:
        return self._profile

    def print_job(self, data: bytes, *, job_id: str = "") -> None:
        self._operate()
        with self._jobs_lock:
            self.jobs.append(PrintedJob(job_id, bytes(data)))
