"""The ESC/POS renderer, fed the bytes python-escpos's own Dummy printer writes."""
from __future__ import annotations

import zxingcpp
from escpos.printer import Dummy
from PIL import Image

from drivers.printer.render import render, scan


def _dummy() -> Dummy:
    return Dummy()


def test_text_bold_double_size_alignment_and_cut_on_58_mm() -> None:
    d = _dummy()
    d.text("Huduma\n")
    d.set(bold=True)
    d.text("Bold\n")
    d.set(bold=False, double_height=True, double_width=True)
    d.text("Big\n")
    d.set(normal_textsize=True, align="center")
    d.text("Centre\n")
    d.set(double_width=True, double_height=True)
    d.text("Wide\n")
    d.set(normal_textsize=True, align="right")
    d.text("Right\n")
    d.cut()
    result = render(d.output, width_dots=384)
    assert result.text == (
        "Huduma\n"
        "Bold\n"
        "Big\n"
        "             Centre\n"   # (32 - 6) // 2 = 13
        "            Wide\n"      # 4 characters 2 columns wide: (32 - 8) // 2 = 12
        "                           Right\n"  # 32 - 5 = 27
        "----- cut -----\n")
    assert (result.cuts, result.unknown, result.qr_payloads) == (1, 0, [])
    assert result.image.width == 384


def _ink(image: Image.Image) -> tuple[int, int, int, int]:
    return Image.eval(image, lambda v: 255 - v).getbbox()


def test_double_size_is_drawn_twice_as_wide_and_tall() -> None:
    d = _dummy()
    d.text("MM\n")
    d.set(double_height=True, double_width=True)
    d.text("MM\n")
    image = render(d.output, width_dots=576).image
    normal, double = image.crop((0, 0, 576, 30)), image.crop((0, 30, 576, 78))
    n_left, n_top, n_right, n_bottom = _ink(normal)
    d_left, d_top, d_right, d_bottom = _ink(double)
    assert d_right - d_left >= 2 * (n_right - n_left) - 2
    assert d_bottom - d_top >= 2 * (n_bottom - n_top) - 2
    assert d_right <= 48  # two cells of 24 dots


def test_80_mm_has_48_columns_and_wraps_the_49th_character() -> None:
    d = _dummy()
    d.set(align="right")
    d.text("x" * 49 + "\n")
    assert render(d.output, width_dots=576).text == "x" * 48 + "\n" + " " * 47 + "x\n"


def test_gs_size_esc_bang_code_pages_and_feeds() -> None:
    job = (b"\x1b@\x1d!\x11AB\n"          # GS ! 0x11: 2 x 2
           b"\x1b!\x20CD\n"               # ESC ! bit 5: double width
           b"\x1b!\x00\x1bt\x10\x80\n"    # code page 16 = cp1252: 0x80 is the euro sign
           b"\x1bt\x00\x82\n"             # code page 0 = cp437: 0x82 is e acute
           b"\x1bd\x03\x1bJ\x10\x1b3\x20\x1b2\x1b=\x01\x1dL\x00\x00\x1dW\x80\x01"
           b"\x1dV\x41\x05")              # feed 5 dots, then full cut
    result = render(job, width_dots=384)
    assert result.text == "AB\nCD\n\u20ac\n\u00e9\n----- cut -----\n"
    assert (result.cuts, result.unknown) == (1, 0)


def test_status_requests_are_not_printed_and_unknown_bytes_are_counted() -> None:
    job = b"A\x10\x04\x01\x1dr\x01B\x1b\xff\x07C\n"
    result = render(job, width_dots=384)
    # ESC dropped, then 0xff printed as text (cp437: no-break space); BEL dropped
    assert result.text == "AB\u00a0C\n"
    assert result.unknown == 2


def test_native_qr_is_a_real_qr_code_that_decodes_back() -> None:
    d = _dummy()
    d.qr("HK1.ABC", native=True, size=4)
    d.cut()
    result = render(d.output, width_dots=576)
    assert result.text == "[QR: HK1.ABC]\n----- cut -----\n"
    assert result.qr_payloads == [b"HK1.ABC"]
    decoded = zxingcpp.read_barcodes(result.image)
    assert [(code.format, code.text) for code in decoded] == [(zxingcpp.BarcodeFormat.QRCode, "HK1.ABC")]


def test_native_qr_from_a_png_on_disk_decodes(tmp_path) -> None:
    d = _dummy()
    d.qr("HK1.ABC", native=True)
    path = tmp_path / "qr.png"
    render(d.output, width_dots=384).image.save(path)
    assert [code.text for code in zxingcpp.read_barcodes(Image.open(path))] == ["HK1.ABC"]


def test_raster_image_is_drawn_at_its_size() -> None:
    picture = Image.new("1", (100, 40), 1)
    picture.paste(0, (0, 0, 100, 40))  # all black
    d = _dummy()
    d.image(picture)
    result = render(d.output, width_dots=576)
    assert result.text == "[IMAGE 104x40]\n"  # raster rows are whole bytes: 100 dots -> 13 bytes
    ink = Image.eval(result.image, lambda v: 255 - v).getbbox()
    assert ink == (0, 0, 100, 40)
    assert result.image.size == (576, 40)


def test_raster_double_width_and_height() -> None:
    job = b"\x1dv0\x03\x01\x00\x02\x00\xff\xff"  # m=3: 8 x 2 dots drawn 16 x 4
    result = render(job, width_dots=384)
    assert result.text == "[IMAGE 16x4]\n"
    assert Image.eval(result.image, lambda v: 255 - v).getbbox() == (0, 0, 16, 4)


def test_scan_waits_for_the_rest_of_a_command() -> None:
    assert scan(b"\x1b", 0) is None
    assert scan(b"\x1dv0\x00\x01\x00\x02\x00\xff", 0) is None
    assert scan(b"\x1dv0\x00\x01\x00\x02\x00\xff\xff", 0) == (10, "GS v")
    assert scan(b"\x10\x04\x04", 0) == (3, "DLE EOT")
    assert scan(b"\x1dV\x42\x00", 0) == (4, "GS V")
    assert scan(b"\x1dV\x00", 0) == (3, "GS V")
    assert scan(b"ab\ncd", 0) == (2, "text")
    assert scan(b"\x1b\xff", 0) == (1, "unknown")


CLEAR_BUFFERS = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"
"""DLE DC4 fn 8, clear buffers: ten bytes (Epson, "DLE DC4 <Function 8>")."""


def test_dle_dc4_commands_are_taken_whole_and_never_printed() -> None:
    assert scan(CLEAR_BUFFERS, 0) == (10, "DLE DC4")
    assert scan(CLEAR_BUFFERS[:9], 0) is None  # waits for its last byte
    assert scan(b"\x10\x14\x01\x00\x01", 0) == (5, "DLE DC4")                # pulse
    assert scan(b"\x10\x14\x03\x01\x02\x03\x04\x05", 0) == (8, "DLE DC4")    # buzzer
    assert scan(b"\x10\x14\x07\x01", 0) == (4, "DLE DC4")                    # status
    result = render(b"A" + CLEAR_BUFFERS + b"B\n" + b"\x10\x14\x07\x01" + b"C\n",
                    width_dots=384)
    assert (result.text, result.unknown) == ("AB\nC\n", 0)
