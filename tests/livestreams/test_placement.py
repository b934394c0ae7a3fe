"""Orders placed on our own channels go through the same spine, once per client key."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from livestreams.models import Order, OrderLine, SellerOrder
from livestreams.payments import provider_for
from livestreams.services import fulfilment
from livestreams.services.placement import Item, Recipient, place_order
from tests.factories import MemberFactory, SKUFactory, StaffUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BUYER = Recipient(
    name="游客王小姐", mobile="139 1234 5678", province="浙江省", city="宁波市",
    district="奉化区", address="西坞街道金峨村 庭院门口自提",
)  # fmt: skip


def test_a_mini_program_order_reserves_stock_and_splits_by_seller(
    django_capture_on_commit_callbacks,
):
    peaches = SKUFactory(price=Decimal("69.00"), stock=5)
    taro = SKUFactory(price=Decimal("49.90"), stock=5)
    with django_capture_on_commit_callbacks(execute=True):
        order, created = place_order(
            channel="miniprogram",
            items=[Item(sku=peaches, quantity=2), Item(sku=taro, quantity=1)],
            recipient=BUYER,
            client_key="req-1",
        )
    assert created and order.platform_order_id.startswith("MP")
    assert order.paid_amount == Decimal("187.90") and order.recipient_mobile == "13912345678"
    peaches.refresh_from_db()
    assert peaches.stock == 3
    assert set(SellerOrder.objects.filter(order=order).values_list("status", flat=True)) == {
        "forwarded"
    }
    assert SellerOrder.objects.filter(order=order).count() == 2
    assert "187.90" in provider_for(order).instructions(order)


def test_the_same_client_key_never_places_a_second_order():
    sku = SKUFactory(stock=5)
    first, created = place_order(
        channel="miniprogram", items=[Item(sku=sku, quantity=1)], recipient=BUYER, client_key="k"
    )
    again, created_again = place_order(
        channel="miniprogram", items=[Item(sku=sku, quantity=1)], recipient=BUYER, client_key="k"
    )
    assert created and not created_again and first.pk == again.pk
    sku.refresh_from_db()
    assert sku.stock == 4


def test_a_courtyard_piece_outside_the_catalogue_goes_to_its_owner():
    owner = MemberFactory(is_seller=False, is_courtyard_owner=True)
    order, _created = place_order(
        channel="courtyard_qr",
        items=[
            Item(
                quantity=1,
                title="老桩杜鹃盆景",
                unit_price=Decimal("880.00"),
                seller=owner,
                reference="CY-ITEM-7",
            )
        ],
        recipient=BUYER,
    )
    line = OrderLine.objects.get(order=order)
    assert line.sku is None and line.seller == owner and line.seller_order.seller == owner


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "name"),
        ({"mobile": "12345"}, "mobile"),
        ({"address": ""}, "address"),
    ],
)
def test_recipient_mistakes_are_refused_by_field(change, field):
    recipient = Recipient(**{**BUYER.__dict__, **change})
    with pytest.raises(ValidationError) as error:
        place_order(
            channel="miniprogram", items=[Item(sku=SKUFactory(), quantity=1)], recipient=recipient
        )
    assert field in error.value.message_dict
    assert not Order.objects.exists()


def test_sold_out_off_sale_and_silly_quantities_are_refused_writing_nothing():
    sku = SKUFactory(stock=1)
    with pytest.raises(ValidationError, match="left"):
        place_order(channel="miniprogram", items=[Item(sku=sku, quantity=2)], recipient=BUYER)
    with pytest.raises(ValidationError, match="between 1"):
        place_order(channel="miniprogram", items=[Item(sku=sku, quantity=0)], recipient=BUYER)
    off = SKUFactory(product__status="off_shelf")
    with pytest.raises(ValidationError, match="not on sale"):
        place_order(channel="miniprogram", items=[Item(sku=off, quantity=1)], recipient=BUYER)
    assert not Order.objects.exists()
    sku.refresh_from_db()
    assert sku.stock == 1


def test_cancelling_an_own_channel_order_gives_the_stock_back():
    sku = SKUFactory(stock=3)
    order, _created = place_order(
        channel="miniprogram", items=[Item(sku=sku, quantity=2)], recipient=BUYER
    )
    seller_order = order.seller_orders.get()
    fulfilment.cancel(seller_order=seller_order, actor=StaffUserFactory(), reason="买家来电取消")
    sku.refresh_from_db()
    assert sku.stock == 3


@pytest.mark.django_db(transaction=True)
def test_two_buyers_racing_for_the_last_one_get_one_order():
    sku = SKUFactory(stock=1)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def buy(key: str) -> None:
        try:
            barrier.wait()
            place_order(channel="miniprogram", items=[Item(sku=sku, quantity=1)],
                        recipient=BUYER, client_key=key)  # fmt: skip
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("sold out")
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(key,)) for key in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ok", "sold out"]
    assert Order.objects.count() == 1
