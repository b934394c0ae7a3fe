"""The mini-program's API for the courtyards and its own orders: shapes, idempotency keys,
errors with stable codes, and an OpenAPI description with examples that matches the answers."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from courtyards import scans, selectors
from courtyards.models import DesignVisitBooking, ScanEvent
from courtyards.services import courtyards as services
from livestreams.models import Order, SellerOrder
from tests.courtyards.conftest import token_of
from tests.factories import SKUFactory
from tests.test_openapi import validate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OPERATIONS = {
    ("/api/v1/qr/{token}/", "get"): {"200", "404", "405", "429"},
    ("/api/v1/qr/{token}/slots/", "get"): {"200", "404", "405", "429"},
    ("/api/v1/qr/{token}/orders/", "post"): {
        "200",
        "201",
        "400",
        "404",
        "405",
        "409",
        "422",
        "429",
    },
    ("/api/v1/qr/{token}/bookings/", "post"): {
        "200",
        "201",
        "400",
        "404",
        "405",
        "409",
        "422",
        "429",
    },
    ("/api/v1/orders/", "post"): {"200", "201", "400", "405", "409", "422", "429"},
}
RECIPIENT = {"name": "王小红", "mobile": "139-1234-5678", "address": "奉化区中山路88号"}


@pytest.fixture(scope="module")
def schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def api(client: Client, url: str, body: dict, key: str | None = "key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, body, content_type="application/json", **headers)


# --- What a code points to -----------------------------------------------------------------------


def test_a_piece_by_its_code(piece, courtyard, owner, schema):
    services.add_item(courtyard=courtyard, name="夏鹃小品", price=Decimal("168.00"))
    response = Client().get(f"/api/v1/qr/{token_of(piece)}/", HTTP_USER_AGENT="MicroMessenger")
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "item" and body["design"] is None
    assert body["item"]["price"] == "1680.00" and body["item"]["for_sale"] is True
    assert body["courtyard"]["village"] == {
        "id": owner.village_id,
        "name": "金峨村",
        "township": "西坞街道",
    }
    assert body["courtyard"]["owner"] == "石优琴" and owner.mobile not in response.content.decode()
    assert [other["name"] for other in body["others"]] == ["夏鹃小品"]
    assert body["url"] == f"http://testserver/q/{token_of(piece)}"
    validate(schema, "/api/v1/qr/{token}/", response)
    scans.flush()
    scan = ScanEvent.objects.get()
    assert (scan.source, scan.device, scan.item_id) == ("miniprogram", "wechat", piece.pk)


def test_a_design_and_its_free_times(design, schema):
    client = Client()
    body = client.get(f"/api/v1/qr/{token_of(design)}/").json()
    assert body["kind"] == "design" and body["design"]["price_per_sqm"] == {
        "min": "800.00",
        "max": "1200.00",
    }
    slots = client.get(f"/api/v1/qr/{token_of(design)}/slots/")
    assert slots.status_code == 200 and slots.json()["designer"] == "陈巧燕"
    first = slots.json()["slots"][0]
    assert (
        first["slot"] == selectors.free_slots(design.designer_id)[0].key
        and first["places_left"] >= 1
    )
    validate(schema, "/api/v1/qr/{token}/slots/", slots)


def test_unknown_and_retired_codes(piece, courtyard, schema):
    client = Client()
    unknown = client.get(f"/api/v1/qr/{'7' * 26}/")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    validate(schema, "/api/v1/qr/{token}/", unknown)
    old = token_of(piece)
    services.rotate_qr_code(item=piece)
    retired = client.get(f"/api/v1/qr/{old}/")
    assert retired.status_code == 404 and retired.json()["code"] == "retired"
    assert retired.json()["details"]["courtyard"]["url"].endswith(f"/c/{courtyard.public_token}")
    validate(schema, "/api/v1/qr/{token}/", retired)
    assert client.get(f"/api/v1/qr/{old}/slots/").status_code == 404


# --- Buying a piece ------------------------------------------------------------------------------


def test_buying_a_piece_and_retrying_with_the_same_key(piece, owner, schema):
    client = Client()
    url = f"/api/v1/qr/{token_of(piece)}/orders/"
    body = {"recipient": RECIPIENT, "payment_method": "bank_transfer", "note": "请包好"}
    first = api(client, url, body)
    assert first.status_code == 201
    again = api(client, url, body)
    assert again.status_code == 200 and again.json() == first.json()
    order = Order.objects.get()
    assert (
        first.json()["order_number"] == order.platform_order_id and order.channel == "courtyard_qr"
    )
    assert first.json()["recipient"] == {"name": "王**", "mobile": "139****5678"}
    assert first.json()["receipt_url"].startswith("http://testserver/q/receipt/")
    assert SellerOrder.objects.get().seller == owner
    for response in (first, again):
        validate(schema, "/api/v1/qr/{token}/orders/", response, method="post")


def test_the_second_buyer_of_a_piece_hears_sold_out(piece, schema):
    client = Client()
    url = f"/api/v1/qr/{token_of(piece)}/orders/"
    api(client, url, {"recipient": RECIPIENT}, key="first")
    late = api(client, url, {"recipient": {**RECIPIENT, "mobile": "13800001111"}}, key="second")
    assert late.status_code == 409 and late.json()["code"] == "sold_out"
    validate(schema, "/api/v1/qr/{token}/orders/", late, method="post")


def test_a_key_is_required_and_cannot_be_reused_for_another_piece(piece, courtyard, schema):
    client = Client()
    missing = api(
        client, f"/api/v1/qr/{token_of(piece)}/orders/", {"recipient": RECIPIENT}, key=None
    )
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"
    validate(schema, "/api/v1/qr/{token}/orders/", missing, method="post")
    other = services.add_item(courtyard=courtyard, name="五针松", price=Decimal(268))
    api(client, f"/api/v1/qr/{token_of(piece)}/orders/", {"recipient": RECIPIENT}, key="same")
    reused = api(
        client, f"/api/v1/qr/{token_of(other)}/orders/", {"recipient": RECIPIENT}, key="same"
    )
    assert reused.status_code == 422 and reused.json()["code"] == "key_reused"
    validate(schema, "/api/v1/qr/{token}/orders/", reused, method="post")


def test_an_order_with_mistakes_answers_each_field(piece, schema):
    body = {"recipient": {"name": "", "mobile": "123", "address": ""}, "quantity": 0}
    response = api(Client(), f"/api/v1/qr/{token_of(piece)}/orders/", body)
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    details = response.json()["details"]
    assert set(details) == {"recipient", "quantity"}
    validate(schema, "/api/v1/qr/{token}/orders/", response, method="post")
    assert not Order.objects.exists()


def test_the_api_is_rate_limited_per_mobile_with_retry_after(settings, courtyard, schema):
    settings.COURTYARD_POSTS_PER_MOBILE = 1
    items = [
        services.add_item(courtyard=courtyard, name=f"盆{n}", price=Decimal(10)) for n in range(2)
    ]
    client = Client()
    api(client, f"/api/v1/qr/{token_of(items[0])}/orders/", {"recipient": RECIPIENT}, key="a")
    limited = api(
        client, f"/api/v1/qr/{token_of(items[1])}/orders/", {"recipient": RECIPIENT}, key="b"
    )
    assert limited.status_code == 429 and limited.json()["code"] == "throttled"
    assert int(limited["Retry-After"]) == limited.json()["details"]["retry_after"] > 0
    validate(schema, "/api/v1/qr/{token}/orders/", limited, method="post")


# --- Booking a visit -----------------------------------------------------------------------------


def test_booking_a_visit_and_retrying(design, designer, schema):
    client = Client()
    slot = selectors.free_slots(designer.pk)[0]
    body = {
        "name": "王小红",
        "mobile": "13912345678",
        "address": "奉化区",
        "area_sqm": "60",
        "slot": slot.key,
    }
    first = api(client, f"/api/v1/qr/{token_of(design)}/bookings/", body)
    assert first.status_code == 201
    again = api(client, f"/api/v1/qr/{token_of(design)}/bookings/", body)
    assert again.status_code == 200 and again.json() == first.json()
    booking = DesignVisitBooking.objects.get()
    assert (
        first.json()["reference"] == booking.reference and first.json()["mobile"] == "139****5678"
    )
    assert first.json()["estimate"] == {"min": "48000.00", "max": "72000.00"}
    for response in (first, again):
        validate(schema, "/api/v1/qr/{token}/bookings/", response, method="post")


def test_a_taken_or_unknown_time_is_refused(design, designer, schema):
    client = Client()
    slot = next(slot for slot in selectors.free_slots(designer.pk) if slot.left == 1)
    body = {"name": "王", "mobile": "13912345678", "address": "奉化区", "area_sqm": "60"}
    url = f"/api/v1/qr/{token_of(design)}/bookings/"
    assert api(client, url, {**body, "slot": slot.key}, key="a").status_code == 201
    late = api(client, url, {**body, "slot": slot.key, "mobile": "13700000000"}, key="b")
    assert late.status_code == 409 and late.json()["code"] == "slot_taken"
    validate(schema, "/api/v1/qr/{token}/bookings/", late, method="post")
    garbled = api(client, url, {**body, "slot": "tomorrow"}, key="c")
    assert garbled.status_code == 400 and "slot" in garbled.json()["details"]
    validate(schema, "/api/v1/qr/{token}/bookings/", garbled, method="post")
    assert DesignVisitBooking.objects.count() == 1


def test_a_piece_code_takes_no_booking_and_a_design_code_no_order(piece, design):
    client = Client()
    assert api(client, f"/api/v1/qr/{token_of(piece)}/bookings/", {}).status_code == 404
    assert api(client, f"/api/v1/qr/{token_of(design)}/orders/", {}).status_code == 404


# --- The mini-program's own orders ---------------------------------------------------------------


def test_a_catalogue_order_reserves_stock_and_a_retry_returns_it(schema):
    strawberries = SKUFactory(price=Decimal("69.00"), stock=5)
    cakes = SKUFactory(price=Decimal("49.90"), stock=5)
    client = Client()
    body = {
        "items": [{"sku": strawberries.pk, "quantity": 2}, {"sku": cakes.pk, "quantity": 1}],
        "recipient": RECIPIENT,
        "payment_method": "cash_on_delivery",
    }
    first = api(client, "/api/v1/orders/", body, key="mp-1")
    assert first.status_code == 201, first.json()
    again = api(client, "/api/v1/orders/", body, key="mp-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert first.json()["total"] == "187.90" and first.json()["channel"] == "miniprogram"
    assert first.json()["receipt_url"] is None
    strawberries.refresh_from_db()
    assert strawberries.stock == 3 and Order.objects.count() == 1
    assert SellerOrder.objects.filter(order__channel="miniprogram").count() == 2
    reused = api(client, "/api/v1/orders/", {**body, "items": body["items"][:1]}, key="mp-1")
    assert reused.status_code == 422 and reused.json()["code"] == "key_reused"
    for response in (first, again, reused):
        validate(schema, "/api/v1/orders/", response, method="post")


def test_catalogue_orders_refuse_what_is_not_there(schema):
    client = Client()
    few = SKUFactory(stock=1)
    off = SKUFactory(product__status="off_shelf")
    cases = [
        ({"items": [{"sku": few.pk, "quantity": 2}]}, 409, "sold_out"),
        ({"items": [{"sku": off.pk, "quantity": 1}]}, 400, "not_on_sale"),
        ({"items": [{"sku": 999999, "quantity": 1}]}, 400, "invalid"),
        ({"items": []}, 400, "invalid"),
        (
            {"items": [{"sku": few.pk, "quantity": 1}, {"sku": few.pk, "quantity": 1}]},
            400,
            "invalid",
        ),
    ]
    for number, (items, status, code) in enumerate(cases):
        response = api(
            client, "/api/v1/orders/", {**items, "recipient": RECIPIENT}, key=f"k{number}"
        )
        assert (response.status_code, response.json()["code"]) == (status, code), items
        validate(schema, "/api/v1/orders/", response, method="post")
    assert not Order.objects.exists()
    few.refresh_from_db()
    assert few.stock == 1


# --- The description -----------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_is_described_with_examples_and_its_errors(schema, path, method):
    operation = schema["paths"][path][method]
    assert operation["summary"] and operation["description"]
    responses = operation["responses"]
    assert set(responses) == OPERATIONS[path, method]
    success = "201" if "201" in responses else "200"
    assert responses[success]["content"]["application/json"]["examples"]
    if method == "post":
        assert operation["requestBody"]["content"]["application/json"]["examples"]
        (key,) = [p for p in operation["parameters"] if p["in"] == "header"]
        assert key["name"] == "Idempotency-Key" and key["required"]
    for status in set(responses) - {"200", "201"}:
        content = responses[status]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Error"}
        assert content["examples"]


def test_the_schema_still_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    assert "/api/v1/qr/{token}/orders/" in (tmp_path / "schema.yml").read_text(encoding="utf-8")
