"""What every platform importer shares: reading files safely, cleaning cells, parsed rows.

An importer turns one platform's export (one file, or a pair that belongs together) into a
stream of ParsedLine rows and RowError reports. It never writes: livestreams/imports.py does.
Whole-file problems (not text, not a known export, a column missing, a file cut off) raise
FileRefused before anything is written. Columns are found by header name, never by position;
ids stay strings.
"""

import codecs
import csv
import functools
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

NULLS = frozenset({"", "-", "--", "null", "NULL", "None"})
XLSX_MAX_UNCOMPRESSED = 512 * 1024 * 1024
XLSX_MAX_MEMBERS = 2000
SNIFF_BYTES = 256 * 1024


class FileRefused(Exception):  # noqa: N818 (a verdict, not an error of ours)
    """The file cannot be imported as a whole; nothing is written. The message is for people."""


@dataclass(frozen=True, slots=True)
class RowError:
    """A bad value: the row is skipped together with every other row of its order."""

    row: int
    column: str
    message: str
    order_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(slots=True)
class ParsedLine:
    """One order line read from an export, with the order-level values of its row."""

    row: int
    order_id: str
    line_key: str
    title: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    product_id: str = ""
    merchant_code: str = ""
    listing_code: str = ""
    spec: str = ""
    refunded_amount: Decimal = Decimal("0")
    platform_status: str = ""
    status: str = "paid"
    platform_after_sales: str = ""
    after_sales: str = "none"
    shipped_at: datetime | None = None
    courier_name: str = ""
    tracking_number: str = ""
    # order-level values, repeated on each line of the order
    order_status: str = ""
    order_platform_status: str = ""
    ordered_at: datetime | None = None
    paid_at: datetime | None = None
    order_paid_amount: Decimal | None = None  # None: the order's paid amount is Σ line totals
    shipping_fee: Decimal = Decimal("0")
    buyer_note: str = ""
    recipient_name: str = ""
    recipient_mobile: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    streamer_account: str = ""
    traffic_source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- cells -------------------------------------------------------------------------------------


def clean(value: object) -> str:
    """A cell as text: strip TAB/space padding, Excel's ="…" wrapper and a leading apostrophe."""
    if type(value) is str:  # the common case first: this runs for every cell of every row
        text = value.strip()
        if text and text[0] in "='":
            return _unwrap(text)
        return text
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == int(value):
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return clean(str(value))


def _unwrap(text: str) -> str:
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    if text.startswith("'"):
        text = text[1:]
    return text.strip()


def optional(value: object) -> str:
    """A cell where '-', '--' and 'null' mean empty."""
    text = clean(value)
    return "" if text in NULLS else text


class BadValue(ValueError):  # noqa: N818
    """A cell that does not hold what its column needs; the message is for people."""


def money(value: object, *, column: str, required: bool = True) -> Decimal:
    """Yuan as Decimal with two places: accepts 1,234.50 / 28.9 / 0元 / ¥12; refuses the rest."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = optional(value).replace(",", "").replace("元", "").replace("¥", "").replace("￥", "")
        if not text:
            if required:
                raise BadValue(_("%(column)s is empty") % {"column": column})
            return Decimal("0")
        try:
            amount = Decimal(text)
        except InvalidOperation as error:
            raise BadValue(
                _("%(column)s is not an amount: %(value)s") % {"column": column, "value": text[:40]}
            ) from error
    if not amount.is_finite() or amount < 0:
        raise BadValue(
            _("%(column)s must be an amount of 0 or more: %(value)s")
            % {"column": column, "value": clean(value)[:40]}
        )
    return amount.quantize(Decimal("0.01"))


def quantity(value: object, *, column: str) -> int:
    text = clean(value)
    try:
        number = int(Decimal(text))
        if Decimal(text) != number:
            raise InvalidOperation
    except (InvalidOperation, ValueError) as error:
        raise BadValue(
            _("%(column)s is not a whole number: %(value)s")
            % {"column": column, "value": text[:40]}
        ) from error
    if number <= 0:
        raise BadValue(
            _("%(column)s must be at least 1: %(value)s") % {"column": column, "value": text[:40]}
        )
    return number


def moment(value: object, *, column: str) -> datetime | None:
    """A platform time (Asia/Shanghai, no zone in the file) as an aware datetime; empty → None."""
    if isinstance(value, datetime):
        naive = value
    else:
        text = optional(value).replace("/", "-")
        if not text:
            return None
        try:
            naive = datetime.fromisoformat(text)  # fast, C: the common 2022-09-06 20:44:05
        except ValueError:
            naive = _slow_moment(text, column)
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=_zone())


def _slow_moment(text: str, column: str) -> datetime:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%f"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise BadValue(
        _("%(column)s is not a time like 2022-09-06 20:44:05: %(value)s")
        % {"column": column, "value": text[:40]}
    )


@functools.cache
def _zone() -> ZoneInfo:
    # Asia/Shanghai has had no daylight saving since 1991: replace() is exact.
    return ZoneInfo(settings.TIME_ZONE)


class Memo:
    """A cell converter that remembers its value per distinct text.

    An export repeats prices, times, places and statuses on many rows: a dictionary lookup
    instead of parsing again. Values are immutable (str, int, Decimal, datetime); a bad cell
    raises every time; only text cells are remembered (an xlsx cell 1 must not answer for
    True); at most `size` of them, so memory stays flat however large the file.
    """

    __slots__ = ("convert", "kwargs", "size", "values")

    def __init__(self, convert: Any, size: int = 4096, **kwargs: Any) -> None:
        self.convert = convert
        self.kwargs = kwargs
        self.size = size
        self.values: dict[str, Any] = {}

    def __call__(self, value: object) -> Any:
        if type(value) is not str:
            return self.convert(value, **self.kwargs)
        try:
            return self.values[value]
        except KeyError:
            pass
        result = self.convert(value, **self.kwargs)
        if len(self.values) >= self.size:
            self.values.clear()
        self.values[value] = result
        return result


def identifier(value: object, *, column: str) -> str:
    text = clean(value)
    if not text or text in NULLS:
        raise BadValue(_("%(column)s is empty") % {"column": column})
    if len(text) > 64:
        raise BadValue(_("%(column)s is too long") % {"column": column})
    return text


# --- files -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """The rows of one file: a header (names trimmed) and an iterator of (row number, cells)."""

    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    name: str


def _sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    decoder = codecs.getincrementaldecoder("gb18030")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError as error:
        raise FileRefused(
            _("The file is not text in UTF-8 or GBK: it is not a platform's order export.")
        ) from error
    return "gb18030"


def read_csv(stream: IO[bytes], name: str) -> Table:
    """Streams a CSV export, whatever its encoding (BOM → UTF-8 → GB18030), row by row."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise FileRefused(_("The file is empty."))
    if b"\x00" in head:
        raise FileRefused(_("The file is not text: it is not a platform's order export."))
    encoding = _sniff_encoding(head)
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(max(size - 1, 0))
    ends_with_newline = stream.read(1) in (b"\n", b"\r")
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = [cell.strip().lstrip("\ufeff").strip() for cell in next(reader)]
    except (UnicodeDecodeError, csv.Error, StopIteration) as error:
        raise FileRefused(_("The file has no readable header row.")) from error
    return Table(header, _csv_rows(reader, text, len(header), ends_with_newline, name), name)


def _csv_rows(
    reader: Any, text: io.TextIOWrapper, width: int, ends_with_newline: bool, name: str
) -> Iterator[tuple[int, list[Any]]]:
    """Rows with their starting line; a short last record without a final newline refuses the file.

    One record is held back so that the last one can be told from the others.
    """
    held: tuple[int, list[str]] | None = None
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except UnicodeDecodeError as error:
            raise FileRefused(
                _("%(name)s: the text breaks off in the middle of a character (line %(line)d).")
                % {"name": name, "line": line}
            ) from error
        except csv.Error as error:
            raise FileRefused(
                _("%(name)s looks cut off at line %(line)d (an interrupted download?).")
                % {"name": name, "line": line}
            ) from error
        if any(cell.strip() for cell in cells):
            while len(cells) > width and not cells[-1].strip():
                cells.pop()  # legacy Taobao rows end with an extra comma
            if held is not None:
                yield held
            held = (line, cells)
        line = reader.line_num + 1
    if held is not None:
        if len(held[1]) < width and not ends_with_newline:
            raise FileRefused(
                _(
                    "%(name)s ends in the middle of a record at line %(line)d: the file is "
                    "incomplete (an interrupted download?). Download it again."
                )
                % {"name": name, "line": held[0]}
            )
        yield held
    text.detach()


def read_xlsx(stream: IO[bytes], name: str) -> Table:
    """Streams the first sheet of an xlsx after checking it is a sane zip (no bomb)."""
    stream.seek(0)
    if stream.read(4) != b"PK\x03\x04":
        raise FileRefused(
            _("%(name)s is not an xlsx workbook (it is not a zip container).") % {"name": name}
        )
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
        members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise FileRefused(_("%(name)s is a damaged xlsx file.") % {"name": name}) from error
    if len(members) > XLSX_MAX_MEMBERS or sum(m.file_size for m in members) > XLSX_MAX_UNCOMPRESSED:
        raise FileRefused(
            _("%(name)s unpacks to more than this importer accepts.") % {"name": name}
        )
    if not any(m.filename.startswith("xl/worksheets/") for m in members):
        raise FileRefused(_("%(name)s is not an xlsx workbook.") % {"name": name})
    from openpyxl import load_workbook

    stream.seek(0)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header_cells = next(rows)
    except StopIteration as error:
        raise FileRefused(_("%(name)s has an empty first sheet.") % {"name": name}) from error
    except Exception as error:  # openpyxl raises many kinds for broken parts
        raise FileRefused(_("%(name)s is a damaged xlsx file.") % {"name": name}) from error
    header = [clean(cell) for cell in header_cells]
    while header and not header[-1]:
        header.pop()
    return Table(header, _xlsx_rows(rows, len(header)), name)


def _xlsx_rows(rows: Iterator[tuple[Any, ...]], width: int) -> Iterator[tuple[int, list[Any]]]:
    for number, cells in enumerate(rows, start=2):
        values = list(cells[:width])
        if not any(value not in (None, "") for value in values):
            continue
        values += [None] * (width - len(values))
        yield number, values


def open_table(stream: IO[bytes], name: str) -> Table:
    """A CSV or an xlsx, told apart by the bytes (the name only says which the person meant)."""
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    if magic == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
        return read_xlsx(stream, name)
    return read_csv(stream, name)


class Columns:
    """Finds columns by header name (trimmed; alternative spellings allowed)."""

    def __init__(self, header: list[str], name: str) -> None:
        self.index: dict[str, int] = {}
        for position, title in enumerate(header):
            normalized = _normalize_title(title)
            self.index.setdefault(normalized, position)
        self.name = name

    def has(self, *titles: str) -> bool:
        return any(_normalize_title(title) in self.index for title in titles)

    def find(self, *titles: str) -> int | None:
        for title in titles:
            position = self.index.get(_normalize_title(title))
            if position is not None:
                return position
        return None

    def missing(self, required: list[str | tuple[str, ...]]) -> list[str]:
        absent = []
        for entry in required:
            titles = entry if isinstance(entry, tuple) else (entry,)
            if self.find(*titles) is None:
                absent.append(titles[0])
        return absent


def _normalize_title(title: str) -> str:
    return title.strip().replace("（", "(").replace("）", ")").replace(" ", "")


class Importer:
    """One platform's export format. Subclasses name their columns and read a row."""

    platform: str = ""
    label: str = ""
    files_needed: int = 1
    # Columns that identify the format; all must be present.
    signature: tuple[str, ...] = ()
    # Columns without which nothing can be imported.
    required: tuple[str | tuple[str, ...], ...] = ()

    def recognises(self, tables: list[Table]) -> bool:
        """True when the headers are this platform's export."""
        if len(tables) != self.files_needed:
            return False
        return all(
            Columns(t.header, t.name).has(title) for t in tables[:1] for title in self.signature
        )

    def check(self, tables: list[Table]) -> None:
        """Refuses the files when a required column is missing, naming it."""
        columns = Columns(tables[0].header, tables[0].name)
        missing = columns.missing(list(self.required))
        if missing:
            raise FileRefused(
                _("%(name)s is not a complete %(platform)s export: missing column(s) %(columns)s.")
                % {"name": tables[0].name, "platform": self.label, "columns": "、".join(missing)}
            )

    def parse(self, tables: list[Table]) -> Iterator["ParsedLine | RowError"]:
        raise NotImplementedError


def cell(cells: list[Any], position: int | None) -> Any:
    if position is None or position >= len(cells):
        return None
    return cells[position]
