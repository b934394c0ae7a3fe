"""What the forwarding monitor and the staff home read: the tabs, their counts and rows."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from livestreams.models import LIVESTREAM_PLATFORMS, DeliveryAttempt, SellerOrder, SellerOrderStatus
from livestreams.services import shipments

ROWS_PER_PAGE = 50
EXPORTS_PER_PAGE = 30
ATTEMPTS_SHOWN = 3
S = SellerOrderStatus
NOT_SHIPPED = (S.PENDING, S.FORWARDED, S.ACKNOWLEDGED)


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    help: str
    ordering: tuple[str, ...]


TABS = (
    Tab(
        "pending",
        gettext_lazy("Pending"),
        gettext_lazy("Waiting to be forwarded; the workers and the sweep are on it."),
        ("created_at", "pk"),
    ),
    Tab(
        "failed",
        gettext_lazy("Failed"),
        gettext_lazy("Forwarding stopped with a problem: fix it, then retry."),
        ("problem_at", "pk"),
    ),
    Tab(
        "unacknowledged",
        gettext_lazy("Unacknowledged"),
        gettext_lazy("Forwarded, but the seller has not confirmed it in time."),
        ("forwarded_at", "pk"),
    ),
    Tab(
        "overdue",
        gettext_lazy("Overdue"),
        gettext_lazy("Not shipped by the platform's deadline."),
        ("order__paid_at", "pk"),
    ),
)
TABS_BY_KEY = {tab.key: tab for tab in TABS}


def tab_conditions(now: datetime) -> dict[str, Q]:
    """What puts a seller order on each tab of the monitor."""
    late = now - timedelta(minutes=settings.REMIND_UNACKNOWLEDGED_AFTER_MINUTES)
    return {
        "pending": Q(status=S.PENDING, problem=""),
        "failed": Q(status=S.PENDING) & ~Q(problem=""),
        "unacknowledged": Q(status=S.FORWARDED, forwarded_at__lt=late),
        "overdue": Q(status__in=NOT_SHIPPED, escalated_at__isnull=False),
    }


def monitor_counts(now: datetime | None = None) -> dict[str, int]:
    """How many seller orders each tab holds, in one query."""
    conditions = tab_conditions(now or timezone.now())
    return SellerOrder.objects.filter(status__in=NOT_SHIPPED).aggregate(
        **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
    )


def monitor_rows(tab: str, now: datetime) -> QuerySet[SellerOrder]:
    """The seller orders of one tab, oldest first, with what a row shows joined."""
    return (
        SellerOrder.objects.filter(tab_conditions(now)[tab])
        .select_related("order", "seller")
        .order_by(*TABS_BY_KEY[tab].ordering)
    )


def last_attempts(seller_order_ids: list[int]) -> dict[int, list[DeliveryAttempt]]:
    """The latest few delivery attempts of each seller order, newest first, in one query."""
    ranked = (
        DeliveryAttempt.objects.filter(notification__seller_order_id__in=seller_order_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("notification__seller_order_id"),
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=ATTEMPTS_SHOWN)
        .select_related("notification")
        .order_by("-created_at", "-pk")
    )
    by_seller_order: dict[int, list[DeliveryAttempt]] = {}
    for attempt in ranked:
        by_seller_order.setdefault(attempt.notification.seller_order_id, []).append(attempt)
    return by_seller_order


def pending_work() -> dict[str, int]:
    """The staff home's counts: monitor tabs and parcels waiting to go back to the platforms."""
    counts = monitor_counts()
    counts["waiting_parcels"] = sum(
        shipments.waiting_for_upload(platform).count() for platform in LIVESTREAM_PLATFORMS
    )
    return counts


def page_of(request: HttpRequest, rows: QuerySet, per_page: int, count: int | None = None) -> Page:
    paginator = Paginator(rows, per_page)
    if count is not None:
        paginator.count = count  # already counted with the tabs: no second COUNT query
    return paginator.get_page(request.GET.get("page"))
