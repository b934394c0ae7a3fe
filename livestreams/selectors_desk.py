"""Reads of the seller's order desk: her seller orders by tab, their counts, one order, the pick
list. Every read starts from `desk_seller_orders(member)`, so nothing of another seller's, and
nothing not yet forwarded to her, can reach a desk page."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from alliance.models import Member
from livestreams.models import (
    AfterSalesStatus,
    LineStatus,
    Notification,
    NotificationChannel,
    NotificationKind,
    OrderLine,
    SellerOrder,
    SellerOrderStatus,
)

S = SellerOrderStatus
NEW, TO_SHIP, SHIPPED, ALL = "new", "to_ship", "shipped", "all"
TABS = (NEW, TO_SHIP, SHIPPED, ALL)
OPEN = (S.FORWARDED, S.ACKNOWLEDGED)
# Before the parcel leaves, a tracking number on the seller order was attached by the base (the
# platform's e-waybill): the seller packs and hands the parcel over.
HAS_LABEL = ~Q(tracking_number="")
TAB_FILTERS: dict[str, Q] = {
    NEW: Q(status=S.FORWARDED),
    TO_SHIP: Q(status=S.ACKNOWLEDGED) | (Q(status=S.FORWARDED) & HAS_LABEL),
    SHIPPED: Q(status__in=(S.SHIPPED, S.DELIVERED)),
    ALL: Q(),
}
TAB_ORDERING: dict[str, tuple[str, ...]] = {
    # The oldest payment first where something is still to do: its deadline comes first.
    NEW: ("order__paid_at", "pk"),
    TO_SHIP: ("order__paid_at", "pk"),
    SHIPPED: ("-shipped_at", "-pk"),
    ALL: ("-created_at", "-pk"),
}
EXPORT_FIELDS = (
    "line_key", "title", "spec", "quantity", "order__platform_order_id", "seller_order__courier",
    "seller_order__tracking_number", "seller_order__status",
)  # fmt: skip
LINE_FIELDS = (
    "id", "seller_order_id", "line_key", "sku_id", "title", "spec", "quantity", "status",
    "after_sales_status",
)  # fmt: skip


def desk_seller_orders(member: Member) -> QuerySet[SellerOrder]:
    """Her seller orders as her desk knows them: forwarded or later, never one given away.

    A seller order staff gave to another seller is cancelled and its lines moved to the new
    seller's; with no line left it is no longer hers to see.
    """
    has_lines = Exists(OrderLine.objects.filter(seller_order=OuterRef("pk")))
    return (
        SellerOrder.objects.filter(seller=member)
        .exclude(status=S.PENDING)
        .exclude(Q(status=S.CANCELLED) & ~has_lines)
    )


def desk_counts(member: Member) -> dict[str, int]:
    """How many of her seller orders each tab holds, in one query."""
    return desk_seller_orders(member).aggregate(
        **{tab: Count("pk", filter=TAB_FILTERS[tab]) for tab in TABS}
    )


def _unread(kind: str) -> Exists:
    return Exists(
        Notification.objects.filter(
            seller_order=OuterRef("pk"),
            channel=NotificationChannel.DASHBOARD,
            kind=kind,
            read_at=None,
        )
    )


def _with_lines(seller_orders: QuerySet[SellerOrder]) -> QuerySet[SellerOrder]:
    lines = OrderLine.objects.only(*LINE_FIELDS).order_by("pk")
    return (
        seller_orders.select_related("order")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .annotate(
            is_unread=_unread(NotificationKind.NEW_ORDER),
            has_unread_change=_unread(NotificationKind.CHANGED),
        )
    )


def desk_list(member: Member, tab: str) -> QuerySet[SellerOrder]:
    """Her seller orders of one tab, most urgent first, with their order, lines and marks."""
    seller_orders = desk_seller_orders(member).filter(TAB_FILTERS[tab])
    return _with_lines(seller_orders).order_by(*TAB_ORDERING[tab])


def desk_order(member: Member) -> QuerySet[SellerOrder]:
    """Her seller orders, each ready for its own page (filter it by id)."""
    return _with_lines(desk_seller_orders(member))


def is_packable(line: OrderLine) -> bool:
    """A line to put in the parcel: not closed and not refunded."""
    return line.status != LineStatus.CLOSED and line.after_sales_status != AfterSalesStatus.REFUNDED


def ship_by(seller_order: SellerOrder) -> datetime | None:
    """The platform's shipping deadline: its hours after payment (settings)."""
    paid_at = seller_order.order.paid_at
    hours = settings.SHIPPING_DEADLINE_HOURS.get(seller_order.order.channel)
    if paid_at is None or hours is None:
        return None
    return paid_at + timedelta(hours=hours)


@dataclass(frozen=True)
class Notes:
    """What she should know about one seller order beyond its status."""

    is_cancelled: bool
    dropped_lines: int
    after_sales_lines: int
    is_overdue: bool
    ship_by: datetime | None


def notes_for(seller_order: SellerOrder, *, now: datetime | None = None) -> Notes:
    """Cancelled, items not to pack, after-sales, overdue — from the prefetched lines."""
    now = now or timezone.now()
    lines = list(seller_order.lines.all())
    deadline = ship_by(seller_order)
    is_open = seller_order.status in OPEN
    return Notes(
        is_cancelled=seller_order.status == S.CANCELLED,
        dropped_lines=sum(1 for line in lines if not is_packable(line)) if is_open else 0,
        after_sales_lines=sum(
            1 for line in lines if line.after_sales_status == AfterSalesStatus.OPEN
        ),
        is_overdue=is_open and deadline is not None and now > deadline,
        ship_by=deadline if is_open else None,
    )


# --- The pick list -------------------------------------------------------------------------------


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def packing_slip_orders(member: Member, day: date) -> QuerySet[SellerOrder]:
    """Her open seller orders forwarded up to the end of this day: what she has to pack."""
    end = _end_of(day)
    arrived = Q(forwarded_at__lt=end) | Q(forwarded_at=None, created_at__lt=end)
    seller_orders = desk_seller_orders(member).filter(arrived, status__in=OPEN)
    return _with_lines(seller_orders).order_by("order__paid_at", "pk")


def packing_slip_totals(member: Member, day: date) -> list[dict]:
    """Quantities to pick per SKU (title and spec as the orders give them), in one query."""
    seller_orders = packing_slip_orders(member, day).values("pk")
    lines = OrderLine.objects.filter(seller_order__in=seller_orders).exclude(
        Q(status=LineStatus.CLOSED) | Q(after_sales_status=AfterSalesStatus.REFUNDED)
    )
    return list(
        lines.values("sku_id", "title", "spec")
        .annotate(
            quantity=Coalesce(Sum("quantity"), 0), orders=Count("seller_order", distinct=True)
        )
        .order_by("title", "spec", "sku_id")
    )


def export_lines(member: Member, tab: str) -> QuerySet[OrderLine]:
    """The lines to pack of her seller orders of one tab (none cancelled), for her file."""
    seller_orders = (
        desk_seller_orders(member).filter(TAB_FILTERS[tab]).exclude(status=S.CANCELLED).values("pk")
    )
    return (
        OrderLine.objects.filter(seller_order__in=seller_orders)
        .exclude(Q(status=LineStatus.CLOSED) | Q(after_sales_status=AfterSalesStatus.REFUNDED))
        .select_related("seller_order", "order")
        .only(*EXPORT_FIELDS)
        .order_by("order__paid_at", "order_id", "pk")
    )
