"""Exact ESC/POS bytes of every document on both paper widths.

The frozen bytes below were read line by line when they were frozen: each line ends at a line
feed, so a changed label, width or alignment shows as one changed line here.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from drivers.printer.base import PrinterProfile
from kiosk_app.receipts import documents
from kiosk_app.receipts.documents import (ReceiptData, money, nairobi_time, queue_ticket, receipt,
                                          status_slip)

UTC = timezone.utc
DATA = ReceiptData(
    reference="HK-2026-000123", service_name_en="Certificate of good conduct",
    service_name_sw="Cheti cha maadili mema", official_fee_cents=100000,
    convenience_fee_cents=5000, payment_method="mpesa", mpesa_code="SKL4Q2XW1P",
    issued_at=datetime(2026, 11, 24, 11, 5, tzinfo=UTC), device_id="KIOSK-NBI-0042",
    token="HK1.eyJyIjoiSEstMjAyNi0wMDAxMjMifQ.c2lnbmF0dXJl")
TIMELINE = [
    (datetime(2026, 11, 20, 7, 0, tzinfo=UTC), "Application received", "Ombi limepokelewa"),
    (datetime(2026, 11, 23, 12, 15, tzinfo=UTC),
     "Approved; ready for collection at Huduma Centre GPO",
     "Limeidhinishwa; tayari kuchukuliwa katika Huduma Centre GPO"),
]
P58, P80 = PrinterProfile.for_width(58), PrinterProfile.for_width(80)


def _ticket(profile: PrinterProfile, **kwargs: object) -> bytes:
    return queue_ticket("B-042", "Passport application", "Ombi la pasipoti",
                        datetime(2026, 11, 24, 6, 30, tzinfo=UTC), 7, profile, **kwargs)


def _status(profile: PrinterProfile, **kwargs: object) -> bytes:
    return status_slip("HK-2026-000123", TIMELINE, profile, **kwargs)


def _test_page(profile: PrinterProfile, **kwargs: object) -> bytes:
    return documents.test_page("KIOSK-NBI-0042", profile,
                               datetime(2026, 11, 24, 11, 5, tzinfo=UTC), **kwargs)


# -- frozen bytes ---------------------------------------------------------------------------------
RECEIPT_58 = (
    b'\x1b@\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01\x1bt\x00HUDUMA KENYA\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1ba\x01Certificate of good conduct\n'
    b'Cheti cha maadili mema\n'
    b'\x1ba\x00\n'
    b'Reference / Kumbukumbu\n'
    b'\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01HK-2026-000123\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00--------------------------------\n'
    b'Official fee / Ada rasmi\n'
    b'                    KES 1,000.00\n'
    b'Convenience fee / Ada ya huduma\n'
    b'                       KES 50.00\n'
    b'--------------------------------\n'
    b'\x1bE\x01Total / Jumla       KES 1,050.00\n'
    b'\x1bE\x00--------------------------------\n'
    b'Paid by / Imelipwa kwa    M-Pesa\n'
    b'M-Pesa code / Nambari ya M-Pesa\n'
    b'                      SKL4Q2XW1P\n'
    b'Date / Tarehe   24/11/2026 14:05\n'
    b'Kiosk/agent / Kioski/wakala\n'
    b'                  KIOSK-NBI-0042\n'
    b'\n'
    b'\x1ba\x01\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x04\x1d(k\x03\x001E1'
    b'\x1d(k2\x001P0HK1.eyJyIjoiSEstMjAyNi0wMDAxMjMifQ.c2lnbmF0dXJl\x1d(k\x03\x001Q0\n'
    b'\x1ba\x00\x1ba\x01\x1bE\x01Keep this receipt\n'
    b'Hifadhi risiti hii\n'
    b'\x1bE\x00\x1ba\x00\x1bd\x06\x1dV\x00'
)


TICKET_58 = (
    b'\x1b@\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01\x1bt\x00HUDUMA KENYA\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1ba\x01Queue ticket / Tiketi ya foleni\n'
    b'\x1ba\x00\n'
    b'Your number / Nambari yako\n'
    b'\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01B-042\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\n'
    b'\x1ba\x01Passport application\n'
    b'Ombi la pasipoti\n'
    b'\x1ba\x00\x1ba\x0124/11/2026 09:30\n'
    b'\x1ba\x00\x1ba\x01\x1bE\x017 people ahead of you\n'
    b'watu 7 mbele yako\n'
    b'\x1bE\x00\x1ba\x00\x1bd\x06\x1dV\x00'
)


STATUS_58 = (
    b'\x1b@\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01\x1bt\x00HUDUMA KENYA\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1ba\x01Application status\n'
    b'Hali ya ombi\n'
    b'\x1ba\x00\n'
    b'Reference / Kumbukumbu\n'
    b'\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01HK-2026-000123\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00--------------------------------\n'
    b'\x1bE\x0120/11/2026 10:00\n'
    b'\x1bE\x00  Application received\n'
    b'  Ombi limepokelewa\n'
    b'\x1bE\x0123/11/2026 15:15\n'
    b'\x1bE\x00  Approved; ready for collection\n'
    b'  at Huduma Centre GPO\n'
    b'  Limeidhinishwa; tayari\n'
    b'  kuchukuliwa katika Huduma\n'
    b'  Centre GPO\n'
    b'--------------------------------\n'
    b'\x1bd\x06\x1dV\x00'
)


TEST_PAGE_58 = (
    b'\x1b@\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01\x1bt\x00HUDUMA KENYA\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1ba\x01Printer test page\n'
    b'Ukurasa wa majaribio\n'
    b'\x1ba\x00\n'
    b'Kiosk/agent / Kioski/wakala\n'
    b'                  KIOSK-NBI-0042\n'
    b'Paper width / Upana wa karatasi\n'
    b'                           58 mm\n'
    b'Columns / Safu                32\n'
    b'QR code / Msimbo wa QR\n'
    b'                printer / printa\n'
    b'Date / Tarehe   24/11/2026 14:05\n'
    b'12345678901234567890123456789012\n'
    b'.........|.........|.........|..\n'
    b'Sizes / Ukubwa\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x001x ABC abc 123\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1b!\x00\x1b!\x00\x1b!\x102h ABC abc 123\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1b!\x00\x1b!\x00\x1b! 2w ABC abc 123\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1b!\x00\x1b!\x00\x1b!02x ABC abc 123\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\n'
    b'\x1ba\x01\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x04\x1d(k\x03\x001E1'
    b'\x1d(k\x1d\x001P0HUDUMA-TEST KIOSK-NBI-0042\x1d(k\x03\x001Q0\n'
    b'\x1ba\x00\x1bd\x06\x1dV\x00'
)


RECEIPT_80 = (
    b'\x1b@\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01\x1bt\x00HUDUMA KENYA\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1ba\x01Certificate of good conduct\n'
    b'Cheti cha maadili mema\n'
    b'\x1ba\x00\n'
    b'Reference / Kumbukumbu\n'
    b'\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01HK-2026-000123\n'
    b'\x1b!\x00\x1b!\x00'
    b'\x1b!\x00\x1bE\x00\x1ba\x00------------------------------------------------\n'
    b'Official fee / Ada rasmi            KES 1,000.00\n'
    b'Convenience fee / Ada ya huduma        KES 50.00\n'
    b'------------------------------------------------\n'
    b'\x1bE\x01Total / Jumla                       KES 1,050.00\n'
    b'\x1bE\x00------------------------------------------------\n'
    b'Paid by / Imelipwa kwa                    M-Pesa\n'
    b'M-Pesa code / Nambari ya M-Pesa       SKL4Q2XW1P\n'
    b'Date / Tarehe                   24/11/2026 14:05\n'
    b'Kiosk/agent / Kioski/wakala       KIOSK-NBI-0042\n'
    b'\n'
    b'\x1ba\x01\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x06\x1d(k\x03\x001E1'
    b'\x1d(k2\x001P0HK1.eyJyIjoiSEstMjAyNi0wMDAxMjMifQ.c2lnbmF0dXJl\x1d(k\x03\x001Q0\n'
    b'\x1ba\x00\x1ba\x01\x1bE\x01Keep this receipt / Hifadhi risiti hii\n'
    b'\x1bE\x00\x1ba\x00\x1bd\x06\x1dV\x00'
)


TICKET_80 = (
    b'\x1b@\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01\x1bt\x00HUDUMA KENYA\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1ba\x01Queue ticket / Tiketi ya foleni\n'
    b'\x1ba\x00\n'
    b'Your number / Nambari yako\n'
    b'\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01B-042\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\n'
    b'\x1ba\x01Passport application\n'
    b'Ombi la pasipoti\n'
    b'\x1ba\x00\x1ba\x0124/11/2026 09:30\n'
    b'\x1ba\x00\x1ba\x01\x1bE\x017 people ahead of you / watu 7 mbele yako\n'
    b'\x1bE\x00\x1ba\x00\x1bd\x06\x1dV\x00'
)


STATUS_80 = (
    b'\x1b@\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01\x1bt\x00HUDUMA KENYA\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1ba\x01Application status / Hali ya ombi\n'
    b'\x1ba\x00\n'
    b'Reference / Kumbukumbu\n'
    b'\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01HK-2026-000123\n'
    b'\x1b!\x00\x1b!\x00'
    b'\x1b!\x00\x1bE\x00\x1ba\x00------------------------------------------------\n'
    b'\x1bE\x0120/11/2026 10:00\n'
    b'\x1bE\x00  Application received\n'
    b'  Ombi limepokelewa\n'
    b'\x1bE\x0123/11/2026 15:15\n'
    b'\x1bE\x00  Approved; ready for collection at Huduma\n'
    b'  Centre GPO\n'
    b'  Limeidhinishwa; tayari kuchukuliwa katika\n'
    b'  Huduma Centre GPO\n'
    b'------------------------------------------------\n'
    b'\x1bd\x06\x1dV\x00'
)


TEST_PAGE_80 = (
    b'\x1b@\x1b!\x00\x1b!\x00\x1b!0\x1bE\x01\x1ba\x01\x1bt\x00HUDUMA KENYA\n'
    b'\x1b!\x00\x1b!\x00'
    b'\x1b!\x00\x1bE\x00\x1ba\x00\x1ba\x01Printer test page / Ukurasa wa majaribio\n'
    b'\x1ba\x00\n'
    b'Kiosk/agent / Kioski/wakala       KIOSK-NBI-0042\n'
    b'Paper width / Upana wa karatasi            80 mm\n'
    b'Columns / Safu                                48\n'
    b'QR code / Msimbo wa QR          printer / printa\n'
    b'Date / Tarehe                   24/11/2026 14:05\n'
    b'123456789012345678901234567890123456789012345678\n'
    b'.........|.........|.........|.........|........\n'
    b'Sizes / Ukubwa\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x001x ABC abc 123\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1b!\x00\x1b!\x00\x1b!\x102h ABC abc 123\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1b!\x00\x1b!\x00\x1b! 2w ABC abc 123\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\x1b!\x00\x1b!\x00\x1b!02x ABC abc 123\n'
    b'\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x00\x1ba\x00\n'
    b'\x1ba\x01\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x06\x1d(k\x03\x001E1'
    b'\x1d(k\x1d\x001P0HUDUMA-TEST KIOSK-NBI-0042\x1d(k\x03\x001Q0\n'
    b'\x1ba\x00\x1bd\x06\x1dV\x00'
)


@pytest.mark.parametrize(("build", "expected"), [
    (lambda: receipt(DATA, P58), RECEIPT_58),
    (lambda: receipt(DATA, P80), RECEIPT_80),
    (lambda: _ticket(P58), TICKET_58),
    (lambda: _ticket(P80), TICKET_80),
    (lambda: _status(P58), STATUS_58),
    (lambda: _status(P80), STATUS_80),
    (lambda: _test_page(P58), TEST_PAGE_58),
    (lambda: _test_page(P80), TEST_PAGE_80),
], ids=["receipt-58", "receipt-80", "ticket-58", "ticket-80", "status-58", "status-80",
        "test-page-58", "test-page-80"])
def test_exact_bytes(build, expected: bytes) -> None:  # noqa: ANN001
    assert build() == expected


# -- reading the text back out of the bytes ---------------------------------------------------
def printed_lines(job: bytes) -> list[tuple[str, int]]:
    """Each printed text line with its width in normal-font columns, skipping the commands that
    python-escpos emits here; an unknown command fails the test rather than being guessed."""
    lines: list[tuple[str, int]] = []
    text, width, scale, i = "", 0, 1, 0
    while i < len(job):
        b = job[i]
        if b == 0x1B:  # ESC
            cmd = job[i + 1:i + 2]
            if cmd == b"@":
                i += 2
            elif cmd in (b"!", b"E", b"a", b"t", b"d", b"-"):
                if cmd == b"!":
                    scale = 2 if job[i + 2] & 0x20 else 1
                i += 3
            else:
                raise AssertionError(f"unknown ESC {cmd!r} at {i}")
        elif b == 0x1D:  # GS
            cmd = job[i + 1:i + 2]
            if cmd == b"(":  # GS ( k pL pH ...
                i += 5 + job[i + 3] + 256 * job[i + 4]
            elif cmd == b"v":  # GS v 0 m xL xH yL yH data
                x, y = job[i + 4] + 256 * job[i + 5], job[i + 6] + 256 * job[i + 7]
                i += 8 + x * y
            elif cmd in (b"B", b"V"):
                i += 3
            else:
                raise AssertionError(f"unknown GS {cmd!r} at {i}")
        elif b == 0x0A:
            lines.append((text, width))
            text, width = "", 0
            i += 1
        else:
            assert 0x20 <= b < 0x7F, f"byte 0x{b:02x} at {i} is not printable ASCII"
            text += chr(b)
            width += scale
            i += 1
    if text:
        lines.append((text, width))
    return lines


DOCUMENTS = {
    "receipt": lambda p, **kw: receipt(ReceiptData(**{**DATA.__dict__, **kw}), p),
    "ticket": _ticket,
    "status": _status,
    "test-page": _test_page,
}


@pytest.mark.parametrize("width", [58, 80])
@pytest.mark.parametrize("native_qr", [True, False])
@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_no_line_is_wider_than_the_paper(name: str, width: int, native_qr: bool,
                                         training: bool) -> None:
    profile = PrinterProfile.for_width(width, native_qr=native_qr)
    lines = printed_lines(DOCUMENTS[name](profile, training=training))
    assert lines
    assert max(w for _, w in lines) <= profile.columns
    assert any("HUDUMA KENYA" in t for t, _ in lines)
    assert any("TRAINING / MAFUNZO" in t for t, _ in lines) is training


def test_long_words_and_names_are_wrapped_not_overflowed() -> None:
    data = ReceiptData(**{**DATA.__dict__, "service_name_en": "Registration " + "X" * 70,
                          "reference": "HK-2026-00000000000123", "device_id": "A" * 40})
    for profile in (P58, P80):
        assert max(w for _, w in printed_lines(receipt(data, profile))) <= profile.columns


# -- QR: native is small, raster is large -----------------------------------------------------
@pytest.mark.parametrize("profile", [P58, P80], ids=["58", "80"])
def test_native_qr_receipt_is_under_1_kb_and_raster_much_larger(profile: PrinterProfile) -> None:
    native = receipt(DATA, profile)
    raster = receipt(DATA, PrinterProfile.for_width(profile.paper_width_mm, native_qr=False))
    assert len(native) < 1024
    assert len(raster) > 5 * len(native)
    assert b"\x1d(k" in native and b"\x1dv0" not in native
    assert b"\x1d(k" not in raster
    # The raster image is as wide as the paper (centred by python-escpos), in bytes of 8 dots.
    i = raster.index(b"\x1dv0")
    assert raster[i + 4] + 256 * raster[i + 5] == profile.dots_per_line // 8


def test_no_cutter_feeds_instead_of_cutting() -> None:
    job = receipt(DATA, PrinterProfile.for_width(58, cutter=False))
    assert job.endswith(b"\x1bE\x00\x1ba\x00\x1bd\x06") and b"\x1dV" not in job


# -- pieces ---------------------------------------------------------------------------------------
def test_training_banner_comes_right_after_init() -> None:
    job = receipt(ReceiptData(**{**DATA.__dict__, "training": True}), P80)
    assert job.startswith(b"\x1b@\x1b!\x00\x1b!\x00\x1b!\x00\x1bE\x01\x1ba\x01\x1dB\x01"
                          b"\x1bt\x00** TRAINING / MAFUNZO **\n\x1dB\x00"
                          b"Not valid / Si halali\n")


@pytest.mark.parametrize(("cents", "text"), [
    (105000, "KES 1,050.00"), (5, "KES 0.05"), (0, "KES 0.00"), (123456789, "KES 1,234,567.89"),
])
def test_money(cents: int, text: str) -> None:
    assert money(cents) == text


def test_times_print_in_nairobi_time_and_naive_ones_are_refused() -> None:
    assert nairobi_time(datetime(2026, 11, 24, 11, 5, tzinfo=UTC)) == "24/11/2026 14:05"
    assert nairobi_time(datetime(2026, 12, 31, 22, 30, tzinfo=UTC)) == "01/01/2027 01:30"
    assert nairobi_time(datetime(2026, 11, 24, 14, 5,
                                 tzinfo=timezone(timedelta(hours=3)))) == "24/11/2026 14:05"
    with pytest.raises(ValueError, match="timezone-aware"):
        nairobi_time(datetime(2026, 11, 24, 14, 5))


@pytest.mark.parametrize(("ahead", "en", "sw"), [
    (0, "You are next", "Wewe ndiye unayefuata"),
    (1, "1 person ahead of you", "mtu 1 mbele yako"),
    (12, "12 people ahead of you", "watu 12 mbele yako"),
])
def test_people_ahead_in_both_languages(ahead: int, en: str, sw: str) -> None:
    texts = [t for t, _ in printed_lines(
        queue_ticket("A-1", "x", "y", datetime(2026, 1, 1, tzinfo=UTC), ahead, P80))]
    assert f"{en} / {sw}" in texts


def test_cash_receipt_has_no_mpesa_code_and_says_cash_in_both_languages() -> None:
    data = ReceiptData(**{**DATA.__dict__, "payment_method": "cash", "mpesa_code": None})
    texts = [t for t, _ in printed_lines(receipt(data, P80))]
    assert "Paid by / Imelipwa kwa" + "Cash / Pesa taslimu".rjust(48 - 22) in texts
    assert not any("M-Pesa" in t for t in texts)


@pytest.mark.parametrize("profile", [P58, P80], ids=["58", "80"])
def test_a_free_receipt_an_unconfirmed_payment_and_one_waiting_to_be_sent_say_so(
        profile: PrinterProfile) -> None:
    plain = [t for t, _ in printed_lines(receipt(DATA, profile))]
    assert not any("Waiting" in t or "confirmed" in t or "No fee" in t for t in plain)
    data = ReceiptData(**{**DATA.__dict__, "payment_to_confirm": True, "mpesa_code": None,
                          "waiting_to_be_sent": True})
    lines = printed_lines(receipt(data, profile))
    texts = [t for t, _ in lines]
    assert all(width <= profile.columns for _, width in lines)
    assert "Payment to be confirmed. Do not pay again." in " ".join(texts)
    assert "Malipo yatathibitishwa. Usilipe tena." in " ".join(texts)
    assert "Waiting to be sent / Linasubiri kutumwa" in texts or (
        "Waiting to be sent" in texts and "Linasubiri kutumwa" in texts)
    free = ReceiptData(**{**DATA.__dict__, "payment_method": "none", "mpesa_code": None,
                          "official_fee_cents": 0, "convenience_fee_cents": 0})
    free_texts = [t for t, _ in printed_lines(receipt(free, profile))]
    assert not any(t.startswith("Paid by") for t in free_texts)
    assert "No fee to pay / Hakuna ada ya kulipa" in free_texts or (
        "No fee to pay" in free_texts and "Hakuna ada ya kulipa" in free_texts)
