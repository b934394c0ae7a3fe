"""The one place sales figures are computed: every report, dashboard, statement check and PDF
reads them from here, so that every total agrees with every other.

What counts as sold
-------------------
An order line counts when all of these hold:

* it has a seller (a matched SKU's seller, or a courtyard piece's owner); lines still waiting
  in the unmatched queue are left out until staff map them;
* its order was paid (``Order.paid_at`` is set) and ``paid_at`` falls in the period, read in
  Asia/Shanghai (a period is whole local days, both ends included);
* its status is paid, shipped or completed — or closed *because of a refund after payment*
  (closed with the after-sales status "refunded" or a refunded amount above zero).

Lines that are unpaid, or closed without a refund (cancelled before payment or before they
were paid for), do not count at all.

Amounts
-------
* gross = the line total (what the customer paid for the line);
* refunds = the refunded amount, never more than the line total;
* net = gross − refunds. Net is the sales figure every report shows; a fully refunded line adds
  its gross and its refund and nets to zero.

Refunds are counted in the period of the sale (its payment), whenever they happen — so a
month's figures can go down later when a refund comes in. Settlement is different: a refund
after a statement was confirmed is deducted on the seller's next statement (see
livestreams/services/settlement.py), but it uses the same rule of which lines count.

Every grouping is one SQL query that aggregates in the database (never lines loaded into
Python). Grouped by channel, by seller, by month, by village … the gross, refunds, net, quantity
and line counts add up to the overall totals, to the fen. Order counts do not add up across
groups: an order with two sellers' lines counts once for each seller.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractHour, Least, TruncDate, TruncMonth

from livestreams.models import AfterSalesStatus, LineStatus, OrderLine

TZ = ZoneInfo(settings.TIME_ZONE)
MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")

COUNTED_STATUSES = (LineStatus.PAID, LineStatus.SHIPPED, LineStatus.COMPLETED)
# Closed after payment because of a refund: it was sold, and the refund is taken off.
REFUNDED_AFTER_PAYMENT = Q(status=LineStatus.CLOSED) & (
    Q(after_sales_status=AfterSalesStatus.REFUNDED) | Q(refunded_amount__gt=0)
)
SOLD = Q(seller__isnull=False, order__paid_at__isnull=False) & (
    Q(status__in=COUNTED_STATUSES) | REFUNDED_AFTER_PAYMENT
)


def capped_refund(prefix: str = "") -> Least:
    """A line's refunded amount, never more than its total (`prefix` reaches the line)."""
    return Least(F(f"{prefix}refunded_amount"), F(f"{prefix}line_total"), output_field=MONEY)


REFUND = capped_refund()
NET = F("line_total") - REFUND


FEN = Decimal("0.01")
MONEY_NAMES = ("gross", "refunds", "net")


def fen_row(row: dict[str, Any], names: tuple[str, ...] = MONEY_NAMES) -> dict[str, Any]:
    """Money of a row to the fen: SQLite sums in binary floating point (15 significant digits
    come back); PostgreSQL's numeric is exact already."""
    for name in names:
        if row.get(name) is not None:
            row[name] = Decimal(row[name]).quantize(FEN, rounding=ROUND_HALF_UP)
    return row


def money_sum(expression: Any) -> Coalesce:
    return Coalesce(Sum(expression, output_field=MONEY), Value(ZERO), output_field=MONEY)


def measures() -> dict[str, Any]:
    """The aggregates every figure is made of, the same everywhere."""
    return {
        "gross": money_sum("line_total"),
        "refunds": money_sum(REFUND),
        "net": money_sum(NET),
        "quantity": Coalesce(Sum("quantity"), Value(0), output_field=IntegerField()),
        "lines": Count("pk"),
        "orders": Count("order_id", distinct=True),
        "sellers": Count("seller_id", distinct=True),
    }


MEASURE_NAMES = ("gross", "refunds", "net", "quantity", "lines", "orders", "sellers")
# These add up across the groups of any dimension; orders and sellers do not (an order with two
# sellers' lines is one order of each seller).
ADDITIVE = ("gross", "refunds", "net", "quantity", "lines")


@dataclass(frozen=True)
class Period:
    """Whole local days (Asia/Shanghai), both ends included."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """The aware instants [start of the first day, start of the day after the last)."""
        low = datetime.combine(self.start, time.min, tzinfo=TZ)
        high = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=TZ)
        return low, high

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))


def sold_lines(period: Period | None = None) -> QuerySet[OrderLine]:
    """The lines that count as sold (module docstring), paid within the period if one is given."""
    lines = OrderLine.objects.filter(SOLD)
    if period is not None:
        low, high = period.bounds()
        lines = lines.filter(order__paid_at__gte=low, order__paid_at__lt=high)
    return lines


@dataclass(frozen=True)
class Dimension:
    """A way to group sales: the columns that name a group (None: the line's own field), and
    how groups are ordered."""

    name: str
    columns: dict[str, Any]
    ordering: tuple[str, ...]


DIMENSIONS: dict[str, Dimension] = {
    dimension.name: dimension
    for dimension in (
        Dimension("day", {"day": TruncDate("order__paid_at", tzinfo=TZ)}, ("day",)),
        Dimension("month", {"month": TruncMonth("order__paid_at", tzinfo=TZ)}, ("month",)),
        Dimension("hour", {"hour": ExtractHour("order__paid_at", tzinfo=TZ)}, ("hour",)),
        Dimension("channel", {"channel": None}, ("-net", "channel")),
        Dimension(
            "session",
            {
                "session_id": F("order__live_session_id"),
                "session_title": F("order__live_session__title"),
                "session_start": F("order__live_session__planned_start"),
                "session_platform": F("order__live_session__platform"),
                "streamer_name": F("order__live_session__streamer__name"),
            },
            ("-net", "session_id"),
        ),
        Dimension(
            "streamer",
            {
                "streamer_id": F("order__live_session__streamer_id"),
                "streamer_name": F("order__live_session__streamer__name"),
            },
            ("-net", "streamer_id"),
        ),
        Dimension(
            "seller",
            {"seller_id": None, "seller_name": F("seller__name")},
            ("-net", "seller_id"),
        ),
        Dimension(
            "enterprise",
            {
                "enterprise_id": F("sku__product__enterprise_id"),
                "enterprise_name": F("sku__product__enterprise__name"),
            },
            ("-net", "enterprise_id"),
        ),
        Dimension(
            "village",
            {
                "village_id": F("seller__village_id"),
                "village_name": F("seller__village__name"),
                "township_name": F("seller__village__township__name"),
            },
            ("-net", "village_id"),
        ),
        Dimension(
            "township",
            {
                "township_id": F("seller__village__township_id"),
                "township_name": F("seller__village__township__name"),
            },
            ("-net", "township_id"),
        ),
        Dimension(
            "category",
            {
                "category_id": F("sku__product__category_id"),
                "category_name": F("sku__product__category__name"),
                "parent_name": F("sku__product__category__parent__name"),
            },
            ("-net", "category_id"),
        ),
        Dimension(
            "product",
            {"product_id": F("sku__product_id"), "product_name": F("sku__product__name")},
            ("-net", "product_id"),
        ),
        Dimension(
            "partner",
            {
                "partner_id": F("sku__product__partner_federation_id"),
                "partner_name": F("sku__product__partner_federation__name"),
            },
            ("-net", "partner_id"),
        ),
    )
}


def sales_totals(period: Period, *, where: Q | None = None) -> dict[str, Any]:
    """Gross, refunds, net, quantity, lines and orders of the period in one query."""
    lines = sold_lines(period)
    if where is not None:
        lines = lines.filter(where)
    return fen_row(lines.aggregate(**measures()))


def sales_by(
    dimension: str | tuple[str, ...],
    period: Period,
    *,
    where: Q | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The period's sales grouped by a dimension of DIMENSIONS (or several: month and channel),
    one row a group, one query.

    Lines without a value for the dimension (no session, no enterprise …) form one group whose
    key is None, so that the groups always add up to the totals.
    """
    names = (dimension,) if isinstance(dimension, str) else dimension
    columns: dict[str, Any] = {}
    ordering: list[str] = []
    for name in names:
        columns |= DIMENSIONS[name].columns
        ordering += [key for key in DIMENSIONS[name].ordering if key not in ordering]
    lines = sold_lines(period)
    if where is not None:
        lines = lines.filter(where)
    fields = [name for name, expression in columns.items() if expression is None]
    expressions = {name: e for name, e in columns.items() if e is not None}
    rows = lines.values(*fields, **expressions).annotate(**measures()).order_by(*ordering)
    if limit is not None:
        rows = rows[:limit]
    result = [fen_row(row) for row in rows]
    if "month" in names:
        for row in result:
            row["month"] = _as_date(row["month"])
    return result


def _as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return (value.astimezone(TZ) if value.tzinfo else value).date()
    return value


def latest_sale_day() -> date | None:
    """The local day of the latest payment of a sold line (for a default period), one query."""
    latest = sold_lines().order_by("-order__paid_at").values_list("order__paid_at", flat=True)[:1]
    found = list(latest)
    return found[0].astimezone(TZ).date() if found else None


# --- Groupings that are not a partition: campaigns and leaders --------------------------------


def _sum_over(lines: QuerySet[OrderLine], expression: Any) -> Subquery:
    """A correlated subquery: one aggregate of these lines for the outer row."""
    return Coalesce(
        Subquery(
            lines.order_by()
            .values(group=Value(1))
            .annotate(total=Sum(expression, output_field=MONEY))
            .values("total"),
            output_field=MONEY,
        ),
        Value(ZERO),
        output_field=MONEY,
    )


def _count_over(lines: QuerySet[Any], expression: Any) -> Subquery:
    return Coalesce(
        Subquery(
            lines.order_by().values(group=Value(1)).annotate(total=expression).values("total"),
            output_field=IntegerField(),
        ),
        Value(0),
        output_field=IntegerField(),
    )


def campaign_lines(period: Period) -> QuerySet[OrderLine]:
    """Sold lines of the period that belong to the outer campaign (an OuterRef("pk")).

    A line belongs to a campaign when its order was sold in one of the campaign's live sessions,
    or when its product is one of the campaign's partner-county products and it was paid within
    the campaign's dates. A line can belong to two overlapping campaigns, so campaigns do not
    add up to the overall total (and are not meant to).
    """
    from alliance.models import Campaign

    in_products = Exists(
        Campaign.products.through.objects.filter(
            campaign_id=OuterRef(OuterRef("pk")), product_id=OuterRef("sku__product_id")
        )
    )
    in_dates = Q(
        order__paid_at__date__gte=OuterRef("starts_on"),
        order__paid_at__date__lte=OuterRef("ends_on"),
    )
    return sold_lines(period).filter(
        Q(order__live_session__campaign=OuterRef("pk")) | (in_products & in_dates)
    )


def campaign_sales(period: Period) -> list[dict[str, Any]]:
    """Every campaign that overlaps the period, with its sales in the period; one query."""
    from alliance.models import Campaign

    lines = campaign_lines(period)
    rows = (
        Campaign.objects.filter(starts_on__lte=period.end, ends_on__gte=period.start)
        .annotate(
            gross=_sum_over(lines, "line_total"),
            refunds=_sum_over(lines, REFUND),
            net=_sum_over(lines, NET),
            quantity=_count_over(lines, Sum("quantity")),
            orders=_count_over(lines, Count("order_id", distinct=True)),
        )
        .values(
            "pk",
            "name",
            "form",
            "starts_on",
            "ends_on",
            "charity_share_percent",
            "partner_federation__name",
            "gross",
            "refunds",
            "net",
            "quantity",
            "orders",
        )
        .order_by("-starts_on", "pk")
    )
    return [fen_row(row) for row in rows]


def leaders_impact(period: Period) -> list[dict[str, Any]]:
    """Each leader with the women her projects bring along, and what they did; one query.

    Brought along: women taking part in one of her projects at some time in the period (joined
    on or before its last day, not left before its first). Selling: those of them with sales in
    the period. Trained: those of them present at a training session held on or before the
    period's last day. Sales: their net sales in the period (the sold-lines rule).
    """
    from alliance.models import Member, Project

    # The women, as a subquery one level down (counted here) and two levels down (inside the
    # subqueries over their lines and their attendance).
    participants = _participants(period, OuterRef("pk"))
    women = _participants(period, OuterRef(OuterRef("pk"))).values("member_id")
    their_lines = sold_lines(period).filter(seller_id__in=Subquery(women))
    led = Project.objects.filter(leader=OuterRef("pk"))
    annotations: dict[str, Any] = {
        "project_count": _count_over(led, Count("pk")),
        "brought_along": _count_over(participants, Count("member_id", distinct=True)),
        "selling": _count_over(their_lines, Count("seller_id", distinct=True)),
        "sales": _sum_over(their_lines, NET),
        "trained": _trained_count(women, period),
    }
    rows = (
        Member.objects.filter(Exists(led))
        .annotate(**annotations)
        .values("pk", "name", "village__name", *annotations)
        .order_by("-brought_along", "-sales", "pk")
    )
    return [fen_row(row, ("sales",)) for row in rows]


def _participants(period: Period, leader: Any) -> QuerySet[Any]:
    from alliance.models import ProjectParticipation

    return ProjectParticipation.objects.filter(
        project__leader=leader, joined_on__lte=period.end
    ).filter(Q(left_on__isnull=True) | Q(left_on__gte=period.start))


def _trained_count(women: QuerySet[Any], period: Period) -> Any:
    attendance = training_model("Attendance")
    if attendance is None:
        return Value(None, output_field=IntegerField())
    _low, high = period.bounds()
    present = attendance.objects.filter(
        is_present=True,
        session__starts_at__lt=high,
        enrolment__member_id__in=Subquery(women),
    )
    return _count_over(present, Count("enrolment__member_id", distinct=True))


def training_model(name: str) -> Any:
    """A training model of the alliance (Course, Attendance …), or None where it does not exist."""
    return _model("alliance", name)


def _model(app: str, name: str) -> Any:
    from django.apps import apps

    try:
        return apps.get_model(app, name)
    except LookupError:
        return None


def courtyard_scans(period: Period) -> list[dict[str, Any]] | None:
    """Villages with courtyards: scans of their QR codes in the period, orders placed from a
    piece's code, design visits booked, and the net sales of those orders (the sold-lines rule);
    one query. None where the courtyards app is not there."""
    from alliance.models import Village

    names = ("Courtyard", "ScanEvent", "CourtyardSale", "DesignVisitBooking")
    models = dict(zip(names, (_model("courtyards", name) for name in names), strict=True))
    if None in models.values():
        return None
    low, high = period.bounds()
    village = OuterRef("pk")
    window = {"created_at__gte": low, "created_at__lt": high}
    courtyards = models["Courtyard"].objects.filter(village=village)
    scans = models["ScanEvent"].objects.filter(
        courtyard__village=village, scanned_at__gte=low, scanned_at__lt=high
    )
    sales = models["CourtyardSale"].objects.filter(
        item__courtyard__village=village, released_at__isnull=True, **window
    )
    bookings = (
        models["DesignVisitBooking"]
        .objects.filter(design__courtyard__village=village, **window)
        .exclude(status="cancelled")
    )
    lines = sold_lines(period).filter(order__courtyard_sale__item__courtyard__village=village)
    annotations = {
        "courtyard_count": _count_over(courtyards, Count("pk")),
        "scans": _count_over(scans, Count("pk")),
        "orders": _count_over(sales, Count("pk")),
        "bookings": _count_over(bookings, Count("pk")),
        "net": _sum_over(lines, NET),
    }
    rows = (
        Village.objects.filter(Exists(courtyards))
        .annotate(**annotations)
        .values("pk", "name", "township__name", *annotations)
        .order_by("-scans", "pk")
    )
    return [fen_row(row, ("net",)) for row in rows]


def training_figures(period: Period) -> dict[str, Any] | None:
    """Courses and sessions held in the period, hours, women present, certificates issued;
    three queries. None where the training models are not there."""
    session_model = training_model("CourseSession")
    attendance_model = training_model("Attendance")
    certificate_model = training_model("Certificate")
    if session_model is None or attendance_model is None or certificate_model is None:
        return None
    low, high = period.bounds()
    figures = session_model.objects.filter(starts_at__gte=low, starts_at__lt=high).aggregate(
        courses=Count("course_id", distinct=True),
        sessions=Count("pk"),
        hours=Coalesce(Sum("hours"), Value(Decimal("0.0")), output_field=MONEY),
    )
    figures |= attendance_model.objects.filter(
        is_present=True, session__starts_at__gte=low, session__starts_at__lt=high
    ).aggregate(
        women_present=Count("enrolment_id", distinct=True),
        members_present=Count("enrolment__member_id", distinct=True),
        attendances=Count("pk"),
    )
    figures["certificates"] = certificate_model.objects.filter(
        issued_on__gte=period.start, issued_on__lte=period.end
    ).count()
    return figures
