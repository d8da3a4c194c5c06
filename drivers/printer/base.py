"""The receipt printer interface.

Like python-escpos, a transport needs one primitive; here it is a whole job, ``print_job(data)``,
so that a job is either wholly accepted by the printer or the error says why not. What a model
can do lives in its :class:`PrinterProfile`, not in subclasses. ``print_job`` and ``probe`` block
(bounded by a short time limit) and belong on a worker thread.

    printer.print_job(b"\\x1b@Hello\\n\\x1dV\\x00", job_id="R-2026-000123")
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from drivers.base import Device


@dataclass(frozen=True)
class PrinterProfile:
    paper_width_mm: int = 80
    columns: int = 48
    """Characters per line in the normal font."""
    dots_per_line: int = 576
    native_qr: bool = True
    """Prints QR codes itself (``GS ( k``); otherwise they go as raster images."""
    cutter: bool = True
    confirms_printing: bool = True
    """Answers ``GS ( H`` process-ID requests once what came before has printed, so a job can
    count as printed only once all of it came out."""

    @classmethod
    def for_width(cls, width_mm: int, **kwargs: object) -> "PrinterProfile":
        if width_mm == 58:
            return cls(paper_width_mm=58, columns=32, dots_per_line=384, **kwargs)  # type: ignore[arg-type]
        if width_mm == 80:
            return cls(paper_width_mm=80, columns=48, dots_per_line=576, **kwargs)  # type: ignore[arg-type]
        raise ValueError("paper width must be 58 or 80 mm")


class ReceiptPrinter(Device):
    family: ClassVar[str] = "printer"

    @property
    def profile(self) -> PrinterProfile:
        raise NotImplementedError

    def print_job(self, data: bytes, *, job_id: str = "") -> None:
        """Send a whole job. Returns once the printer has printed all of it (one whose profile
        has no ``confirms_printing``: once it has all of it); raises
        :class:`~drivers.errors.PaperOut`, :class:`~drivers.errors.CoverOpen`,
        :class:`~drivers.errors.DeviceOffline` and the like otherwise, and then the job counts
        as not printed."""
        raise NotImplementedError
