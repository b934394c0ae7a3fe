"""After forwarding: the seller acknowledges and ships; staff attach platform labels, reassign
and retry; everything through the seller order's one transition function.

Two ways to ship (PLATFORM-FORMATS.md: platforms mask recipients in their exports):
- a platform order: the base prints the platform's e-waybill and staff attach courier, tracking
  number and label file (one by one or from a file); the seller packs and marks the parcel
  handed to the courier;
- an order of our own channels (mini-program, courtyard QR), whose full address is ours: the
  seller ships with her own courier and enters courier and tracking number herself.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import Member, User
from livestreams import couriers
from livestreams.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationStatus,
    OrderLine,
    SellerOrder,
    SellerOrderStatus,
)
from livestreams.services import forwarding, seller_orders
from products.services import release_stock

OWN_CHANNELS = (Channel.MINIPROGRAM, Channel.COURTYARD_QR)
LABEL_TYPES = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}
MAX_LABEL_BYTES = 5 * 1024 * 1024


def is_own_channel(seller_order: SellerOrder) -> bool:
    """True for our own channels, where the seller ships with her own courier."""
    return seller_order.order.channel in OWN_CHANNELS


@transaction.atomic
def acknowledge(*, seller_order: SellerOrder, actor: User) -> SellerOrder:
    """The seller has seen the order and will ship it; repeat calls change nothing."""
    locked = SellerOrder.objects.select_for_update().get(pk=seller_order.pk)
    if locked.status == SellerOrderStatus.ACKNOWLEDGED:
        return locked
    moved = seller_orders.transition(
        seller_order=locked, to_status=SellerOrderStatus.ACKNOWLEDGED, actor=actor
    )
    SellerOrder.objects.filter(pk=moved.pk).update(acknowledged_at=timezone.now())
    moved.refresh_from_db()
    return moved


@transaction.atomic
def attach_label(
    *,
    seller_order: SellerOrder,
    courier: str,
    tracking_number: str,
    label: UploadedFile | None,
    actor: User,
) -> SellerOrder:
    """Staff attach the platform's e-waybill: courier, tracking number and (optionally) the label.

    Only for platform orders not yet shipped; replaces an earlier label.
    """
    locked = SellerOrder.objects.select_for_update().select_related("order").get(pk=seller_order.pk)
    if is_own_channel(locked):
        raise ValidationError(
            _("The seller ships orders of our own channels herself."), code="own_channel"
        )
    if locked.status in (SellerOrderStatus.SHIPPED, SellerOrderStatus.DELIVERED):
        raise ValidationError(_("This parcel has already been shipped."), code="already_shipped")
    if locked.status == SellerOrderStatus.CANCELLED:
        raise ValidationError(_("This seller order was cancelled."), code="cancelled")
    locked.courier = courier
    locked.tracking_number = couriers.check_tracking(courier, tracking_number)
    if label is not None:
        _check_label(label)
        locked.label.save(label.name, label, save=False)
    locked.save(update_fields=["courier", "tracking_number", "label", "updated_at"])
    return locked


def _check_label(label: UploadedFile) -> None:
    if label.size > MAX_LABEL_BYTES:
        raise ValidationError(_("A label file is at most 5 MB."), code="label_too_large")
    head = label.read(4)
    label.seek(0)
    if not any(head.startswith(magic) for magic in LABEL_TYPES):
        raise ValidationError(_("A label must be a PDF, PNG or JPEG file."), code="label_type")


@transaction.atomic
def ship(
    *,
    seller_order: SellerOrder,
    actor: User,
    courier: str = "",
    tracking_number: str = "",
) -> SellerOrder:
    """The parcel is handed to the courier; repeat calls change nothing.

    With a label the base attached (a platform order), its courier and number are used. Without
    one, the seller ships with her own courier and gives courier and tracking number (checked
    against the courier's format); for a platform order they go back to it in the
    batch-shipment file.
    """
    locked = SellerOrder.objects.select_for_update().select_related("order").get(pk=seller_order.pk)
    if locked.status == SellerOrderStatus.SHIPPED:
        return locked
    if is_own_channel(locked) or not locked.tracking_number:
        if not courier and not tracking_number and not is_own_channel(locked):
            raise ValidationError(
                _("Enter the courier and tracking number, or wait for the base's label."),
                code="no_label",
            )
        locked.courier = courier
        locked.tracking_number = couriers.check_tracking(courier, tracking_number)
    moved = seller_orders.transition(
        seller_order=locked, to_status=SellerOrderStatus.SHIPPED, actor=actor
    )
    now = timezone.now()
    SellerOrder.objects.filter(pk=moved.pk).update(
        courier=locked.courier, tracking_number=locked.tracking_number, shipped_at=now
    )
    moved.refresh_from_db()
    return moved


@transaction.atomic
def mark_delivered(*, seller_order: SellerOrder, actor: User | None) -> SellerOrder:
    """The parcel arrived (from a later export, or staff); repeat calls change nothing."""
    locked = SellerOrder.objects.select_for_update().get(pk=seller_order.pk)
    if locked.status == SellerOrderStatus.DELIVERED:
        return locked
    moved = seller_orders.transition(
        seller_order=locked, to_status=SellerOrderStatus.DELIVERED, actor=actor
    )
    SellerOrder.objects.filter(pk=moved.pk).update(delivered_at=timezone.now())
    moved.refresh_from_db()
    return moved


@transaction.atomic
def cancel(*, seller_order: SellerOrder, actor: User, reason: str) -> SellerOrder:
    """Staff cancel a seller order before it ships; the reason is recorded."""
    if not reason.strip():
        raise ValidationError(_("Say why the seller order is cancelled."), code="no_reason")
    cancelled = seller_orders.transition(
        seller_order=seller_order, to_status=SellerOrderStatus.CANCELLED, actor=actor, reason=reason
    )
    if is_own_channel(cancelled):
        # Our own channels reserved catalogue stock for these lines: give it back.
        for line in OrderLine.objects.filter(seller_order=cancelled, sku__isnull=False):
            release_stock(
                sku_id=line.sku_id,
                quantity=line.quantity,
                reference=cancelled.order.platform_order_id,
                actor=actor,
            )
    return cancelled


@transaction.atomic
def reassign(
    *, seller_order: SellerOrder, to_seller: Member, actor: User, reason: str
) -> SellerOrder:
    """Staff give a seller order to another seller (she will ship it): a new seller order for
    her with the same lines, the old one cancelled, both recorded; forwarded to her on commit."""
    locked = SellerOrder.objects.select_for_update().get(pk=seller_order.pk)
    if to_seller.pk == locked.seller_id:
        raise ValidationError(_("This is already her order."), code="same_seller")
    if not (to_seller.is_seller and to_seller.is_active_member):
        raise ValidationError(_("Only an active seller can take an order."), code="not_seller")
    if locked.status not in forwarding_reassignable():
        raise ValidationError(
            _("Only an order not yet shipped can be given to another seller."), code="shipped"
        )
    if not reason.strip():
        raise ValidationError(_("Say why the order goes to another seller."), code="no_reason")
    target, _created = SellerOrder.objects.get_or_create(
        order_id=locked.order_id,
        seller=to_seller,
        defaults={"status": SellerOrderStatus.PENDING},
    )
    if target.status != SellerOrderStatus.PENDING:
        raise ValidationError(
            _("She already has a part of this order in progress."), code="target_busy"
        )
    OrderLine.objects.filter(seller_order=locked).update(seller_order=target, seller=to_seller)
    seller_orders.transition(
        seller_order=locked,
        to_status=SellerOrderStatus.CANCELLED,
        actor=actor,
        reason=_("given to %(name)s: %(reason)s") % {"name": to_seller.name, "reason": reason},
    )
    forwarding.publish_after_commit([target.pk])
    return target


def forwarding_reassignable() -> tuple[str, ...]:
    return (SellerOrderStatus.PENDING, SellerOrderStatus.FORWARDED, SellerOrderStatus.ACKNOWLEDGED)


@transaction.atomic
def retry_forwarding(*, seller_order_ids: Iterable[int], actor: User) -> int:
    """Staff clear the problem of pending seller orders and forward them again."""
    ids = list(
        SellerOrder.objects.select_for_update()
        .filter(pk__in=list(seller_order_ids), status=SellerOrderStatus.PENDING)
        .values_list("pk", flat=True)
    )
    SellerOrder.objects.filter(pk__in=ids).update(
        problem="", problem_at=None, forward_attempts=0, lease_until=None
    )
    # A channel that refused the message for good (a 4xx: a wrong webhook since fixed) is
    # tried again too: its notifications go back to pending.
    Notification.objects.filter(
        seller_order_id__in=ids,
        kind=NotificationKind.NEW_ORDER,
        status=NotificationStatus.FAILED,
    ).update(status=NotificationStatus.PENDING, last_error="")
    forwarding.publish_after_commit(ids)
    return len(ids)


# --- Shipping from a file (the desk's export filled in, or staff's label list) --------------------


@dataclass
class BulkShipResult:
    shipped: int = 0
    labelled: int = 0
    errors: list[dict] = field(default_factory=list)


@transaction.atomic
def ship_from_rows(
    *,
    rows: list[dict[str, str]],
    seller: Member | None,
    actor: User,
) -> BulkShipResult:
    """Applies rows of (order id, courier, tracking number): all or nothing.

    For a seller (her desk's export filled in): ships her own orders; a row naming an order that
    is not hers is refused like an unknown one. For staff (seller=None): attaches labels to
    platform orders. Every bad row is reported by its row number; nothing is written then.
    """
    result = BulkShipResult()
    for number, row in enumerate(rows, start=2):
        try:
            with transaction.atomic():
                _ship_row(row, seller, actor, result)
        except ValidationError as error:
            result.errors.append({"row": number, "message": " ".join(error.messages)})
    if result.errors:
        transaction.set_rollback(True)
        result.shipped = result.labelled = 0
    return result


def _ship_row(
    row: dict[str, str], seller: Member | None, actor: User, result: BulkShipResult
) -> None:
    order_id = (row.get("order_id") or "").strip()
    courier = (row.get("courier") or "").strip().upper()
    courier = next((c.code for c in couriers.COURIERS if courier in (c.code, c.name)), courier)
    candidates = SellerOrder.objects.filter(order__platform_order_id=order_id).exclude(
        status=SellerOrderStatus.CANCELLED
    )
    if seller is not None:
        candidates = candidates.filter(seller=seller)
    if row.get("sub_order_id"):
        candidates = candidates.filter(lines__line_key=row["sub_order_id"].strip()).distinct()
    matches = list(candidates[:2])
    if len(matches) != 1:
        if len(matches) > 1:
            raise ValidationError(
                _("Order %(order)s has several sellers: give the sub-order id.")
                % {"order": order_id[:40]}
            )
        raise ValidationError(
            _("No order %(order)s of yours to ship here.") % {"order": order_id[:40]}
            if seller is not None
            else _("No open seller order %(order)s to label here.") % {"order": order_id[:40]}
        )
    if seller is None:
        attach_label(
            seller_order=matches[0],
            courier=courier,
            tracking_number=row.get("tracking_number", ""),
            label=None,
            actor=actor,
        )
        result.labelled += 1
    else:
        ship(
            seller_order=matches[0],
            actor=actor,
            courier=courier,
            tracking_number=row.get("tracking_number", ""),
        )
        result.shipped += 1
