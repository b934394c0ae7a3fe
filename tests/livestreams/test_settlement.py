"""Settlement: which lines a statement settles, the arithmetic to the fen (rates, rounding,
refunds, late refunds after payment), the lifecycle draft → confirmed → paid and a paid
statement that never changes, delivery from an import, the pages and files, and a seller who
sees only her own statements."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from alliance.models import ExportLog
from alliance.reports.selectors import Period
from livestreams.models import (
    AfterSalesStatus,
    LineStatus,
    SellerOrderStatus,
    SettledLine,
    Statement,
    StatementAdjustment,
    StatementStatus,
)
from livestreams.services import settlement
from tests.conftest import logged_in_client
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    SellerFactory,
    SellerOrderFactory,
    SKUFactory,
)

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MARCH = Period(date(2022, 3, 1), date(2022, 3, 31))
APRIL = Period(date(2022, 4, 1), date(2022, 4, 30))
MAY = Period(date(2022, 5, 1), date(2022, 5, 31))
S = StatementStatus


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2022, month, day, hour, tzinfo=TZ)


def delivered(
    seller,
    *,
    totals: tuple[str, ...] = ("100.00",),
    channel: str = "douyin",
    paid: datetime | None = None,
    delivered_at: datetime | None = None,
    status: str = SellerOrderStatus.DELIVERED,
    line_status: str = LineStatus.COMPLETED,
):
    """A seller order of hers, paid and delivered in March unless told otherwise."""
    paid = paid or at(3, 5)
    order = OrderFactory(channel=channel, paid_at=paid)
    seller_order = SellerOrderFactory(
        order=order,
        seller=seller,
        status=status,
        delivered_at=(delivered_at or paid + timedelta(days=3))
        if status == SellerOrderStatus.DELIVERED
        else None,
    )
    for total in totals:
        OrderLineFactory(
            order=order,
            seller_order=seller_order,
            seller=seller,
            sku=SKUFactory(product__seller=seller),
            line_total=Decimal(total),
            status=line_status,
        )
    return seller_order


def refund(line, amount: str) -> None:
    line.refunded_amount = Decimal(amount)
    line.after_sales_status = AfterSalesStatus.REFUNDED
    line.save()


def make(seller, period=MARCH, **kwargs) -> Statement | None:
    return settlement.make_statement(seller=seller, period=period, actor=None, **kwargs)


def pay(statement: Statement, staff_user, reference: str = "ZH001") -> Statement:
    settlement.confirm(statement=statement, member=statement.seller)
    return settlement.mark_paid(statement=statement, actor=staff_user, reference=reference)


# --- What a statement settles -------------------------------------------------------------------


def test_a_statement_settles_her_delivered_lines_and_nothing_else(seller, other_seller):
    mine = delivered(seller, totals=("100.00", "58.80"))
    delivered(seller, totals=("40.00",), status=SellerOrderStatus.SHIPPED)
    delivered(seller, totals=("33.00",), delivered_at=at(4, 2))  # delivered in April
    cancelled = delivered(seller, totals=("20.00",), line_status=LineStatus.CLOSED)
    delivered(other_seller, totals=("999.00",))
    statement = make(seller)
    assert statement.status == S.DRAFT
    assert statement.gross == Decimal("158.80")
    assert statement.lines_count == 2
    assert set(statement.settled_lines.values_list("line__seller_order", flat=True)) == {mine.pk}
    assert not SettledLine.objects.filter(line__seller_order=cancelled).exists()


def test_a_parcel_shipped_long_enough_before_the_end_counts_as_received(seller):
    """Our own channels have no export that says delivered: shipped 15 days before the period's
    end, the buyer's receipt counts as confirmed (as the platforms confirm it)."""
    early = delivered(seller, totals=("30.00",), channel="miniprogram", paid=at(3, 10),
                      status=SellerOrderStatus.SHIPPED)  # fmt: skip
    early.shipped_at = at(3, 16, 9)  # 15 days and some hours before 1 April
    early.save()
    late = delivered(seller, totals=("40.00",), channel="miniprogram", paid=at(3, 20),
                     status=SellerOrderStatus.SHIPPED)  # fmt: skip
    late.shipped_at = at(3, 21)
    late.save()
    march = make(seller)
    assert march.gross == Decimal("30.00")
    assert make(seller, APRIL).gross == Decimal("40.00")


def test_each_line_is_settled_once_and_late_deliveries_go_to_the_next_statement(seller):
    delivered(seller, totals=("100.00",))
    late = delivered(seller, totals=("33.00",), delivered_at=at(4, 2))
    march = make(seller)
    april = make(seller, APRIL)
    assert march.gross == Decimal("100.00")
    assert april.gross == Decimal("33.00")
    assert list(april.settled_lines.values_list("line__seller_order", flat=True)) == [late.pk]
    assert make(seller, MAY) is None  # nothing left to settle


def test_fees_and_commission_by_channel_rounded_half_up_to_the_fen(seller):
    settlement.set_channel_rate(
        channel="douyin", platform_fee_rate=Decimal("5.00"), commission_rate=Decimal("3.00")
    )
    settlement.set_channel_rate(
        channel="channels", platform_fee_rate=Decimal("0.00"), commission_rate=Decimal("2.50")
    )
    delivered(seller, totals=("100.10", "0.30"))  # douyin 100.40
    delivered(seller, totals=("33.33",), channel="channels")
    delivered(seller, totals=("10.00",), channel="miniprogram")  # no rate: zero
    statement = make(seller)
    rows = {row.channel: row for row in statement.channels.all()}
    douyin, channels, miniprogram = rows["douyin"], rows["channels"], rows["miniprogram"]
    assert douyin.platform_fee == Decimal("5.02")  # 5.020
    assert douyin.commission == Decimal("3.01")  # 3.012
    assert channels.platform_fee == Decimal("0.00")  # zero is a valid rate
    assert channels.commission == Decimal("0.83")  # 0.83325
    assert miniprogram.platform_fee == miniprogram.commission == Decimal("0.00")
    assert statement.gross == Decimal("143.73")
    assert statement.platform_fee == Decimal("5.02")
    assert statement.commission == Decimal("3.84")
    assert statement.net_payable == Decimal("134.87")


def test_her_own_rate_wins_over_the_channels_and_the_more_specific_wins(seller):
    settlement.set_channel_rate(
        channel="douyin", platform_fee_rate=Decimal("5.00"), commission_rate=Decimal("3.00")
    )
    settlement.set_member_rate(
        member=seller, channel="", platform_fee_rate=None, commission_rate=Decimal("0.00")
    )
    settlement.set_member_rate(
        member=seller, channel="taobao", platform_fee_rate=Decimal("1.00"), commission_rate=None
    )
    rates = settlement.rates_for(seller)
    assert rates["douyin"] == settlement.Rates(Decimal("5.00"), Decimal("0.00"))
    assert rates["taobao"] == settlement.Rates(Decimal("1.00"), Decimal("0.00"))
    assert rates["channels"] == settlement.Rates(Decimal("0"), Decimal("0.00"))
    settlement.set_member_rate(
        member=seller, channel="taobao", platform_fee_rate=None, commission_rate=None
    )
    assert settlement.rates_for(seller)["taobao"].platform_fee == Decimal("0")


@pytest.mark.parametrize("value", ["-0.01", "100.01", "1.005"])
def test_a_rate_is_between_0_and_100_with_two_decimals(value):
    with pytest.raises(ValidationError):
        settlement.set_channel_rate(
            channel="douyin", platform_fee_rate=Decimal(value), commission_rate=Decimal("1")
        )


def test_refunds_come_off_and_fees_are_on_what_is_left(seller):
    settlement.set_channel_rate(
        channel="douyin", platform_fee_rate=Decimal("10.00"), commission_rate=Decimal("0")
    )
    seller_order = delivered(seller, totals=("80.00", "20.00"))
    first, second = seller_order.lines.order_by("pk")
    refund(first, "30.00")
    second.status = LineStatus.CLOSED
    second.save()
    refund(second, "20.00")  # closed because of a refund after payment: still settled, net 0
    statement = make(seller)
    assert (statement.gross, statement.refunds) == (Decimal("100.00"), Decimal("50.00"))
    assert statement.platform_fee == Decimal("5.00")
    assert statement.net_payable == Decimal("45.00")


# --- Late refunds, and paid statements that never change ---------------------------------------


def test_a_refund_after_payment_is_an_adjustment_on_the_next_statement(seller, staff_user):
    settlement.set_channel_rate(
        channel="douyin", platform_fee_rate=Decimal("5.00"), commission_rate=Decimal("3.00")
    )
    march_order = delivered(seller, totals=("200.00",))
    march = pay(make(seller), staff_user)
    before = Statement.objects.values().get(pk=march.pk)
    refund(march_order.lines.get(), "50.00")  # the customer came back in April
    delivered(seller, totals=("100.00",), paid=at(4, 3))
    april = make(seller, APRIL)
    assert Statement.objects.values().get(pk=march.pk) == before
    assert april.gross == Decimal("100.00") and april.refunds == 0
    assert april.late_refunds == Decimal("50.00")
    assert april.platform_fee == Decimal("2.50")  # 5 % of 100 − 50
    assert april.commission == Decimal("1.50")
    assert april.net_payable == Decimal("46.00")
    adjustment = StatementAdjustment.objects.get(statement=april)
    assert adjustment.amount == Decimal("50.00")
    pay(april, staff_user, "ZH002")
    assert make(seller, MAY) is None  # the refund is taken off once


def test_a_second_late_refund_on_the_same_line_takes_off_only_the_difference(seller, staff_user):
    line_order = delivered(seller, totals=("90.00",))
    pay(make(seller), staff_user)
    line = line_order.lines.get()
    refund(line, "30.00")
    april = pay(make(seller, APRIL), staff_user, "ZH002")
    refund(line, "90.00")
    may = make(seller, MAY)
    assert april.late_refunds == Decimal("30.00")
    assert may.late_refunds == Decimal("60.00")
    assert may.net_payable == Decimal("-60.00")  # she owes it: it comes off her next payment


def test_a_draft_is_worked_out_again_and_a_confirmed_one_is_not(seller, staff_user):
    seller_order = delivered(seller, totals=("100.00",))
    draft = make(seller)
    refund(seller_order.lines.get(), "10.00")
    again = make(seller)
    assert again.pk == draft.pk and again.refunds == Decimal("10.00")
    settlement.confirm(statement=again, member=seller)
    refund(seller_order.lines.get(), "25.00")
    kept = make(seller)
    assert kept.status == S.CONFIRMED and kept.refunds == Decimal("10.00")
    assert make(seller, APRIL).late_refunds == Decimal("15.00")


def test_the_database_refuses_to_change_a_paid_statement(seller, staff_user):
    delivered(seller)
    paid = pay(make(seller), staff_user)
    assert settlement.mark_paid(statement=paid, actor=staff_user, reference="other") == paid
    assert make(seller).pk == paid.pk  # the service returns it untouched
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            Statement.objects.filter(pk=paid.pk).update(net_payable=0, gross=0, refunds=0)
        with pytest.raises(DatabaseError), transaction.atomic():
            SettledLine.objects.filter(statement=paid).delete()
        with pytest.raises(DatabaseError), transaction.atomic():
            Statement.objects.filter(pk=paid.pk).delete()
    paid.refresh_from_db()
    assert paid.status == S.PAID and paid.gross == Decimal("100.00")


def test_the_net_payable_must_add_up_in_the_database(seller):
    delivered(seller)
    statement = make(seller)
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(net_payable=Decimal("1.00"))
    assert "statement_net_adds_up" in str(error.value) or "CHECK constraint" in str(error.value)


# --- The lifecycle ------------------------------------------------------------------------------


def test_draft_confirmed_paid_with_an_event_each(seller, staff_user):
    delivered(seller)
    statement = make(seller)
    with pytest.raises(ValidationError):
        settlement.mark_paid(statement=statement, actor=staff_user, reference="ZH1")
    settlement.confirm(statement=statement, member=seller)
    with pytest.raises(ValidationError):
        settlement.mark_paid(statement=statement, actor=staff_user, reference="  ")
    settlement.mark_paid(statement=statement, actor=staff_user, reference="ZH1")
    statement.refresh_from_db()
    assert statement.payment_reference == "ZH1" and statement.paid_by == staff_user
    assert statement.confirmed_by == seller.user
    assert list(statement.events.values_list("from_status", "to_status")) == [
        ("", S.DRAFT),
        (S.DRAFT, S.CONFIRMED),
        (S.CONFIRMED, S.PAID),
    ]
    with pytest.raises(ValidationError):
        settlement.reopen(statement=statement, actor=staff_user, reason="改")


def test_only_she_confirms_and_staff_can_send_a_confirmed_one_back(
    seller, other_seller, staff_user
):
    delivered(seller)
    statement = make(seller)
    with pytest.raises(ValidationError):
        settlement.confirm(statement=statement, member=other_seller)
    settlement.confirm(statement=statement, member=seller)
    with pytest.raises(ValidationError):
        settlement.reopen(statement=statement, actor=staff_user, reason=" ")
    settlement.reopen(statement=statement, actor=staff_user, reason="佣金率填错")
    statement.refresh_from_db()
    assert statement.status == S.DRAFT and statement.confirmed_at is None


def test_periods_of_one_seller_never_overlap(seller):
    delivered(seller)
    make(seller)
    with pytest.raises(ValidationError):
        make(seller, Period(date(2022, 3, 15), date(2022, 4, 14)))


def test_statements_for_a_month_for_every_seller_with_something_to_settle(seller, other_seller):
    delivered(seller)
    delivered(other_seller, totals=("12.00",))
    delivered(SellerFactory(), status=SellerOrderStatus.SHIPPED)
    assert settlement.make_statements(period=MARCH, actor=None) == 2
    assert settlement.make_statements(period=MARCH, actor=None) == 2  # repeat: same drafts
    assert Statement.objects.count() == 2


# --- Delivered when the platform says completed -------------------------------------------------


def test_a_shipped_parcel_the_platform_shows_completed_is_delivered(seller):
    done = delivered(seller, totals=("1", "2"), status=SellerOrderStatus.SHIPPED)
    half = delivered(seller, totals=("1", "2"), status=SellerOrderStatus.SHIPPED)
    half_line = half.lines.first()
    half_line.status = LineStatus.SHIPPED
    half_line.save()
    count = settlement.deliver_completed(order_ids=[done.order_id, half.order_id])
    done.refresh_from_db()
    half.refresh_from_db()
    assert count == 1
    assert done.status == SellerOrderStatus.DELIVERED and done.delivered_at is not None
    assert half.status == SellerOrderStatus.SHIPPED
    assert settlement.deliver_completed(order_ids=[done.order_id]) == 0


# --- Pages and files ----------------------------------------------------------------------------


def test_the_month_page_runs_the_same_queries_for_few_and_many(staff_client, staff_user):
    url = reverse("staff:settlement")
    delivered(SellerFactory())
    settlement.make_statements(period=MARCH, actor=None)
    staff_client.get(url, {"month": "2022-03"})
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url, {"month": "2022-03"})
    for _ in range(10):
        delivered(SellerFactory())
    settlement.make_statements(period=MARCH, actor=None)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url, {"month": "2022-03"})
    assert len(many) == len(few)
    assert response.content.decode().count("/staff/settlement/") >= 11


def test_staff_work_out_a_month_pay_and_download_a_logged_file(staff_client, staff_user):
    seller = SellerFactory(name="林夏女")
    delivered(seller, totals=("88.00",))
    response = staff_client.post(reverse("staff:settlement_make"), {"month": "2022-03"})
    assert response.status_code == 302
    statement = Statement.objects.get()
    page = staff_client.get(reverse("staff:settlement_statement", args=[statement.pk]))
    assert "林夏女" in page.content.decode()
    settlement.confirm(statement=statement, member=seller)
    bad = staff_client.post(reverse("staff:settlement_pay", args=[statement.pk]), {"reference": ""})
    assert bad.status_code == 400
    staff_client.post(reverse("staff:settlement_pay", args=[statement.pk]), {"reference": "ZH9"})
    statement.refresh_from_db()
    assert statement.status == S.PAID
    xlsx = staff_client.get(reverse("staff:settlement_xlsx", args=[statement.pk]))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert summary[0][1] == "林夏女"
    assert Decimal(str(summary[-2][1])) == Decimal("88.00")  # net payable, a number
    pdf = staff_client.get(reverse("staff:settlement_pdf", args=[statement.pk]))
    assert pdf.content.startswith(b"%PDF") and b"WenQuanYi" in pdf.content
    assert ExportLog.objects.count() == 2


def test_a_month_not_over_is_not_settled(staff_client):
    response = staff_client.post(reverse("staff:settlement_make"), {"month": "2099-01"})
    assert response.status_code == 302
    assert not Statement.objects.exists()
    response = staff_client.post(reverse("staff:settlement_make"), {"month": "garbage"})
    assert response.status_code == 302


def test_the_rates_page_saves_and_explains_bad_values(staff_client, seller):
    url = reverse("staff:settlement_rates")
    assert staff_client.get(url).status_code == 200
    data = {"channels": "1"}
    for channel in ("douyin", "taobao", "channels", "miniprogram", "courtyard_qr"):
        data[f"fee_{channel}"] = "5.00"
        data[f"commission_{channel}"] = "0"
    assert staff_client.post(url, data).status_code == 302
    assert settlement.rates_for(seller)["taobao"].platform_fee == Decimal("5.00")
    bad = staff_client.post(url, {**data, "fee_douyin": "101"})
    assert bad.status_code == 400 and 'class="field has-error"' in bad.content.decode()
    member = staff_client.post(
        url, {"member_rate": "1", "member": seller.pk, "channel": "", "commission_rate": "1.5"}
    )
    assert member.status_code == 302
    assert settlement.rates_for(seller)["douyin"].commission == Decimal("1.50")


def test_settlement_pages_are_for_staff_only(seller_client):
    for name in ("staff:settlement", "staff:settlement_rates"):
        assert seller_client.get(reverse(name)).status_code == 403


def test_she_sees_her_statement_confirms_it_and_downloads_it(seller):
    delivered(seller, totals=("66.00",))
    statement = make(seller)
    client = logged_in_client(seller.user)
    listing = client.get(reverse("seller:statements")).content.decode()
    assert reverse("seller:statement", args=[statement.pk]) in listing
    page = client.get(reverse("seller:statement", args=[statement.pk])).content.decode()
    assert "66.00" in page and reverse("seller:statement_confirm", args=[statement.pk]) in page
    assert client.post(reverse("seller:statement_confirm", args=[statement.pk])).status_code == 302
    statement.refresh_from_db()
    assert statement.status == S.CONFIRMED
    pdf = client.get(reverse("seller:statement_pdf", args=[statement.pk]))
    assert pdf.content.startswith(b"%PDF")
    assert not ExportLog.objects.exists()  # her own statement: nothing to log


def test_her_statement_list_runs_the_same_queries_for_one_and_many(seller):
    client = logged_in_client(seller.user)
    for month in (3, 4):
        delivered(seller, paid=at(month, 3), delivered_at=at(month, 8))
    make(seller)
    url = reverse("seller:statements")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    make(seller, APRIL)
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    assert len(one) == len(two)


def test_another_sellers_statement_is_not_found_on_every_seller_url(seller, other_seller):
    """Every statement URL of the seller face, enumerated, answers 404 to another seller's
    statement, by GET and POST, and changes nothing."""
    delivered(other_seller)
    theirs = make(other_seller)
    client = logged_in_client(seller.user)
    _prefix, resolver = get_resolver().namespace_dict["seller"]
    names = [
        p.name
        for p in resolver.url_patterns
        if getattr(p, "name", "") and "statement_id" in p.pattern.regex.groupindex
    ]
    assert {"statement", "statement_confirm", "statement_pdf", "statement_xlsx"} <= set(names)
    for name in names:
        url = reverse(f"seller:{name}", kwargs={"statement_id": theirs.pk})
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.status == S.DRAFT
