"""The catalogue file's layout: its columns, their values, the limits, and its errors."""

import re
from dataclasses import dataclass
from decimal import Decimal

from products.models import ProductStatus

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


class BadRowsError(Exception):
    """Rows that cannot be imported; nothing of the file is."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors
