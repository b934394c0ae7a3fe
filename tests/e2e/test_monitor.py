"""Staff at a desk: the forwarding monitor, a retry, a label, a batch-shipment file."""

from pathlib import Path

import pytest
from django.utils import timezone

from alliance.models import ExportLog
from livestreams.models import SellerOrder, SellerOrderStatus, ShipmentExport
from livestreams.services import fulfilment
from tests.e2e.test_faces import log_in
from tests.factories import (
    StaffUserFactory,
)
from tests.livestreams import seller_orders

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def seller_order_in(status: str, channel: str = "douyin", **fields) -> SellerOrder:
    return seller_orders.seller_order_in(
        status,
        channel,
        order_recipient_name="张小红",
        order_recipient_mobile="13912345678",
        order_recipient_province="浙江省",
        order_recipient_city="宁波市",
        order_recipient_district="奉化区",
        order_recipient_address="萧王庙街道青云村12号",
        **fields,
    )


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_staff_retry_a_failed_order_attach_a_label_and_make_a_batch_file(
    live_server, desktop_page, tmp_path
):
    StaffUserFactory(username="wulunsu")
    broken = seller_order_in(
        SellerOrderStatus.PENDING,
        problem="Forwarding failed after every retry: HTTP 503",
        problem_at=timezone.now(),
        forward_attempts=6,
    )
    to_label = seller_order_in(SellerOrderStatus.FORWARDED)
    for _ in range(2):
        parcel = seller_order_in(SellerOrderStatus.ACKNOWLEDGED, channel="taobao")
        fulfilment.ship(
            seller_order=parcel, actor=parcel.seller.user, courier="YUNDA",
            tracking_number="4312345678901",
        )  # fmt: skip
    page = desktop_page.page

    log_in(page, live_server, "wulunsu")
    assert page.locator("a[href='/staff/forwarding/']").count() == 1
    desktop_page.screenshot("staff-home-with-forwarding-desktop")

    # The monitor opens on the failed tab: the problem is there, with its tries.
    page.click("a[href='/staff/forwarding/']")
    page.wait_for_load_state()
    assert "Forwarding failed after every retry: HTTP 503" in page.content()
    assert page.locator("table.monitor tbody tr").count() == 1
    desktop_page.screenshot("staff-monitor-failed-desktop")

    # Retry it: forwarding runs (in-process here) and the seller order is forwarded.
    page.click(f"button[formaction='/staff/forwarding/{broken.pk}/retry/']")
    page.wait_for_load_state()
    assert page.locator(".message-success").count() == 1
    assert page.locator("table.monitor").count() == 0  # the failed tab is empty now
    broken.refresh_from_db()
    assert (broken.status, broken.problem) == (SellerOrderStatus.FORWARDED, "")
    desktop_page.screenshot("staff-monitor-after-retry-desktop")

    # Attach the platform's e-waybill to another seller order.
    page.goto(f"{live_server.url}/staff/forwarding/{to_label.pk}/")
    assert "13912345678" in page.content()  # staff see the recipient in full
    desktop_page.screenshot("staff-seller-order-desktop")
    label = Path(tmp_path) / "面单.pdf"
    label.write_bytes(PDF)
    page.select_option("#label select[name=courier]", "SF")
    page.fill("#label input[name=tracking_number]", "SF 1234567890123")
    page.set_input_files("#label input[name=label]", str(label))
    page.click("#label button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".message-success").count() == 1
    to_label.refresh_from_db()
    assert to_label.tracking_number == "SF1234567890123" and to_label.label.read() == PDF
    desktop_page.screenshot("staff-seller-order-labelled-desktop")
    with page.expect_download() as label_download:
        page.click(f"a[href='/staff/forwarding/{to_label.pk}/label/file/']")
    assert Path(label_download.value.path()).read_bytes() == PDF
    assert ExportLog.objects.count() == 1

    # Make Taobao's batch-shipment file and download it.
    page.goto(f"{live_server.url}/staff/shipping/exports/")
    desktop_page.screenshot("staff-shipment-exports-before-desktop")
    page.click("form[action='/staff/shipping/exports/make/taobao/'] button")
    page.wait_for_load_state()
    export = ShipmentExport.objects.get()
    assert export.rows == 2
    assert page.locator(f"a[href='/staff/shipping/exports/{export.pk}/file/']").count() == 1
    desktop_page.screenshot("staff-shipment-exports-made-desktop")
    with page.expect_download() as export_download:
        page.click(f"a[href='/staff/shipping/exports/{export.pk}/file/']")
    assert Path(export_download.value.path()).read_bytes() == export.file.read()
    assert list(ExportLog.objects.values_list("rows", flat=True).order_by("pk")) == [1, 2]
    assert desktop_page.console_errors == []


def test_the_monitor_and_the_label_file_page_hold_on_a_phone(live_server, phone_page):
    StaffUserFactory(username="wulunsu")
    for _ in range(2):
        seller_order_in(
            SellerOrderStatus.PENDING,
            problem="WeCom group robot refused the message: invalid webhook url",
            problem_at=timezone.now(),
        )
    seller_order = seller_order_in(SellerOrderStatus.FORWARDED)
    page = phone_page.page
    log_in(page, live_server, "wulunsu")
    for url, name in [
        ("/staff/forwarding/", "staff-monitor-375"),
        (f"/staff/forwarding/{seller_order.pk}/", "staff-seller-order-375"),
        ("/staff/shipping/labels/", "staff-labels-375"),
        ("/staff/shipping/exports/", "staff-shipment-exports-375"),
    ]:
        page.goto(f"{live_server.url}{url}")
        assert no_horizontal_scroll(page), url
        phone_page.screenshot(name)
    # "Tick all" ticks every row of the page.
    page.goto(f"{live_server.url}/staff/forwarding/")
    page.check("input[data-select-all]")
    assert page.locator("input[name=seller_order]:checked").count() == 2
    assert phone_page.console_errors == []
