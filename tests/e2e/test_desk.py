"""A seller on a phone works her order desk: a new order, acknowledge, ship, the pick list."""

import csv
import io

import pytest

from tests.e2e.test_faces import log_in, small_targets
from tests.factories import SellerFactory
from tests.livestreams.test_desk import ADDRESS, MOBILE, NAME, labelled, parcel, with_recipient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def check_the_phone_page(phone_page, name: str) -> None:
    page = phone_page.page
    assert fits_the_phone(page), name
    assert small_targets(page) == [], name
    phone_page.screenshot(name)


def test_a_seller_ships_a_new_order_from_her_phone(live_server, phone_page):
    seller = SellerFactory(name="林夏女", mobile="13800000003")
    new = with_recipient(seller, lines=2, buyer_note="请周五前送到，谢谢")
    label = labelled(seller)
    someone_elses = parcel(SellerFactory())
    page = phone_page.page

    log_in(page, live_server, "13800000003")
    page.goto(f"{live_server.url}/seller/")
    card = page.locator(".my-orders-card")
    assert card.locator("strong").all_inner_texts() == ["2", "1"]  # new; to ship
    check_the_phone_page(phone_page, "seller-home-orders-card-375")

    card.locator("a.button").click()
    page.wait_for_load_state()
    assert page.url.endswith("/seller/orders/")
    rows = page.locator(".parcel-row")
    assert rows.count() == 2 and page.locator(".parcel-row.is-unread").count() == 2
    assert someone_elses.order.platform_order_id not in page.content()
    assert NAME not in page.content()
    check_the_phone_page(phone_page, "seller-desk-new-375")

    with page.expect_download() as download_info:
        page.click("a[href^='/seller/orders/export/']")
    exported = download_info.value.path().read_bytes()
    assert exported.startswith(b"\xef\xbb\xbf")
    rows_in_file = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows_in_file[0][0] == "order_id" and len(rows_in_file) == 4  # header + 3 lines
    assert NAME not in exported.decode("utf-8-sig")

    page.click(f"[data-order='{new.order.platform_order_id}'] a.parcel-main")
    page.wait_for_load_state()
    assert page.locator(".recipient-name").inner_text() == NAME
    assert page.locator(".recipient-mobile").inner_text() == MOBILE
    assert ADDRESS in page.locator(".recipient-address").inner_text()
    assert "请周五前送到" in page.locator(".buyer-note").inner_text()
    assert page.locator(".pack-lines li").count() == 2
    check_the_phone_page(phone_page, "seller-order-375")

    page.click("form[action$='/acknowledge/'] button")
    page.wait_for_load_state()
    assert page.locator("form[action$='/acknowledge/']").count() == 0
    page.select_option("select[name=courier]", "YTO")
    page.fill("input[name=tracking_number]", "1234")
    page.click("form.ship-form button[type=submit]")
    page.wait_for_load_state()
    error = page.locator(".field.has-error .error")
    assert error.count() == 1 and "YT1234567890123" in error.inner_text()
    check_the_phone_page(phone_page, "seller-order-ship-error-375")

    page.fill("input[name=tracking_number]", "YT 1234 5678 90123")
    page.click("form.ship-form button[type=submit]")
    page.wait_for_load_state()
    assert "YT1234567890123" in page.locator("#label .shipment").inner_text()
    assert page.locator("form.ship-form").count() == 0
    check_the_phone_page(phone_page, "seller-order-shipped-375")

    page.click("nav.crumbs a")
    page.wait_for_load_state()
    page.click("a[data-tab=shipped]")
    page.wait_for_load_state()
    assert page.locator(".parcel-row").count() == 1
    shipped_row = page.locator(f"[data-order='{new.order.platform_order_id}']")
    assert "YT1234567890123" in shipped_row.inner_text()
    check_the_phone_page(phone_page, "seller-desk-shipped-375")

    page.click("a[data-tab=to_ship]")
    page.wait_for_load_state()
    page.click("a[href^='/seller/orders/packing-slip/']")
    page.wait_for_load_state()
    slip = page.locator(".slip-order")
    assert slip.count() == 1
    assert label.order.platform_order_id in slip.inner_text()
    assert page.locator(".slip-totals tbody tr").count() == 1
    check_the_phone_page(phone_page, "seller-packing-slip-375")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator("form.slip-day").is_hidden()
    phone_page.screenshot("seller-packing-slip-print")
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/seller/orders/{label.pk}/")
    with page.expect_download() as download_info:
        page.click("a[href$='/label/']")
    assert download_info.value.path().read_bytes().startswith(b"%PDF")
    page.click("form.ship-form button[type=submit]")  # handed to the courier
    page.wait_for_load_state()
    assert "SF1234567890123" in page.locator("#label .shipment").inner_text()

    page.goto(f"{live_server.url}/seller/orders/ship-file/")
    check_the_phone_page(phone_page, "seller-ship-file-375")
    page.set_input_files(
        "input[name=file]",
        files=[{
            "name": "orders.csv",
            "mimeType": "text/csv",
            "buffer": b"order_id,courier,tracking_number\n123,ZTO,731234567890\n",
        }],
    )  # fmt: skip
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".row-errors li").count() == 1
    check_the_phone_page(phone_page, "seller-ship-file-errors-375")

    assert phone_page.console_errors == []
