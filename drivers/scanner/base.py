"""The code scanner interface.

While open, a scanner emits one :class:`~drivers.events.CodeScanned` per code a person shows
(de-duplicated: a code held up for two seconds is one scan), on the scanner's own thread.
"""
from __future__ import annotations

from typing import ClassVar

from drivers.base import Device


class CodeScanner(Device):
    family: ClassVar[str] = "scanner"
