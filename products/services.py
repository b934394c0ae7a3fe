"""Every change of the catalogue goes through these functions: products, SKUs, stock, photos."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.images import process_image
from alliance.models import Member, User
from products.cache import catalogue_changed
from products.models import (
    SKU,
    ChannelListing,
    Product,
    ProductImage,
    ProductStatus,
    ProductStatusChange,
    StockMovement,
    Tag,
)

PRODUCT_TRANSITIONS: dict[str, set[str]] = {
    ProductStatus.DRAFT: {ProductStatus.ON_SALE, ProductStatus.OFF_SHELF},
    ProductStatus.ON_SALE: {ProductStatus.OFF_SHELF},
    ProductStatus.OFF_SHELF: {ProductStatus.ON_SALE},
}

# Fields a seller may change on her own product from the dashboard.
SELLER_EDITABLE_PRODUCT_FIELDS = ("name", "description", "unit")


class InsufficientStockError(ValidationError):
    """Raised when a reservation would take a SKU's stock below zero."""


@transaction.atomic
def create_product(
    *,
    seller: Member,
    category: Any,
    name: str,
    skus: Iterable[dict[str, Any]] = (),
    tags: Iterable[Any] = (),
    **fields: Any,
) -> Product:
    """Creates a product (a draft unless `status` says otherwise) with its SKUs."""
    product = Product(seller=seller, category=category, name=name.strip(), **fields)
    product.full_clean()
    product.save()
    if tags:
        product.tags.set(tags)
    for position, sku_fields in enumerate(skus):
        sku = SKU(product=product, position=position, **sku_fields)
        sku.full_clean()
        sku.save()
    catalogue_changed()
    return product


@transaction.atomic
def update_product(*, product: Product, **fields: Any) -> Product:
    """Changes a product's details (not its status: see set_product_status)."""
    if "status" in fields:
        raise ValueError("Use set_product_status to change a product's status.")
    product = Product.objects.select_for_update().get(pk=product.pk)
    for name, value in fields.items():
        setattr(product, name, value)
    product.full_clean()
    product.save()
    catalogue_changed()
    return product


@transaction.atomic
def set_product_status(
    *, product: Product, to_status: str, actor: User | None, reason: str = ""
) -> Product:
    """Puts a product on sale, off the shelf (or back); the same status again is a no-op.

    A product goes on sale only with at least one active SKU.
    """
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status == to_status:
        return product
    if to_status not in PRODUCT_TRANSITIONS.get(product.status, set()):
        raise ValidationError(
            _("A product cannot go from %(from)s to %(to)s.")
            % {"from": product.get_status_display(), "to": ProductStatus(to_status).label},
            code="invalid_transition",
        )
    if to_status == ProductStatus.ON_SALE and not product.skus.filter(is_active=True).exists():
        raise ValidationError(
            _("“%(name)s” has no active SKU, so it cannot go on sale.") % {"name": product.name},
            code="no_active_sku",
        )
    ProductStatusChange.objects.create(
        product=product, from_status=product.status, to_status=to_status, actor=actor, reason=reason
    )
    product.status = to_status
    product.save(update_fields=["status", "updated_at"])
    catalogue_changed()
    return product


@transaction.atomic
def update_sku(*, sku: SKU, **fields: Any) -> SKU:
    """Changes a SKU's spec, price, warning threshold or active flag (never its stock)."""
    if "stock" in fields:
        raise ValueError("Use adjust_stock, reserve_stock or release_stock to change stock.")
    sku = SKU.objects.select_for_update().get(pk=sku.pk)
    for name, value in fields.items():
        setattr(sku, name, value)
    sku.full_clean()
    sku.save()
    catalogue_changed()
    return sku


@transaction.atomic
def add_sku(
    *, product: Product, spec: str, merchant_code: str, price: Decimal, stock: int = 0
) -> SKU:
    """Adds a SKU to a product; its starting stock is recorded as an adjustment."""
    position = product.skus.count()
    sku = SKU(
        product=product, spec=spec, merchant_code=merchant_code, price=price, position=position
    )
    sku.full_clean()
    sku.save()
    if stock:
        adjust_stock(sku=sku, new_stock=stock, actor=None, reference="initial stock")
    catalogue_changed()
    return sku


def _record(sku_id: int, delta: int, reason: str, reference: str, actor: User | None) -> int:
    stock_after = SKU.objects.filter(pk=sku_id).values_list("stock", flat=True).get()
    StockMovement.objects.create(
        sku_id=sku_id,
        delta=delta,
        stock_after=stock_after,
        reason=reason,
        reference=reference,
        actor=actor,
    )
    catalogue_changed()
    return stock_after


@transaction.atomic
def reserve_stock(
    *, sku_id: int, quantity: int, reference: str = "", actor: User | None = None
) -> int:
    """Takes quantity from a SKU's stock and returns what is left; never goes below zero.

    The check and the write are one conditional UPDATE, so two orders racing for the last
    units cannot both succeed. Raises InsufficientStockError and changes nothing when short.
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    updated = SKU.objects.filter(pk=sku_id, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not updated:
        raise InsufficientStockError(_("Not enough stock left."), code="insufficient_stock")
    return _record(sku_id, -quantity, StockMovement.Reason.RESERVE, reference, actor)


@transaction.atomic
def release_stock(
    *, sku_id: int, quantity: int, reference: str = "", actor: User | None = None
) -> int:
    """Gives quantity back to a SKU's stock (a cancelled order) and returns the new stock."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    SKU.objects.filter(pk=sku_id).update(stock=F("stock") + quantity)
    return _record(sku_id, quantity, StockMovement.Reason.RELEASE, reference, actor)


@transaction.atomic
def adjust_stock(*, sku: SKU, new_stock: int, actor: User | None, reference: str = "") -> int:
    """Sets a SKU's stock after a count (the seller's own number); records the difference."""
    if new_stock < 0:
        raise ValidationError(_("Stock cannot be negative."), code="negative_stock")
    current = (
        SKU.objects.select_for_update().filter(pk=sku.pk).values_list("stock", flat=True).get()
    )
    if current == new_stock:
        return current
    SKU.objects.filter(pk=sku.pk).update(stock=new_stock)
    return _record(sku.pk, new_stock - current, StockMovement.Reason.ADJUST, reference, actor)


@transaction.atomic
def add_product_image(
    *, product: Product, upload: UploadedFile, alt_text: str = ""
) -> ProductImage:
    """Checks a photo, re-encodes it without metadata, stores it with two thumbnails.

    Raises ValidationError with a message for people when the file is refused.
    """
    processed = process_image(upload)
    last = product.images.aggregate(last=Max("position"))["last"]
    image = ProductImage(
        product=product,
        width=processed.width,
        height=processed.height,
        alt_text=alt_text[:120],
        position=0 if last is None else last + 1,
    )
    image.image.save("full.jpg", processed.full, save=False)
    image.thumbnail_small.save("small.jpg", processed.small, save=False)
    image.thumbnail_medium.save("medium.jpg", processed.medium, save=False)
    image.save()
    catalogue_changed()
    return image


@transaction.atomic
def remove_product_image(*, image: ProductImage) -> None:
    """Deletes a photo and its files (after the transaction commits)."""
    files = [image.image, image.thumbnail_small, image.thumbnail_medium]
    names = [(file.storage, file.name) for file in files if file.name]
    image.delete()
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])
    catalogue_changed()


@transaction.atomic
def create_listing(
    *, sku: SKU, platform: str, platform_product_id: str, platform_sku_id: str = ""
) -> ChannelListing:
    """Records where a SKU is listed on a platform; the same listing again returns the row."""
    listing, created = ChannelListing.objects.get_or_create(
        platform=platform,
        platform_product_id=platform_product_id.strip(),
        platform_sku_id=platform_sku_id.strip(),
        defaults={"sku": sku},
    )
    if not created and listing.sku_id != sku.pk:
        raise ValidationError(
            _("This platform listing already points at another SKU (%(code)s).")
            % {"code": listing.sku.merchant_code},
            code="listing_taken",
        )
    if created:
        listing.full_clean()
        catalogue_changed()
    return listing


@transaction.atomic
def save_product_edits(
    *,
    product: Product,
    actor: User | None,
    details: dict[str, Any],
    sku_changes: dict[SKU, dict[str, Any]],
) -> Product:
    """Saves one edit of a product from the seller dashboard, all of it or nothing.

    details go through update_product; each SKU's "price" through update_sku and "stock" (her
    count) through adjust_stock, recorded with the actor. Only what is given is written, so
    saving an unchanged form again changes nothing.
    """
    if details:
        product = update_product(product=product, **details)
    for sku, changes in sku_changes.items():
        if sku.product_id != product.pk:
            raise ValueError("The SKU belongs to another product.")
        if "price" in changes:
            update_sku(sku=sku, price=changes["price"])
        if "stock" in changes:
            adjust_stock(sku=sku, new_stock=changes["stock"], actor=actor, reference="seller count")
    if not details and any(sku_changes.values()):
        # Her list shows the latest changed first; a new price or count is a change.
        Product.objects.filter(pk=product.pk).update(updated_at=timezone.now())
    return product


@transaction.atomic
def set_product_tags(*, product: Product, names: Iterable[str]) -> bool:
    """Gives a product exactly these tags, creating unknown names; True if anything changed.

    The same names again change nothing and return False.
    """
    wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    if set(product.tags.values_list("name", flat=True)) == set(wanted):
        return False
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
    for name in wanted:
        if name not in existing:
            tag = Tag(name=name)
            tag.full_clean()
            tag.save()
            existing[name] = tag
    product.tags.set([existing[name] for name in wanted])
    catalogue_changed()
    return True
