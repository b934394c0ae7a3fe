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

from products.xlsx.exporting import escape_text, export_catalogue, export_skus
from products.xlsx.importing import ImportResult, import_catalogue
from products.xlsx.layout import (
    ACTIVE,
    CATEGORY,
    COLUMNS,
    DESCRIPTION,
    LOW_STOCK,
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
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
    STOCK,
    TAGS,
    UNIT,
    RowError,
    SpreadsheetError,
)
from products.xlsx.reading import read_rows

__all__ = [
    "ACTIVE",
    "CATEGORY",
    "COLUMNS",
    "DESCRIPTION",
    "LOW_STOCK",
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_STOCK",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_MEMBERS",
    "MERCHANT_CODE",
    "NAME",
    "ORIGIN",
    "PARTNER",
    "PRICE",
    "REQUIRED_COLUMNS",
    "SEASON",
    "SELLER",
    "SPEC",
    "STATUS",
    "STOCK",
    "TAGS",
    "UNIT",
    "ImportResult",
    "RowError",
    "SpreadsheetError",
    "escape_text",
    "export_catalogue",
    "export_skus",
    "import_catalogue",
    "read_rows",
]
