"""Acknowledge, ship (two ways), labels, reassignment, retries, batch-shipment files, privacy."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from livestreams import privacy
from livestreams.models import Order, SellerOrder, SellerOrderEvent, SellerOrderStatus
from livestreams.services import fulfilment, shipments
from tests.factories import (
    MemberFactory,
    OrderFactory,
    OrderLineFactory,
    SellerFactory,
    SellerOrderFactory,
    StaffUserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PDF = b"%PDF-1.4 label"


def forwarded(channel: str = "douyin", **order) -> SellerOrder:
    seller = SellerFactory()
    seller_order = SellerOrderFactory(
        order=OrderFactory(channel=channel, **order),
        seller=seller,
        status=SellerOrderStatus.FORWARDED,
    )
    OrderLineFactory(
        order=seller_order.order,
        channel=channel,
        seller_order=seller_order,
        sku__product__seller=seller,
        seller=seller,
    )
    return seller_order


def test_the_seller_acknowledges_once():
    seller_order = forwarded()
    fulfilment.acknowledge(seller_order=seller_order, actor=seller_order.seller.user)
    fulfilment.acknowledge(seller_order=seller_order, actor=seller_order.seller.user)
    seller_order.refresh_from_db()
    assert seller_order.status == SellerOrderStatus.ACKNOWLEDGED and seller_order.acknowledged_at
    assert SellerOrderEvent.objects.filter(seller_order=seller_order).count() == 1


def test_a_platform_order_ships_with_the_label_staff_attached():
    seller_order = forwarded()
    staff = StaffUserFactory()
    fulfilment.attach_label(
        seller_order=seller_order,
        courier="SF",
        tracking_number="sf 1234567890123",
        label=SimpleUploadedFile("label.pdf", PDF),
        actor=staff,
    )
    shipped = fulfilment.ship(seller_order=seller_order, actor=seller_order.seller.user)
    assert (shipped.status, shipped.courier, shipped.tracking_number) == (
        "shipped",
        "SF",
        "SF1234567890123",
    )
    assert shipped.label.name.startswith("labels/") and shipped.shipped_at


def test_without_a_label_the_seller_gives_courier_and_number_checked_against_its_format():
    seller_order = forwarded()
    with pytest.raises(ValidationError, match="label"):
        fulfilment.ship(seller_order=seller_order, actor=seller_order.seller.user)
    with pytest.raises(ValidationError, match="does not look like"):
        fulfilment.ship(
            seller_order=seller_order,
            actor=seller_order.seller.user,
            courier="YTO",
            tracking_number="1234",
        )
    shipped = fulfilment.ship(
        seller_order=seller_order,
        actor=seller_order.seller.user,
        courier="ZTO",
        tracking_number="731234567890",
    )
    assert shipped.status == "shipped"


@pytest.mark.parametrize(
    ("courier", "good", "bad"),
    [
        ("SF", "SF1234567890123", "YT1234567890123"),
        ("YTO", "YT1234567890123", "SF1234567890123"),
        ("JT", "JT1234567890123", "JT123"),
        ("DBKD", "DPK123456789012", "DPK12"),
        ("YUNDA", "4312345678901", "YD12345678901"),
    ],
)
def test_tracking_numbers_fit_their_courier(courier, good, bad):
    from livestreams.couriers import check_tracking

    assert check_tracking(courier, good) == good
    with pytest.raises(ValidationError):
        check_tracking(courier, bad)


def test_staff_do_not_label_our_own_channels_orders_and_labels_must_be_documents():
    own = forwarded(channel="miniprogram")
    with pytest.raises(ValidationError, match="herself"):
        fulfilment.attach_label(
            seller_order=own, courier="SF", tracking_number="SF1234567890123", label=None,
            actor=StaffUserFactory(),
        )  # fmt: skip
    platform = forwarded()
    with pytest.raises(ValidationError, match="PDF"):
        fulfilment.attach_label(
            seller_order=platform, courier="SF", tracking_number="SF1234567890123",
            label=SimpleUploadedFile("x.pdf", b"<html>"), actor=StaffUserFactory(),
        )  # fmt: skip


def test_staff_reassign_an_order_to_another_seller_with_a_record(
    django_capture_on_commit_callbacks,
):
    seller_order = forwarded()
    other = SellerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        target = fulfilment.reassign(
            seller_order=seller_order, to_seller=other, actor=StaffUserFactory(), reason="病了"
        )
    seller_order.refresh_from_db()
    target.refresh_from_db()
    assert seller_order.status == "cancelled"
    assert "病了" in seller_order.events.last().reason
    assert target.seller == other and target.lines.count() == 1
    assert target.status == "forwarded"  # published on commit, forwarded in-process
    with pytest.raises(ValidationError):
        fulfilment.reassign(seller_order=target, to_seller=other, actor=None, reason="x")


def test_staff_retry_clears_the_problem_and_forwards_again(django_capture_on_commit_callbacks):
    seller = MemberFactory(is_seller=True)
    seller_order = SellerOrderFactory(seller=seller, problem="webhook refused", forward_attempts=7)
    with django_capture_on_commit_callbacks(execute=True):
        assert fulfilment.retry_forwarding(seller_order_ids=[seller_order.pk], actor=None) == 1
    seller_order.refresh_from_db()
    assert seller_order.status == "forwarded" and seller_order.problem == ""


def test_bulk_shipping_is_all_or_nothing_and_only_her_own():
    mine = forwarded(channel="miniprogram")
    seller = mine.seller
    someone_elses = forwarded(channel="miniprogram")
    rows = [
        {"order_id": mine.order.platform_order_id, "courier": "ZTO",
         "tracking_number": "731234567890"},
        {"order_id": someone_elses.order.platform_order_id, "courier": "SF",
         "tracking_number": "SF1234567890123"},
    ]  # fmt: skip
    result = fulfilment.ship_from_rows(rows=rows, seller=seller, actor=seller.user)
    assert result.shipped == 0 and [e["row"] for e in result.errors] == [3]
    mine.refresh_from_db()
    someone_elses.refresh_from_db()
    assert mine.status == someone_elses.status == "forwarded"
    result = fulfilment.ship_from_rows(rows=rows[:1], seller=seller, actor=seller.user)
    assert result.shipped == 1 and not result.errors


def test_staff_attach_labels_from_a_file():
    first, second = forwarded(), forwarded()
    rows = [
        {"order_id": first.order.platform_order_id, "courier": "顺丰速运",
         "tracking_number": "SF1234567890123"},
        {"order_id": second.order.platform_order_id, "courier": "JT",
         "tracking_number": "JT1234567890123"},
    ]  # fmt: skip
    result = fulfilment.ship_from_rows(rows=rows, seller=None, actor=StaffUserFactory())
    assert result.labelled == 2 and not result.errors
    first.refresh_from_db()
    assert (first.courier, first.tracking_number) == ("SF", "SF1234567890123")


# --- Batch-shipment files ------------------------------------------------------------------------


def test_the_batch_shipment_file_holds_every_parcel_shipped_since_the_last_one(tmp_path):
    staff = StaffUserFactory()
    parcels = []
    for _ in range(2):
        seller_order = forwarded(channel="taobao")
        fulfilment.ship(
            seller_order=seller_order, actor=staff, courier="YUNDA", tracking_number="4312345678901"
        )
        parcels.append(seller_order)
    forwarded(channel="douyin")  # not shipped, another platform
    export = shipments.export_shipments(platform="taobao", actor=staff)
    assert export.rows == 2 and export.seller_orders.count() == 2
    rows = list(load_workbook(export.file.path).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("订单编号", "子订单编号", "物流公司编码", "物流公司", "运单号")
    assert {row[0] for row in rows[1:]} == {p.order.platform_order_id for p in parcels}
    assert {row[2] for row in rows[1:]} == {"YUNDA"}
    text = str(rows)
    for parcel in parcels:
        assert parcel.order.recipient_mobile not in text  # no recipient columns
    for parcel in parcels:
        parcel.refresh_from_db()
        assert parcel.uploaded_at is not None
    with pytest.raises(ValidationError, match="No shipped parcel"):
        shipments.export_shipments(platform="taobao", actor=staff)


def test_shipment_cells_cannot_run_as_formulas():
    assert shipments.safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert shipments.safe_cell("SF123") == "SF123"


# --- Privacy -------------------------------------------------------------------------------------


def test_the_recipient_is_shown_in_full_only_to_her_seller_while_open_and_to_staff():
    seller_order = forwarded(recipient_name="张小红", recipient_mobile="13912345678")
    order = seller_order.order
    order.recipient_address = "金峨村99号甲"
    order.save()
    hers = privacy.recipient_for(order, viewer=seller_order.seller.user, seller_order=seller_order)
    assert (hers.name, hers.mobile, hers.is_masked) == ("张小红", "13912345678", False)
    staff = privacy.recipient_for(order, viewer=StaffUserFactory())
    assert not staff.is_masked
    stranger = SellerFactory()
    theirs = privacy.recipient_for(order, viewer=stranger.user, seller_order=seller_order)
    assert (theirs.name, theirs.mobile, theirs.address) == ("张**", "139****5678", "****")


def test_after_the_window_the_seller_sees_it_masked():
    seller_order = forwarded(recipient_name="张小红", recipient_mobile="13912345678")
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        status="shipped", shipped_at=timezone.now() - timedelta(days=31)
    )
    seller_order.refresh_from_db()
    view = privacy.recipient_for(
        seller_order.order, viewer=seller_order.seller.user, seller_order=seller_order
    )
    assert view.is_masked


def test_closed_orders_are_anonymised_after_the_retention_period_once(settings):
    old = timezone.now() - timedelta(days=settings.RECIPIENT_RETENTION_DAYS + 1)
    closed = OrderFactory(
        status="completed", recipient_name="张小红", recipient_mobile="13912345678"
    )
    recent = OrderFactory(status="completed", recipient_name="李四", recipient_mobile="13800001111")
    still_open = OrderFactory(status="completed", recipient_name="王五")
    SellerOrderFactory(order=still_open, status="forwarded")
    Order.objects.filter(pk__in=[closed.pk, still_open.pk]).update(updated_at=old)
    assert privacy.anonymise_closed_orders() == 1
    assert privacy.anonymise_closed_orders() == 0
    closed.refresh_from_db()
    recent.refresh_from_db()
    still_open.refresh_from_db()
    assert (closed.recipient_name, closed.recipient_mobile) == ("张**", "139****5678")
    assert recent.recipient_name == "李四" and still_open.recipient_name == "王五"


def test_staff_retry_after_a_refused_webhook_sends_again_once_it_is_fixed(
    receiver, django_capture_on_commit_callbacks
):
    from livestreams.services import forwarding

    receiver.fail_times, receiver.fail_status = 1, 400
    seller = MemberFactory(
        is_seller=True, notify_by_wecom=True, wecom_webhook_url=receiver.webhook_url()
    )
    seller_order = SellerOrderFactory(seller=seller)
    forwarding.forward(seller_id=seller.pk, seller_order_ids=[seller_order.pk])
    seller_order.refresh_from_db()
    assert seller_order.problem and seller_order.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.retry_forwarding(seller_order_ids=[seller_order.pk], actor=None)
    seller_order.refresh_from_db()
    assert seller_order.status == "forwarded" and not seller_order.problem
    assert len(receiver.received) == 1
