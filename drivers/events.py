"""Events that devices emit from their own threads.

Listeners receive them on the device's thread; the core puts them on its event queue and
handles them on the UI thread. Events carry no personal data except :class:`CodeScanned`'s text,
which the core treats as personal until it knows better.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drivers.status import DeviceState


@dataclass(frozen=True)
class DeviceEvent:
    device: str
    """The device's role name in config: ``card_reader``, ``printer``, ``scanner``, ``camera``."""


@dataclass(frozen=True)
class DeviceStatusChanged(DeviceEvent):
    state: DeviceState


@dataclass(frozen=True)
class CardInserted(DeviceEvent):
    reader: str
    atr: bytes


@dataclass(frozen=True)
class CardRemoved(DeviceEvent):
    reader: str


@dataclass(frozen=True)
class CodeScanned(DeviceEvent):
    text: str = field(repr=False)
    format: str = "QRCode"
    raw: bytes = field(default=b"", repr=False)
