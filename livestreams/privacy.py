"""Who sees a recipient's name, phone and address, and in what form (RELIABILITY.md §0.7, §5).

In full: staff, and the seller the order was forwarded to while her part is open (and for a
while after it shipped, for questions about the parcel). Masked everywhere else: 王**,
138****1234, the province, city and district with the street hidden.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alliance.access import is_federation_staff
from alliance.models import User
from alliance.validators import mask_mobile
from livestreams.models import Order, OrderStatus, SellerOrder, SellerOrderStatus

OPEN_FOR_SELLER = (
    SellerOrderStatus.FORWARDED,
    SellerOrderStatus.ACKNOWLEDGED,
)


@dataclass(frozen=True)
class Recipient:
    name: str
    mobile: str
    province: str
    city: str
    district: str
    address: str
    is_masked: bool


def mask_name(name: str) -> str:
    """王小红 → 王**; an already masked or empty name stays as it is."""
    if not name or "*" in name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(value: str) -> str:
    if not value or "*" in value:
        return value
    digits = "".join(ch for ch in value if ch.isdigit())
    return mask_mobile(digits) if len(digits) == 11 else "*" * len(value)


def masked(order: Order) -> Recipient:
    return Recipient(
        name=mask_name(order.recipient_name),
        mobile=mask_phone(order.recipient_mobile),
        province=order.recipient_province,
        city=order.recipient_city,
        district=order.recipient_district,
        address="****" if order.recipient_address else "",
        is_masked=True,
    )


def in_full(order: Order) -> Recipient:
    return Recipient(
        name=order.recipient_name,
        mobile=order.recipient_mobile,
        province=order.recipient_province,
        city=order.recipient_city,
        district=order.recipient_district,
        address=order.recipient_address,
        is_masked=False,
    )


def seller_may_see(seller_order: SellerOrder, *, now: timezone.datetime | None = None) -> bool:
    """Her own open part, or shipped within the window."""
    now = now or timezone.now()
    if seller_order.status in OPEN_FOR_SELLER:
        return True
    if seller_order.status in (SellerOrderStatus.SHIPPED, SellerOrderStatus.DELIVERED):
        window = timedelta(days=settings.SELLER_SEES_RECIPIENT_DAYS)
        return seller_order.shipped_at is not None and now - seller_order.shipped_at <= window
    return False


def recipient_for(
    order: Order, *, viewer: User, seller_order: SellerOrder | None = None
) -> Recipient:
    """The recipient as this viewer may see it."""
    if is_federation_staff(viewer):
        return in_full(order)
    member = getattr(viewer, "member", None)
    if (
        seller_order is not None
        and member is not None
        and seller_order.seller_id == member.pk
        and seller_order.order_id == order.pk
        and seller_may_see(seller_order)
    ):
        return in_full(order)
    return masked(order)


def anonymise_closed_orders(*, now: timezone.datetime | None = None) -> int:
    """Replaces the recipient details of orders closed longer than the retention period with
    their masked forms; a second run changes nothing. Returns how many orders it changed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RECIPIENT_RETENTION_DAYS)
    closed = Q(status__in=(OrderStatus.COMPLETED, OrderStatus.CANCELLED))
    open_parts = SellerOrder.objects.filter(
        status__in=(
            SellerOrderStatus.PENDING,
            SellerOrderStatus.FORWARDED,
            SellerOrderStatus.ACKNOWLEDGED,
        )
    ).values("order_id")
    changed = 0
    with transaction.atomic():
        orders = (
            Order.objects.select_for_update(skip_locked=True)
            .filter(closed, updated_at__lt=cutoff, recipient_anonymised_at=None)
            .exclude(pk__in=open_parts)
        )
        for order in orders.iterator(chunk_size=500):
            hidden = masked(order)
            Order.objects.filter(pk=order.pk).update(
                recipient_name=hidden.name,
                recipient_mobile=hidden.mobile,
                recipient_address=hidden.address,
                buyer_note="",
                recipient_anonymised_at=now,
            )
            changed += 1
    return changed
