"""Typed device errors: adapters turn library exceptions into these at the boundary.

Each error carries the :class:`~drivers.status.DeviceState` it implies, so whoever catches it can
show the right words and the technician mode can explain it::

    try:
        printer.print_job(job)
    except UserError as err:      # PaperOut, CoverOpen, ...
        show(err.state.reason)    # a key for the catalogues
"""
from __future__ import annotations

from drivers.status import DeviceState, DeviceStatus, Reason


class DeviceError(Exception):
    """Base of every error a driver raises."""

    status = DeviceStatus.HARDWARE_ERROR
    reason: Reason | None = None

    def __init__(self, detail: str = "", *, reason: Reason | None = None) -> None:
        super().__init__(detail or self.__class__.__name__)
        self.detail = detail
        if reason is not None:
            self.reason = reason

    @property
    def state(self) -> DeviceState:
        return DeviceState(self.status, self.reason, self.detail)


class NoDevice(DeviceError):
    status = DeviceStatus.NO_DEVICE


class DeviceOffline(DeviceError):
    status = DeviceStatus.OFFLINE
    reason = Reason.NOT_RESPONDING


class HardwareError(DeviceError):
    status = DeviceStatus.HARDWARE_ERROR


class DeviceBusy(DeviceError):
    status = DeviceStatus.BUSY


class UserError(DeviceError):
    """A fault that the person at the device can clear."""

    status = DeviceStatus.USER_ERROR


class PaperOut(UserError):
    reason = Reason.PAPER_OUT


class CoverOpen(UserError):
    reason = Reason.COVER_OPEN


class CardBadlyInserted(UserError):
    reason = Reason.CARD_BADLY_INSERTED


class CardRemoved(DeviceError):
    """The card left the reader while we were talking to it."""

    status = DeviceStatus.ONLINE  # the reader is fine; the exchange is not


class AdapterUnusable(DeviceError):
    """The adapter's library is missing or the kind is unknown: a technician must fix config."""

    status = DeviceStatus.NO_DEVICE
    reason = Reason.ADAPTER_UNUSABLE


_BY_REASON: dict[Reason, type[DeviceError]] = {
    Reason.PAPER_OUT: PaperOut,
    Reason.COVER_OPEN: CoverOpen,
    Reason.CARD_BADLY_INSERTED: CardBadlyInserted,
    Reason.ADAPTER_UNUSABLE: AdapterUnusable,
}
_BY_STATUS: dict[DeviceStatus, type[DeviceError]] = {
    DeviceStatus.NO_DEVICE: NoDevice,
    DeviceStatus.OFFLINE: DeviceOffline,
    DeviceStatus.HARDWARE_ERROR: HardwareError,
    DeviceStatus.USER_ERROR: UserError,
    DeviceStatus.BUSY: DeviceBusy,
}


def error_for(state: DeviceState) -> DeviceError:
    """The most specific error for a state that is not usable (PaperOut for paper out, ...)."""
    cls = (_BY_REASON.get(state.reason) if state.reason else None) or _BY_STATUS[state.status]
    return cls(state.detail, reason=state.reason)
