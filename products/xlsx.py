"""Catalogue spreadsheets: import products and SKUs from an xlsx file, and export them to one.

One row per SKU; the product's columns repeat on each of its rows (README, "Catalogue
spreadsheet (xlsx) columns"). An import is one transaction: a file with any bad row writes
nothing and every bad row is reported by row number and column. Products are matched by
(seller, name) and SKUs by merchant code, and only what differs is written, so importing the
same file again changes nothing.

The file is untrusted (RELIABILITY.md §3.6): it must be a zip container whose declared members
are few and small enough before openpyxl opens it (zip bombs); openpyxl parses its XML with
defusedxml (billion laughs), in read-only mode; rows and cell lengths are capped. Exported text
cells that a spreadsheet could take for a formula get a leading apostrophe, which the import
takes off again.
"""

import io
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from alliance.models import Enterprise, Federation, Member, User, Village
from alliance.validators import is_mobile, normalize_mobile
from products import services
from products.models import (
    ALL_MONTHS,
    SKU,
    Category,
    Product,
    ProductStatus,
    mask_to_months,
    months_to_mask,
)

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ZIP_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 40
MAX_CELL_CHARS = 2000
MAX_STOCK = 10_000_000
MAX_PRICE = Decimal("9999999999.99")
ZIP_MAGIC = b"PK\x03\x04"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
ALL_YEAR = "全年"
LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
IMPORT_REFERENCE = "xlsx import"

# The columns, in the order the export writes them. Header names are part of the file format
# (the README documents them); they are Chinese whatever the page's language.
MERCHANT_CODE = "商家编码"
NAME = "商品名称"
SPEC = "规格"
PRICE = "价格"
STOCK = "库存"
LOW_STOCK = "低库存提醒"
ACTIVE = "启用"
SELLER = "卖家"
CATEGORY = "类目"
UNIT = "单位"
STATUS = "状态"
SEASON = "应季月份"
TAGS = "标签"
ORIGIN = "产地"
PARTNER = "结对县妇联"
DESCRIPTION = "描述"
COLUMNS = (
    MERCHANT_CODE,
    NAME,
    SPEC,
    PRICE,
    STOCK,
    LOW_STOCK,
    ACTIVE,
    SELLER,
    CATEGORY,
    UNIT,
    STATUS,
    SEASON,
    TAGS,
    ORIGIN,
    PARTNER,
    DESCRIPTION,
)
REQUIRED_COLUMNS = (MERCHANT_CODE, NAME, SPEC, PRICE, SELLER, CATEGORY)
# Product columns: every row of one product must agree on them (or leave them empty).
PRODUCT_COLUMNS = {
    SELLER: "enterprise",
    CATEGORY: "category",
    UNIT: "unit",
    STATUS: "status",
    SEASON: "season_months",
    TAGS: "tags",
    ORIGIN: "origin_village",
    PARTNER: "partner_federation",
    DESCRIPTION: "description",
}
MAX_LENGTHS = {MERCHANT_CODE: 40, NAME: 120, SPEC: 60, UNIT: 20, DESCRIPTION: MAX_CELL_CHARS}
STATUS_LABELS = {
    "草稿": ProductStatus.DRAFT,
    "在售": ProductStatus.ON_SALE,
    "已下架": ProductStatus.OFF_SHELF,
}
STATUS_NAMES = {value: label for label, value in STATUS_LABELS.items()}
YES_NO = {"是": True, "否": False}
# Model fields a service may name in a ValidationError, and the column they come from.
FIELD_COLUMNS = {
    "merchant_code": MERCHANT_CODE,
    "name": NAME,
    "spec": SPEC,
    "price": PRICE,
    "low_stock_threshold": LOW_STOCK,
    "seller": SELLER,
    "enterprise": SELLER,
    "category": CATEGORY,
    "unit": UNIT,
    "status": STATUS,
    "season_months": SEASON,
    "origin_village": ORIGIN,
    "is_partner_county": PARTNER,
    "partner_federation": PARTNER,
    "description": DESCRIPTION,
}


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; nothing of it is imported."""


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (1 is the header; 0 for the whole file) and column."""

    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    """What an import did, or every reason it did nothing."""

    errors: list[RowError] = field(default_factory=list)
    created_products: list[str] = field(default_factory=list)
    updated_products: list[str] = field(default_factory=list)
    unchanged_products: int = 0
    created_skus: list[str] = field(default_factory=list)
    updated_skus: list[str] = field(default_factory=list)
    unchanged_skus: int = 0

    @property
    def is_ok(self) -> bool:
        return not self.errors

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.created_products or self.updated_products or self.created_skus or self.updated_skus
        )


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


class _BadRowsError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


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


def _check_header(header: list[str]) -> dict[str, int]:
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
        raise _BadRowsError([RowError(1, "", problem) for problem in problems])
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


def _parse_rows(
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


# --- Resolving names against the database -----------------------------------------------------


def _resolve(rows: list[Row]) -> list[RowError]:
    """Looks every name up with one query per kind of thing, not one per row."""
    errors: list[RowError] = []
    mobiles = {normalize_mobile(r.seller_text) for r in rows if is_mobile(r.seller_text)}
    members = {m.mobile: m for m in Member.objects.filter(mobile__in=mobiles)}
    enterprises = {
        e.name: e
        for e in Enterprise.objects.select_related("owner").filter(
            name__in={r.seller_text for r in rows}
        )
    }
    categories = {
        (c.parent.name, c.name): c
        for c in Category.objects.select_related("parent").filter(
            parent__isnull=False, name__in={r.category_path[1] for r in rows if r.category_path}
        )
    }
    villages: dict[tuple[str, str], list[Village]] = {}
    for village in Village.objects.select_related("township").filter(
        name__in={r.origin_path[1] for r in rows if r.origin_path}
    ):
        villages.setdefault((village.township.name, village.name), []).append(village)
    federations = {
        f.name: f
        for f in Federation.objects.filter(
            name__in={r.partner_name for r in rows if r.partner_name}
        )
    }
    for row in rows:
        errors += _resolve_seller(row, members, enterprises)
        if row.category_path:
            row.category = categories.get(row.category_path)
            if row.category is None:
                errors.append(_category_error(row))
        if row.origin_path:
            found = villages.get(row.origin_path, [])
            if len(found) == 1:
                row.origin_village = found[0]
            else:
                errors.append(RowError(row.number, ORIGIN, _("No such village.")))
        if row.partner_name:
            row.partner_federation = federations.get(row.partner_name)
            if row.partner_federation is None or row.partner_federation.is_home:
                errors.append(
                    RowError(row.number, PARTNER, _("No partner federation of that name."))
                )
    return errors


def _category_error(row: Row) -> RowError:
    assert row.category_path is not None
    return RowError(
        row.number,
        CATEGORY,
        _("There is no sub-category “%(path)s”. Create it in the admin first.")
        % {"path": "/".join(row.category_path)},
    )


def _resolve_seller(
    row: Row, members: dict[str, Member], enterprises: dict[str, Enterprise]
) -> list[RowError]:
    if not row.seller_text:
        return []
    if is_mobile(row.seller_text):
        row.seller = members.get(normalize_mobile(row.seller_text))
        if row.seller is None:
            return [RowError(row.number, SELLER, _("No member has this mobile number."))]
    else:
        row.enterprise = enterprises.get(row.seller_text)
        if row.enterprise is None:
            return [
                RowError(row.number, SELLER, _("Write the seller's mobile or an enterprise name."))
            ]
        row.seller = row.enterprise.owner
    if not row.seller.is_seller:
        row.seller = None
        return [RowError(row.number, SELLER, _("This member does not have the seller role."))]
    return []


# --- Checking the rows against each other and the catalogue ---------------------------------------


def _group(rows: list[Row]) -> tuple[dict[tuple[int, str], list[Row]], list[RowError]]:
    """Rows by product; rows of one product must agree on the product's columns."""
    groups: dict[tuple[int, str], list[Row]] = {}
    errors: list[RowError] = []
    seen_codes: dict[str, int] = {}
    for row in rows:
        if row.merchant_code in seen_codes:
            errors.append(
                RowError(
                    row.number,
                    MERCHANT_CODE,
                    _("The same merchant code is on row %(row)d.")
                    % {"row": seen_codes[row.merchant_code]},
                )
            )
            continue
        seen_codes[row.merchant_code] = row.number
        groups.setdefault(row.product_key, []).append(row)
    for group in groups.values():
        errors += _disagreements(group)
    return groups, errors


def _disagreements(group: list[Row]) -> list[RowError]:
    errors = []
    for column, attribute in PRODUCT_COLUMNS.items():
        first: Row | None = None
        for row in group:
            value = getattr(row, attribute)
            if value is None and column != SELLER:
                continue
            if first is None:
                first = row
            elif value != getattr(first, attribute):
                errors.append(
                    RowError(
                        row.number,
                        column,
                        _("Differs from row %(row)d of the same product.") % {"row": first.number},
                    )
                )
    return errors


def _product_value(group: list[Row], attribute: str) -> Any:
    return next((getattr(r, attribute) for r in group if getattr(r, attribute) is not None), None)


def _match_catalogue(
    groups: dict[tuple[int, str], list[Row]],
) -> tuple[dict[tuple[int, str], Product], dict[str, SKU], list[RowError]]:
    errors: list[RowError] = []
    products: dict[tuple[int, str], Product] = {}
    candidates = Product.objects.filter(
        seller_id__in={key[0] for key in groups}, name__in={key[1] for key in groups}
    ).prefetch_related("tags")
    for product in candidates:
        key = (product.seller_id, product.name)
        if key in groups and key in products:
            errors.append(
                RowError(
                    groups[key][0].number,
                    NAME,
                    _("This seller has several products of this name; rename them in the admin."),
                )
            )
        products[key] = product
    codes = [row.merchant_code for group in groups.values() for row in group]
    skus = {
        s.merchant_code: s
        for s in SKU.objects.select_related("product").filter(merchant_code__in=codes)
    }
    for key, group in groups.items():
        for row in group:
            sku = skus.get(row.merchant_code)
            if sku is not None and (sku.product.seller_id, sku.product.name) != key:
                errors.append(
                    RowError(
                        row.number,
                        MERCHANT_CODE,
                        _("This merchant code belongs to another product (“%(name)s”).")
                        % {"name": sku.product.name},
                    )
                )
    return products, skus, errors


# --- Writing -------------------------------------------------------------------------------------


def _errors_of(error: ValidationError, row: int, column: str) -> list[RowError]:
    if hasattr(error, "error_dict"):
        return [
            RowError(row, FIELD_COLUMNS.get(name, column), str(message))
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [RowError(row, column, str(message)) for message in error.messages]


def _product_fields(group: list[Row]) -> dict[str, Any]:
    fields: dict[str, Any] = {"enterprise": group[0].enterprise}
    for attribute in ("category", "unit", "season_months", "origin_village", "description"):
        value = _product_value(group, attribute)
        if value is not None:
            fields[attribute] = value
    partner = _product_value(group, "partner_federation")
    if partner is not None:
        fields.update(is_partner_county=True, partner_federation=partner)
    return fields


def _apply_product(
    group: list[Row], product: Product | None, result: ImportResult
) -> tuple[Product, bool]:
    fields = _product_fields(group)
    first = group[0]
    if product is None:
        assert first.seller is not None
        category = fields.pop("category")
        product = services.create_product(
            seller=first.seller, category=category, name=first.name, **fields
        )
        result.created_products.append(product.name)
        changed = True
    else:
        changes = {name: value for name, value in fields.items() if getattr(product, name) != value}
        if changes:
            product = services.update_product(product=product, **changes)
        changed = bool(changes)
    tags = _product_value(group, "tags")
    if tags is not None:
        changed = services.set_product_tags(product=product, names=tags) or changed
    return product, changed


def _apply_sku(row: Row, product: Product, sku: SKU | None, actor: User | None) -> bool:
    assert row.price is not None
    if sku is None:
        sku = services.add_sku(
            product=product, spec=row.spec, merchant_code=row.merchant_code, price=row.price
        )
    wanted: dict[str, Any] = {"spec": row.spec, "price": row.price}
    if row.low_stock_threshold is not None:
        wanted["low_stock_threshold"] = row.low_stock_threshold
    if row.is_active is not None:
        wanted["is_active"] = row.is_active
    changes = {name: value for name, value in wanted.items() if getattr(sku, name) != value}
    if changes:
        sku = services.update_sku(sku=sku, **changes)
    stock_changed = row.stock is not None and row.stock != sku.stock
    if stock_changed:
        services.adjust_stock(sku=sku, new_stock=row.stock, actor=actor, reference=IMPORT_REFERENCE)
    return bool(changes) or stock_changed


def _apply_group(
    group: list[Row],
    product: Product | None,
    skus: dict[str, SKU],
    actor: User | None,
    result: ImportResult,
) -> None:
    is_new = product is None
    try:
        product, changed = _apply_product(group, product, result)
    except ValidationError as error:
        raise _BadRowsError(_errors_of(error, group[0].number, NAME)) from error
    problems: list[RowError] = []
    for row in group:
        existing = skus.get(row.merchant_code)
        try:
            sku_changed = _apply_sku(row, product, existing, actor)
        except ValidationError as error:
            problems += _errors_of(error, row.number, MERCHANT_CODE)
            continue
        if existing is None:
            result.created_skus.append(row.merchant_code)
        elif sku_changed:
            result.updated_skus.append(row.merchant_code)
        else:
            result.unchanged_skus += 1
        changed = changed or sku_changed
    if problems:
        raise _BadRowsError(problems)
    status = _product_value(group, "status")
    if status is not None and status != product.status:
        try:
            services.set_product_status(
                product=product, to_status=status, actor=actor, reason=IMPORT_REFERENCE
            )
        except ValidationError as error:
            raise _BadRowsError(_errors_of(error, group[0].number, STATUS)) from error
        changed = True
    if not is_new:
        if changed:
            result.updated_products.append(product.name)
        else:
            result.unchanged_products += 1


def _write(
    groups: dict[tuple[int, str], list[Row]],
    products: dict[tuple[int, str], Product],
    skus: dict[str, SKU],
    actor: User | None,
) -> ImportResult:
    result = ImportResult()
    problems: list[RowError] = []
    for key, group in groups.items():
        try:
            # Each product in its own savepoint, so one refusal leaves the transaction usable
            # for finding the others' (the whole file is rolled back in the end anyway).
            with transaction.atomic():
                _apply_group(group, products.get(key), skus, actor, result)
        except _BadRowsError as error:
            problems += error.errors
        except IntegrityError:
            logger.warning("catalogue import collided with another write", exc_info=True)
            problems.append(
                RowError(
                    group[0].number,
                    "",
                    _("The catalogue changed while importing this product. Please import again."),
                )
            )
    if problems:
        raise _BadRowsError(problems)
    return result


# --- The import ----------------------------------------------------------------------------------


def import_catalogue(*, upload: Any, actor: User | None) -> ImportResult:
    """Imports products and SKUs from an xlsx file: every row, or none if any row is bad.

    Returns what was created and updated, or every error by row and column (then nothing is
    written). Importing the same file again changes nothing.
    """
    try:
        header, raw_rows = read_rows(upload)
        positions = _check_header(header)
    except SpreadsheetError as error:
        return ImportResult(errors=[RowError(0, "", str(error))])
    except _BadRowsError as problems:
        return ImportResult(errors=problems.errors)
    rows, errors = _parse_rows(positions, raw_rows)
    errors += _resolve(rows)
    # Rows of a known seller are also checked against each other and the catalogue, so one
    # round reports every problem of the file.
    groups, group_errors = _group([row for row in rows if row.seller and row.name])
    products, skus, match_errors = _match_catalogue(groups)
    errors += group_errors + match_errors
    if errors:
        return ImportResult(errors=_sorted(errors))
    try:
        with transaction.atomic():
            return _write(groups, products, skus, actor)
    except _BadRowsError as problems:
        return ImportResult(errors=_sorted(problems.errors))


def _sorted(errors: Iterable[RowError]) -> list[RowError]:
    order = {name: index for index, name in enumerate(COLUMNS)}
    return sorted(set(errors), key=lambda e: (e.row, order.get(e.column, -1), e.message))


# --- The export ----------------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """Text a spreadsheet will not run as a formula, without characters xlsx cannot hold."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_skus(products: QuerySet[Product]) -> QuerySet[SKU]:
    """The SKUs of these products, in export order, with everything a row shows joined."""
    return (
        SKU.objects.filter(product__in=products.order_by().values("pk"))
        .select_related(
            "product__seller",
            "product__enterprise",
            "product__category__parent",
            "product__origin_village__township",
            "product__partner_federation",
        )
        .prefetch_related(Prefetch("product__tags"))
        .order_by("product__seller__mobile", "product__name", "product_id", "position", "pk")
    )


def _row_values(sku: SKU) -> list[Any]:
    product = sku.product
    seller = product.enterprise.name if product.enterprise_id else product.seller.mobile
    origin = product.origin_village
    season = (
        ALL_YEAR
        if product.season_months == ALL_MONTHS
        else ",".join(str(m) for m in mask_to_months(product.season_months))
    )
    return [
        sku.merchant_code,
        product.name,
        sku.spec,
        sku.price,
        sku.stock,
        sku.low_stock_threshold,
        "是" if sku.is_active else "否",
        seller,
        str(product.category),
        product.unit,
        STATUS_NAMES[product.status],
        season,
        ",".join(tag.name for tag in product.tags.all()),
        f"{origin.township.name}/{origin.name}" if origin else "",
        product.partner_federation.name if product.partner_federation_id else "",
        product.description,
    ]


def _cell(sheet: Any, value: Any) -> WriteOnlyCell:
    if isinstance(value, str):
        return WriteOnlyCell(sheet, value=escape_text(value))
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, Decimal):
        cell.number_format = "0.00"
    return cell


def _rows(sheet: Any, skus: Iterable[SKU]) -> Iterator[list[WriteOnlyCell]]:
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    yield header
    for sku in skus:
        yield [_cell(sheet, value) for value in _row_values(sku)]


def export_catalogue(products: QuerySet[Product]) -> bytes:
    """An xlsx file of these products, one row per SKU, in the columns the import reads."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Catalogue"))
    for letter, width in zip(
        "ABCDEFGHIJKLMNOP",
        (14, 32, 20, 10, 8, 10, 6, 20, 16, 6, 8, 14, 18, 16, 14, 40),
        strict=True,
    ):
        sheet.column_dimensions[letter].width = width
    for row in _rows(sheet, export_skus(products).iterator(chunk_size=500)):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
