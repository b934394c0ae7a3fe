"""Sales and impact reports: one rule for what counts as sold, totals that reconcile across every
dimension to the fen, pages with a constant number of queries, xlsx exports, the report to the
government, the seller's own sales, and who may see what."""

import io
import random
import subprocess
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.models import ExportLog
from alliance.reports import selectors
from alliance.reports.selectors import ADDITIVE, DIMENSIONS, Period
from livestreams.demo_aftersales import generate_orders
from livestreams.models import (
    AfterSalesStatus,
    LineStatus,
    Order,
    OrderLine,
    OrderStatus,
    SellerOrderStatus,
)
from tests.conftest import logged_in_client
from tests.factories import (
    CampaignFactory,
    CategoryFactory,
    EnterpriseFactory,
    LiveSessionFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ProjectFactory,
    ProjectParticipationFactory,
    SellerFactory,
    SKUFactory,
    SubCategoryFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MARCH = Period(date(2022, 3, 1), date(2022, 3, 31))


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture
def catalogue():
    """Six sellers in three villages, some with an enterprise, SKUs in three categories."""
    villages = [VillageFactory() for _ in range(3)]
    categories = [SubCategoryFactory(parent=CategoryFactory()) for _ in range(3)]
    skus = []
    for index in range(6):
        seller = SellerFactory(village=villages[index % 3])
        enterprise = EnterpriseFactory(owner=seller) if index % 2 == 0 else None
        for number in range(3):
            product = ProductFactory(
                seller=seller, enterprise=enterprise, category=categories[(index + number) % 3]
            )
            skus.append(SKUFactory(product=product, price=Decimal(f"{19 + index * 7}.{number}9")))
    return skus


def generated(catalogue, count: int, seed: int = 7) -> None:
    sessions = [
        LiveSessionFactory(
            platform=platform,
            planned_start=shanghai(2022, 3, day, 19),
            planned_end=shanghai(2022, 3, day, 22),
        )
        for day, platform in ((3, "douyin"), (12, "channels"), (20, "taobao"), (27, "douyin"))
    ]
    generate_orders(
        rng=random.Random(seed),
        skus=[*catalogue],
        start=MARCH.start,
        end=MARCH.end,
        count=count,
        prefix=f"T{seed}",
        sessions=sessions,
    )


def unmatched_line() -> OrderLine:
    """A line no SKU matched yet: it counts nowhere until staff map it."""
    order = OrderFactory(paid_at=shanghai(2022, 3, 15, 10))
    return OrderLine.objects.create(
        order=order, channel="douyin", line_key="unmatched-1", title="未匹配", quantity=1,
        unit_price=Decimal("10.00"), line_total=Decimal("10.00"),
    )  # fmt: skip


def by_hand(period: Period) -> dict[str, Decimal | int]:
    """The rule, applied line by line in Python: what the selector must agree with."""
    low, high = period.bounds()
    totals: dict[str, Decimal | int] = {"gross": Decimal("0"), "refunds": Decimal("0"),
                                        "quantity": 0, "lines": 0}  # fmt: skip
    for line in OrderLine.objects.select_related("order"):
        paid = line.order.paid_at
        if line.seller_id is None or paid is None or not low <= paid < high:
            continue
        counted = line.status in (LineStatus.PAID, LineStatus.SHIPPED, LineStatus.COMPLETED)
        refunded = line.status == LineStatus.CLOSED and (
            line.after_sales_status == AfterSalesStatus.REFUNDED or line.refunded_amount > 0
        )
        if not (counted or refunded):
            continue
        totals["gross"] += line.line_total
        totals["refunds"] += min(line.refunded_amount, line.line_total)
        totals["quantity"] += line.quantity
        totals["lines"] += 1
    totals["net"] = totals["gross"] - totals["refunds"]
    return totals


# --- The rule and reconciliation ----------------------------------------------------------------


def test_every_dimension_adds_up_to_the_overall_totals_to_the_fen(catalogue):
    generated(catalogue, 400)
    unmatched_line()
    totals = selectors.sales_totals(MARCH)
    expected = by_hand(MARCH)
    for name in ADDITIVE:
        assert totals[name] == expected[name], name
    assert totals["refunds"] > 0 and totals["lines"] > 300
    for dimension in DIMENSIONS:
        rows = selectors.sales_by(dimension, MARCH)
        for name in ADDITIVE:
            assert sum(row[name] for row in rows) == totals[name], (dimension, name)
    by_channel = {row["channel"]: row["net"] for row in selectors.sales_by("channel", MARCH)}
    by_seller = {row["seller_id"]: row["net"] for row in selectors.sales_by("seller", MARCH)}
    assert sum(by_channel.values()) == sum(by_seller.values()) == totals["net"]
    per_channel_seller = selectors.sales_by(("month", "channel"), MARCH)
    assert sum(row["net"] for row in per_channel_seller) == totals["net"]


def test_cancelled_and_unpaid_lines_never_count_and_refunds_always_come_off(catalogue):
    sku = catalogue[0]
    paid = shanghai(2022, 3, 10, 12)
    cancelled_unpaid = OrderFactory(paid_at=None, status=OrderStatus.CANCELLED)
    OrderLineFactory(order=cancelled_unpaid, sku=sku, status=LineStatus.CLOSED)
    closed_without_refund = OrderFactory(paid_at=paid)
    OrderLineFactory(order=closed_without_refund, sku=sku, status=LineStatus.CLOSED)
    refunded = OrderFactory(paid_at=paid)
    OrderLineFactory(
        order=refunded, sku=sku, status=LineStatus.CLOSED, quantity=2, line_total=Decimal("40.00"),
        after_sales_status=AfterSalesStatus.REFUNDED, refunded_amount=Decimal("40.00"),
    )  # fmt: skip
    partly = OrderFactory(paid_at=paid)
    OrderLineFactory(
        order=partly, sku=sku, status=LineStatus.COMPLETED, line_total=Decimal("30.00"),
        refunded_amount=Decimal("12.50"), after_sales_status=AfterSalesStatus.REFUNDED,
    )  # fmt: skip
    over = OrderFactory(paid_at=paid)
    OrderLineFactory(
        order=over, sku=sku, status=LineStatus.SHIPPED, line_total=Decimal("20.00"),
        refunded_amount=Decimal("25.00"),
    )  # fmt: skip
    unpaid_line = OrderFactory(paid_at=paid)
    OrderLineFactory(order=unpaid_line, sku=sku, status=LineStatus.UNPAID)
    totals = selectors.sales_totals(MARCH)
    assert totals["gross"] == Decimal("90.00")  # 40 + 30 + 20
    assert totals["refunds"] == Decimal("72.50")  # 40 + 12.50 + 20 (never above the line)
    assert totals["net"] == Decimal("17.50")
    assert totals["lines"] == 3 and totals["orders"] == 3 and totals["quantity"] == 4


def test_the_period_is_read_in_shanghai_time(catalogue):
    sku = catalogue[0]
    last_of_march = OrderFactory(paid_at=shanghai(2022, 3, 31, 23, 30))  # 15:30 UTC
    first_of_april = OrderFactory(paid_at=shanghai(2022, 4, 1, 0, 10))  # 16:10 UTC, 31 March
    OrderLineFactory(order=last_of_march, sku=sku, line_total=Decimal("11.00"))
    OrderLineFactory(order=first_of_april, sku=sku, line_total=Decimal("22.00"))
    assert selectors.sales_totals(MARCH)["gross"] == Decimal("11.00")
    april = Period(date(2022, 4, 1), date(2022, 4, 30))
    assert selectors.sales_totals(april)["gross"] == Decimal("22.00")
    days = selectors.sales_by("day", Period(date(2022, 3, 31), date(2022, 4, 1)))
    assert [(row["day"], row["gross"]) for row in days] == [
        (date(2022, 3, 31), Decimal("11.00")),
        (date(2022, 4, 1), Decimal("22.00")),
    ]
    months = selectors.sales_by("month", Period(date(2022, 3, 1), date(2022, 4, 30)))
    assert [row["month"] for row in months] == [date(2022, 3, 1), date(2022, 4, 1)]
    hours = selectors.sales_by("hour", MARCH)
    assert [row["hour"] for row in hours] == [23]


def test_a_campaign_counts_its_sessions_and_its_products_in_its_dates_once(catalogue):
    campaign = CampaignFactory(starts_on=date(2022, 3, 10), ends_on=date(2022, 3, 12))
    product_sku = catalogue[0]
    campaign.products.add(product_sku.product)
    session = LiveSessionFactory(
        campaign=campaign, planned_start=shanghai(2022, 3, 20, 19),
        planned_end=shanghai(2022, 3, 20, 21),
    )  # fmt: skip
    in_session = OrderFactory(paid_at=shanghai(2022, 3, 20, 20), live_session=session)
    OrderLineFactory(order=in_session, sku=catalogue[5], line_total=Decimal("100.00"))
    in_dates = OrderFactory(paid_at=shanghai(2022, 3, 11, 9))
    OrderLineFactory(order=in_dates, sku=product_sku, line_total=Decimal("30.00"))
    both = OrderFactory(paid_at=shanghai(2022, 3, 11, 20), live_session=session)
    OrderLineFactory(order=both, sku=product_sku, line_total=Decimal("7.00"))
    outside = OrderFactory(paid_at=shanghai(2022, 3, 14, 9))
    OrderLineFactory(order=outside, sku=product_sku, line_total=Decimal("55.00"))
    row = selectors.campaign_sales(MARCH)[0]
    assert row["net"] == Decimal("137.00")
    assert row["orders"] == 3


def test_leaders_impact_counts_the_women_of_her_projects_and_their_sales(catalogue):
    project = ProjectFactory()
    sellers = {sku.product.seller for sku in catalogue}
    women = sorted(sellers, key=lambda member: member.pk)
    ProjectParticipationFactory(project=project, member=women[0], joined_on=date(2022, 1, 1))
    ProjectParticipationFactory(project=project, member=women[1], joined_on=date(2022, 1, 1))
    left = ProjectParticipationFactory(
        project=project, member=women[2], joined_on=date(2021, 1, 1), left_on=date(2022, 2, 1)
    )
    for woman in (women[0], women[2]):
        sku = next(sku for sku in catalogue if sku.product.seller == woman)
        OrderLineFactory(
            order=OrderFactory(paid_at=shanghai(2022, 3, 5, 10)), sku=sku,
            line_total=Decimal("66.60"),
        )  # fmt: skip
    row = next(r for r in selectors.leaders_impact(MARCH) if r["pk"] == project.leader_id)
    assert row["brought_along"] == 2  # she who left in February is not counted in March
    assert row["selling"] == 1
    assert row["sales"] == Decimal("66.60")
    assert row["project_count"] == 1
    assert left.member_id not in {women[0].pk, women[1].pk}


def test_courtyard_scans_turn_into_orders_and_their_sales(staff_client):
    from courtyards.models import ScanEvent
    from courtyards.services import courtyards, purchases
    from livestreams.services.placement import Recipient

    owner = SellerFactory(is_courtyard_owner=True)
    courtyard = courtyards.create_courtyard(
        owner=owner, village=owner.village, name="杜鹃庭院", story="满院杜鹃。"
    )
    piece = courtyards.add_item(
        courtyard=courtyard, name="老桩杜鹃", description="三十年老桩。", price=Decimal("1680.00")
    )
    code = piece.qr_codes.get()
    for _ in range(4):
        ScanEvent.objects.create(
            qr_code=code, courtyard=courtyard, item=piece, scanned_at=timezone.now(),
            device="wechat", source="web",
        )  # fmt: skip
    purchases.buy_item(
        item=piece, recipient=Recipient(name="游客", mobile="13912345678", address="溪口镇1号")
    )
    today = timezone.localdate()
    row = selectors.courtyard_scans(Period(today, today))[0]
    assert (row["courtyard_count"], row["scans"], row["orders"], row["bookings"]) == (1, 4, 1, 0)
    assert row["net"] == Decimal("1680.00")
    body = staff_client.get(
        reverse("staff:reports"), {"view": "impact", "start": today, "end": today}
    ).content.decode()
    assert "25.0%" in body  # one order for four scans


# --- The report pages ---------------------------------------------------------------------------

VIEWS = ["overview", "time", "channels", "sessions", "sellers", "places", "products",
         "campaigns", "impact"]  # fmt: skip


def _queries(client, url: str, params: dict) -> int:
    client.get(url, params)  # warm the session and the staff-group lookup
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def test_every_report_view_runs_the_same_queries_for_few_and_many_orders(staff_client, catalogue):
    url = reverse("staff:reports")
    params = {"start": "2022-03-01", "end": "2022-03-31"}
    generated(catalogue, 5, seed=1)
    few = {view: _queries(staff_client, url, {**params, "view": view}) for view in VIEWS}
    generated(catalogue, 300, seed=2)
    many = {view: _queries(staff_client, url, {**params, "view": view}) for view in VIEWS}
    assert few == many
    # Four for the request itself (session, login, navigation), then one per table:
    # the overview's totals, months, channels and partner products; two tables elsewhere; the
    # leaders, three training figures and the courtyards on the impact view.
    assert many == {"overview": 8, "time": 6, "channels": 6, "sessions": 6, "sellers": 6,
                    "places": 6, "products": 6, "campaigns": 6, "impact": 9}  # fmt: skip
    session = Order.objects.exclude(live_session=None).values_list("live_session", flat=True)[0]
    detail = {**params, "view": "sessions", "session": session}
    assert _queries(staff_client, url, detail) == many["sessions"] + 3


def test_the_default_period_ends_with_the_latest_sale(staff_client, catalogue):
    generated(catalogue, 20)
    body = staff_client.get(reverse("staff:reports")).content.decode()
    assert "2021-04-01" in body and "2022-03-" in body


def test_the_overview_shows_the_figures_charts_and_tables(staff_client, catalogue):
    generated(catalogue, 60)
    response = staff_client.get(
        reverse("staff:reports"), {"start": "2022-03-01", "end": "2022-03-31"}
    )
    body = response.content.decode()
    totals = selectors.sales_totals(MARCH)
    assert f"{totals['net']:,.2f}" in body
    assert body.count("<canvas data-chart=") == 2
    assert 'type="application/json"' in body
    assert "<script>" not in body  # data only, no inline script (CSP)
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in body


def test_a_bad_period_is_explained_and_the_default_shown(staff_client, catalogue, english):
    url = reverse("staff:reports")
    client = staff_client
    client.cookies["django_language"] = "en"
    backwards = client.get(url, {"start": "2022-03-31", "end": "2022-03-01"}).content.decode()
    assert "cannot end before it starts" in backwards
    too_long = client.get(url, {"start": "2015-01-01", "end": "2022-03-01"}).content.decode()
    assert "at most 1100 days" in too_long
    garbage = client.get(url, {"start": "yesterday", "view": "nonsense"})
    assert garbage.status_code == 200
    assert client.get(url, {"view": "sessions", "session": "abc"}).status_code == 404
    assert client.get(url, {"view": "sessions", "session": "999999"}).status_code == 404


def test_reports_are_for_staff_only(seller_client, client):
    for name in ("staff:reports", "staff:reports_export", "staff:reports_government"):
        url = reverse(name)
        assert seller_client.get(url).status_code == 403, name
        assert client.get(url).status_code == 302, name


# --- Spreadsheets and the PDF -------------------------------------------------------------------


def test_the_xlsx_holds_every_table_with_numbers_and_safe_text_and_is_logged(
    staff_client, staff_user, catalogue
):
    seller = catalogue[0].product.seller
    seller.name = "=HYPERLINK(1)"
    seller.save()
    generated(catalogue, 80)
    response = staff_client.get(
        reverse("staff:reports_export"),
        {"view": "sellers", "start": "2022-03-01", "end": "2022-03-31"},
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 3  # about, by member, by enterprise
    sheet = book[book.sheetnames[1]]
    rows = list(sheet.iter_rows(values_only=True))
    names = [row[0] for row in rows[1:-1]]
    assert "'=HYPERLINK(1)" in names
    net_column = len(rows[0]) - 1
    body = list(rows[1:-1])
    assert all(isinstance(row[net_column], int | float) for row in body)
    total = Decimal(str(rows[-1][net_column])).quantize(Decimal("0.01"))
    assert total == selectors.sales_totals(MARCH)["net"]
    entry = ExportLog.objects.get()
    groups = len(selectors.sales_by("seller", MARCH)) + len(selectors.sales_by("enterprise", MARCH))
    assert entry.actor == staff_user and entry.rows == groups


def test_the_report_to_the_government_is_one_page_in_chinese_and_logged(
    staff_client, catalogue, tmp_path
):
    generated(catalogue, 120)
    leader = ProjectFactory(leader__name="宋小赞").leader
    ProjectParticipationFactory(project=leader.led_projects.get())
    response = staff_client.get(
        reverse("staff:reports_government"), {"start": "2022-03-01", "end": "2022-03-31"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:           1" in info.stdout
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    assert "WenQuanYi" in fonts.stdout
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    totals = selectors.sales_totals(MARCH)
    assert f"¥{totals['net']:,.2f}" in text
    assert "宋小赞" in text
    assert "2022-03-01" in text
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 10_000
    assert ExportLog.objects.count() == 1


def test_the_government_pdf_runs_a_constant_number_of_queries(staff_client, catalogue):
    url = reverse("staff:reports_government")
    params = {"start": "2022-03-01", "end": "2022-03-31"}
    generated(catalogue, 5, seed=3)
    few = _queries(staff_client, url, params)
    generated(catalogue, 200, seed=4)
    assert _queries(staff_client, url, params) == few


# --- The seller's own sales ---------------------------------------------------------------------


def test_her_sales_page_shows_only_hers_in_constant_queries(catalogue):
    generated(catalogue, 10, seed=5)
    seller = catalogue[0].product.seller
    client = logged_in_client(seller.user)
    url = reverse("seller:sales")
    params = {"start": "2022-03-01", "end": "2022-03-31"}
    few = _queries(client, url, params)
    generated(catalogue, 200, seed=6)
    assert _queries(client, url, params) == few
    body = client.get(url, params).content.decode()
    mine = selectors.sales_totals(MARCH, where=selectors.Q(seller=seller))
    everyone = selectors.sales_totals(MARCH)
    assert f"¥{mine['net']:,.2f}" in body
    assert f"{everyone['net']:,.2f}" not in body
    others = {sku.product.name for sku in catalogue if sku.product.seller != seller}
    assert not any(name in body for name in others)


def test_her_sales_by_month_product_and_session_add_up(catalogue):
    generated(catalogue, 150)
    seller = catalogue[3].product.seller
    mine = selectors.Q(seller=seller)
    total = selectors.sales_totals(MARCH, where=mine)["net"]
    for dimension in ("month", "product", "session"):
        rows = selectors.sales_by(dimension, MARCH, where=mine)
        assert sum(row["net"] for row in rows) == total, dimension


def test_sales_pages_are_for_members(staff_client, client):
    assert client.get(reverse("seller:sales")).status_code == 302
    assert staff_client.get(reverse("seller:sales")).status_code == 403


# --- Statements against the same rule -----------------------------------------------------------


def test_a_month_of_statements_settles_exactly_the_delivered_sold_lines(catalogue):
    from livestreams.services import settlement

    generated(catalogue, 250)
    statements = {}
    for seller_id in settlement.sellers_to_settle(MARCH):
        seller = next(s.product.seller for s in catalogue if s.product.seller_id == seller_id)
        statements[seller_id] = settlement.make_statement(seller=seller, period=MARCH, actor=None)
    _low, high = MARCH.bounds()
    expected: dict[int, dict[str, Decimal]] = defaultdict(
        lambda: {"gross": Decimal("0"), "refunds": Decimal("0")}
    )
    for line in OrderLine.objects.select_related("order", "seller_order"):
        parcel = line.seller_order
        received = parcel is not None and (
            (parcel.status == SellerOrderStatus.DELIVERED and parcel.delivered_at < high)
            or (
                parcel.status == SellerOrderStatus.SHIPPED
                and parcel.shipped_at < high - timedelta(days=15)
            )
        )
        sold = line.order.paid_at is not None and (
            line.status in (LineStatus.PAID, LineStatus.SHIPPED, LineStatus.COMPLETED)
            or (line.status == LineStatus.CLOSED and line.refunded_amount > 0)
        )
        if received and sold:
            expected[line.seller_id]["gross"] += line.line_total
            expected[line.seller_id]["refunds"] += min(line.refunded_amount, line.line_total)
    assert set(statements) == set(expected)
    for seller_id, statement in statements.items():
        assert statement.gross == expected[seller_id]["gross"]
        assert statement.refunds == expected[seller_id]["refunds"]
    assert sum(s.gross for s in statements.values()) == sum(e["gross"] for e in expected.values())
    # Delivered after March, or not delivered: left for a later statement.
    assert OrderLine.objects.filter(settlement__isnull=True).exists()
