"""The seller's order desk: tabs and counts, an order's page, acknowledge and ship, her file out
and back in, the pick list, and what she may see of a recipient."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import Workbook

from alliance.models import ExportLog
from livestreams.models import (
    AfterSalesStatus,
    LineStatus,
    Notification,
    NotificationChannel,
    NotificationKind,
    SellerOrder,
    SellerOrderStatus,
)
from livestreams.services import forwarding, fulfilment
from tests.conftest import logged_in_client
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    SellerFactory,
    SellerOrderFactory,
    SKUFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

S = SellerOrderStatus
PDF = b"%PDF-1.4 a label"
# Canaries: recipient details that must appear only where she may see them.
NAME = "欧阳金花"
MOBILE = "13912348888"
ADDRESS = "萧王庙街道青云村桃花弄7号"
HEADER = "order_id,sub_order_id,title,spec,quantity,courier,tracking_number"


@pytest.fixture
def english(seller_client, settings):
    """Her pages in English (the language switch's cookie), for assertions on messages."""
    seller_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def parcel(
    seller,
    *,
    channel: str = "douyin",
    lines: int = 1,
    forward: bool = True,
    **order_fields,
) -> SellerOrder:
    """A seller order of hers with its lines; forwarded through the real forwarding service
    (which writes her dashboard notification), or left pending."""
    order = OrderFactory(channel=channel, **order_fields)
    seller_order = SellerOrderFactory(order=order, seller=seller)
    for _ in range(lines):
        OrderLineFactory(
            order=order, seller_order=seller_order, sku__product__seller=seller, seller=seller
        )
    if forward:
        forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
    seller_order.refresh_from_db()
    return seller_order


def with_recipient(seller, **extra) -> SellerOrder:
    return parcel(
        seller,
        channel="miniprogram",
        recipient_name=NAME,
        recipient_mobile=MOBILE,
        recipient_province="浙江省",
        recipient_city="宁波市",
        recipient_district="奉化区",
        recipient_address=ADDRESS,
        **extra,
    )


def labelled(seller, **order_fields) -> SellerOrder:
    seller_order = parcel(seller, **order_fields)
    return fulfilment.attach_label(
        seller_order=seller_order,
        courier="SF",
        tracking_number="SF1234567890123",
        label=SimpleUploadedFile("label.pdf", PDF),
        actor=StaffUserFactory(),
    )


def english_errors(form, field: str) -> list[str]:
    """A form's errors of one field, in English (lazy messages are read after the request)."""
    with translation.override("en"):
        return [str(message) for message in form.errors[field]]


def order_url(seller_order: SellerOrder, action: str = "") -> str:
    return f"/seller/orders/{seller_order.pk}/" + (f"{action}/" if action else "")


def ids_on(response) -> list[str]:
    return [p.seller_order.order.platform_order_id for p in response.context["parcels"]]


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


# --- The desk -------------------------------------------------------------------------------------


def test_the_tabs_hold_her_orders_by_state_with_counts(seller, seller_client):
    new = parcel(seller)
    label = labelled(seller)
    acknowledged = parcel(seller)
    fulfilment.acknowledge(seller_order=acknowledged, actor=seller.user)
    shipped = parcel(seller, channel="miniprogram")
    fulfilment.ship(
        seller_order=shipped, actor=seller.user, courier="ZTO", tracking_number="731234567890"
    )
    delivered = labelled(seller)
    fulfilment.ship(seller_order=delivered, actor=seller.user)
    fulfilment.mark_delivered(seller_order=delivered, actor=None)
    cancelled = parcel(seller)
    fulfilment.cancel(seller_order=cancelled, actor=StaffUserFactory(), reason="买家取消")
    pending = parcel(seller, forward=False)
    someone_elses = parcel(SellerFactory())

    def tab(name: str) -> set[int]:
        response = seller_client.get(f"/seller/orders/?tab={name}")
        assert response.status_code == 200
        return {p.seller_order.pk for p in response.context["parcels"]}

    assert tab("new") == {new.pk, label.pk}
    assert tab("to_ship") == {label.pk, acknowledged.pk}
    assert tab("shipped") == {shipped.pk, delivered.pk}
    everything = {new.pk, label.pk, acknowledged.pk, shipped.pk, delivered.pk, cancelled.pk}
    assert tab("all") == everything
    counts = {t["value"]: t["count"] for t in seller_client.get("/seller/orders/").context["tabs"]}
    assert counts == {"new": 2, "to_ship": 2, "shipped": 2, "all": 6}
    page = seller_client.get("/seller/orders/?tab=all").content.decode()
    assert pending.order.platform_order_id not in page
    assert someone_elses.order.platform_order_id not in page


def test_an_unknown_tab_shows_the_new_orders(seller, seller_client):
    new = parcel(seller)
    response = seller_client.get("/seller/orders/?tab=%3Cscript%3E")
    assert response.context["tab"] == "new" and ids_on(response) == [new.order.platform_order_id]


def test_a_row_shows_channel_order_id_paid_time_what_to_pack_label_and_status(
    seller, seller_client, english
):
    paid = timezone.make_aware(timezone.datetime(2024, 5, 1, 20, 15))
    seller_order = parcel(seller, channel="taobao", platform_order_id="3312345678901234567")
    seller_order.order.paid_at = paid
    seller_order.order.save()
    line = seller_order.lines.get()
    line.title, line.spec, line.quantity = "奉化水蜜桃", "8只装 礼盒", 3
    line.save()
    labelled(seller)
    page = seller_client.get("/seller/orders/?tab=all").content.decode()
    assert "Taobao / Tmall (淘宝)" in page
    assert "3312345678901234567" in page
    assert "paid 2024-05-01 20:15" in page
    assert "奉化水蜜桃" in page and "× 3" in page and "8只装 礼盒" in page
    assert page.count("Label ready") == 1 and page.count("No label") == 1
    assert "Forwarded" in page
    assert f'href="/seller/orders/{seller_order.pk}/"' in page


def test_a_row_warns_of_a_passed_deadline_and_of_items_not_to_pack(seller, seller_client, english):
    late = parcel(seller, lines=2, paid_at=timezone.now() - timedelta(hours=49))
    dropped = late.lines.first()
    dropped.status = LineStatus.CLOSED
    dropped.save()
    cancelled = parcel(seller)
    fulfilment.cancel(seller_order=cancelled, actor=StaffUserFactory(), reason="买家取消")
    page = seller_client.get("/seller/orders/?tab=all").content.decode()
    assert "Past the platform's shipping deadline" in page
    assert "1 item was cancelled or refunded: leave it out of the parcel." in page
    assert "cancelled or refunded: do not pack" in page
    assert "Cancelled: do not ship this order." in page
    assert page.count('class="card parcel-row') == 2
    assert page.count("is-overdue") == 1


def test_a_new_order_is_marked_until_she_opens_it(seller, seller_client):
    first, second = parcel(seller), parcel(seller)
    notification = Notification.objects.get(
        seller_order=first, channel=NotificationChannel.DASHBOARD, kind=NotificationKind.NEW_ORDER
    )
    assert notification.read_at is None
    page = seller_client.get("/seller/orders/")
    assert [p.seller_order.is_unread for p in page.context["parcels"]] == [True, True]
    assert page.content.decode().count("is-unread") == 2

    seller_client.get(order_url(first))

    notification.refresh_from_db()
    assert notification.read_at is not None
    unread = {p.seller_order.pk: p.seller_order.is_unread for p in seller_client.get(
        "/seller/orders/").context["parcels"]}  # fmt: skip
    assert unread == {first.pk: False, second.pk: True}
    read_at = notification.read_at
    seller_client.get(order_url(first))
    notification.refresh_from_db()
    assert notification.read_at == read_at  # opening it again changes nothing


def test_a_changed_order_is_marked_changed(seller, seller_client, english):
    seller_order = parcel(seller)
    seller_client.get(order_url(seller_order))
    forwarding.notify(
        seller_id=seller.pk,
        seller_order_ids=[seller_order.pk],
        kind=NotificationKind.CHANGED,
        reference="import-7",
    )
    page = seller_client.get("/seller/orders/")
    assert page.context["parcels"][0].seller_order.has_unread_change
    assert '<span class="tag changed">Changed</span>' in page.content.decode()


def test_the_desk_pages_twenty_orders_at_a_time(seller, seller_client):
    for _ in range(23):
        parcel(seller)
    first = seller_client.get("/seller/orders/")
    assert len(first.context["parcels"]) == 20 and first.context["page"].paginator.num_pages == 2
    second = seller_client.get("/seller/orders/?tab=new&page=2")
    assert len(second.context["parcels"]) == 3
    assert not set(ids_on(first)) & set(ids_on(second))
    assert 'href="?tab=new&amp;page=2"' in first.content.decode()


def desk_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("tab", ["new", "to_ship", "shipped", "all"])
def test_the_desk_runs_the_same_queries_for_one_order_and_thirty(
    seller, seller_client, django_assert_num_queries, tab
):
    def make(count: int) -> None:
        for _ in range(count):
            seller_order = parcel(seller, lines=2)
            if tab in ("to_ship", "shipped"):
                fulfilment.acknowledge(seller_order=seller_order, actor=seller.user)
            if tab == "shipped":
                fulfilment.ship(
                    seller_order=seller_order,
                    actor=seller.user,
                    courier="YUNDA",
                    tracking_number="4312345678901",
                )

    make(1)
    url = f"/seller/orders/?tab={tab}"
    # session, user, her member profile, tab counts, the page's rows, their lines
    with django_assert_num_queries(6):
        response = seller_client.get(url)
    assert len(response.context["parcels"]) == 1
    make(29)
    with django_assert_num_queries(6):
        response = seller_client.get(url)
    assert len(response.context["parcels"]) == 20


def test_the_desk_has_an_empty_state(seller_client, english):
    page = seller_client.get("/seller/orders/").content.decode()
    assert "No orders yet." in page and 'class="parcel-list"' not in page


def test_an_empty_tab_says_so(seller, seller_client, english):
    parcel(seller)
    page = seller_client.get("/seller/orders/?tab=shipped").content.decode()
    assert "Nothing here at the moment." in page


def test_the_desk_asks_for_a_login_and_refuses_a_login_that_is_not_a_member(client, db):
    assert client.get("/seller/orders/").status_code == 302
    assert logged_in_client(StaffUserFactory()).get("/seller/orders/").status_code == 403


def test_the_dashboard_home_counts_new_orders_and_orders_to_ship(seller, seller_client):
    parcel(seller)
    labelled(seller)
    acknowledged = parcel(seller)
    fulfilment.acknowledge(seller_order=acknowledged, actor=seller.user)
    parcel(SellerFactory())
    response = seller_client.get("/seller/")
    page = response.content.decode()
    card = page[page.index('class="card my-orders-card"') :]
    card = card[: card.index("</section>")]
    assert "<strong>2</strong>" in card  # new: forwarded (one with a label)
    assert card.count("<strong>2</strong>") == 2  # to ship: acknowledged, labelled
    assert 'href="/seller/orders/"' in card


# --- An order's page ------------------------------------------------------------------------------


def test_her_order_page_lists_only_her_lines_of_a_shared_order(seller, seller_client):
    mine = parcel(seller)
    other = SellerFactory()
    theirs = SellerOrderFactory(order=mine.order, seller=other, status=S.FORWARDED)
    OrderLineFactory(
        order=mine.order, seller_order=theirs, seller=other, sku__product__seller=other,
        title="别人的茶叶",
    )  # fmt: skip
    response = seller_client.get(order_url(mine))
    page = response.content.decode()
    assert response.status_code == 200
    assert mine.lines.get().title in page
    assert "别人的茶叶" not in page
    assert [line.pk for line in response.context["parcel"].lines] == [mine.lines.get().pk]


def test_the_order_page_shows_the_buyers_note(seller, seller_client):
    seller_order = parcel(seller, buyer_note="请周五前送到，谢谢")
    assert "请周五前送到，谢谢" in seller_client.get(order_url(seller_order)).content.decode()


def test_the_order_page_is_never_cached(seller, seller_client):
    response = seller_client.get(order_url(with_recipient(seller)))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_recipient_is_shown_in_full_while_the_order_is_open(seller, seller_client):
    seller_order = with_recipient(seller)
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert NAME in page and MOBILE in page and ADDRESS in page
    fulfilment.acknowledge(seller_order=seller_order, actor=seller.user)
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert NAME in page and MOBILE in page and ADDRESS in page


def test_the_recipient_stays_visible_for_a_while_after_shipping_then_is_masked(
    seller, seller_client, settings, english
):
    settings.SELLER_SEES_RECIPIENT_DAYS = 30
    seller_order = with_recipient(seller)
    fulfilment.ship(
        seller_order=seller_order, actor=seller.user, courier="ZTO", tracking_number="731234567890"
    )
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert NAME in page and MOBILE in page and ADDRESS in page
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        shipped_at=timezone.now() - timedelta(days=31)
    )
    response = seller_client.get(order_url(seller_order))
    page = response.content.decode()
    assert NAME not in page and MOBILE not in page and ADDRESS not in page
    assert "欧***" in page and "139****8888" in page and "奉化区 ****" in page
    assert "for 30 days after it has shipped" in page
    assert "no-store" in response["Cache-Control"]


def test_a_cancelled_order_masks_its_recipient(seller, seller_client, english):
    seller_order = with_recipient(seller)
    fulfilment.cancel(seller_order=seller_order, actor=StaffUserFactory(), reason="买家取消")
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert NAME not in page and MOBILE not in page and ADDRESS not in page
    assert "This order was cancelled: its recipient is no longer shown." in page


def test_a_platform_masked_recipient_is_explained(seller, seller_client, english):
    seller_order = parcel(seller, recipient_name="王**", recipient_mobile="138****2807")
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert "王**" in page and "The platform hides part of the recipient" in page


def test_the_recipient_never_shows_on_the_desk_list(seller, seller_client):
    with_recipient(seller)
    page = seller_client.get("/seller/orders/?tab=all").content.decode()
    assert NAME not in page and MOBILE not in page and ADDRESS not in page


def test_the_order_page_runs_the_same_queries_for_one_line_and_ten(
    seller, seller_client, django_assert_num_queries
):
    small = parcel(seller, lines=1)
    big = parcel(seller, lines=10)
    # session, user, her member profile, the seller order with its order, its lines, the
    # notifications marked read
    with django_assert_num_queries(6):
        seller_client.get(order_url(small))
    with django_assert_num_queries(6):
        seller_client.get(order_url(big))


def test_she_acknowledges_an_order(seller, seller_client, english):
    seller_order = parcel(seller)
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert f'action="/seller/orders/{seller_order.pk}/acknowledge/"' in page
    response = seller_client.post(order_url(seller_order, "acknowledge"), follow=True)
    seller_order.refresh_from_db()
    assert seller_order.status == S.ACKNOWLEDGED and seller_order.acknowledged_at
    assert seller_order.events.last().actor == seller.user
    assert "Order acknowledged." in response.content.decode()
    assert f'action="/seller/orders/{seller_order.pk}/acknowledge/"' not in (
        response.content.decode()
    )


def test_acknowledge_and_ship_accept_only_post(seller, seller_client):
    seller_order = parcel(seller)
    assert seller_client.get(order_url(seller_order, "acknowledge")).status_code == 405
    assert seller_client.get(order_url(seller_order, "ship")).status_code == 405
    assert seller_client.post(order_url(seller_order)).status_code == 405
    seller_order.refresh_from_db()
    assert seller_order.status == S.FORWARDED


def test_a_shipped_order_cannot_be_acknowledged_and_she_is_told(seller, seller_client, english):
    seller_order = parcel(seller, channel="miniprogram")
    fulfilment.ship(
        seller_order=seller_order, actor=seller.user, courier="ZTO", tracking_number="731234567890"
    )
    response = seller_client.post(order_url(seller_order, "acknowledge"), follow=True)
    seller_order.refresh_from_db()
    assert seller_order.status == S.SHIPPED
    assert "cannot go from" in response.content.decode()


def test_she_ships_an_order_of_our_own_channels_with_her_courier(seller, seller_client, english):
    seller_order = parcel(seller, channel="miniprogram")
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert 'name="courier"' in page and 'name="tracking_number"' in page
    assert '<option value="SF">顺丰速运</option>' in page
    response = seller_client.post(
        order_url(seller_order, "ship"),
        {"courier": "SF", "tracking_number": "sf 1234 5678 90123"},
        follow=True,
    )
    seller_order.refresh_from_db()
    assert (seller_order.status, seller_order.courier, seller_order.tracking_number) == (
        S.SHIPPED,
        "SF",
        "SF1234567890123",
    )
    assert "Shipped with 顺丰速运, tracking number SF1234567890123." in response.content.decode()
    assert 'name="tracking_number"' not in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"courier": "", "tracking_number": "731234567890"}, "courier",
         "Choose a courier from the list."),
        ({"courier": "UPS", "tracking_number": "731234567890"}, "courier",
         "Choose a courier from the list."),
        ({"courier": "ZTO", "tracking_number": ""}, "tracking_number",
         "Enter the tracking number."),
        ({"courier": "YTO", "tracking_number": "1234"}, "tracking_number",
         "This does not look like a 圆通速递 tracking number (for example YT1234567890123)."),
        ({"courier": "SF", "tracking_number": "YT1234567890123"}, "tracking_number",
         "This does not look like a 顺丰速运 tracking number (for example SF1234567890123)."),
        ({"courier": "ZTO", "tracking_number": "7" * 41}, "tracking_number",
         "A tracking number has at most 40 characters."),
    ],
)  # fmt: skip
def test_a_wrong_courier_or_number_is_shown_next_to_its_field(
    seller, seller_client, english, data, field, message
):
    seller_order = parcel(seller, channel="miniprogram")
    response = seller_client.post(order_url(seller_order, "ship"), data)
    assert response.status_code == 200
    assert english_errors(response.context["ship_form"], field) == [message]
    page = response.content.decode()
    field_html = page[page.index(f'name="{field}"') :]
    assert message.replace("'", "&#x27;") in field_html[: field_html.index("</div>")]
    assert "no-store" in response["Cache-Control"]
    seller_order.refresh_from_db()
    assert seller_order.status == S.FORWARDED and seller_order.tracking_number == ""


def test_errors_are_in_chinese_by_default(seller, seller_client):
    seller_order = parcel(seller, channel="miniprogram")
    response = seller_client.post(order_url(seller_order, "ship"), {"courier": "ZTO"})
    assert response.context["ship_form"].errors["tracking_number"]
    assert response.context["LANGUAGE_CODE"] == "zh-hans"


def test_with_the_bases_label_she_only_hands_the_parcel_over(seller, seller_client, english):
    seller_order = labelled(seller)
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert "Handed to the courier" in page and 'name="tracking_number"' not in page
    assert "顺丰速运, tracking number SF1234567890123" in page
    seller_client.post(order_url(seller_order, "ship"))
    seller_order.refresh_from_db()
    assert (seller_order.status, seller_order.tracking_number) == (S.SHIPPED, "SF1234567890123")


def test_a_platform_order_without_a_label_ships_with_her_own_courier(
    seller, seller_client, english
):
    seller_order = parcel(seller, channel="douyin")
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert "No label from the base yet." in page and 'name="courier"' in page
    seller_client.post(
        order_url(seller_order, "ship"), {"courier": "JT", "tracking_number": "JT1234567890123"}
    )
    seller_order.refresh_from_db()
    assert (seller_order.status, seller_order.courier) == (S.SHIPPED, "JT")


def test_a_cancelled_order_offers_no_actions_and_cannot_be_shipped(seller, seller_client, english):
    seller_order = parcel(seller, channel="miniprogram")
    fulfilment.cancel(seller_order=seller_order, actor=StaffUserFactory(), reason="买家取消")
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert "/ship/" not in page and "/acknowledge/" not in page
    response = seller_client.post(
        order_url(seller_order, "ship"),
        {"courier": "ZTO", "tracking_number": "731234567890"},
        follow=True,
    )
    assert "cannot go from" in response.content.decode()
    seller_order.refresh_from_db()
    assert seller_order.status == S.CANCELLED and seller_order.tracking_number == ""


# --- The label ------------------------------------------------------------------------------------


def test_she_downloads_her_label_as_an_attachment(seller, seller_client):
    seller_order = labelled(seller)
    page = seller_client.get(order_url(seller_order)).content.decode()
    assert f'href="/seller/orders/{seller_order.pk}/label/"' in page
    response = seller_client.get(order_url(seller_order, "label"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"label-{seller_order.order.platform_order_id}.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]


def test_staff_download_any_label_through_the_logged_download_and_others_do_not(seller, client):
    seller_order = labelled(seller)
    url = order_url(seller_order, "label")
    staff = logged_in_client(StaffUserFactory())
    response = staff.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/forwarding/{seller_order.pk}/label/file/"
    download = staff.get(response["Location"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert ExportLog.objects.get().actor.is_staff  # personal data: the download is logged
    assert logged_in_client(SellerFactory().user).get(url).status_code == 404
    assert client.get(url).status_code == 302


def test_the_label_is_gone_once_she_may_no_longer_see_the_recipient(
    seller, seller_client, settings
):
    seller_order = labelled(seller)
    fulfilment.cancel(seller_order=seller_order, actor=StaffUserFactory(), reason="买家取消")
    assert seller_client.get(order_url(seller_order, "label")).status_code == 404
    assert "/label/" not in seller_client.get(order_url(seller_order)).content.decode()


def test_an_order_without_a_label_file_has_no_download(seller, seller_client):
    seller_order = parcel(seller)
    assert seller_client.get(order_url(seller_order, "label")).status_code == 404
    assert "/label/" not in seller_client.get(order_url(seller_order)).content.decode()


# --- Her file: export -----------------------------------------------------------------------------


def exported(client, tab: str = "to_ship") -> list[list[str]]:
    response = client.get(f"/seller/orders/export/?tab={tab}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(body(response))))


def test_the_export_is_csv_with_a_bom_her_lines_and_no_recipient(seller, seller_client):
    seller_order = with_recipient(seller, lines=2)
    fulfilment.acknowledge(seller_order=seller_order, actor=seller.user)
    parcel(SellerFactory())
    response = seller_client.get("/seller/orders/export/?tab=to_ship")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf" + HEADER.encode())
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-to_ship-')
    text = raw.decode("utf-8-sig")
    assert NAME not in text and MOBILE not in text and ADDRESS not in text
    rows = list(csv.reader(io.StringIO(text)))
    lines = list(seller_order.lines.order_by("pk"))
    assert rows[1:] == [
        [f"\t{seller_order.order.platform_order_id}", f"\t{line.line_key}", line.title, line.spec,
         "1", "", ""]
        for line in lines
    ]  # fmt: skip


def test_the_export_follows_the_tab_and_fills_in_known_labels(seller, seller_client):
    new = parcel(seller)
    label = labelled(seller)
    shipped = parcel(seller, channel="miniprogram")
    fulfilment.ship(
        seller_order=shipped, actor=seller.user, courier="YUNDA", tracking_number="4312345678901"
    )
    cancelled = parcel(seller)
    fulfilment.cancel(seller_order=cancelled, actor=StaffUserFactory(), reason="买家取消")

    def order_ids(tab: str) -> set[str]:
        return {row[0].strip() for row in exported(seller_client, tab)[1:]}

    assert order_ids("new") == {new.order.platform_order_id, label.order.platform_order_id}
    assert order_ids("shipped") == {shipped.order.platform_order_id}
    assert cancelled.order.platform_order_id not in order_ids("all")
    to_ship = exported(seller_client, "to_ship")
    assert to_ship[1][5:] == ["顺丰速运", "\tSF1234567890123"]
    assert exported(seller_client, "shipped")[1][5:] == ["韵达快递", "\t4312345678901"]


def test_the_export_leaves_out_lines_not_to_pack_and_escapes_formulas(seller, seller_client):
    seller_order = parcel(seller, lines=3)
    first, second, third = seller_order.lines.order_by("pk")
    second.status = LineStatus.CLOSED
    second.save()
    third.after_sales_status = AfterSalesStatus.REFUNDED
    third.save()
    first.title = '=HYPERLINK("http://evil")'
    first.save()
    rows = exported(seller_client, "new")
    assert len(rows) == 2
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'


def test_the_export_runs_one_query_for_its_lines_however_many(
    seller, seller_client, django_assert_num_queries
):
    parcel(seller)

    def run() -> None:
        response = seller_client.get("/seller/orders/export/?tab=new")
        body(response)

    # session, user, her member profile, the lines
    with django_assert_num_queries(4):
        run()
    for _ in range(30):
        parcel(seller, lines=2)
    with django_assert_num_queries(4):
        run()


# --- Her file: ship from it -----------------------------------------------------------------------


def csv_upload(rows: list[list[str]], *, name: str = "orders.csv", encoding: str = "utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_upload(rows: list[list[object]], *, header: list[str] | None = None):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or HEADER.split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("orders.xlsx", buffer.getvalue())


def upload(client, file, **kwargs):
    return client.post("/seller/orders/ship-file/", {"file": file}, **kwargs)


def row_for(seller_order: SellerOrder, courier: str, number: str) -> list[str]:
    line = seller_order.lines.first()
    return [seller_order.order.platform_order_id, line.line_key, line.title, line.spec, "1",
            courier, number]  # fmt: skip


def test_the_ship_file_page_explains_the_steps(seller_client, english):
    page = seller_client.get("/seller/orders/ship-file/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'href="/seller/orders/export/?tab=to_ship"' in page
    assert "顺丰速运" in page and "SF1234567890123" in page


def test_she_ships_from_her_filled_in_export(seller, seller_client, english):
    first = parcel(seller, channel="miniprogram", lines=2)
    second = labelled(seller)
    waiting = parcel(seller, channel="miniprogram")
    for seller_order in (first, second, waiting):
        fulfilment.acknowledge(seller_order=seller_order, actor=seller.user)
    rows = exported(seller_client, "to_ship")
    for row in rows[1:]:
        if row[0].strip() == first.order.platform_order_id:
            row[5:] = ["中通快递", "731234567890"]
    # The labelled row comes filled in; the waiting one stays empty.
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    file = SimpleUploadedFile("orders.csv", buffer.getvalue().encode("utf-8-sig"))
    response = upload(seller_client, file, follow=True)
    assert response.redirect_chain[-1][0] == "/seller/orders/?tab=shipped"
    assert "2 parcels marked shipped." in response.content.decode()
    statuses = dict(SellerOrder.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == S.SHIPPED
    assert statuses[waiting.pk] == S.ACKNOWLEDGED
    first.refresh_from_db()
    assert (first.courier, first.tracking_number) == ("ZTO", "731234567890")


def test_she_ships_from_an_xlsx_file(seller, seller_client):
    seller_order = parcel(seller, channel="miniprogram")
    line = seller_order.lines.get()
    file = xlsx_upload(
        [[seller_order.order.platform_order_id, line.line_key, line.title, "", 1, "YUNDA",
          4312345678901]]
    )  # fmt: skip
    response = upload(seller_client, file)
    assert response.status_code == 302
    seller_order.refresh_from_db()
    assert (seller_order.status, seller_order.tracking_number) == (S.SHIPPED, "4312345678901")


def test_a_gbk_csv_as_excel_saves_it_is_read(seller, seller_client):
    seller_order = parcel(seller, channel="miniprogram")
    file = csv_upload([row_for(seller_order, "中通快递", "731234567890")], encoding="gb18030")
    assert upload(seller_client, file).status_code == 302
    seller_order.refresh_from_db()
    assert seller_order.status == S.SHIPPED


def test_every_bad_row_is_named_and_nothing_is_shipped(seller, seller_client, english):
    good = parcel(seller, channel="miniprogram")
    also_good = parcel(seller, channel="miniprogram")
    someone_elses = parcel(SellerFactory(), channel="miniprogram")
    pending = parcel(seller, channel="miniprogram", forward=False)
    rows = [
        row_for(good, "ZTO", "731234567890"),
        row_for(someone_elses, "ZTO", "731234567891"),
        ["", "", "", "", "", "", ""],
        ["99999999", "", "", "", "", "ZTO", "731234567892"],
        row_for(also_good, "YTO", "1234"),
        row_for(also_good, "", ""),  # not shipped yet: left as it is
        row_for(pending, "DHL", "731234567893"),
    ]
    response = upload(seller_client, csv_upload(rows))
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert [error["row"] for error in errors] == [3, 5, 6, 8]
    messages = [error["message"] for error in errors]
    assert messages[0] == f"No order {someone_elses.order.platform_order_id} of yours to ship here."
    assert messages[1] == "No order 99999999 of yours to ship here."
    assert "圆通速递" in messages[2]
    assert messages[3] == "Choose a courier from the list."
    page = response.content.decode()
    assert "Nothing was shipped" in page and "Row 5" in page
    assert SellerOrder.objects.filter(status=S.SHIPPED).count() == 0


def test_rows_of_one_order_must_agree_on_the_tracking_number(seller, seller_client, english):
    seller_order = parcel(seller, channel="miniprogram", lines=2)
    first, second = seller_order.lines.order_by("pk")
    order_id = seller_order.order.platform_order_id
    rows = [
        [order_id, first.line_key, "", "", "1", "ZTO", "731234567890"],
        [order_id, second.line_key, "", "", "1", "ZTO", "731234567899"],
    ]
    errors = upload(seller_client, csv_upload(rows)).context["result"].errors
    assert [error["row"] for error in errors] == [3]
    assert "one parcel has one tracking number" in errors[0]["message"]
    seller_order.refresh_from_db()
    assert seller_order.status == S.FORWARDED
    # The same courier by name or code, and the same number however spaced, agree.
    rows[1][5:] = ["中通快递", "7312 3456 7890"]
    assert upload(seller_client, csv_upload(rows)).status_code == 302
    seller_order.refresh_from_db()
    assert seller_order.status == S.SHIPPED


def test_a_file_with_no_filled_in_row_ships_nothing(seller, seller_client, english):
    seller_order = parcel(seller, channel="miniprogram")
    response = upload(seller_client, csv_upload([row_for(seller_order, "", "")]))
    assert response.context["result"].errors == [
        {"row": 1, "message": "No row has a courier and a tracking number."}
    ]


def test_uploading_the_same_file_again_changes_nothing(seller, seller_client):
    seller_order = parcel(seller, channel="miniprogram")
    rows = [row_for(seller_order, "ZTO", "731234567890")]
    assert upload(seller_client, csv_upload(rows)).status_code == 302
    assert upload(seller_client, csv_upload(rows)).status_code == 302
    assert seller_order.events.filter(to_status=S.SHIPPED).count() == 1


def test_our_own_escaped_cells_and_formula_cells_are_read_as_text(seller, seller_client):
    seller_order = parcel(seller, channel="miniprogram")
    line = seller_order.lines.get()
    # An apostrophe our export adds before formula-like text is removed; an xlsx formula is never
    # run (openpyxl reads values only; a formula without a cached value reads as empty).
    file = xlsx_upload(
        [[seller_order.order.platform_order_id, line.line_key, "'=1+1", "=A1", 1, "ZTO",
          "731234567890"]]
    )  # fmt: skip
    assert upload(seller_client, file).status_code == 302
    seller_order.refresh_from_db()
    assert seller_order.status == S.SHIPPED


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("orders.txt", b"order_id"), "Upload a .csv or .xlsx file."),
        (SimpleUploadedFile("orders.csv", b""), "The file is empty."),
        (SimpleUploadedFile("orders.csv", b"   \n"), "The file is empty."),
        (SimpleUploadedFile("orders.csv", b"a,b\n1,2\n"),
         "The first row must hold the column names; missing: order_id, courier, tracking_number."),
        (SimpleUploadedFile("orders.csv", b"\xff\xfe\x00o\x00r"),
         "This is not a CSV or XLSX file."),
        (SimpleUploadedFile("orders.xlsx", b"PK\x03\x04 broken"),
         "The XLSX file is damaged and cannot be read."),
        (SimpleUploadedFile("orders.xlsx", b"order_id,courier"), "This is not a CSV or XLSX file."),
        (SimpleUploadedFile("orders.csv", b"order_id,courier,tracking_number\n\"1,ZTO,7\n"),
         "The CSV file cannot be read (line 2)."),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_used_is_refused_with_the_reason(
    seller_client, english, file, message
):
    response = upload(seller_client, file)
    assert response.status_code == 200
    assert english_errors(response.context["form"], "file") == [message]


def test_a_file_over_two_megabytes_is_refused(seller_client, english):
    big = SimpleUploadedFile("orders.csv", b"order_id,courier,tracking_number\n" + b"x" * 2_200_000)
    response = upload(seller_client, big)
    assert english_errors(response.context["form"], "file") == ["The file is larger than 2 MB."]


def test_a_file_of_too_many_rows_is_refused(seller_client, english):
    rows = [[str(n), "", "", "", "1", "ZTO", "731234567890"] for n in range(2001)]
    response = upload(seller_client, csv_upload(rows))
    assert english_errors(response.context["form"], "file") == [
        "The file has more than 2000 rows; split it into smaller files."
    ]


def test_a_cell_with_control_characters_is_a_bad_row(seller, seller_client, english):
    seller_order = parcel(seller, channel="miniprogram")
    rows = [row_for(seller_order, "ZTO", "7312345\x0167890")]
    errors = upload(seller_client, csv_upload(rows)).context["result"].errors
    assert errors == [{"row": 2, "message": "A cell holds invisible control characters."}]


def test_the_file_page_shows_the_empty_file_message_in_chinese(seller_client):
    response = upload(seller_client, SimpleUploadedFile("orders.csv", b"  \n"))
    assert "文件是空的。" in response.content.decode()


def test_the_file_page_needs_a_file(seller_client, english):
    response = seller_client.post("/seller/orders/ship-file/", {})
    assert english_errors(response.context["form"], "file") == ["Choose the file to upload."]


# --- The pick list --------------------------------------------------------------------------------


def slip(client, query: str = ""):
    response = client.get(f"/seller/orders/packing-slip/{query}")
    assert response.status_code == 200
    return response


def test_the_pick_list_holds_her_open_orders_up_to_the_day_with_totals_per_sku(
    seller, seller_client
):
    peaches = SKUFactory(product__seller=seller, product__name="奉化水蜜桃", spec="8只装")
    cakes = SKUFactory(product__seller=seller, product__name="溪口千层饼", spec="原味")
    day = timezone.localdate()
    orders = []
    for sku, quantity in ((peaches, 2), (peaches, 1), (cakes, 4)):
        seller_order = parcel(seller, lines=0)
        OrderLineFactory(
            order=seller_order.order, seller_order=seller_order, sku=sku, quantity=quantity,
            line_total=Decimal("10.00"),
        )  # fmt: skip
        orders.append(seller_order)
    fulfilment.acknowledge(seller_order=orders[1], actor=seller.user)
    shipped = parcel(seller, channel="miniprogram")
    fulfilment.ship(
        seller_order=shipped, actor=seller.user, courier="ZTO", tracking_number="731234567890"
    )
    tomorrow = parcel(seller)
    SellerOrder.objects.filter(pk=tomorrow.pk).update(
        forwarded_at=timezone.now() + timedelta(days=1)
    )
    parcel(SellerFactory())
    response = slip(seller_client, f"?date={day.isoformat()}")
    ids = [entry.parcel.seller_order.pk for entry in response.context["entries"]]
    assert sorted(ids) == sorted(o.pk for o in orders)
    totals = {(t["title"], t["spec"]): (t["quantity"], t["orders"]) for t in
              response.context["totals"]}  # fmt: skip
    assert totals == {("奉化水蜜桃", "8只装"): (3, 2), ("溪口千层饼", "原味"): (4, 1)}
    page = response.content.decode()
    assert "data-print" in page and "/static/js/desk.js" in page and "<script>" not in page
    assert "no-store" in response["Cache-Control"]
    later = slip(seller_client, f"?date={(day + timedelta(days=1)).isoformat()}")
    assert tomorrow.pk in [e.parcel.seller_order.pk for e in later.context["entries"]]


def test_the_pick_list_shows_a_recipient_she_may_see(seller, seller_client):
    with_recipient(seller)
    page = slip(seller_client).content.decode()
    assert NAME in page and MOBILE in page and ADDRESS in page


def test_the_pick_list_defaults_to_today_and_has_an_empty_state(seller_client, english):
    response = slip(seller_client)
    assert response.context["day"] == timezone.localdate()
    assert "Nothing to pack for this day." in response.content.decode()


def test_a_wrong_date_is_shown_next_to_the_field(seller_client, english):
    response = slip(seller_client, "?date=2024-13-45")
    assert english_errors(response.context["form"], "date") == ["Enter a date like 2024-05-01."]
    assert "Pick list" not in response.content.decode().split("</form>", 1)[1]


def test_the_pick_list_runs_the_same_queries_for_one_order_and_thirty(
    seller, seller_client, django_assert_num_queries
):
    parcel(seller)
    # session, user, her member profile, page count, rows, their lines, totals
    with django_assert_num_queries(7):
        slip(seller_client)
    for _ in range(30):
        parcel(seller, lines=2)
    with django_assert_num_queries(7):
        response = slip(seller_client)
    assert len(response.context["entries"]) == 31
