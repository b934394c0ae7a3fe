"""Reading an uploaded catalogue file: the container checks, the header, each cell."""

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from django.utils.translation import gettext as _

from alliance.models import Enterprise, Federation, Member, Village
from products.models import (
    ALL_MONTHS,
    Category,
    months_to_mask,
)
from products.xlsx.layout import (
    ACTIVE,
    ALL_YEAR,
    CATEGORY,
    COLUMNS,
    CONTROL_CHARACTERS,
    DESCRIPTION,
    FORMULA_PREFIXES,
    LIST_SEPARATORS,
    LOW_STOCK,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_LENGTHS,
    MAX_PRICE,
    MAX_ROWS,
    MAX_STOCK,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_MEMBERS,
    MERCHANT_CODE,
    NAME,
    ORIGIN,
    PARTNER,
    PRICE,
    REQUIRED_COLUMNS,
    SEASON,
    SELLER,
    SPEC,
    STATUS,
    STATUS_LABELS,
    STOCK,
    TAGS,
    UNIT,
    YES_NO,
    ZIP_MAGIC,
    BadRowsError,
    RowError,
    SpreadsheetError,
)

logger = logging.getLogger(__name__)


@dataclass
class Row:
    """One data row, its cells parsed; None is an empty optional cell ("leave as it is")."""

    number: int
    merchant_code: str = ""
    name: str = ""
    spec: str = ""
    price: Decimal | None = None
    stock: int | None = None
    low_stock_threshold: int | None = None
    is_active: bool | None = None
    seller_text: str = ""
    category_path: tuple[str, str] | None = None
    unit: str | None = None
    status: str | None = None
    season_months: int | None = None
    tags: tuple[str, ...] | None = None
    origin_path: tuple[str, str] | None = None
    partner_name: str | None = None
    description: str | None = None
    # Resolved against the database.
    seller: Member | None = None
    enterprise: Enterprise | None = None
    category: Category | None = None
    origin_village: Village | None = None
    partner_federation: Federation | None = None

    @property
    def product_key(self) -> tuple[int, str]:
        assert self.seller is not None
        return (self.seller.pk, self.name)


# --- Reading the file ----------------------------------------------------------------------------


def _check_container(data: io.BytesIO) -> None:
    if data.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
        raise SpreadsheetError(_("This is not an xlsx file. Save the sheet as .xlsx and retry."))
    data.seek(0)
    try:
        with zipfile.ZipFile(data) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise SpreadsheetError(_("The xlsx file holds too many parts to be a catalogue."))
            if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
                raise SpreadsheetError(
                    _("The xlsx file unpacks to more than 50 MB; it cannot be a catalogue.")
                )
            names = {member.filename for member in members}
    except zipfile.BadZipFile as error:
        raise SpreadsheetError(_("The xlsx file is damaged and cannot be read.")) from error
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise SpreadsheetError(_("This is not an xlsx file. Save the sheet as .xlsx and retry."))
    data.seek(0)


def _load(upload: Any) -> io.BytesIO:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise SpreadsheetError(_("The file is larger than 5 MB."))
    upload.seek(0)
    content = upload.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise SpreadsheetError(_("The file is larger than 5 MB."))
    if not content:
        raise SpreadsheetError(_("The file is empty."))
    return io.BytesIO(content)


def read_rows(upload: Any) -> tuple[list[str], list[tuple[int, tuple[Any, ...]]]]:
    """The header and the non-empty data rows (with their row numbers) of the first sheet."""
    data = _load(upload)
    _check_container(data)
    try:
        workbook = openpyxl.load_workbook(data, read_only=True, data_only=True)
        try:
            return _sheet_rows(workbook.worksheets[0])
        finally:
            workbook.close()
    except SpreadsheetError:
        raise
    except Exception as error:
        # openpyxl and the XML parser raise many kinds of error on a broken or hostile file;
        # every one of them means the same to the person uploading it.
        logger.info("unreadable xlsx upload: %r", error)
        raise SpreadsheetError(_("The xlsx file is damaged and cannot be read.")) from error


def _sheet_rows(sheet: Any) -> tuple[list[str], list[tuple[int, tuple[Any, ...]]]]:
    rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    first = next(rows, None)
    header = [_header_name(value) for value in (first or ())]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise SpreadsheetError(_("The first row must hold the column names."))
    data: list[tuple[int, tuple[Any, ...]]] = []
    for number, values in enumerate(rows, start=2):
        if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
            continue
        if len(data) == MAX_ROWS:
            raise SpreadsheetError(
                _("The file has more than %(count)d rows; split it into smaller files.")
                % {"count": MAX_ROWS}
            )
        data.append((number, tuple(values)))
    if not data:
        raise SpreadsheetError(_("The file has no data rows under the column names."))
    return header, data


def _header_name(value: Any) -> str:
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


def check_header(header: list[str]) -> dict[str, int]:
    problems = []
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            continue
        if name not in COLUMNS:
            problems.append(_("Unknown column “%(name)s”.") % {"name": name})
        elif name in positions:
            problems.append(_("The column “%(name)s” appears twice.") % {"name": name})
        else:
            positions[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        problems.append(_("Missing required columns: %(names)s.") % {"names": "、".join(missing)})
    if problems:
        raise BadRowsError([RowError(1, "", problem) for problem in problems])
    return positions


# --- Parsing cells -------------------------------------------------------------------------------


def _text(value: Any, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_PREFIXES:
        text = text[1:]  # our own export's escape of formula-like text
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_CELL_CHARS:
        raise ValueError(
            _("The cell is longer than %(count)d characters.") % {"count": MAX_CELL_CHARS}
        )
    if CONTROL_CHARACTERS.search(text):
        raise ValueError(_("The cell holds invisible control characters."))
    limit = MAX_LENGTHS.get(column)
    if limit and len(text) > limit:
        raise ValueError(
            _("At most %(count)d characters (this one has %(length)d).")
            % {"count": limit, "length": len(text)}
        )
    if column != DESCRIPTION and "\n" in text:
        raise ValueError(_("A line break is not allowed here."))
    return text


def _price(value: Any) -> Decimal:
    text = str(value).strip().lstrip("¥￥").strip() if not isinstance(value, float) else repr(value)
    if isinstance(value, bool):
        text = ""
    try:
        price = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(_("Write the price in yuan, like 88.00.")) from error
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise ValueError(_("Write the price in yuan, like 88.00."))
    if price != price.quantize(Decimal("0.01")):
        raise ValueError(_("A price has at most two decimal places (fen)."))
    return price.quantize(Decimal("0.01"))


def _count(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(_("Write a whole number of 0 or more."))
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(_("Write a whole number of 0 or more."))
        value = int(value)
    text = str(value).strip()
    if not text.isdigit() or int(text) > MAX_STOCK:
        raise ValueError(_("Write a whole number of 0 or more."))
    return int(text)


def _yes_no(text: str) -> bool:
    if text not in YES_NO:
        raise ValueError(_("Write 是 or 否."))
    return YES_NO[text]


def _path(text: str, message: str) -> tuple[str, str]:
    parts = [part.strip() for part in re.split(r"[/／]", text)]
    if len(parts) != 2 or not all(parts):
        raise ValueError(message)
    return parts[0], parts[1]


def _status(text: str) -> str:
    if text not in STATUS_LABELS:
        raise ValueError(_("Write 草稿, 在售 or 已下架."))
    return STATUS_LABELS[text]


def _season(text: str) -> int:
    if text == ALL_YEAR:
        return ALL_MONTHS
    try:
        months = {int(part) for part in LIST_SEPARATORS.split(text) if part}
        return months_to_mask(months) if months else 0
    except ValueError as error:
        raise ValueError(
            _("Write months 1–12 separated by commas, like 3,4,5, or 全年.")
        ) from error


def _tags(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(part for part in LIST_SEPARATORS.split(text) if part))
    if any(len(name) > 30 for name in names):
        raise ValueError(_("A tag has at most 30 characters."))
    return names


def _parse_cell(row: Row, column: str, value: Any) -> None:
    text = _text(value, column)
    if not text:
        if column in REQUIRED_COLUMNS:
            raise ValueError(_("This column is required."))
        return
    if column == MERCHANT_CODE:
        row.merchant_code = text
    elif column == NAME:
        row.name = text
    elif column == SPEC:
        row.spec = text
    elif column == PRICE:
        row.price = _price(value if isinstance(value, int | float) else text)
    elif column == STOCK:
        row.stock = _count(value if isinstance(value, int | float) else text)
    elif column == LOW_STOCK:
        row.low_stock_threshold = _count(value if isinstance(value, int | float) else text)
    elif column == ACTIVE:
        row.is_active = _yes_no(text)
    elif column == SELLER:
        row.seller_text = text
    elif column == CATEGORY:
        row.category_path = _path(text, _("Write the category as top/sub, like 鲜果/草莓."))
    elif column == UNIT:
        row.unit = text
    elif column == STATUS:
        row.status = _status(text)
    elif column == SEASON:
        row.season_months = _season(text) or None
        if row.season_months is None:
            raise ValueError(_("Write months 1–12 separated by commas, like 3,4,5, or 全年."))
    elif column == TAGS:
        row.tags = _tags(text)
    elif column == ORIGIN:
        row.origin_path = _path(
            text, _("Write the origin as township/village, like 溪口镇/岩头村.")
        )
    elif column == PARTNER:
        row.partner_name = text
    elif column == DESCRIPTION:
        row.description = text


def parse_rows(
    positions: dict[str, int], rows: list[tuple[int, tuple[Any, ...]]]
) -> tuple[list[Row], list[RowError]]:
    parsed, errors = [], []
    for number, values in rows:
        row = Row(number=number)
        for column, index in positions.items():
            value = values[index] if index < len(values) else None
            try:
                _parse_cell(row, column, value)
            except ValueError as error:
                errors.append(RowError(number, column, str(error)))
        parsed.append(row)
    return parsed, errors
