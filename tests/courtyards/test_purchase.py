"""Buying a piece from its code: an order on the channel courtyard_qr through the order spine,
forwarded to the owner; the buy form's defences (CSRF, mobile check, honeypot, rate limits)."""

import logging
import re
from decimal import Decimal

import pytest
from django.test import Client

from courtyards.models import CourtyardSale, ItemEvent, ItemStatus
from courtyards.services import courtyards as services
from courtyards.services import purchases
from livestreams.models import Order, OrderLine, SellerOrder
from livestreams.services import fulfilment
from livestreams.services.placement import Recipient
from tests.courtyards.conftest import token_of
from tests.factories import SKUFactory, StaffUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BUYER = {
    "name": "王小红",
    "mobile": "139 1234 5678",
    "address": "浙江省宁波市奉化区岳林街道中山路88号",
    "payment_method": "cash_on_delivery",
    "quantity": "1",
    "note": "请包好花盆",
}


def english_client(**kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies["django_language"] = "en"
    return client


def buy_form(client: Client, token: str) -> dict[str, str]:
    """The form's hidden client key, as the page gives it."""
    html = client.get(f"/q/{token}/buy").content.decode()
    return {"client_key": re.search(r'name="client_key" value="([^"]+)"', html).group(1)}


def test_buying_a_piece_places_one_order_to_its_owner_and_sells_it(
    piece, owner, django_capture_on_commit_callbacks
):
    client = english_client()
    token = token_of(piece)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/q/{token}/buy", {**BUYER, **buy_form(client, token)})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.channel == "courtyard_qr" and order.paid_amount == Decimal("1680.00")
    assert order.payment_method == "cash_on_delivery" and order.recipient_mobile == "13912345678"
    line = OrderLine.objects.get()
    assert (line.seller, line.sku, line.merchant_code) == (owner, None, piece.reference)
    seller_order = SellerOrder.objects.get()
    assert seller_order.seller == owner and seller_order.status == "forwarded"
    piece.refresh_from_db()
    assert piece.status == ItemStatus.SOLD
    assert ItemEvent.objects.get(item=piece).order == order
    receipt = client.get(response["Location"])
    html = receipt.content.decode()
    assert receipt.status_code == 200 and receipt["Cache-Control"].startswith("private")
    assert order.platform_order_id in html and "¥1680.00" in html
    assert "139****5678" in html and "13912345678" not in html
    assert "Pay 1680.00 yuan to the seller when the parcel arrives." in html


def test_picking_up_at_the_courtyard_needs_no_address(piece, courtyard):
    client = english_client()
    token = token_of(piece)
    data = {**BUYER, "address": "", "pickup": "on", **buy_form(client, token)}
    assert client.post(f"/q/{token}/buy", data).status_code == 302
    order = Order.objects.get()
    assert order.recipient_address == "Pick up at 石优琴的杜鹃庭院, 西坞街道金峨村"
    assert CourtyardSale.objects.get().is_pickup


def test_the_form_shows_each_mistake_next_to_its_field(piece):
    client = english_client()
    token = token_of(piece)
    data = {**BUYER, "name": "", "mobile": "12345", "address": "", **buy_form(client, token)}
    response = client.post(f"/q/{token}/buy", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the recipient&#x27;s name." in html
    assert "Enter a mainland mobile number of 11 digits starting with 1" in html
    assert "Enter the delivery address, or tick pick-up at the courtyard." in html
    assert not Order.objects.exists()


def test_sending_the_form_twice_places_one_order(piece):
    client = english_client()
    token = token_of(piece)
    data = {**BUYER, **buy_form(client, token)}
    first = client.post(f"/q/{token}/buy", data)
    again = client.post(f"/q/{token}/buy", data)
    assert first["Location"] == again["Location"]
    assert Order.objects.count() == 1


def test_a_piece_sold_meanwhile_says_sold_out_and_orders_nothing(piece):
    first, second = english_client(), english_client()
    token = token_of(piece)
    second_form = buy_form(second, token)
    first.post(f"/q/{token}/buy", {**BUYER, **buy_form(first, token)})
    response = second.post(f"/q/{token}/buy", {**BUYER, "mobile": "13812345678", **second_form})
    assert response.status_code == 409
    assert "Sold out. Someone bought this piece just before you." in response.content.decode()
    assert Order.objects.count() == 1


def test_a_reserved_piece_cannot_be_bought(piece):
    services.set_item_status(item=piece, to_status=ItemStatus.RESERVED, actor=None)
    client = english_client()
    assert client.get(f"/q/{token_of(piece)}/buy").status_code == 409
    with pytest.raises(purchases.SoldOutError):
        purchases.buy_item(item=piece, recipient=Recipient("王小红", "13912345678", address="x"))


def test_the_buy_form_needs_its_csrf_token(piece):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/q/{token_of(piece)}/buy", BUYER)
    assert response.status_code == 403
    assert not Order.objects.exists()


def test_a_robot_filling_the_honeypot_orders_nothing(piece):
    client = english_client()
    token = token_of(piece)
    data = {**BUYER, "website": "http://spam.example", **buy_form(client, token)}
    response = client.post(f"/q/{token}/buy", data)
    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert not Order.objects.exists()


def test_tries_are_limited_per_address_with_a_clear_message(settings, piece):
    settings.COURTYARD_POSTS_PER_IP = 2
    client = english_client()
    token = token_of(piece)
    bad = {**BUYER, "mobile": "123"}
    assert [client.post(f"/q/{token}/buy", bad).status_code for _ in range(2)] == [400, 400]
    limited = client.post(f"/q/{token}/buy", {**BUYER, **buy_form(client, token)})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Too many tries from your network. Please wait" in limited.content.decode()
    assert not Order.objects.exists()
    other = english_client(REMOTE_ADDR="10.1.2.3")
    assert other.post(f"/q/{token}/buy", {**BUYER, **buy_form(other, token)}).status_code == 302


def test_requests_are_limited_per_mobile_number(settings, courtyard):
    settings.COURTYARD_POSTS_PER_MOBILE = 2
    pieces = [
        services.add_item(courtyard=courtyard, name=f"杜鹃{n}", price=Decimal(99)) for n in range(3)
    ]
    statuses = []
    for number, item in enumerate(pieces):
        client = english_client(REMOTE_ADDR=f"10.0.0.{number + 1}")
        token = token_of(item)
        response = client.post(f"/q/{token}/buy", {**BUYER, **buy_form(client, token)})
        statuses.append(response.status_code)
    assert statuses == [302, 302, 429]
    assert "Too many requests for this mobile number" in response.content.decode()
    assert Order.objects.count() == 2


def test_with_the_cache_down_the_limits_let_buyers_through_and_warn(settings, piece, caplog):
    settings.COURTYARD_POSTS_PER_IP = 0
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    from courtyards import limits

    limits._last_warning = 0.0
    client = english_client()
    token = token_of(piece)
    with caplog.at_level(logging.WARNING, logger="courtyards.limits"):
        response = client.post(f"/q/{token}/buy", {**BUYER, **buy_form(client, token)})
    assert response.status_code == 302
    assert "the cache is unavailable; requests are let through" in caplog.text
    assert Order.objects.count() == 1


def test_cancelling_the_order_puts_the_piece_back_on_sale(piece):
    purchase = purchases.buy_item(
        item=piece, recipient=Recipient("王小红", "13912345678", address="x")
    )
    seller_order = purchase.sale.order.seller_orders.get()
    fulfilment.cancel(seller_order=seller_order, actor=StaffUserFactory(), reason="买家来电取消")
    piece.refresh_from_db()
    assert piece.status == ItemStatus.AVAILABLE
    assert CourtyardSale.objects.get().released_at is not None
    assert list(piece.events.values_list("to_status", flat=True)) == ["sold", "available"]


def test_an_order_given_to_another_seller_keeps_the_piece_sold(piece):
    from tests.factories import SellerFactory

    purchase = purchases.buy_item(
        item=piece, recipient=Recipient("王小红", "13912345678", address="x")
    )
    seller_order = purchase.sale.order.seller_orders.get()
    fulfilment.reassign(
        seller_order=seller_order,
        to_seller=SellerFactory(),
        actor=StaffUserFactory(),
        reason="代发",
    )
    piece.refresh_from_db()
    assert piece.status == ItemStatus.SOLD and CourtyardSale.objects.get().released_at is None


def test_the_owner_cannot_put_back_a_piece_an_order_holds(piece):
    purchases.buy_item(item=piece, recipient=Recipient("王小红", "13912345678", address="x"))
    piece.refresh_from_db()
    with pytest.raises(Exception, match="An order holds this piece"):
        services.set_item_status(item=piece, to_status=ItemStatus.AVAILABLE, actor=None)


def test_a_catalogue_piece_reserves_the_skus_stock(courtyard, owner):
    sku = SKUFactory(product__seller=owner, price=Decimal("98.00"), stock=3)
    item = services.add_item(courtyard=courtyard, name="夏鹃 中号", sku=sku)
    purchase = purchases.buy_item(
        item=item, quantity=2, recipient=Recipient("王小红", "13912345678", address="x")
    )
    sku.refresh_from_db()
    assert sku.stock == 1 and purchase.sale.order.paid_amount == Decimal("196.00")
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE  # the SKU's stock says how many are left
    with pytest.raises(Exception, match="fewer than you asked for"):
        purchases.buy_item(
            item=item, quantity=2, recipient=Recipient("王", "13912345678", address="x")
        )


def test_a_key_reused_for_another_piece_is_refused(courtyard):
    first = services.add_item(courtyard=courtyard, name="甲", price=Decimal(10))
    second = services.add_item(courtyard=courtyard, name="乙", price=Decimal(10))
    buyer = Recipient("王小红", "13912345678", address="x")
    purchases.buy_item(item=first, recipient=buyer, client_key="k1")
    with pytest.raises(purchases.KeyReusedError):
        purchases.buy_item(item=second, recipient=buyer, client_key="k1")
