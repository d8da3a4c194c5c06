"""ESC/POS jobs rendered to a picture of the paper roll and a text dump.

The printer emulator's interpreter: it takes the bytes of one receipt job, as a thermal printer
receives them, and lays them out on a 203 dpi roll 384 dots (58 mm) or 576 dots (80 mm) wide,
in the printer's normal 12 x 24 dot font (32 or 48 columns). No device, no transport: a pure
function, safe on any thread; the emulator calls it on its connection thread at the end of
each job. :func:`scan` is the command splitter that the emulator shares, so that both agree
where one command ends and the next begins.

    result = render(b"\\x1b@\\x1ba\\x01Huduma\\n\\x1dV\\x00", width_dots=384)
    result.text       # "             Huduma\\n----- cut -----\\n"
    result.image.save("receipt.png")

What is drawn: text (bold, underline, sizes 1-8 x 1-8, alignment, code pages), feeds, cuts,
raster images (``GS v 0``) and native QR codes (``GS ( k``). What is only skipped by its
length: barcodes (``GS k``), column bit images (``ESC *``), graphics (``GS ( L``, ``GS 8 L``),
page mode, font B (printed as font A), upside-down and rotated printing.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C
LF, CR, HT, FF = 0x0A, 0x0D, 0x09, 0x0C

CELL_W, CELL_H = 12, 24
"""The normal font's character cell, in dots: 384 / 12 = 32 and 576 / 12 = 48 columns."""
DEFAULT_LINE_SPACING = 30
"""``ESC 2``: 1/6 inch at 180 units per inch, rounded to this roll's dots."""
TAB_COLUMNS = 8

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
BOLD_FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")

CODE_PAGES: dict[int, str] = {
    0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 13: "cp857", 14: "cp737",
    15: "iso8859-7", 16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858", 21: "cp874",
    32: "cp720", 33: "cp775", 34: "cp855", 35: "cp861", 36: "cp862", 37: "cp864", 38: "cp869",
    39: "iso8859-2", 40: "iso8859-15", 45: "cp1250", 46: "cp1251", 47: "cp1253", 48: "cp1254",
    49: "cp1255", 50: "cp1256", 51: "cp1257", 52: "cp1258",
}
"""``ESC t n``: the page numbers of python-escpos's ``default`` profile (Epson's numbering).
Pages Python has no codec for, and the multi-byte ones, are read as latin-1."""

_QR_ERROR_LEVELS = {48: "L", 49: "M", 50: "Q", 51: "H"}

# Whole length of each fixed-length command, prefix included.
_ESC_FIXED = {
    b"@": 2, b"E": 3, b"-": 3, b"a": 3, b"!": 3, b"d": 3, b"J": 3, b"t": 3, b"=": 3,
    b"2": 2, b"3": 3, b"M": 3, b"G": 3, b"R": 3, b"V": 3, b"{": 3, b" ": 3, b"$": 4,
    b"\\": 4, b"p": 5, b"c": 4, b"U": 3, b"e": 3, b"i": 2, b"m": 2, b"L": 2, b"S": 2,
    b"T": 3, b"W": 10, b"r": 3, b"v": 2, b"B": 4,
}
_GS_FIXED = {
    b"!": 3, b"L": 4, b"W": 4, b"B": 3, b"H": 3, b"f": 3, b"h": 3, b"w": 3, b"r": 3,
    b"a": 3, b"I": 3, b"P": 4, b"$": 4, b"\\": 4, b"b": 3, b"/": 3, b"^": 5,
}
_FS_FIXED = {b"&": 2, b".": 2, b"!": 3, b"-": 3, b"p": 4}
_DLE_DC4_LENGTHS = {1: 5, 2: 5, 3: 8, 7: 4, 8: 10}
"""Whole length of ``DLE DC4 fn ...`` by fn (Epson, *ESC/POS Command Reference*): 1 pulse
(``fn m t``), 2 power off (``fn 1 8``), 3 buzzer (``fn a n r t1 t2``), 7 status (``fn m``),
8 clear buffers (``fn 1 3 20 1 6 2 8``)."""


def scan(buf: bytes | bytearray, pos: int) -> tuple[int, str] | None:
    """The length and name of the command (or run of text) that starts at ``buf[pos]``.

    Names are the command's spelling (``"ESC E"``, ``"GS V"``, ``"DLE EOT"``), ``"text"``
    or ``"unknown"`` (one byte the printer drops). ``None`` when ``buf`` ends before the
    command does: the caller waits for more bytes.
    """
    b = buf[pos]
    if b >= 0x20:
        end = pos + 1
        while end < len(buf) and buf[end] >= 0x20:
            end += 1
        return end - pos, "text"
    if b in (LF, CR, HT, FF):
        return 1, {LF: "LF", CR: "CR", HT: "HT", FF: "FF"}[b]
    if b not in (ESC, GS, DLE, FS):
        return 1, "unknown"
    if pos + 1 >= len(buf):
        return None
    c = bytes(buf[pos + 1:pos + 2])
    prefix = {ESC: "ESC", GS: "GS", DLE: "DLE", FS: "FS"}[b]
    name = f"{prefix} {c.decode('latin-1')}"
    length = _variable_length(buf, pos, b, c)
    if length is None:
        fixed = {ESC: _ESC_FIXED, GS: _GS_FIXED, FS: _FS_FIXED, DLE: {}}[b]
        length = fixed.get(c)
    if length == -1:
        return None
    if length is None:
        return 1, "unknown"
    if b == DLE:
        name = {b"\x04": "DLE EOT", b"\x05": "DLE ENQ", b"\x14": "DLE DC4"}[c]
    return (length, name) if pos + length <= len(buf) else None


def _variable_length(buf: bytes | bytearray, pos: int, b: int, c: bytes) -> int | None:
    """Length of a command whose length is in its parameters; -1 when they have not come yet,
    None when this is no such command."""
    have = len(buf) - pos

    def byte(i: int) -> int | None:
        return buf[pos + i] if i < have else None

    if b == GS and c == b"V":
        m = byte(2)
        if m is None:
            return -1
        return 4 if m in (65, 66, 97, 98, 103, 104) else 3
    if b == GS and c == b"v":  # GS v 0 m xL xH yL yH d1...dk
        if have < 8:
            return -1
        return 8 + (buf[pos + 4] + buf[pos + 5] * 256) * (buf[pos + 6] + buf[pos + 7] * 256)
    if (b == GS and c == b"(") or (b == FS and c == b"("):  # GS ( x pL pH ...
        if have < 5:
            return -1
        return 5 + buf[pos + 3] + buf[pos + 4] * 256
    if b == GS and c == b"8":  # GS 8 L p1 p2 p3 p4 ...
        if have < 7:
            return -1
        return 7 + int.from_bytes(bytes(buf[pos + 3:pos + 7]), "little")
    if b == GS and c == b"k":
        m = byte(2)
        if m is None:
            return -1
        if m <= 6:  # NUL-terminated data
            end = buf.find(b"\x00", pos + 3)
            return -1 if end < 0 else end - pos + 1
        n = byte(3)
        return -1 if n is None else 4 + n
    if b == GS and c == b"*":  # GS * x y d1...d(x*y*8)
        if have < 4:
            return -1
        return 4 + buf[pos + 2] * buf[pos + 3] * 8
    if b == ESC and c == b"*":  # ESC * m nL nH d1...
        if have < 5:
            return -1
        columns = buf[pos + 3] + buf[pos + 4] * 256
        return 5 + columns * (1 if buf[pos + 2] in (0, 1) else 3)
    if b == DLE:
        if c in (b"\x04", b"\x05"):
            n = byte(2)
            if n is None:
                return -1
            return 4 if c == b"\x04" and n in (7, 8) else 3
        if c == b"\x14":
            fn = byte(2)
            if fn is None:
                return -1
            return _DLE_DC4_LENGTHS.get(fn, 3)
        return None
    return None


@dataclass
class RenderResult:
    image: Image.Image
    text: str
    """One line per printed line, aligned with spaces to the roll's columns; ``[QR: data]``,
    ``[IMAGE wxh]`` and ``----- cut -----`` stand for what is not text."""
    cuts: int
    qr_payloads: list[bytes]
    unknown: int
    """Bytes dropped because no command starts with them."""


@dataclass
class _Char:
    ch: str
    bold: bool
    underline: int
    width: int
    height: int


@dataclass
class _Style:
    bold: bool = False
    underline: int = 0
    align: int = 0
    width: int = 1
    height: int = 1
    code_page: int = 0
    line_spacing: int = DEFAULT_LINE_SPACING
    qr_module: int = 3
    qr_error: str = "L"


@dataclass
class _Paper:
    width: int
    strips: list[Image.Image] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    line: list[_Char] = field(default_factory=list)
    line_align: int = 0
    style: _Style = field(default_factory=_Style)
    cuts: int = 0
    qr_payloads: list[bytes] = field(default_factory=list)
    qr_data: bytes = b""
    unknown: int = 0
    glyphs: dict[tuple[str, bool, int, int, int], Image.Image] = field(default_factory=dict)

    @property
    def columns(self) -> int:
        return self.width // CELL_W

    def line_dots(self) -> int:
        return sum(c.width * CELL_W for c in self.line)

    def put_text(self, text: str) -> None:
        s = self.style
        for ch in text:
            if not self.line:
                self.line_align = s.align
            if self.line and self.line_dots() + s.width * CELL_W > self.width:
                self.print_line()
                self.line_align = s.align
            self.line.append(_Char(ch, s.bold, s.underline, s.width, s.height))

    def tab(self) -> None:
        column = self.line_dots() // CELL_W
        self.put_text(" " * (TAB_COLUMNS - column % TAB_COLUMNS))

    def print_line(self) -> None:
        """Prints the line buffer (even when empty, as LF does) and moves to the next line."""
        tallest = max((c.height for c in self.line), default=self.style.height)
        strip = Image.new("L", (self.width, max(self.style.line_spacing, tallest * CELL_H)), 255)
        x = self._aligned_x(self.line_dots(), self.line_align)
        for c in self.line:
            glyph = self._glyph(c)
            strip.paste(glyph, (x, tallest * CELL_H - glyph.height))
            x += glyph.width
        self.strips.append(strip)
        columns = sum(c.width for c in self.line)
        pad = self._aligned_x(columns, self.line_align, self.columns)
        self.lines.append((" " * pad + "".join(c.ch for c in self.line)).rstrip())
        self.line = []

    def flush(self) -> None:
        """Prints what is in the line buffer, if anything (before a feed, image or cut)."""
        if self.line:
            self.print_line()

    def feed(self, dots: int) -> None:
        if dots > 0:
            self.strips.append(Image.new("L", (self.width, dots), 255))

    def cut(self) -> None:
        self.flush()
        strip = Image.new("L", (self.width, 12), 255)
        draw = ImageDraw.Draw(strip)
        for x in range(0, self.width, 12):
            draw.line([(x, 6), (x + 6, 6)], fill=0)
        self.strips.append(strip)
        self.lines.append("----- cut -----")
        self.cuts += 1

    def block(self, picture: Image.Image, label: str) -> None:
        self.flush()
        strip = Image.new("L", (self.width, picture.height), 255)
        strip.paste(picture, (self._aligned_x(picture.width, self.style.align), 0))
        self.strips.append(strip)
        self.lines.append(label)

    def _aligned_x(self, used: int, align: int, total: int | None = None) -> int:
        free = max(0, (self.width if total is None else total) - used)
        return {0: 0, 1: free // 2, 2: free}[align]

    def _glyph(self, c: _Char) -> Image.Image:
        key = (c.ch, c.bold, c.underline, c.width, c.height)
        glyph = self.glyphs.get(key)
        if glyph is None:
            cell = Image.new("L", (CELL_W, CELL_H), 255)
            draw = ImageDraw.Draw(cell)
            font, fake_bold = _font(c.bold)
            draw.text((0, 0), c.ch, font=font, fill=0)
            if fake_bold:
                draw.text((1, 0), c.ch, font=font, fill=0)
            if c.underline:
                draw.rectangle([0, CELL_H - c.underline, CELL_W - 1, CELL_H - 1], fill=0)
            glyph = cell.resize((CELL_W * c.width, CELL_H * c.height), Image.Resampling.NEAREST)
            self.glyphs[key] = glyph
        return glyph

    def result(self) -> RenderResult:
        self.flush()
        height = max(1, sum(s.height for s in self.strips))
        image = Image.new("L", (self.width, height), 255)
        y = 0
        for strip in self.strips:
            image.paste(strip, (0, y))
            y += strip.height
        text = "".join(line + "\n" for line in self.lines)
        return RenderResult(image, text, self.cuts, self.qr_payloads, self.unknown)


@functools.lru_cache(maxsize=2)
def _font(bold: bool) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """The font for the normal 12 x 24 cell, and whether bold must be drawn twice."""
    path = BOLD_FONT_PATH if bold and BOLD_FONT_PATH.exists() else FONT_PATH
    if not path.exists():
        return ImageFont.load_default(), bold
    size = 24
    font = ImageFont.truetype(str(path), size)
    while size > 6 and (font.getlength("M") > CELL_W + 0.1
                        or sum(font.getmetrics()) > CELL_H):
        size -= 1
        font = ImageFont.truetype(str(path), size)
    return font, bold and path != BOLD_FONT_PATH


def _decode(data: bytes, code_page: int) -> str:
    try:
        return data.decode(CODE_PAGES.get(code_page, "latin-1"))
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1")


def _raster(cmd: bytes) -> Image.Image:
    m = cmd[3] & 0x03  # 0-3 or 48-51: normal, double width, double height, quadruple
    width_bytes = cmd[4] + cmd[5] * 256
    height = cmd[6] + cmd[7] * 256
    # ESC/POS sends 1 for a black dot; Pillow's mode "1" reads 1 as white.
    inverted = cmd[8:].translate(bytes(255 - i for i in range(256)))
    picture = Image.frombytes("1", (width_bytes * 8, height), inverted).convert("L")
    if m:
        picture = picture.resize((picture.width * (2 if m & 1 else 1),
                                  picture.height * (2 if m & 2 else 1)), Image.Resampling.NEAREST)
    return picture


def _qr(data: bytes, module: int, error: str) -> Image.Image:
    import qrcode
    from qrcode import constants

    levels = {"L": constants.ERROR_CORRECT_L, "M": constants.ERROR_CORRECT_M,
              "Q": constants.ERROR_CORRECT_Q, "H": constants.ERROR_CORRECT_H}
    code = qrcode.QRCode(error_correction=levels[error], box_size=1, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    picture = Image.new("L", (size, size), 255)
    picture.putdata([0 if dark else 255 for row in matrix for dark in row])
    return picture.resize((size * module, size * module), Image.Resampling.NEAREST)


def _payload_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _qr_command(paper: _Paper, cmd: bytes) -> None:
    cn, fn = cmd[5], cmd[6]
    if cn != 49:  # 49: QR code; PDF417 and the others are not drawn
        return
    params = cmd[7:]
    if fn == 67 and params:
        paper.style.qr_module = max(1, min(16, params[0]))
    elif fn == 69 and params:
        paper.style.qr_error = _QR_ERROR_LEVELS.get(params[0], "L")
    elif fn == 80:
        paper.qr_data = bytes(params[1:])
    elif fn == 81 and paper.qr_data:
        paper.qr_payloads.append(paper.qr_data)
        paper.block(_qr(paper.qr_data, paper.style.qr_module, paper.style.qr_error),
                    f"[QR: {_payload_text(paper.qr_data)}]")


def _print_mode(style: _Style, n: int) -> None:
    style.bold = bool(n & 0x08)
    style.height = 2 if n & 0x10 else 1
    style.width = 2 if n & 0x20 else 1
    style.underline = 1 if n & 0x80 else 0


def render(job: bytes, *, width_dots: int = 576) -> RenderResult:
    """Interprets one job's ESC/POS bytes; a command cut short at the end is dropped."""
    paper = _Paper(width_dots)
    pos = 0
    while pos < len(job):
        found = scan(job, pos)
        if found is None:
            break
        length, name = found
        cmd = job[pos:pos + length]
        pos += length
        _execute(paper, name, cmd)
    return paper.result()


def _execute(paper: _Paper, name: str, cmd: bytes) -> None:
    s = paper.style
    arg = cmd[2] if len(cmd) > 2 else 0
    if name == "text":
        paper.put_text(_decode(cmd, s.code_page))
    elif name == "LF":
        paper.print_line()
    elif name == "HT":
        paper.tab()
    elif name == "unknown":
        paper.unknown += 1
    elif name == "ESC @":
        paper.style = _Style()
        paper.line = []
    elif name in ("ESC E", "ESC G"):
        s.bold = bool(arg & 1)
    elif name == "ESC -":
        s.underline = {1: 1, 2: 2, 49: 1, 50: 2}.get(arg, 0)
    elif name == "ESC a":
        s.align = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(arg, s.align)
    elif name == "ESC !":
        _print_mode(s, arg)
    elif name == "GS !":
        s.width, s.height = ((arg >> 4) & 0x07) + 1, (arg & 0x07) + 1
    elif name == "ESC d":
        paper.flush()
        paper.feed(arg * s.line_spacing)
    elif name == "ESC J":
        paper.flush()
        paper.feed(arg)
    elif name == "ESC 2":
        s.line_spacing = DEFAULT_LINE_SPACING
    elif name == "ESC 3":
        s.line_spacing = arg
    elif name == "ESC t":
        s.code_page = arg
    elif name == "GS V":
        if len(cmd) == 4:  # 65/66 (and the function C/D forms): feed n dots, then cut
            paper.flush()
            paper.feed(cmd[3])
        paper.cut()
    elif name in ("ESC i", "ESC m"):
        paper.cut()
    elif name == "GS v" and len(cmd) >= 8 and cmd[2] == 0x30:
        picture = _raster(cmd)
        paper.block(picture, f"[IMAGE {picture.width}x{picture.height}]")
    elif name == "GS (" and cmd[2:3] == b"k" and len(cmd) >= 7:
        _qr_command(paper, cmd)
    # Everything else (status requests, ESC =, GS L, GS W, barcodes, ...) is known and skipped.
