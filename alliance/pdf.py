"""PDFs of the federation: the five-beauties map collection (图集) and training certificates.

Built with ReportLab; Chinese is set in WenQuanYi Micro Hei (Debian's fonts-wqy-microhei),
embedded as a subset so the file reads the same on any printer. QR codes are encoded by the
qrcode package and drawn as vector squares, sharp at any size.
"""

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

import qrcode
from django.core.exceptions import ImproperlyConfigured
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from alliance.federation.places import CategoryGroup, cover_of
from alliance.models import Certificate, Place

CJK_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "WenQuanYiMicroHei"
ROSE = colors.HexColor("#a61e5a")
INK = colors.HexColor("#2b2724")
MUTED = colors.HexColor("#6b625c")
LINE = colors.HexColor("#e8ddd6")


@cache
def register_font() -> str:
    """Registers the CJK font with ReportLab once per process; returns its name."""
    if not CJK_FONT_PATH.exists():
        raise ImproperlyConfigured(
            f"The CJK font {CJK_FONT_PATH} is missing: install Debian's fonts-wqy-microhei."
        )
    pdfmetrics.registerFont(TTFont(FONT, str(CJK_FONT_PATH), subfontIndex=0))
    return FONT


def style(
    size: float, *, color: colors.Color = INK, leading: float = 0, **extra: object
) -> ParagraphStyle:
    return ParagraphStyle(
        name=f"cjk-{size}",
        fontName=register_font(),
        fontSize=size,
        leading=leading or size * 1.4,
        textColor=color,
        wordWrap="CJK",  # Chinese breaks between characters, not at spaces
        **extra,
    )


def qr_drawing(url: str, side: float) -> Drawing:
    """A QR code of a URL as vector squares, `side` points wide (a quiet zone included)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = side / len(matrix)
    drawing = Drawing(side, side)
    drawing.add(Rect(0, 0, side, side, fillColor=colors.white, strokeColor=None))
    for row_number, row in enumerate(matrix):
        for column, dark in enumerate(row):
            if dark:
                y = side - (row_number + 1) * cell
                drawing.add(
                    Rect(column * cell, y, cell, cell, fillColor=colors.black, strokeWidth=0)
                )
    return drawing


def _photo(place: Place, width: float, height: float) -> Flowable | None:
    cover = cover_of(place)
    if cover is None or not cover.thumbnail_medium:
        return None
    with cover.thumbnail_medium.open("rb") as file:
        data = io.BytesIO(file.read())
    image = Image(data)
    ratio = min(width / image.imageWidth, height / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * ratio, image.imageHeight * ratio
    return image


def _place_card(place: Place, url: str) -> Table:
    lines = [Paragraph(place.name, style(13, leading=17))]
    lines.append(Paragraph(str(place.village), style(9, color=MUTED)))
    if place.summary:
        lines.append(Paragraph(place.summary, style(9.5)))
    if place.address:
        lines.append(Paragraph(_("Address: %(address)s") % {"address": place.address}, style(8.5)))
    if place.business_phone:
        lines.append(Paragraph(_("Phone: %(phone)s") % {"phone": place.business_phone}, style(8.5)))
    photo = _photo(place, 42 * mm, 32 * mm) or Spacer(42 * mm, 1)
    card = Table(
        [[photo, lines, qr_drawing(url, 30 * mm)]],
        colWidths=[45 * mm, None, 32 * mm],
    )
    card.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.6, LINE),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return card


def _footer(canvas: Canvas, document: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(register_font(), 8)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(
        A4[0] / 2,
        10 * mm,
        _("Qicai Qiaofu five-beauties map · page %(page)d") % {"page": document.page},
    )
    canvas.restoreState()


def map_collection_pdf(groups: list[CategoryGroup], url_of: Callable[[Place], str]) -> bytes:
    """The map collection: a title, then each of the five beauties with its places, each
    place with its photo, village, summary, public contact and a QR code to its page."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=_("Five-beauties map collection"),
        author=_("Fenghua District Women's Federation"),
    )
    story: list[Flowable] = [
        Paragraph(_("Qicai Qiaofu · Five-beauties map collection"), style(22, color=ROSE)),
        Paragraph(
            _(
                "Beautiful villages, scenery, goods, homestays and food of Fenghua. Scan a code "
                "to open the place's page and its products."
            ),
            style(10.5, color=MUTED),
        ),
        Spacer(1, 6 * mm),
    ]
    if not groups:
        story.append(Paragraph(_("No places are on the map yet."), style(12)))
    for group in groups:
        story.append(CondPageBreak(60 * mm))
        story.append(Paragraph(group.label, style(16, color=ROSE, spaceBefore=4, spaceAfter=4)))
        for place in group.places:
            story.append(KeepTogether([_place_card(place, url_of(place)), Spacer(1, 3 * mm)]))
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


def certificate_pdf(certificate: Certificate, issuer: str) -> bytes:
    """A certificate of completion, A4 landscape: her name, the course, her hours, its number."""
    enrolment = certificate.enrolment
    course = enrolment.course
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buffer, pagesize=(width, height))
    canvas.setTitle(_("Certificate of completion"))
    canvas.setAuthor(issuer)
    canvas.setStrokeColor(ROSE)
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)
    font = register_font()
    canvas.setFillColor(ROSE)
    canvas.setFont(font, 36)
    canvas.drawCentredString(width / 2, height - 52 * mm, _("Certificate of completion"))
    body = _(
        "%(name)s took part in the training course “%(course)s” (%(topic)s), attended "
        "%(hours)s hours and completed it."
    ) % {
        "name": enrolment.display_name,
        "course": course.title,
        "topic": course.topic,
        "hours": certificate.hours,
    }
    paragraph = Paragraph(body, style(18, leading=30, alignment=TA_CENTER))
    paragraph_width = width - 80 * mm
    _w, paragraph_height = paragraph.wrap(paragraph_width, height)
    paragraph.drawOn(canvas, 40 * mm, height / 2 - paragraph_height / 2 + 8 * mm)
    canvas.setFillColor(INK)
    canvas.setFont(font, 13)
    canvas.drawString(40 * mm, 40 * mm, _("Trainer: %(trainer)s") % {"trainer": course.trainer})
    canvas.drawString(
        40 * mm, 32 * mm, _("Certificate number: %(number)s") % {"number": certificate.number}
    )
    canvas.drawRightString(width - 40 * mm, 40 * mm, issuer)
    canvas.drawRightString(
        width - 40 * mm, 32 * mm, formats.date_format(certificate.issued_on, "DATE_FORMAT")
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
