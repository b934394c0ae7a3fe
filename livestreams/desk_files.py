"""The seller desk's file: her list of parcels as CSV, and the same file filled in and uploaded.

Columns (the header names are part of the format, the same in every language): order_id,
sub_order_id, title, spec, quantity, courier, tracking_number. No recipient columns: the file
travels by WeChat and e-mail. Ids are written with a leading tab, as the platforms do, so that a
spreadsheet keeps them as text instead of turning 19 digits into 4.95E+18. Text that a
spreadsheet could run as a formula gets a leading apostrophe, which reading removes again.

Uploads: CSV (UTF-8 with or without BOM, or GBK as Excel saves it in China) or XLSX (read with
openpyxl in read-only mode, values only — formulas never run). At most MAX_FILE_BYTES and
MAX_ROWS rows; every bad row is reported by its row number in the file.
"""

import codecs
import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.utils.translation import gettext as _

from livestreams import couriers
from livestreams.models import OrderLine

logger = logging.getLogger(__name__)

ORDER_ID = "order_id"
SUB_ORDER_ID = "sub_order_id"
TITLE = "title"
SPEC = "spec"
QUANTITY = "quantity"
COURIER = "courier"
TRACKING_NUMBER = "tracking_number"
COLUMNS = (ORDER_ID, SUB_ORDER_ID, TITLE, SPEC, QUANTITY, COURIER, TRACKING_NUMBER)
REQUIRED = (ORDER_ID, COURIER, TRACKING_NUMBER)
READ = (ORDER_ID, SUB_ORDER_ID, COURIER, TRACKING_NUMBER)
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_CELL_CHARS = 200
MAX_ZIP_MEMBERS = 100
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileRefusedError(Exception):
    """The whole file cannot be used; the message says why, for the person uploading it."""


@dataclass
class ShipFile:
    """An uploaded desk file: the rows that name a parcel (with their row numbers) and the rows
    that could not be read."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


# --- Writing -------------------------------------------------------------------------------------


def safe_cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _as_text_id(value: str) -> str:
    return f"\t{value}" if value else ""


def export_row(line: OrderLine) -> list[str]:
    """One line of one of her parcels; courier and number filled in where they are known."""
    seller_order = line.seller_order
    courier = couriers.BY_CODE.get(seller_order.courier)
    return [
        _as_text_id(line.order.platform_order_id),
        _as_text_id(line.line_key),
        safe_cell(line.title),
        safe_cell(line.spec),
        str(line.quantity),
        courier.name if courier else "",
        _as_text_id(seller_order.tracking_number),
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(lines: Iterable[OrderLine]) -> Iterator[str]:
    """The file as text chunks (streamed): BOM, header, one row per line."""
    writer = csv.writer(_Echo())
    yield codecs.BOM_UTF8.decode("utf-8")
    yield writer.writerow(COLUMNS)
    for line in lines:
        yield writer.writerow(export_row(line))


# --- Reading -------------------------------------------------------------------------------------


def read_ship_file(upload: Any) -> ShipFile:
    """The parcels an uploaded desk file names; FileRefusedError when the whole file is unusable.

    Rows with neither courier nor tracking number are parcels not shipped yet and are left out.
    """
    content = _load(upload)
    name = (getattr(upload, "name", "") or "").lower()
    if content.startswith(ZIP_MAGIC) or name.endswith(".xlsx"):
        header, raw_rows = _xlsx_rows(content)
    else:
        header, raw_rows = _csv_rows(content)
    positions = _positions(header)
    result = ShipFile()
    for number, cells in raw_rows:
        _read_row(number, cells, positions, result)
    return result


def _load(upload: Any) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise FileRefusedError(_("The file is larger than 2 MB."))
    upload.seek(0)
    content = upload.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise FileRefusedError(_("The file is larger than 2 MB."))
    if not content.strip():
        raise FileRefusedError(_("The file is empty."))
    return content


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise FileRefusedError(_("This is not a CSV or XLSX file."))
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as error:
        raise FileRefusedError(_("The file is not text in UTF-8 or GBK.")) from error


def _csv_rows(content: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    try:
        text = _decode(content)
    except UnicodeDecodeError as error:
        raise FileRefusedError(_("The file is not text in UTF-8 or GBK.")) from error
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, [])
        rows = _numbered(reader)
    except csv.Error as error:
        raise FileRefusedError(
            _("The CSV file cannot be read (line %(line)d).") % {"line": reader.line_num}
        ) from error
    return header, rows


def _numbered(rows: Iterable[Iterable[Any]]) -> list[tuple[int, list[Any]]]:
    """The non-empty rows under the header, with their row numbers as a spreadsheet shows them."""
    numbered: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(rows, start=2):
        cells = list(cells)
        if all(cell is None or not str(cell).strip() for cell in cells):
            continue
        if len(numbered) == MAX_ROWS:
            raise FileRefusedError(
                _("The file has more than %(count)d rows; split it into smaller files.")
                % {"count": MAX_ROWS}
            )
        numbered.append((number, cells))
    return numbered


def _check_container(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or (
                sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES
            ):
                raise FileRefusedError(
                    _("The XLSX file is too large inside to be a list of parcels.")
                )
            names = {member.filename for member in members}
    except zipfile.BadZipFile as error:
        raise FileRefusedError(_("The XLSX file is damaged and cannot be read.")) from error
    if "xl/workbook.xml" not in names:
        raise FileRefusedError(_("This is not a CSV or XLSX file."))


def _xlsx_rows(content: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    if not content.startswith(ZIP_MAGIC):
        raise FileRefusedError(_("This is not a CSV or XLSX file."))
    _check_container(content)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 20)
            header = [str(value) if value is not None else "" for value in next(rows, ())]
            return header, _numbered(rows)
        finally:
            workbook.close()
    except FileRefusedError:
        raise
    except Exception as error:
        # openpyxl and the XML parser raise many kinds of error on a broken or hostile file;
        # every one of them means the same to the person uploading it.
        logger.info("unreadable desk xlsx upload: %r", error)
        raise FileRefusedError(_("The XLSX file is damaged and cannot be read.")) from error


def _positions(header: list[Any]) -> dict[str, int]:
    names = [re.sub(r"\s+", "", str(name or "")).lstrip("\ufeff").lower() for name in header]
    positions = {name: index for index, name in reversed(list(enumerate(names))) if name}
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        raise FileRefusedError(
            _("The first row must hold the column names; missing: %(names)s.")
            % {"names": ", ".join(missing)}
        )
    return positions


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        text = text[1:].strip()  # our own export's escape of formula-like text
    if len(text) > MAX_CELL_CHARS:
        raise ValueError(
            _("A cell is longer than %(count)d characters.") % {"count": MAX_CELL_CHARS}
        )
    if CONTROL_CHARACTERS.search(text):
        raise ValueError(_("A cell holds invisible control characters."))
    return text


def _at(cells: list[Any], position: int | None) -> Any:
    return cells[position] if position is not None and position < len(cells) else None


def _read_row(number: int, cells: list[Any], positions: dict[str, int], result: ShipFile) -> None:
    try:
        row = {column: _cell(_at(cells, positions.get(column))) for column in READ}
    except ValueError as error:
        result.errors.append({"row": number, "message": str(error)})
        return
    if not row[COURIER] and not row[TRACKING_NUMBER]:
        return  # not shipped yet: she left the row as it was
    if not row[ORDER_ID]:
        result.errors.append({"row": number, "message": _("The order id is empty.")})
        return
    result.rows.append((number, row))
