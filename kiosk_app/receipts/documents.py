"""The printed documents: receipt, queue ticket, status slip and technician's test page.

Each is laid out once, for either paper width, from the printer's
:class:`~drivers.printer.base.PrinterProfile` (columns, dots per line, native QR, cutter), and
returned as ESC/POS bytes for ``ReceiptPrinter.print_job``. The bytes are built with
python-escpos's ``Dummy`` printer, so they are the library's own commands.

English and Kiswahili are printed together on every slip (the person may hand it to someone
who reads the other), so the words are constants here rather than catalogue lookups: each
label is "English / Kiswahili", on one line when it fits and on two when it does not.

    data = ReceiptData(reference="HK-2026-000123", ...)
    job = receipt(data, printer.profile)
    printer.print_job(job, job_id=data.reference)

Times print in Nairobi time (EAT, UTC+3, no daylight saving); naive datetimes are refused,
because a kiosk clock in the wrong zone would print a wrong time without anyone noticing.
"""
from __future__ import annotations

import copy
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from escpos.constants import QR_ECLEVEL_M

from drivers.printer.base import PrinterProfile
from kiosk_app.clock import NAIROBI


# -- words, English then Kiswahili ------------------------------------------------------------
HEADER = "HUDUMA KENYA"
TRAINING_EN, TRAINING_SW = "TRAINING", "MAFUNZO"
NOT_VALID_EN, NOT_VALID_SW = "Not valid", "Si halali"
REFERENCE_EN, REFERENCE_SW = "Reference", "Kumbukumbu"
OFFICIAL_FEE_EN, OFFICIAL_FEE_SW = "Official fee", "Ada rasmi"
CONVENIENCE_FEE_EN, CONVENIENCE_FEE_SW = "Convenience fee", "Ada ya huduma"
TOTAL_EN, TOTAL_SW = "Total", "Jumla"
PAID_BY_EN, PAID_BY_SW = "Paid by", "Imelipwa kwa"
METHOD_EN = {"mpesa": "M-Pesa", "cash": "Cash"}
METHOD_SW = {"mpesa": "M-Pesa", "cash": "Pesa taslimu"}
MPESA_CODE_EN, MPESA_CODE_SW = "M-Pesa code", "Nambari ya M-Pesa"
NO_FEE_EN, NO_FEE_SW = "No fee to pay", "Hakuna ada ya kulipa"
PAYMENT_TO_CONFIRM_EN = "Payment to be confirmed. Do not pay again."
PAYMENT_TO_CONFIRM_SW = "Malipo yatathibitishwa. Usilipe tena."
WAITING_EN, WAITING_SW = "Waiting to be sent", "Linasubiri kutumwa"
WAITING_NOTE_EN = "Kept safely on the kiosk; it goes to the office when the network is back."
WAITING_NOTE_SW = "Limehifadhiwa salama kwenye kioski; litatumwa ofisini mtandao ukirudi."
DATE_EN, DATE_SW = "Date", "Tarehe"
KIOSK_EN, KIOSK_SW = "Kiosk/agent", "Kioski/wakala"
KEEP_EN, KEEP_SW = "Keep this receipt", "Hifadhi risiti hii"
QUEUE_TICKET_EN, QUEUE_TICKET_SW = "Queue ticket", "Tiketi ya foleni"
YOUR_NUMBER_EN, YOUR_NUMBER_SW = "Your number", "Nambari yako"
NEXT_EN, NEXT_SW = "You are next", "Wewe ndiye unayefuata"
AHEAD_ONE_EN, AHEAD_ONE_SW = "1 person ahead of you", "mtu 1 mbele yako"
AHEAD_EN, AHEAD_SW = "{n} people ahead of you", "watu {n} mbele yako"
STATUS_EN, STATUS_SW = "Application status", "Hali ya ombi"
TEST_PAGE_EN, TEST_PAGE_SW = "Printer test page", "Ukurasa wa majaribio"
WIDTH_EN, WIDTH_SW = "Paper width", "Upana wa karatasi"
COLUMNS_EN, COLUMNS_SW = "Columns", "Safu"
QR_EN, QR_SW = "QR code", "Msimbo wa QR"
NATIVE_EN, NATIVE_SW = "printer", "printa"
RASTER_EN, RASTER_SW = "image", "picha"
SIZES_EN, SIZES_SW = "Sizes", "Ukubwa"


@dataclass
class ReceiptData:
    reference: str
    service_name_en: str
    service_name_sw: str
    official_fee_cents: int
    convenience_fee_cents: int
    payment_method: Literal["mpesa", "cash", "none"]
    """``none``: a service with no fee."""
    mpesa_code: str | None
    issued_at: datetime
    device_id: str
    token: str
    """What the QR code holds: the signed receipt token."""
    training: bool = False
    payment_to_confirm: bool = False
    """An M-Pesa payment whose answer had not come when the receipt was printed: the receipt
    says so, and that nobody should pay again."""
    waiting_to_be_sent: bool = False
    """The backend had not confirmed the application yet (the kiosk was offline, or slow)."""


def money(cents: int) -> str:
    """``105000`` -> ``"KES 1,050.00"``."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}KES {whole:,}.{part:02d}"


def nairobi_time(moment: datetime) -> str:
    """``24/11/2026 14:05`` in Nairobi time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a printed time needs a timezone-aware datetime")
    return moment.astimezone(NAIROBI).strftime("%d/%m/%Y %H:%M")


# -- documents -----------------------------------------------------------------------------------
def receipt(data: ReceiptData, profile: PrinterProfile) -> bytes:
    if data.payment_method not in (*METHOD_EN, "none"):
        raise ValueError(f"unknown payment method {data.payment_method!r}")
    slip = _Slip(profile, data.training)
    slip.centred_lines([data.service_name_en, data.service_name_sw])
    slip.blank()
    slip.label(REFERENCE_EN, REFERENCE_SW)
    slip.big(data.reference)
    slip.rule()
    slip.pair(OFFICIAL_FEE_EN, OFFICIAL_FEE_SW, money(data.official_fee_cents))
    slip.pair(CONVENIENCE_FEE_EN, CONVENIENCE_FEE_SW, money(data.convenience_fee_cents))
    slip.rule()
    slip.pair(TOTAL_EN, TOTAL_SW, money(data.official_fee_cents + data.convenience_fee_cents),
              bold=True)
    slip.rule()
    if data.payment_method == "none":
        slip.centred_pair(NO_FEE_EN, NO_FEE_SW)
    else:
        method = METHOD_EN[data.payment_method]
        method_sw = METHOD_SW[data.payment_method]
        slip.pair(PAID_BY_EN, PAID_BY_SW,
                  method if method == method_sw else f"{method} / {method_sw}")
    if data.mpesa_code:
        slip.pair(MPESA_CODE_EN, MPESA_CODE_SW, data.mpesa_code)
    if data.payment_to_confirm:
        slip.lines([PAYMENT_TO_CONFIRM_EN, PAYMENT_TO_CONFIRM_SW], bold=True)
    slip.pair(DATE_EN, DATE_SW, nairobi_time(data.issued_at))
    slip.pair(KIOSK_EN, KIOSK_SW, data.device_id)
    slip.blank()
    if data.waiting_to_be_sent:
        slip.centred_pair(WAITING_EN, WAITING_SW, bold=True)
        slip.centred_lines([WAITING_NOTE_EN, WAITING_NOTE_SW])
        slip.blank()
    slip.qr(data.token)
    slip.centred_pair(KEEP_EN, KEEP_SW, bold=True)
    return slip.finish()


def queue_ticket(number: str, service_en: str, service_sw: str, issued_at: datetime,
                 people_ahead: int, profile: PrinterProfile, *, training: bool = False) -> bytes:
    if people_ahead < 0:
        raise ValueError("people_ahead cannot be negative")
    slip = _Slip(profile, training)
    slip.centred_pair(QUEUE_TICKET_EN, QUEUE_TICKET_SW)
    slip.blank()
    slip.label(YOUR_NUMBER_EN, YOUR_NUMBER_SW)
    slip.big(number)
    slip.blank()
    slip.centred_lines([service_en, service_sw])
    slip.centred_lines([nairobi_time(issued_at)])
    if people_ahead == 0:
        en, sw = NEXT_EN, NEXT_SW
    elif people_ahead == 1:
        en, sw = AHEAD_ONE_EN, AHEAD_ONE_SW
    else:
        en, sw = AHEAD_EN.format(n=people_ahead), AHEAD_SW.format(n=people_ahead)
    slip.centred_pair(en, sw, bold=True)
    return slip.finish()


def status_slip(reference: str, timeline: list[tuple[datetime, str, str]],
                profile: PrinterProfile, *, training: bool = False) -> bytes:
    """``timeline`` holds (when, English, Kiswahili) steps, oldest first."""
    slip = _Slip(profile, training)
    slip.centred_pair(STATUS_EN, STATUS_SW)
    slip.blank()
    slip.label(REFERENCE_EN, REFERENCE_SW)
    slip.big(reference)
    slip.rule()
    for when, step_en, step_sw in timeline:
        slip.lines([nairobi_time(when)], bold=True)
        slip.lines([step_en, step_sw], indent=2)
    slip.rule()
    return slip.finish()


def test_page(device_id: str, profile: PrinterProfile, printed_at: datetime, *,
              training: bool = False) -> bytes:
    """For technicians: what the kiosk thinks the printer is, and what it actually prints."""
    slip = _Slip(profile, training)
    slip.centred_pair(TEST_PAGE_EN, TEST_PAGE_SW)
    slip.blank()
    slip.pair(KIOSK_EN, KIOSK_SW, device_id)
    slip.pair(WIDTH_EN, WIDTH_SW, f"{profile.paper_width_mm} mm")
    slip.pair(COLUMNS_EN, COLUMNS_SW, str(profile.columns))
    qr_en, qr_sw = (NATIVE_EN, NATIVE_SW) if profile.native_qr else (RASTER_EN, RASTER_SW)
    slip.pair(QR_EN, QR_SW, f"{qr_en} / {qr_sw}")
    slip.pair(DATE_EN, DATE_SW, nairobi_time(printed_at))
    # A ruler: a digit every column and a mark every ten, so a technician sees at once whether
    # the configured width is the printer's real one (a wrapped or short ruler says it is not).
    slip.lines(["".join(str(i % 10) for i in range(1, profile.columns + 1)),
                "".join("|" if i % 10 == 0 else "." for i in range(1, profile.columns + 1))])
    slip.label(SIZES_EN, SIZES_SW)
    slip.sized_sample("1x", width=False, height=False)
    slip.sized_sample("2h", width=False, height=True)
    slip.sized_sample("2w", width=True, height=False)
    slip.sized_sample("2x", width=True, height=True)
    slip.blank()
    slip.qr(f"HUDUMA-TEST {device_id}")
    return slip.finish()


# -- layout, once ------------------------------------------------------------------------------
def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters; overlong words are broken, never overflowed."""
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


class _Slip:
    """One document being laid out for one profile. Every line fits ``profile.columns``."""

    def __init__(self, profile: PrinterProfile, training: bool) -> None:
        self.profile = profile
        self.columns = profile.columns
        # Imported here, when the first slip is laid out (on a worker): importing it loads the
        # library's printer database, about 100 ms, which the kiosk's start has no need of.
        from escpos.printer import Dummy

        self.p = Dummy(profile="default")
        # python-escpos shares a profile's data between instances: copy before setting ours.
        data = copy.deepcopy(self.p.profile.profile_data)
        data["media"]["width"] = {"mm": profile.paper_width_mm, "pixels": profile.dots_per_line}
        data["fonts"]["0"]["columns"] = profile.columns
        self.p.profile.profile_data = data
        self.p.hw("INIT")
        if training:
            self._training_banner()
        self.p.set(align="center", bold=True, double_width=True, double_height=True)
        for line in wrap(HEADER, self.columns // 2):
            self.p.textln(line)
        self._normal()

    def _normal(self) -> None:
        self.p.set(align="left", bold=False, normal_textsize=True)

    def _training_banner(self) -> None:
        self.p.set(align="center", bold=True, invert=True, normal_textsize=True)
        for line in wrap(f"** {TRAINING_EN} / {TRAINING_SW} **", self.columns):
            self.p.textln(line)
        self.p.set(invert=False)
        self.lines(self._both(NOT_VALID_EN, NOT_VALID_SW))
        self._normal()

    def lines(self, texts: Iterable[str], *, bold: bool = False, indent: int = 0) -> None:
        if bold:
            self.p.set(bold=True)
        for text in texts:
            for line in wrap(text, self.columns - indent):
                self.p.textln(" " * indent + line)
        if bold:
            self.p.set(bold=False)

    def centred_lines(self, texts: Iterable[str], *, bold: bool = False) -> None:
        self.p.set(align="center")
        self.lines(texts, bold=bold)
        self.p.set(align="left")

    def _both(self, en: str, sw: str) -> list[str]:
        """"English / Kiswahili" as one line, or as two when it does not fit."""
        both = f"{en} / {sw}"
        return [both] if len(both) <= self.columns else [en, sw]

    def label(self, en: str, sw: str) -> None:
        self.lines(self._both(en, sw))

    def centred_pair(self, en: str, sw: str, *, bold: bool = False) -> None:
        self.centred_lines(self._both(en, sw), bold=bold)

    def big(self, text: str) -> None:
        """Centred, bold and double size: half as many columns."""
        self.p.set(align="center", bold=True, double_width=True, double_height=True)
        for line in wrap(text, self.columns // 2):
            self.p.textln(line)
        self._normal()

    def pair(self, en: str, sw: str, value: str, *, bold: bool = False) -> None:
        """A label on the left and its value on the right of the same line when both fit;
        otherwise the label's lines first and the value right-aligned under them."""
        if bold:
            self.p.set(bold=True)
        label = f"{en} / {sw}"
        if len(label) + 1 + len(value) <= self.columns:
            self.p.textln(label + value.rjust(self.columns - len(label)))
        else:
            label_lines = [label] if len(label) <= self.columns else [en + " /", sw]
            for text in label_lines:
                for line in wrap(text, self.columns):
                    self.p.textln(line)
            for line in wrap(value, self.columns):
                self.p.textln(line.rjust(self.columns))
        if bold:
            self.p.set(bold=False)

    def rule(self) -> None:
        self.p.textln("-" * self.columns)

    def blank(self) -> None:
        self.p.ln()

    def sized_sample(self, name: str, *, width: bool, height: bool) -> None:
        self.p.set(double_width=width, double_height=height, normal_textsize=True)
        self.p.textln(f"{name} ABC abc 123")
        self._normal()

    def qr(self, content: str) -> None:
        # 6 dots a module on 80 mm, 4 on 58 mm: a 60-character token stays a 5 cm / 3 cm square.
        size = 6 if self.profile.dots_per_line >= 576 else 4
        if self.profile.native_qr:
            # GS ( k has no centring of its own; the line alignment centres it.
            self.p.set(align="center")
            self.p.qr(content, ec=QR_ECLEVEL_M, size=size, native=True)
            self.p.ln()
            self.p.set(align="left")
        else:
            self.p.qr(content, ec=QR_ECLEVEL_M, size=size, native=False, center=True)

    def finish(self) -> bytes:
        if self.profile.cutter:
            self.p.cut()
        else:
            self.p.print_and_feed(6)  # room to tear the slip off below the last line
        return self.p.output


Slip = _Slip
"""One document being laid out, for documents laid out elsewhere in the same way (the agent's
Z-report, :mod:`agent_mode.zreport`)."""

test_page.__test__ = False  # type: ignore[attr-defined]  # a document, not a pytest test
