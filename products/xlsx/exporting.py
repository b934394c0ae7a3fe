"""Exporting the catalogue to an xlsx file in the columns the import reads."""

import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import openpyxl
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from products.models import ALL_MONTHS, SKU, Product, mask_to_months
from products.xlsx.layout import ALL_YEAR, COLUMNS, FORMULA_PREFIXES, STATUS_NAMES


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
