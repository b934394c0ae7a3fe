"""Importing a catalogue file: all rows or none, only what differs written."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from alliance.models import Enterprise, Federation, Member, User, Village
from alliance.validators import is_mobile, normalize_mobile
from products import services
from products.models import SKU, Category, Product
from products.xlsx.layout import (
    CATEGORY,
    COLUMNS,
    FIELD_COLUMNS,
    IMPORT_REFERENCE,
    MERCHANT_CODE,
    NAME,
    ORIGIN,
    PARTNER,
    PRODUCT_COLUMNS,
    SELLER,
    STATUS,
    BadRowsError,
    RowError,
    SpreadsheetError,
)
from products.xlsx.reading import Row, check_header, parse_rows, read_rows

logger = logging.getLogger(__name__)


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
        raise BadRowsError(_errors_of(error, group[0].number, NAME)) from error
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
        raise BadRowsError(problems)
    status = _product_value(group, "status")
    if status is not None and status != product.status:
        try:
            services.set_product_status(
                product=product, to_status=status, actor=actor, reason=IMPORT_REFERENCE
            )
        except ValidationError as error:
            raise BadRowsError(_errors_of(error, group[0].number, STATUS)) from error
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
        except BadRowsError as error:
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
        raise BadRowsError(problems)
    return result


# --- The import ----------------------------------------------------------------------------------


def import_catalogue(*, upload: Any, actor: User | None) -> ImportResult:
    """Imports products and SKUs from an xlsx file: every row, or none if any row is bad.

    Returns what was created and updated, or every error by row and column (then nothing is
    written). Importing the same file again changes nothing.
    """
    try:
        header, raw_rows = read_rows(upload)
        positions = check_header(header)
    except SpreadsheetError as error:
        return ImportResult(errors=[RowError(0, "", str(error))])
    except BadRowsError as problems:
        return ImportResult(errors=problems.errors)
    rows, errors = parse_rows(positions, raw_rows)
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
    except BadRowsError as problems:
        return ImportResult(errors=_sorted(problems.errors))


def _sorted(errors: Iterable[RowError]) -> list[RowError]:
    order = {name: index for index, name in enumerate(COLUMNS)}
    return sorted(set(errors), key=lambda e: (e.row, order.get(e.column, -1), e.message))
