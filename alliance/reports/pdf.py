"""PDFs in Chinese: the one-page report to the government, and a seller's statement.

Drawn with reportlab (charts with reportlab.graphics, no images from elsewhere) in the CJK font
Debian's fonts-wqy-microhei installs; the text is Chinese whatever language the person who asks
for it reads (the federation hands these out).
"""

import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from alliance.reports import selectors
from alliance.reports.selectors import ZERO, Period

CJK_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "WenQuanYiMicroHei"
ROSE = colors.HexColor("#a61e5a")
ROSE_LIGHT = colors.HexColor("#fbe9f0")
INK = colors.HexColor("#2b2724")
MUTED = colors.HexColor("#6b625c")
LINE = colors.HexColor("#e8ddd6")
PALETTE = [
    colors.HexColor(value)
    for value in ("#a61e5a", "#e07a5f", "#3d7ea6", "#81b29a", "#f2cc8f", "#6d597a", "#b5838d")
]


@cache
def font() -> str:
    """Registers the CJK font once; its name for reportlab."""
    pdfmetrics.registerFont(TTFont(FONT, str(CJK_FONT_PATH), subfontIndex=0))
    return FONT


def yuan(value: Decimal | int | None) -> str:
    return f"¥{Decimal(value or 0):,.2f}"


def count(value: int | None) -> str:
    return f"{value or 0:,}"


# --- The report to the government ---------------------------------------------------------------


@dataclass
class GovernmentFigures:
    """Everything the one page shows, read through the one selector."""

    period: Period
    totals: dict[str, Any]
    months: list[dict[str, Any]]
    channels: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    partner_net: Decimal
    campaigns: list[dict[str, Any]]
    leaders: list[dict[str, Any]]
    townships: list[dict[str, Any]]
    training: dict[str, Any] | None


def government_figures(period: Period) -> GovernmentFigures:
    """The page's figures; a constant number of queries (eleven) whatever the number of orders."""
    partner_rows = selectors.sales_by("partner", period)
    return GovernmentFigures(
        period=period,
        totals=selectors.sales_totals(period),
        months=selectors.sales_by("month", period),
        channels=selectors.sales_by("channel", period),
        categories=_top_categories(period),
        partner_net=sum((r["net"] for r in partner_rows if r["partner_id"]), ZERO),
        campaigns=selectors.campaign_sales(period),
        leaders=selectors.leaders_impact(period),
        townships=selectors.sales_by("township", period, limit=6),
        training=selectors.training_figures(period),
    )


def _top_categories(period: Period) -> list[dict[str, Any]]:
    """Net sales by top category (sub-categories added up here: a handful of rows)."""
    totals: dict[str, Decimal] = {}
    for row in selectors.sales_by("category", period):
        name = row["parent_name"] or row["category_name"] or _("Courtyard pieces")
        totals[name] = totals.get(name, ZERO) + row["net"]
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    return [{"name": name, "net": net} for name, net in ranked[:6]]


def government_pdf(figures: GovernmentFigures) -> bytes:
    """One A4 page: headline figures, monthly sales, channels, categories, leaders."""
    with override(settings.LANGUAGE_CODE):
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=A4)
        canvas.setTitle(_("Results of the alliance"))
        canvas.setAuthor(_("Fenghua District Women's Federation"))
        width, height = A4
        _header(canvas, figures.period, width, height)
        top = _headline(canvas, figures, width, height - 42 * mm)
        top = _month_chart(canvas, figures, width, top - 6 * mm)
        top = _side_by_side(canvas, figures, width, top - 4 * mm)
        _leaders(canvas, figures, width, top - 4 * mm)
        _footer(canvas, width)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def _header(canvas: Canvas, period: Period, width: float, height: float) -> None:
    canvas.setFillColor(ROSE)
    canvas.rect(0, height - 30 * mm, width, 30 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont(font(), 20)
    canvas.drawString(15 * mm, height - 15 * mm, _("Qicai Qiaofu Alliance: results in figures"))
    canvas.setFont(font(), 11)
    canvas.drawString(
        15 * mm,
        height - 23 * mm,
        _("Fenghua District Women's Federation · %(start)s to %(end)s")
        % {"start": f"{period.start:%Y-%m-%d}", "end": f"{period.end:%Y-%m-%d}"},
    )


def _headline(canvas: Canvas, figures: GovernmentFigures, width: float, top: float) -> float:
    totals = figures.totals
    campaign_net = sum((row["net"] for row in figures.campaigns), ZERO)
    brought_along = sum(row["brought_along"] for row in figures.leaders)
    items = [
        (_("net online sales"), yuan(totals["net"])),
        (_("orders"), count(totals["orders"])),
        (_("women selling"), count(totals["sellers"])),
        (_("partner-county products sold"), yuan(figures.partner_net)),
        (_("sister-county campaigns"), yuan(campaign_net)),
        (_("women brought along by leaders"), count(brought_along)),
    ]
    if figures.training is not None:
        items += [
            (_("women at training"), count(figures.training["women_present"])),
            (_("training sessions"), count(figures.training["sessions"])),
        ]
    else:
        items += [
            (_("units sold"), count(totals["quantity"])),
            (_("refunded"), yuan(totals["refunds"])),
        ]
    columns, box_w, box_h, gap = 4, (width - 30 * mm - 9 * mm) / 4, 20 * mm, 3 * mm
    for index, (label, value) in enumerate(items):
        x = 15 * mm + (index % columns) * (box_w + gap)
        y = top - (index // columns) * (box_h + gap) - box_h
        canvas.setFillColor(ROSE_LIGHT)
        canvas.roundRect(x, y, box_w, box_h, 3 * mm, stroke=0, fill=1)
        canvas.setFillColor(ROSE)
        canvas.setFont(font(), 14 if len(value) > 12 else 16)
        canvas.drawString(x + 3 * mm, y + 9 * mm, value)
        canvas.setFillColor(MUTED)
        canvas.setFont(font(), 8.5)
        canvas.drawString(x + 3 * mm, y + 3.5 * mm, label)
    rows = (len(items) + columns - 1) // columns
    return top - rows * (box_h + gap)


def _title(drawing: Drawing, text: str, y: float) -> None:
    drawing.add(String(0, y, text, fontName=font(), fontSize=11, fillColor=INK))


def _month_chart(canvas: Canvas, figures: GovernmentFigures, width: float, top: float) -> float:
    height = 62 * mm
    drawing = Drawing(width - 30 * mm, height)
    _title(drawing, _("Net sales by month (yuan)"), height - 12)
    months = figures.months[-18:]
    if months:
        chart = VerticalBarChart()
        chart.x, chart.y = 42, 22
        chart.width, chart.height = width - 30 * mm - 52, height - 48
        # Floats here only: they set bar heights, nothing is added up.
        chart.data = [[float(row["net"]) for row in months]]
        chart.categoryAxis.categoryNames = [f"{row['month']:%y-%m}" for row in months]
        chart.categoryAxis.labels.fontName = font()
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.labels.fontName = font()
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        chart.valueAxis.labelTextFormat = lambda value: f"{value:,.0f}"
        chart.bars[0].fillColor = ROSE
        chart.bars[0].strokeColor = None
        drawing.add(chart)
    else:
        drawing.add(String(0, height / 2, _("No sales in this period."), fontName=font()))
    drawing.drawOn(canvas, 15 * mm, top - height)
    return top - height


def _side_by_side(canvas: Canvas, figures: GovernmentFigures, width: float, top: float) -> float:
    height = 58 * mm
    half = (width - 30 * mm) / 2
    pie = Drawing(half, height)
    _title(pie, _("By channel"), height - 12)
    channels = [row for row in figures.channels if row["net"] > 0]
    if channels:
        from alliance.reports.tables import channel_label

        chart = Pie()
        chart.x, chart.y, chart.width, chart.height = 10, 12, height - 40, height - 40
        chart.data = [float(row["net"]) for row in channels]
        chart.labels = None
        chart.slices.strokeColor = colors.white
        for index in range(len(channels)):
            chart.slices[index].fillColor = PALETTE[index % len(PALETTE)]
        pie.add(chart)
        total = sum((row["net"] for row in channels), ZERO)
        for index, row in enumerate(channels[:6]):
            share = row["net"] * 100 / total if total else ZERO
            y = height - 30 - index * 13
            label = f"{channel_label(row['channel'])[:12]}  {share:.1f}%"
            pie.add(String(height - 18, y, "■", fontName=font(), fontSize=9,
                           fillColor=PALETTE[index % len(PALETTE)]))  # fmt: skip
            pie.add(String(height - 6, y, label, fontName=font(), fontSize=8, fillColor=INK))
    pie.drawOn(canvas, 15 * mm, top - height)
    bars = Drawing(half, height)
    _title(bars, _("Top categories (net, yuan)"), height - 12)
    categories = list(reversed(figures.categories))
    # Always six rows, so that one category is a bar, not a wall.
    categories = [{"name": "", "net": ZERO}] * (6 - len(categories)) + categories
    if any(row["net"] for row in categories):
        chart = HorizontalBarChart()
        chart.x, chart.y, chart.width, chart.height = 62, 10, half - 80, height - 36
        chart.data = [[float(row["net"]) for row in categories]]
        chart.categoryAxis.categoryNames = [str(row["name"])[:8] for row in categories]
        for axis in (chart.categoryAxis, chart.valueAxis):
            axis.labels.fontName = font()
            axis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        chart.valueAxis.labelTextFormat = lambda value: f"{value:,.0f}"
        chart.bars[0].fillColor = PALETTE[2]
        chart.bars[0].strokeColor = None
        bars.add(chart)
    bars.drawOn(canvas, 15 * mm + half, top - height)
    return top - height


def _leaders(canvas: Canvas, figures: GovernmentFigures, width: float, top: float) -> None:
    """Two small tables side by side: the leaders and the women they bring along; townships."""
    room = width - 30 * mm - 6 * mm
    left, right = room * 0.6, room * 0.4
    header = [_("leader"), _("women brought along"), _("of them selling"), _("their net sales")]
    rows = [header] + [
        [row["name"], count(row["brought_along"]), count(row["selling"]), yuan(row["sales"])]
        for row in figures.leaders[:6]
    ]
    if len(rows) == 1:
        rows.append([_("No project yet."), "", "", ""])
    _small_table(canvas, _("Leaders and the women they bring along"), rows, 15 * mm, top, left)
    rows = [[_("township"), _("sellers selling"), _("net sales (yuan)")]] + [
        [row["township_name"] or "—", count(row["sellers"]), yuan(row["net"])]
        for row in figures.townships
    ]
    if len(rows) == 1:
        rows.append([_("No sales in this period."), "", ""])
    _small_table(canvas, _("By township"), rows, 15 * mm + left + 6 * mm, top, right)


def _small_table(
    canvas: Canvas, title: str, rows: list[list[str]], x: float, top: float, width: float
) -> None:
    canvas.setFont(font(), 11)
    canvas.setFillColor(INK)
    canvas.drawString(x, top - 5 * mm, title)
    columns = len(rows[0])
    first = width * (0.22 if columns == 4 else 0.34)
    rest = (width - first) / (columns - 1)
    table = Table(rows, colWidths=[first] + [rest] * (columns - 1))
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font(), 8.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), ROSE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, ROSE),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    _width, table_height = table.wrapOn(canvas, width, top)
    table.drawOn(canvas, x, top - 8 * mm - table_height)


def _footer(canvas: Canvas, width: float) -> None:
    canvas.setFont(font(), 7.5)
    canvas.setFillColor(MUTED)
    lines = [
        _(
            "Figures from the platform's order lines: lines paid in the period and not cancelled; "
            "net = paid − refunds. Every figure is computed the same way as on the report pages."
        ),
        _("Made on %(when)s by the Qicai Qiaofu Alliance platform.")
        % {"when": f"{timezone.localtime():%Y-%m-%d %H:%M}"},
    ]
    for index, text in enumerate(lines):
        canvas.drawString(15 * mm, 16 * mm - index * 4 * mm, text)


# --- A seller's statement -----------------------------------------------------------------------


class _Rule(Flowable):
    def __init__(self, width: float) -> None:
        super().__init__()
        self.width, self.height = width, 2

    def draw(self) -> None:
        self.canv.setStrokeColor(ROSE)
        self.canv.line(0, 1, self.width, 1)


def statement_pdf(statement: Any, lines: list[dict[str, Any]]) -> bytes:
    """A statement: the figures by channel, the late refunds, and every line it settles."""
    from alliance.reports.tables import channel_label

    with override(settings.LANGUAGE_CODE):
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=15 * mm,
            bottomMargin=15 * mm,
            title=_("Statement"),
            author=_("Fenghua District Women's Federation"),
        )
        text = ParagraphStyle("text", fontName=font(), fontSize=9.5, leading=14, textColor=INK)
        title = ParagraphStyle("title", parent=text, fontSize=17, leading=22, textColor=ROSE)
        heading = ParagraphStyle("heading", parent=text, fontSize=12, leading=18)
        story: list[Any] = [
            Paragraph(_("Statement of %(name)s") % {"name": statement.seller.name}, title),
            Paragraph(
                _("Period %(start)s to %(end)s · status: %(status)s")
                % {
                    "start": f"{statement.period_start:%Y-%m-%d}",
                    "end": f"{statement.period_end:%Y-%m-%d}",
                    "status": statement.get_status_display(),
                },
                text,
            ),
            _Rule(doc.width),
            Spacer(1, 3 * mm),
            _table(_summary_rows(statement), [120 * mm, 60 * mm], last_bold=True),
            Spacer(1, 5 * mm),
            Paragraph(_("By channel"), heading),
            _table(_channel_rows(statement, channel_label), None),
        ]
        adjustments = list(statement.adjustments.all())
        if adjustments:
            story += [
                Spacer(1, 5 * mm),
                Paragraph(_("Late refunds on earlier statements"), heading),
                _table(_adjustment_rows(adjustments), None, numbers_from=2),
            ]
        story += [
            Spacer(1, 5 * mm),
            Paragraph(_("Lines settled (%(count)d)") % {"count": len(lines)}, heading),
            _table(_line_rows(lines, channel_label), None, repeat=1, numbers_from=3),
            Spacer(1, 5 * mm),
            Paragraph(_payment_note(statement), text),
        ]
        doc.build(story)
    return buffer.getvalue()


def _table(
    rows: list[list[Any]],
    widths: list[float] | None,
    *,
    last_bold: bool = False,
    repeat: int = 0,
    numbers_from: int = 1,
) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=repeat or 1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), font(), 8.5),
        ("TEXTCOLOR", (0, 0), (-1, 0), ROSE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, ROSE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
        ("ALIGN", (numbers_from, 0), (-1, -1), "RIGHT"),
    ]
    if last_bold:
        style += [("FONT", (0, -1), (-1, -1), font(), 11), ("TEXTCOLOR", (0, -1), (-1, -1), ROSE)]
    table.setStyle(TableStyle(style))
    return table


def _summary_rows(statement: Any) -> list[list[str]]:
    return [
        [_("item"), _("amount")],
        [_("delivered lines (gross)"), yuan(statement.gross)],
        [_("refunds"), "−" + yuan(statement.refunds)],
        [_("late refunds on earlier statements"), "−" + yuan(statement.late_refunds)],
        [_("platform fee"), "−" + yuan(statement.platform_fee)],
        [_("base commission"), "−" + yuan(statement.commission)],
        [_("net payable to you"), yuan(statement.net_payable)],
    ]


def _channel_rows(statement: Any, channel_label: Any) -> list[list[str]]:
    rows = [
        [
            _("channel"),
            _("lines"),
            _("gross"),
            _("refunds"),
            _("late refunds"),
            _("fee rate"),
            _("fee"),
            _("commission rate"),
            _("commission"),
            _("net"),
        ]
    ]
    for channel in statement.channels.all():
        rows.append(
            [
                channel_label(channel.channel),
                count(channel.lines_count),
                yuan(channel.gross),
                yuan(channel.refunds),
                yuan(channel.late_refunds),
                f"{channel.platform_fee_rate}%",
                yuan(channel.platform_fee),
                f"{channel.commission_rate}%",
                yuan(channel.commission),
                yuan(channel.net_payable),
            ]
        )
    return rows


def _adjustment_rows(adjustments: list[Any]) -> list[list[str]]:
    rows = [[_("order"), _("line"), _("late refund")]]
    for adjustment in adjustments:
        line = adjustment.line
        rows.append([line.order.platform_order_id, line.title[:28], "−" + yuan(adjustment.amount)])
    return rows


def _line_rows(lines: list[dict[str, Any]], channel_label: Any) -> list[list[str]]:
    rows = [[_("order"), _("channel"), _("product"), _("quantity"), _("amount"), _("refund")]]
    for line in lines:
        rows.append(
            [
                line["line__order__platform_order_id"],
                channel_label(line["channel"]),
                (line["line__title"] or "")[:24],
                count(line["line__quantity"]),
                yuan(line["gross"]),
                yuan(line["refund"]),
            ]
        )
    return rows


def _payment_note(statement: Any) -> str:
    if statement.paid_at:
        return _("Paid on %(date)s, reference %(reference)s.") % {
            "date": f"{timezone.localtime(statement.paid_at):%Y-%m-%d}",
            "reference": statement.payment_reference,
        }
    if statement.confirmed_at:
        return _("Confirmed on %(date)s; the base pays it next.") % {
            "date": f"{timezone.localtime(statement.confirmed_at):%Y-%m-%d}"
        }
    return _("Draft: check it in your dashboard and confirm it, or tell the base what is wrong.")
