"""Words for device states, as catalogue keys: shared by the doctor and the screens."""
from __future__ import annotations

from drivers.status import DeviceState, DeviceStatus, Reason
from kiosk_app.i18n import N_, translator

FAMILY_NAMES = {
    "card_reader": N_("ID card reader"),
    "printer": N_("receipt printer"),
    "scanner": N_("QR scanner"),
    "camera": N_("camera"),
}

STATUS_WORDS = {
    DeviceStatus.ONLINE: N_("online"),
    DeviceStatus.OFFLINE: N_("offline"),
    DeviceStatus.NO_DEVICE: N_("no device"),
    DeviceStatus.HARDWARE_ERROR: N_("hardware error"),
    DeviceStatus.USER_ERROR: N_("needs attention"),
    DeviceStatus.BUSY: N_("busy"),
}

REASON_WORDS = {
    Reason.PAPER_OUT: N_("paper out"),
    Reason.PAPER_NEAR_END: N_("paper nearly finished"),
    Reason.COVER_OPEN: N_("cover open"),
    Reason.CARD_BADLY_INSERTED: N_("card badly inserted"),
    Reason.CARD_UNREADABLE: N_("card cannot be read"),
    Reason.LENS_BLOCKED: N_("lens blocked"),
    Reason.ADAPTER_UNUSABLE: N_("adapter cannot be used"),
    Reason.NOT_RESPONDING: N_("not responding"),
    Reason.DISCONNECTED: N_("disconnected"),
}

#: What a citizen is told when a device is down, and what they can do instead.
FALLBACK_WORDS = {
    "card_reader": N_("The card reader is not working. You can type your details instead."),
    "printer": N_("The printer is not working. Your receipt will be shown on screen and sent by SMS."),
    "scanner": N_("The scanner is not working. You can type the reference instead."),
    "camera": N_("The camera is not working. You can type the reference instead."),
}


def describe(family: str, state: DeviceState, language: str) -> str:
    """``receipt printer: needs attention (paper out)`` in ``language``."""
    _ = translator(language).gettext
    text = f"{_(FAMILY_NAMES.get(family, family))}: {_(STATUS_WORDS[state.status])}"
    if state.reason is not None:
        text += f" ({_(REASON_WORDS[state.reason])})"
    return text
