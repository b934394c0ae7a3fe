"""The numbers in a real browser: staff's report page with its charts at a desk, and a seller's
sales, statement and ticket on a phone (375 px), with no console or CSP errors."""

import random
from datetime import date
from decimal import Decimal

import pytest

from alliance.reports.selectors import Period
from livestreams.demo_aftersales import generate_orders
from livestreams.models import LiveSession, OrderLine, TicketKind
from livestreams.services import aftersales, settlement
from tests.e2e.test_faces import log_in, small_targets
from tests.factories import (
    EnterpriseFactory,
    LiveSessionFactory,
    ProductFactory,
    SellerFactory,
    SKUFactory,
    StaffUserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PERIOD = "start=2022-01-01&end=2022-03-31"


@pytest.fixture
def sales():
    """Three months of orders of four sellers, 林夏女 among them, some sold in live sessions."""
    seller = SellerFactory(name="林夏女", mobile="13800000001")
    EnterpriseFactory(owner=seller, name="溪口山珍小铺")
    skus = [
        SKUFactory(product=ProductFactory(seller=seller, name=name), price=Decimal(price))
        for name, price in (("溪口千层饼 礼盒装", "58.00"), ("高山笋干 农家晒制", "39.90"))
    ]
    for index in range(3):
        other = SellerFactory()
        skus += [SKUFactory(product__seller=other, price=Decimal(f"{29 + index * 20}.80"))]
    sessions = [
        LiveSessionFactory(
            platform="douyin",
            planned_start=f"2022-{month:02d}-{day:02d}T19:30:00+08:00",
            planned_end=f"2022-{month:02d}-{day:02d}T22:00:00+08:00",
        )
        for month in (1, 2, 3)
        for day in (8, 22)
    ]
    generate_orders(
        rng=random.Random(2022),
        skus=skus,
        start=date(2022, 1, 1),
        end=date(2022, 3, 31),
        count=240,
        prefix="E2E",
        sessions=LiveSession.objects.filter(pk__in=[s.pk for s in sessions]),
    )
    return seller


def test_staff_read_the_report_with_its_charts_at_a_desk(live_server, desktop_page, sales):
    StaffUserFactory(username="wulunsu")
    page = desktop_page.page
    log_in(page, live_server, "wulunsu")
    page.goto(f"{live_server.url}/staff/reports/?{PERIOD}")
    page.wait_for_selector("canvas[data-drawn=true]")
    assert page.locator("canvas[data-drawn=true]").count() == 2
    assert "销售与成效报表" in page.content() or "Sales and impact reports" in page.content()
    desktop_page.screenshot("staff-reports-overview-desktop")
    page.goto(f"{live_server.url}/staff/reports/?view=sessions&{PERIOD}")
    page.wait_for_selector("canvas[data-drawn=true]")
    page.locator("#by_session a").first.click()
    page.wait_for_selector("canvas[data-drawn=true]")
    assert page.locator("#session_hours").count() == 1
    desktop_page.screenshot("staff-reports-session-desktop")
    page.goto(f"{live_server.url}/staff/reports/?view=channels&{PERIOD}")
    page.wait_for_selector("canvas[data-drawn=true]")
    desktop_page.screenshot("staff-reports-channels-desktop")
    assert desktop_page.console_errors == []


def test_a_seller_reads_her_sales_statement_and_ticket_on_a_phone(live_server, phone_page, sales):
    staff = StaffUserFactory()
    statement = settlement.make_statement(
        seller=sales, period=Period(date(2022, 1, 1), date(2022, 1, 31)), actor=staff
    )
    line = OrderLine.objects.filter(seller=sales, seller_order__isnull=False).first()
    ticket = aftersales.open_ticket(
        kind=TicketKind.RETURN_REFUND, subject="笋干受潮", lines=[line], actor=staff,
        description="买家说收到时笋干受潮。",
    )  # fmt: skip
    aftersales.add_staff_note(
        ticket=ticket, actor=staff, is_internal=False, ask_seller=True,
        text="您好，请问发货时是否真空包装？",
    )  # fmt: skip
    page = phone_page.page
    log_in(page, live_server, "13800000001")

    page.goto(f"{live_server.url}/seller/sales/?{PERIOD}")
    page.wait_for_selector("canvas[data-drawn=true]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert small_targets(page) == []
    phone_page.screenshot("seller-sales-375")

    page.goto(f"{live_server.url}/seller/statements/{statement.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert small_targets(page) == []
    phone_page.screenshot("seller-statement-375")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    statement.refresh_from_db()
    assert statement.status == "confirmed"

    page.goto(f"{live_server.url}/seller/aftersales/")
    page.click(f"a[href='/seller/aftersales/{ticket.pk}/']")
    page.fill("textarea[name=text]", "是真空包装的，我拍了库存照片。")
    assert small_targets(page) == []
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "是真空包装的" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    phone_page.screenshot("seller-ticket-375")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert phone_page.console_errors == []
