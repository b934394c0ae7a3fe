"""Sister-county campaigns: which order lines count, the totals, the public page and the report."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from alliance.admin_federation import CampaignAdminForm
from alliance.federation import campaigns
from alliance.models import CampaignForm
from alliance.reports import selectors as sales_reports
from alliance.reports.selectors import Period
from livestreams.models import AfterSalesStatus, LineStatus, OrderStatus
from products.models import ProductStatus
from tests.alliance.federation_factories import CampaignFactory
from tests.factories import (
    LiveSessionFactory,
    MemberFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ProductImageFactory,
    SKUFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2022, 1, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def campaign():
    """10–20 January 2022, two partner products, one live session on the 15th."""
    campaign = CampaignFactory(
        form=CampaignForm.CHARITY,
        charity_share_percent=Decimal("10.00"),
        starts_on=date(2022, 1, 10),
        ends_on=date(2022, 1, 20),
    )
    partner = campaign.partner_federation
    for name in ("甘洛 苦荞茶", "甘洛 大红袍花椒"):
        product = ProductFactory(name=name, is_partner_county=True, partner_federation=partner)
        campaign.products.add(product)
    return campaign


def sku_of(campaign, name):
    product = campaign.products.get(name__contains=name)
    return product.skus.first() or SKUFactory(product=product)


def line(sku, *, paid_at, total, session=None, order_status=OrderStatus.PAID, **fields):
    order = OrderFactory(paid_at=paid_at, live_session=session, status=order_status)
    return OrderLineFactory(
        order=order, sku=sku, unit_price=Decimal(total), line_total=Decimal(total), **fields
    )


@pytest.fixture
def lines(campaign):
    """Every kind of line, and whether (and for how much) it should count."""
    session = LiveSessionFactory(campaign=campaign, planned_start=at(15, 19))
    elsewhere = LiveSessionFactory(planned_start=at(16, 19))
    tea, pepper = sku_of(campaign, "苦荞茶"), sku_of(campaign, "花椒")
    other = SKUFactory(product=ProductFactory(name="奉化水蜜桃"))
    counted = {
        "tea sold in the session": (
            line(
                tea,
                paid_at=at(15, 20),
                total="100.00",
                session=session,
                status=LineStatus.COMPLETED,
            ),
            Decimal("100.00"),
        ),
        "pepper on the mini-program in the dates": (
            line(pepper, paid_at=at(12), total="59.00"),
            Decimal("59.00"),
        ),
        "another product sold in the session": (
            line(other, paid_at=at(15, 21), total="99.00", session=session),
            Decimal("99.00"),
        ),
        "tea on the last evening (local time)": (
            line(tea, paid_at=at(20, 23, 30), total="39.00"),
            Decimal("39.00"),
        ),
        "pepper refunded in full, then closed": (
            line(
                pepper,
                paid_at=at(13),
                total="65.00",
                status=LineStatus.CLOSED,
                after_sales_status=AfterSalesStatus.REFUNDED,
                refunded_amount=Decimal("65.00"),
            ),
            Decimal("0.00"),
        ),
        "pepper partly refunded": (
            line(
                pepper,
                paid_at=at(14),
                total="80.00",
                status=LineStatus.COMPLETED,
                after_sales_status=AfterSalesStatus.REFUNDED,
                refunded_amount=Decimal("20.00"),
            ),
            Decimal("60.00"),
        ),
        "a refund larger than the line counts the line's total": (
            line(
                tea,
                paid_at=at(16),
                total="30.00",
                status=LineStatus.CLOSED,
                refunded_amount=Decimal("45.00"),
            ),
            Decimal("0.00"),
        ),
        "tea in the session and in the dates, counted once": (
            line(tea, paid_at=at(15, 19, 30), total="41.00", session=session),
            Decimal("41.00"),
        ),
    }
    left_out = {
        "tea after the campaign": line(tea, paid_at=at(25), total="39.00"),
        "tea the evening before it started": line(
            tea, paid_at=datetime(2022, 1, 9, 23, 59, tzinfo=SHANGHAI), total="39.00"),
        "another product in the dates, not in a session": line(
            other, paid_at=at(12), total="99.00"),
        "another product in a session of no campaign": line(
            other, paid_at=at(16, 20), total="99.00", session=elsewhere),
        "tea cancelled before it shipped": line(
            tea, paid_at=at(12), total="39.00", status=LineStatus.CLOSED,
            order_status=OrderStatus.CANCELLED),
        "tea never paid": line(
            tea, paid_at=None, total="39.00", status=LineStatus.UNPAID,
            order_status=OrderStatus.UNPAID),
        "a line in the session nobody matched yet": OrderLineFactory(
            order=OrderFactory(paid_at=at(15, 20), live_session=session),
            sku=None, seller=None, merchant_code="??", title="未匹配", spec="",
            unit_price=Decimal("10.00"), line_total=Decimal("10.00")),
    }  # fmt: skip
    return {"counted": counted, "left_out": left_out, "session": session}


def test_the_campaign_counts_exactly_the_matching_lines(campaign, lines):
    expected = {line.pk for line, _net in lines["counted"].values()}
    assert set(campaigns.campaign_lines(campaign).values_list("pk", flat=True)) == expected
    assert campaigns.campaign_lines(campaign).count() == len(expected)  # none twice


def test_every_total_equals_the_sum_of_the_matching_lines(campaign, lines):
    counted = [line for line, _net in lines["counted"].values()]
    net = sum((amount for _line, amount in lines["counted"].values()), Decimal("0"))
    gross = sum((line.line_total for line in counted), Decimal("0"))
    totals = campaigns.campaign_totals(campaign)
    assert totals["amount"] == net == Decimal("398.00")
    assert totals["gross"] == gross
    assert totals["refunds"] == gross - net
    assert totals["units"] == sum(line.quantity for line in counted)
    assert totals["lines"] == len(counted)
    assert totals["orders"] == len({line.order_id for line in counted})
    assert totals["donated"] == Decimal("39.80")  # 10 % of the net sales


def test_by_product_by_day_and_by_session_add_up_to_the_total(campaign, lines):
    totals = campaigns.campaign_totals(campaign)
    for rows in (
        campaigns.sales_by_product(campaign),
        campaigns.sales_by_day(campaign),
        campaigns.sales_by_session(campaign),
    ):
        for measure in ("amount", "gross", "refunds", "units", "lines"):
            assert sum(row[measure] for row in rows) == totals[measure], measure
    days = {row["day"]: row["amount"] for row in campaigns.sales_by_day(campaign)}
    assert days[date(2022, 1, 20)] == Decimal("39.00")  # 23:30 in Shanghai is still the 20th
    sessions = campaigns.sales_by_session(campaign)
    assert sessions[0]["session_id"] == lines["session"].pk
    assert sessions[0]["amount"] == Decimal("240.00")
    assert sessions[-1]["session_id"] is None


def test_the_campaign_agrees_with_the_impact_reports_to_the_fen(campaign, lines):
    row = next(
        row
        for row in sales_reports.campaign_sales(Period(date(2022, 1, 1), date(2022, 1, 31)))
        if row["pk"] == campaign.pk
    )
    totals = campaigns.campaign_totals(campaign)
    assert (row["gross"], row["refunds"], row["net"]) == (
        totals["gross"],
        totals["refunds"],
        totals["amount"],
    )
    assert (row["quantity"], row["orders"]) == (totals["units"], totals["orders"])


def test_a_market_campaign_donates_nothing(campaign):
    campaign.form, campaign.charity_share_percent = CampaignForm.MARKET, None
    campaign.save()
    assert campaigns.campaign_totals(campaign)["donated"] is None


def test_a_campaign_without_sales_shows_zero(campaign):
    totals = campaigns.campaign_totals(campaign)
    assert (totals["amount"], totals["orders"], totals["units"]) == (Decimal("0.00"), 0, 0)


# --- The public page ------------------------------------------------------------------------------


def test_the_public_page_shows_the_running_total_and_the_partner_products(campaign, lines):
    campaign.products.add(ProductFactory(name="草稿苦荞", status=ProductStatus.DRAFT))
    body = Client().get(f"/campaigns/{campaign.slug}/").content.decode()
    assert "¥398.00" in body
    assert "39.80" in body  # donated so far
    assert "甘洛 苦荞茶" in body and "草稿苦荞" not in body
    assert lines["session"].title in body


def test_the_public_page_shows_no_personal_data(campaign, lines):
    seller = MemberFactory(mobile="13977775555")
    campaign.products.add(
        ProductFactory(
            seller=seller, is_partner_county=True, partner_federation=campaign.partner_federation
        )
    )
    body = Client().get(f"/campaigns/{campaign.slug}/").content.decode()
    assert "13977775555" not in body and "138****2807" not in body  # nor a recipient's


def test_an_unpublished_or_unknown_campaign_is_not_found(campaign):
    campaign.is_published = False
    campaign.save()
    assert Client().get(f"/campaigns/{campaign.slug}/").status_code == 404
    assert Client().get("/campaigns/no-such-campaign/").status_code == 404


@pytest.mark.parametrize("count", [1, 12])
def test_the_public_page_takes_the_same_queries(count, campaign, django_assert_num_queries):
    for _ in range(count):
        product = ProductFactory(
            is_partner_county=True, partner_federation=campaign.partner_federation
        )
        SKUFactory(product=product)
        ProductImageFactory(product=product)
        campaign.products.add(product)
        LiveSessionFactory(campaign=campaign)
    # campaign, totals, products: count, page, SKUs, images, tags; sessions: count, page
    with django_assert_num_queries(9):
        assert Client().get(f"/campaigns/{campaign.slug}/").status_code == 200


# --- The staff report -----------------------------------------------------------------------------


def test_staff_see_the_sales_by_product_day_and_session(campaign, lines, staff_client):
    body = staff_client.get(f"/staff/campaigns/{campaign.pk}/").content.decode()
    assert "¥398.00" in body and "甘洛 苦荞茶" in body and "2022-01-20" in body
    assert lines["session"].title in body
    assert campaign.name in staff_client.get("/staff/campaigns/").content.decode()


def test_sellers_and_strangers_cannot_see_the_report(campaign, seller_client):
    for url in ("/staff/campaigns/", f"/staff/campaigns/{campaign.pk}/"):
        assert seller_client.get(url).status_code == 403
        assert Client().get(url).status_code == 302


@pytest.mark.parametrize("count", [1, 10])
def test_the_staff_pages_take_the_same_queries(
    count, campaign, staff_client, django_assert_num_queries
):
    for day in range(count):
        session = LiveSessionFactory(campaign=campaign, planned_start=at(10 + day, 19))
        line(sku_of(campaign, "苦荞茶"), paid_at=at(10 + day, 20), total="10.00", session=session)
        CampaignFactory()
    with django_assert_num_queries(6):  # the staff login (4), the count, the page
        staff_client.get("/staff/campaigns/")
    # the staff login (4), the campaign, its totals, by product, by day, by session
    with django_assert_num_queries(9):
        staff_client.get(f"/staff/campaigns/{campaign.pk}/")


# --- The admin form -------------------------------------------------------------------------------


def test_a_campaign_sells_only_its_partner_countys_products(campaign, english):
    ours = ProductFactory(name="奉化水蜜桃")
    form = CampaignAdminForm(
        data={
            "name": campaign.name,
            "slug": campaign.slug,
            "partner_federation": campaign.partner_federation_id,
            "form": "market",
            "starts_on": "2022-01-10",
            "ends_on": "2022-01-20",
            "products": [*campaign.products.values_list("pk", flat=True), ours.pk],
        },
        instance=campaign,
    )
    assert not form.is_valid()
    assert "奉化水蜜桃" in form.errors["products"][0]
