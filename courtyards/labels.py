"""The printable A4 label sheet of a courtyard's codes (PDF, ReportLab).

Twelve labels a page (3 × 4, 70 × 74 mm, cut along the grey lines): the code drawn as vector
squares 46 mm wide, then the name (up to two lines), the price, the courtyard and what scanning
does. The Chinese text is set in WenQuanYi Micro Hei, embedded in the file (a subset of the
glyphs used), so the sheet prints the same on any printer.
"""

import io
from collections.abc import Iterable
from functools import cache

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from courtyards.qr import CJK_FONT, QUIET_ZONE, Label, font, matrix

FONT = "WenQuanYiMicroHei"
COLUMNS, ROWS = 3, 4
LABEL_WIDTH, LABEL_HEIGHT = 70 * mm, 74 * mm
CODE_SIDE = 46 * mm
ROSE = Color(0.65, 0.12, 0.35)
GREY = Color(0.45, 0.42, 0.4)
CUT = Color(0.8, 0.8, 0.8)


@cache
def _register_font() -> str:
    font(12)  # raises a clear error when the font is not installed
    pdfmetrics.registerFont(TTFont(FONT, str(CJK_FONT), subfontIndex=0))
    return FONT


def _lines(text: str, size: float, width: float, most: int) -> list[str]:
    """The text broken into lines that fit the width (by character: Chinese has no spaces)."""
    lines, current = [], ""
    for char in text:
        if pdfmetrics.stringWidth(current + char, FONT, size) > width:
            lines.append(current)
            current = char.lstrip()
        else:
            current += char
    if current:
        lines.append(current)
    if len(lines) > most:
        lines = lines[:most]
        last = lines[-1]
        while last and pdfmetrics.stringWidth(last + "…", FONT, size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _code(canvas: Canvas, content: str, x: float, y: float) -> None:
    modules = matrix(content)
    count = len(modules) + 2 * QUIET_ZONE
    module = CODE_SIDE / count
    canvas.setFillColor(white)
    canvas.rect(x, y, CODE_SIDE, CODE_SIDE, stroke=0, fill=1)
    canvas.setFillColor(black)
    for row, cells in enumerate(modules):
        top = y + CODE_SIDE - (row + QUIET_ZONE + 1) * module
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            # A hair wider than the module, so that neighbours never leave a white seam.
            canvas.rect(
                x + (start + QUIET_ZONE) * module, top, (column - start) * module + 0.05,
                module + 0.05, stroke=0, fill=1,
            )  # fmt: skip


def _label(canvas: Canvas, label: Label, left: float, bottom: float) -> None:
    canvas.setStrokeColor(CUT)
    canvas.setDash(2, 2)
    canvas.rect(left, bottom, LABEL_WIDTH, LABEL_HEIGHT, stroke=1, fill=0)
    canvas.setDash()
    centre = left + LABEL_WIDTH / 2
    top = bottom + LABEL_HEIGHT - 3 * mm
    _code(canvas, label.content, centre - CODE_SIDE / 2, top - CODE_SIDE)
    y = top - CODE_SIDE - 4.5 * mm
    canvas.setFillColor(black)
    canvas.setFont(FONT, 11)
    for line in _lines(label.title, 11, LABEL_WIDTH - 8 * mm, 2):
        canvas.drawCentredString(centre, y, line)
        y -= 4.6 * mm
    canvas.setFillColor(ROSE)
    canvas.setFont(FONT, 13)
    canvas.drawCentredString(centre, y - 0.6 * mm, label.price)
    canvas.setFillColor(GREY)
    canvas.setFont(FONT, 7.5)
    footer = _lines(f"{label.courtyard} · {label.action}", 7.5, LABEL_WIDTH - 6 * mm, 1)[0]
    canvas.drawCentredString(centre, bottom + 2.5 * mm, footer)


def sheet(labels: Iterable[Label], *, title: str = "") -> bytes:
    """The labels on A4 pages, twelve a page; an empty list makes one empty page."""
    _register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=FONT)
    canvas.setTitle(title)
    canvas.setCreator("七彩巧妇联盟")
    width, height = A4
    margin_x = (width - COLUMNS * LABEL_WIDTH) / 2
    margin_y = (height - ROWS * LABEL_HEIGHT) / 2
    per_page = COLUMNS * ROWS
    for index, label in enumerate(labels):
        if index and index % per_page == 0:
            canvas.showPage()
        place = index % per_page
        column, row = place % COLUMNS, place // COLUMNS
        left = margin_x + column * LABEL_WIDTH
        bottom = height - margin_y - (row + 1) * LABEL_HEIGHT
        _label(canvas, label, left, bottom)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
