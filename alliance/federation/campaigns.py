"""A sister-county campaign's sales, computed from order lines only, one rule for every figure.

The rule is the impact reports' (alliance/reports): a campaign's figure and the same campaign in
a report agree to the fen.

Which lines count (`campaign_lines`):
  1. the line belongs to the campaign: its order was sold in one of the campaign's live
     sessions (whatever the product), or its SKU's product is one of the campaign's products
     and its order was paid between the campaign's first and last day (Asia/Shanghai);
     a line that is both counts once;
  2. it was sold: it has a seller, its order was paid, and it is paid, shipped or completed,
     or closed because of a refund after payment. An unpaid line, or a line closed (cancelled)
     without a refund, never counts.

Amounts: gross is the line total, refunds the refunded amount (never more than the line
total), net = gross − refunds; net is the figure shown, so a line refunded in full counts 0.
Units are the lines' quantities. Totals by product, by day (of payment) and by session are sums
of the same lines, so they always add up to the campaign's total.
"""

from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from alliance.models import Campaign, CampaignForm
from alliance.reports.selectors import NET, REFUND, SOLD  # the one sold-lines rule
from livestreams.models import OrderLine
from products.models import Product
from products.selectors import public_products

CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def _window(campaign: Campaign) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(campaign.starts_on, time.min, tzinfo=zone)
    end = datetime.combine(campaign.ends_on + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def campaign_lines(campaign: Campaign) -> QuerySet[OrderLine]:
    """The order lines that count towards a campaign's sales (the rule in the module docstring)."""
    start, end = _window(campaign)
    in_session = Q(order__live_session__campaign=campaign)
    product_in_dates = Q(
        sku__product__in=campaign.products.values("pk"),
        order__paid_at__gte=start,
        order__paid_at__lt=end,
    )
    return OrderLine.objects.filter(in_session | product_in_dates).filter(SOLD)


def _sums() -> dict[str, Any]:
    return {
        "gross": Coalesce(Sum("line_total"), ZERO),
        "refunds": Coalesce(Sum(REFUND), ZERO),
        "amount": Coalesce(Sum(NET, output_field=MONEY), ZERO),
        "units": Coalesce(Sum("quantity"), 0),
        "orders": Count("order", distinct=True),
        "lines": Count("pk"),
    }


def campaign_totals(campaign: Campaign) -> dict[str, Any]:
    """The campaign's sales in yuan, units, orders and lines (one query), and for a charity
    campaign the amount donated (its share of the sales, to the cent)."""
    lines = campaign_lines(campaign)
    totals = lines.aggregate(**_sums())
    for name in ("gross", "refunds", "amount"):
        totals[name] = _fen(totals[name])
    totals["donated"] = donated(campaign, totals["amount"])
    return totals


def donated(campaign: Campaign, amount: Decimal) -> Decimal | None:
    """The share of a charity campaign's sales it donates; None for a market campaign."""
    if campaign.form != CampaignForm.CHARITY or campaign.charity_share_percent is None:
        return None
    return (amount * campaign.charity_share_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def sales_by_product(campaign: Campaign) -> list[dict[str, Any]]:
    """The campaign's sales per product, the best-selling first (lines without a SKU: none)."""
    lines = campaign_lines(campaign)
    rows = (
        lines.values("sku__product", "sku__product__name")
        .annotate(**_sums())
        .order_by("-amount", "sku__product__name")
    )
    return [
        {
            "product_id": row["sku__product"],
            "name": row["sku__product__name"] or "—",
            **_money(row),
        }
        for row in rows
    ]


def sales_by_day(campaign: Campaign) -> list[dict[str, Any]]:
    """The campaign's sales per day of payment (Asia/Shanghai), in date order."""
    lines = campaign_lines(campaign)
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = (
        lines.annotate(day=TruncDate("order__paid_at", tzinfo=zone))
        .values("day")
        .annotate(**_sums())
        .order_by("day")
    )
    return [{"day": row["day"], **_money(row)} for row in rows]


def sales_by_session(campaign: Campaign) -> list[dict[str, Any]]:
    """The campaign's sales per live session; lines sold outside a session come last."""
    lines = campaign_lines(campaign)
    rows = (
        lines.values(
            "order__live_session",
            "order__live_session__title",
            "order__live_session__planned_start",
        )
        .annotate(**_sums())
        .order_by(F("order__live_session__planned_start").asc(nulls_last=True))
    )
    return [
        {
            "session_id": row["order__live_session"],
            "title": row["order__live_session__title"],
            "starts": row["order__live_session__planned_start"],
            **_money(row),
        }
        for row in rows
    ]


def _fen(amount: Decimal) -> Decimal:
    # SQLite sums decimals in binary floating point: back to the fen, as the reports do.
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "gross": _fen(row["gross"]),
        "refunds": _fen(row["refunds"]),
        "amount": _fen(row["amount"]),
        "units": row["units"],
        "orders": row["orders"],
        "lines": row["lines"],
    }


def published_campaign(slug: str) -> Campaign:
    """A campaign whose page is public, with its partner federation; DoesNotExist otherwise."""
    return Campaign.objects.select_related("partner_federation").get(slug=slug, is_published=True)


def campaign_public_products(campaign: Campaign) -> QuerySet[Product]:
    """The campaign's products a shopper may see, with price range and cover prefetched."""
    return public_products().filter(campaigns=campaign).order_by("name", "pk")


def campaigns_for_staff() -> QuerySet[Campaign]:
    """Every campaign, latest first, with its partner federation and counts of products."""
    return (
        Campaign.objects.select_related("partner_federation")
        .annotate(
            product_count=Count("products", distinct=True),
            session_count=Count("live_sessions", distinct=True),
        )
        .order_by("-starts_on", "name")
    )
