"""One status model for every device, after the kiosk industry's (XFS4IoT, UnifiedPOS).

A device is always in exactly one :class:`DeviceStatus`. A *reason* refines it with a stable
key that the core turns into words for people (``paper_out`` becomes "The printer has run out
of paper" / "Karatasi ya printa imekwisha"); ``detail`` is free text for the technician and
never holds personal data.

    >>> DeviceState.online().usable
    True
    >>> DeviceState(DeviceStatus.USER_ERROR, Reason.PAPER_OUT).usable
    False
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class DeviceStatus(enum.Enum):
    ONLINE = "online"
    """Working and ready."""
    OFFLINE = "offline"
    """Known to be there but not answering (switched off, cable or network down)."""
    NO_DEVICE = "no_device"
    """Nothing is connected where config says a device should be."""
    HARDWARE_ERROR = "hardware_error"
    """The device answers but reports a fault that needs a technician."""
    USER_ERROR = "user_error"
    """A fault a person can clear: paper out, cover open, card badly inserted."""
    BUSY = "busy"
    """Working on something; usable again shortly."""


#: Statuses in which a device can be used (a busy device is waited for, not avoided).
USABLE_STATUSES = frozenset({DeviceStatus.ONLINE, DeviceStatus.BUSY})
#: Statuses that only a technician can clear.
TECHNICIAN_STATUSES = frozenset(
    {DeviceStatus.OFFLINE, DeviceStatus.NO_DEVICE, DeviceStatus.HARDWARE_ERROR}
)


class Reason(str, enum.Enum):
    """Stable keys that refine a status. Keys, not sentences: words live in the catalogues."""

    PAPER_OUT = "paper_out"
    PAPER_NEAR_END = "paper_near_end"
    COVER_OPEN = "cover_open"
    CARD_BADLY_INSERTED = "card_badly_inserted"
    CARD_UNREADABLE = "card_unreadable"
    LENS_BLOCKED = "lens_blocked"
    ADAPTER_UNUSABLE = "adapter_unusable"
    NOT_RESPONDING = "not_responding"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class DeviceState:
    status: DeviceStatus
    reason: Reason | None = None
    detail: str = ""

    @property
    def usable(self) -> bool:
        return self.status in USABLE_STATUSES

    @property
    def warning(self) -> bool:
        """Usable, but someone should look soon (paper near its end)."""
        return self.usable and self.reason is not None

    @classmethod
    def online(cls, reason: Reason | None = None, detail: str = "") -> "DeviceState":
        return cls(DeviceStatus.ONLINE, reason, detail)

    def to_dict(self) -> dict[str, str | None]:
        return {
            "status": self.status.value,
            "reason": self.reason.value if self.reason else None,
            "detail": self.detail,
        }
