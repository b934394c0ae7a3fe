"""Reads of the livestream base and the order spine that the staff pages, the seller dashboard,
the admin and reports share. Each returns a queryset with what its page shows joined, so a list
costs the same few queries however many rows it shows.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Max, Min, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from alliance.models import Member
from livestreams.models import (
    LineStatus,
    LiveSession,
    LiveSessionStatus,
    Order,
    OrderImport,
    OrderLine,
    OrderStatus,
    SellerOrder,
)
from livestreams.services.matching import unmatched_lines
from products.models import SKU

# How far from an order's payment the sessions offered for its attribution may start.
ATTRIBUTION_SEARCH_HOURS = 12
SKU_SEARCH_RESULTS = 20


# --- Live sessions ------------------------------------------------------------------------------


def sessions_in_week(start: datetime, end: datetime) -> QuerySet[LiveSession]:
    """Sessions that touch [start, end), with studio and streamer joined (the week view)."""
    return (
        LiveSession.objects.filter(planned_start__lt=end, planned_end__gt=start)
        .select_related("studio", "streamer", "staff_streamer__member", "campaign")
        .order_by("planned_start", "studio__number")
    )


def for_streamer(member: Member) -> QuerySet[LiveSession]:
    """A streamer's own sessions, latest first."""
    return (
        LiveSession.objects.filter(streamer=member)
        .select_related("studio", "campaign")
        .order_by("-planned_start")
    )


def upcoming(now: datetime) -> Q:
    """Sessions still to come: live now, or planned and not over yet."""
    return Q(status=LiveSessionStatus.LIVE) | Q(
        status=LiveSessionStatus.PLANNED, planned_end__gte=now
    )


def with_sales(sessions: QuerySet[LiveSession]) -> QuerySet[LiveSession]:
    """Each session with the number and paid total (GMV) of its orders, cancelled ones left out.

    One aggregate over the page's sessions: the orders are joined once, never a query per row.
    """
    kept = ~Q(orders__status=OrderStatus.CANCELLED)
    return sessions.annotate(
        order_count=Count("orders", filter=kept),
        gmv=Coalesce(
            Sum("orders__paid_amount", filter=kept),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
    )


def streamer_sessions(member: Member, *, now: datetime, past: bool) -> QuerySet[LiveSession]:
    """Her upcoming sessions (soonest first) or her past ones with their sales (latest first)."""
    sessions = for_streamer(member)
    if not past:
        return sessions.filter(upcoming(now)).order_by("planned_start", "pk")
    return with_sales(sessions.exclude(upcoming(now))).order_by("-planned_start", "-pk")


def session_products_sold(session: LiveSession) -> QuerySet[OrderLine]:
    """What a session sold, product by product (title and spec as the platform gave them)."""
    return (
        OrderLine.objects.filter(order__live_session=session)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values("title", "spec")
        .annotate(quantity=Sum("quantity"), total=Sum("line_total"))
        .order_by("-quantity", "title", "spec")
    )


def sessions_near(order: Order) -> QuerySet[LiveSession]:
    """Sessions of the order's platform that started within half a day of its payment."""
    moment = order.paid_at or order.ordered_at or order.created_at
    window = timedelta(hours=ATTRIBUTION_SEARCH_HOURS)
    return (
        LiveSession.objects.filter(
            platform=order.channel,
            planned_start__gte=moment - window,
            planned_start__lte=moment + window,
        )
        .exclude(status=LiveSessionStatus.CANCELLED)
        .select_related("studio", "streamer", "staff_streamer__member")
        .order_by("planned_start", "pk")
    )


# --- Imports ------------------------------------------------------------------------------------


def import_history(*, previews: bool = False) -> QuerySet[OrderImport]:
    """Recorded imports, latest first (previews only when asked), with who uploaded them."""
    return (
        OrderImport.objects.filter(is_dry_run=previews)
        .select_related("uploaded_by__member")
        .order_by("-created_at", "-pk")
    )


# --- Unmatched lines ----------------------------------------------------------------------------


def unmatched_groups() -> QuerySet:
    """Waiting lines grouped by what identifies them (channel, product id, merchant code, spec).

    Each group carries its number of lines (and of lines still to route), a title, its oldest
    line, and one line's id to map the group by; largest groups first.
    """
    return (
        unmatched_lines()
        .order_by()
        .values("channel", "platform_product_id", "merchant_code", "spec")
        .annotate(
            lines=Count("pk"),
            open_lines=Count("pk", filter=~Q(status=LineStatus.CLOSED)),
            quantity=Sum("quantity"),
            title=Max("title"),
            first_line=Min("pk"),
            oldest=Min("created_at"),
        )
        .order_by("-lines", "oldest", "first_line")
    )


def unmatched_line_count() -> int:
    """How many lines wait for a SKU."""
    return unmatched_lines().count()


def lines_like(line: OrderLine) -> QuerySet[OrderLine]:
    """The waiting lines of a line's group, oldest first, with their orders."""
    return unmatched_lines().filter(
        channel=line.channel,
        platform_product_id=line.platform_product_id,
        merchant_code=line.merchant_code,
        spec=line.spec,
    )


def sku_candidates(query: str) -> QuerySet[SKU]:
    """Active SKUs whose merchant code or product name holds the words searched (a few)."""
    skus = SKU.objects.filter(is_active=True)
    for word in query.split()[:5]:
        skus = skus.filter(Q(merchant_code__icontains=word) | Q(product__name__icontains=word))
    return skus.select_related("product__seller").order_by("merchant_code")[:SKU_SEARCH_RESULTS]


# --- Orders -------------------------------------------------------------------------------------


def order_for_staff() -> QuerySet[Order]:
    """Orders with everything the staff order page shows: lines, seller orders, the session."""
    lines = OrderLine.objects.select_related("sku__product", "seller").order_by("pk")
    seller_orders = SellerOrder.objects.select_related("seller").order_by("pk")
    return Order.objects.select_related(
        "live_session__studio", "live_session__streamer", "last_import"
    ).prefetch_related(
        Prefetch("lines", queryset=lines), Prefetch("seller_orders", queryset=seller_orders)
    )
