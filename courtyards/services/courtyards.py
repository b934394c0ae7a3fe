"""Courtyards, their pieces and designs, photos and QR codes: created and changed here."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.images import process_image
from alliance.models import Member, User
from courtyards.cache import courtyards_changed
from courtyards.models import (
    Courtyard,
    CourtyardDesign,
    CourtyardItem,
    ItemEvent,
    ItemStatus,
    Photo,
    QrCode,
)
from livestreams.models import Order
from products.models import SKU

MAX_PHOTOS = 12

# Who may move a piece where. A sale through its code moves it too (services.purchases), with
# the order on the event row; the owner may put a sold piece back only when no order holds it.
ITEM_TRANSITIONS: dict[str, set[str]] = {
    ItemStatus.AVAILABLE: {ItemStatus.RESERVED, ItemStatus.SOLD},
    ItemStatus.RESERVED: {ItemStatus.AVAILABLE, ItemStatus.SOLD},
    ItemStatus.SOLD: {ItemStatus.AVAILABLE},
}

COURTYARD_FIELDS = ("name", "story", "directions", "kind", "latitude", "longitude", "is_active")
ITEM_FIELDS = ("name", "description", "price", "position")
DESIGN_FIELDS = (
    "name",
    "style",
    "description",
    "materials",
    "price_min_per_sqm",
    "price_max_per_sqm",
    "designer",
    "is_active",
    "position",
)


def _set(instance: Any, fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"not changed here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def create_courtyard(*, owner: Member, village: Any, name: str, **fields: Any) -> Courtyard:
    """Adds a courtyard for a courtyard owner."""
    courtyard = Courtyard(owner=owner, village=village)
    _set(courtyard, {"name": name, **fields}, COURTYARD_FIELDS)
    courtyard.full_clean()
    courtyard.save()
    courtyards_changed()
    return courtyard


@transaction.atomic
def update_courtyard(*, courtyard: Courtyard, **fields: Any) -> Courtyard:
    """Changes a courtyard's details (name, story, directions, kind, coordinates, shown)."""
    courtyard = Courtyard.objects.select_for_update().get(pk=courtyard.pk)
    _set(courtyard, fields, COURTYARD_FIELDS)
    if not courtyard.is_public and courtyard.designs.exists():
        raise ValidationError(
            {"kind": _("This courtyard shows design models: it stays a public courtyard.")}
        )
    courtyard.full_clean()
    courtyard.save()
    courtyards_changed()
    return courtyard


def _next_position(queryset: Any) -> int:
    highest = queryset.aggregate(highest=Max("position"))["highest"]
    return 0 if highest is None else highest + 1


@transaction.atomic
def add_item(
    *,
    courtyard: Courtyard,
    name: str,
    description: str = "",
    price: Decimal | None = None,
    sku: SKU | None = None,
) -> CourtyardItem:
    """Adds a piece to a courtyard with its first QR code.

    A catalogue SKU must be the owner's own product's.
    """
    if sku is not None and sku.product.seller_id != courtyard.owner_id:
        raise ValidationError({"sku": _("Choose a SKU of one of your own products.")})
    item = CourtyardItem(
        courtyard=courtyard,
        name=name.strip(),
        description=description.strip(),
        price=None if sku is not None else price,
        sku=sku,
        position=_next_position(courtyard.items.all()),
    )
    item.full_clean()
    item.save()
    QrCode.objects.create(courtyard=courtyard, item=item)
    courtyards_changed()
    return item


@transaction.atomic
def update_item(*, item: CourtyardItem, **fields: Any) -> CourtyardItem:
    """Changes a piece's name, story, price or place in the list (never its status)."""
    item = CourtyardItem.objects.select_for_update().get(pk=item.pk)
    if "price" in fields and item.sku_id is not None:
        raise ValidationError({"price": _("A catalogue plant takes its SKU's price.")})
    _set(item, fields, ITEM_FIELDS)
    item.full_clean()
    item.save()
    courtyards_changed()
    return item


def _item_transition(
    item: CourtyardItem,
    to_status: str,
    *,
    actor: User | None,
    order: Order | None = None,
    reason: str = "",
) -> CourtyardItem:
    """The one place a piece's status changes; the caller holds the row lock."""
    if to_status not in ITEM_TRANSITIONS[item.status]:
        raise ValidationError(
            _("A piece cannot go from “%(from)s” to “%(to)s”.")
            % {"from": item.get_status_display(), "to": ItemStatus(to_status).label},
            code="invalid_transition",
        )
    ItemEvent.objects.create(
        item=item,
        from_status=item.status,
        to_status=to_status,
        order=order,
        actor=actor,
        reason=reason[:200],
    )
    item.status = to_status
    item.sold_at = timezone.now() if to_status == ItemStatus.SOLD else None
    item.save(update_fields=["status", "sold_at", "updated_at"])
    courtyards_changed()
    return item


@transaction.atomic
def set_item_status(
    *, item: CourtyardItem, to_status: str, actor: User | None, reason: str = ""
) -> CourtyardItem:
    """The owner marks a piece reserved, sold (offline) or for sale again; the same status again
    changes nothing. A piece an order holds goes back on sale only when that order is cancelled.
    """
    item = CourtyardItem.objects.select_for_update().get(pk=item.pk)
    if item.status == to_status:
        return item
    if item.status == ItemStatus.SOLD and item.sales.filter(released_at__isnull=True).exists():
        raise ValidationError(
            _("An order holds this piece. It goes back on sale if the order is cancelled."),
            code="held_by_order",
        )
    return _item_transition(item, to_status, actor=actor, reason=reason)


@transaction.atomic
def add_design(
    *,
    courtyard: Courtyard,
    designer: Member,
    name: str,
    style: str,
    price_min_per_sqm: Decimal,
    price_max_per_sqm: Decimal,
    description: str = "",
    materials: str = "",
) -> CourtyardDesign:
    """Adds a design model to a public courtyard with its first QR code."""
    design = CourtyardDesign(
        courtyard=courtyard,
        designer=designer,
        name=name.strip(),
        style=style,
        description=description.strip(),
        materials=materials.strip(),
        price_min_per_sqm=price_min_per_sqm,
        price_max_per_sqm=price_max_per_sqm,
        position=_next_position(courtyard.designs.all()),
    )
    design.full_clean()
    design.save()
    QrCode.objects.create(courtyard=courtyard, design=design)
    courtyards_changed()
    return design


@transaction.atomic
def update_design(*, design: CourtyardDesign, **fields: Any) -> CourtyardDesign:
    """Changes a design's details, price range, designer or whether visitors see it."""
    design = CourtyardDesign.objects.select_for_update().get(pk=design.pk)
    _set(design, fields, DESIGN_FIELDS)
    design.full_clean()
    design.save()
    courtyards_changed()
    return design


@transaction.atomic
def rotate_qr_code(
    *, item: CourtyardItem | None = None, design: CourtyardDesign | None = None
) -> QrCode:
    """Retires the active code of a piece or design (its label was lost) and issues a new one.

    The old label then opens "this code is no longer in use"; each call retires and issues once.
    """
    if (item is None) == (design is None):
        raise ValueError("rotate the code of a piece or of a design")
    target = {"item": item} if item is not None else {"design": design}
    courtyard_id = item.courtyard_id if item is not None else design.courtyard_id  # type: ignore[union-attr]
    # Lock the thing itself: two rotations at once then retire and issue one after the other.
    owner_model = CourtyardItem if item is not None else CourtyardDesign
    owner_model.objects.select_for_update().get(pk=(item or design).pk)  # type: ignore[union-attr]
    QrCode.objects.filter(retired_at__isnull=True, **target).update(retired_at=timezone.now())
    code = QrCode.objects.create(courtyard_id=courtyard_id, **target)
    courtyards_changed()
    return code


def _photo_count(courtyard: Courtyard, item: CourtyardItem | None, design: Any) -> int:
    return Photo.objects.filter(courtyard=courtyard, item=item, design=design).count()


@transaction.atomic
def add_photo(
    *,
    courtyard: Courtyard,
    upload: UploadedFile,
    item: CourtyardItem | None = None,
    design: CourtyardDesign | None = None,
    alt_text: str = "",
) -> Photo:
    """Adds a photo, re-encoded without EXIF or GPS (a courtyard's location is a woman's home).

    Refuses (ValidationError) what alliance.images refuses, and a thirteenth photo.
    """
    if _photo_count(courtyard, item, design) >= MAX_PHOTOS:
        raise ValidationError(
            _("At most %(count)d photos each. Remove one first.") % {"count": MAX_PHOTOS},
            code="too_many_photos",
        )
    processed = process_image(upload)
    position = _next_position(Photo.objects.filter(courtyard=courtyard, item=item, design=design))
    photo = Photo(
        courtyard=courtyard,
        item=item,
        design=design,
        width=processed.width,
        height=processed.height,
        alt_text=alt_text[:120],
        position=position,
    )
    photo.image.save("full.jpg", processed.full, save=False)
    photo.thumbnail_small.save("small.jpg", processed.small, save=False)
    photo.thumbnail_medium.save("medium.jpg", processed.medium, save=False)
    photo.save()
    courtyards_changed()
    return photo


@transaction.atomic
def remove_photo(*, photo: Photo) -> None:
    """Removes a photo and its files (after the commit)."""
    files = [photo.image, photo.thumbnail_small, photo.thumbnail_medium]
    photo.delete()
    storage_names = [(field.storage, field.name) for field in files if field.name]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in storage_names])
    courtyards_changed()
