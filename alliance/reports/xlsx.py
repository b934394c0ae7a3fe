"""Spreadsheets of the reports and of seller statements (xlsx, headers in Chinese).

Text cells are formula-safe (a leading apostrophe before = + - @, illegal characters removed);
money is written as numbers with two decimals, never as text, so the sheets can be summed.
"""

import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from alliance.reports.selectors import Period
from alliance.reports.tables import Column, Table
from products.xlsx.exporting import escape_text

MONEY_FORMAT = "#,##0.00"
DEFINITION = gettext_lazy(
    "Net sales = gross − refunds, of order lines paid in the period and not cancelled."
)
MAX_SHEET_TITLE = 31


def cell_value(value: Any, kind: str = "text") -> Any:
    """A value as a spreadsheet cell holds it safely."""
    if value is None:
        return None
    if isinstance(value, Decimal | int | float) and kind in ("money", "int", "percent"):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    return escape_text(str(value))


def _write(sheet: Worksheet, values: Iterable[Any], kinds: Iterable[str], bold: bool = False):
    row = []
    for value, kind in zip(values, kinds, strict=True):
        cell = WriteOnlyCell(sheet, value=cell_value(value, kind))
        if kind == "money" and value is not None:
            cell.number_format = MONEY_FORMAT
        if bold:
            cell.font = Font(bold=True)
        row.append(cell)
    sheet.append(row)


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[:MAX_SHEET_TITLE] or "sheet"
    candidate, number = clean, 2
    while candidate in used:
        suffix = f" {number}"
        candidate, number = clean[: MAX_SHEET_TITLE - len(suffix)] + suffix, number + 1
    used.add(candidate)
    return candidate


def _table_sheet(book: openpyxl.Workbook, table: Table, used: set[str]) -> None:
    sheet = book.create_sheet(_sheet_title(str(table.title), used))
    columns: list[Column] = table.columns
    _write(sheet, [str(c.label) for c in columns], ["text"] * len(columns), bold=True)
    kinds = [c.kind for c in columns]
    for row in table.rows:
        _write(sheet, [row.get(c.key) for c in columns], kinds)
    if table.totals is not None:
        _write(sheet, [table.totals.get(c.key) for c in columns], kinds, bold=True)
    if table.note:
        sheet.append([escape_text(str(table.note))])


def tables_workbook(*, title: str, period: Period, tables: list[Table]) -> bytes:
    """One sheet per table, all rows (no pages), in Chinese."""
    with override(settings.LANGUAGE_CODE):
        book = openpyxl.Workbook(write_only=True)
        used: set[str] = set()
        about = book.create_sheet(_sheet_title(_("About"), used))
        about.append([escape_text(str(title))])
        about.append([_("From"), period.start, _("To"), period.end])
        about.append([escape_text(str(DEFINITION))])
        for table in tables:
            _table_sheet(book, table, used)
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()


def statement_workbook(statement: Any, lines: list[dict[str, Any]]) -> bytes:
    """A seller's statement: summary, channels, late refunds and every settled line."""
    from alliance.reports.tables import channel_label

    with override(settings.LANGUAGE_CODE):
        book = openpyxl.Workbook(write_only=True)
        used: set[str] = set()
        summary = book.create_sheet(_sheet_title(_("Statement"), used))
        _write(summary, [_("seller"), statement.seller.name], ["text", "text"], bold=True)
        _write(summary, [_("period starts"), statement.period_start], ["text", "date"])
        _write(summary, [_("period ends (inclusive)"), statement.period_end], ["text", "date"])
        _write(summary, [_("status"), statement.get_status_display()], ["text", "text"])
        for label, value in (
            (_("delivered lines (gross)"), statement.gross),
            (_("refunds"), statement.refunds),
            (_("late refunds on earlier statements"), statement.late_refunds),
            (_("platform fee"), statement.platform_fee),
            (_("base commission"), statement.commission),
            (_("net payable to you"), statement.net_payable),
        ):
            _write(summary, [label, value], ["text", "money"])
        if statement.payment_reference:
            _write(summary, [_("payment reference"), statement.payment_reference], ["text"] * 2)
        _statement_channels(book, statement, used, channel_label)
        _statement_adjustments(book, statement, used)
        _statement_lines(book, lines, used, channel_label)
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()


def _statement_channels(book: Any, statement: Any, used: set[str], channel_label: Any) -> None:
    sheet = book.create_sheet(_sheet_title(_("By channel"), used))
    header = [_("channel"), _("lines"), _("gross"), _("refunds"), _("late refunds"),
              _("fee rate"), _("fee"), _("commission rate"), _("commission"), _("net")]  # fmt: skip
    _write(sheet, header, ["text"] * len(header), bold=True)
    kinds = ["text", "int", "money", "money", "money", "percent", "money", "percent", "money",
             "money"]  # fmt: skip
    for channel in statement.channels.all():
        values = [channel_label(channel.channel), channel.lines_count, channel.gross,
                  channel.refunds, channel.late_refunds, channel.platform_fee_rate,
                  channel.platform_fee, channel.commission_rate, channel.commission,
                  channel.net_payable]  # fmt: skip
        _write(sheet, values, kinds)


def _statement_adjustments(book: Any, statement: Any, used: set[str]) -> None:
    sheet = book.create_sheet(_sheet_title(_("Late refunds"), used))
    _write(sheet, [_("order"), _("line"), _("late refund")], ["text"] * 3, bold=True)
    for adjustment in statement.adjustments.all():
        line = adjustment.line
        _write(
            sheet,
            [line.order.platform_order_id, line.title, adjustment.amount],
            ["text", "text", "money"],
        )


def _statement_lines(
    book: Any, lines: list[dict[str, Any]], used: set[str], channel_label: Any
) -> None:
    sheet = book.create_sheet(_sheet_title(_("Lines"), used))
    header = [_("order"), _("sub-order"), _("channel"), _("product"), _("spec"), _("quantity"),
              _("amount"), _("refund")]  # fmt: skip
    _write(sheet, header, ["text"] * len(header), bold=True)
    kinds = ["text", "text", "text", "text", "text", "int", "money", "money"]
    for line in lines:
        values = [line["line__order__platform_order_id"], line["line__line_key"],
                  channel_label(line["channel"]), line["line__title"], line["line__spec"],
                  line["line__quantity"], line["gross"], line["refund"]]  # fmt: skip
        _write(sheet, values, kinds)
