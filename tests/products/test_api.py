"""The public catalogue API: shapes, filters, orderings, pages, errors, CORS, throttles, cache."""

import base64
import contextlib
import json
import logging
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from alliance.models import Member, MemberStatus
from config.api import CACHE_RETRY_SECONDS, server_error
from products import services
from products.api import response_cache_key
from products.cache import VERSION_KEY
from products.models import SKU, Product, ProductImage, ProductStatus, months_to_mask
from tests.factories import (
    CategoryFactory,
    EnterpriseFactory,
    MemberFactory,
    PartnerFederationFactory,
    ProductFactory,
    ProductImageFactory,
    SKUFactory,
    SubCategoryFactory,
    TagFactory,
    VillageFactory,
    jpeg_bytes,
)

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
CATEGORIES = "/api/v1/categories/"
SELLERS = "/api/v1/sellers/"
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache namespace of the test's own.

    Test transactions never commit, so their writes never move the catalogue version on: a
    response another test cached must not answer here. Works for local memory and Redis.
    """
    default = dict(settings.CACHES["default"])
    token = uuid.uuid4().hex
    default["KEY_PREFIX"] = f"test-{token}"
    if default["BACKEND"].endswith("LocMemCache"):
        default["LOCATION"] = token
    settings.CACHES = {"default": default}
    yield
    with contextlib.suppress(Exception):  # a test may have pointed the cache at nothing
        cache.delete(VERSION_KEY)  # the only key without an expiry


def on_sale(price: str = "49.90", **fields) -> Product:
    """A product on sale with one active SKU."""
    product = ProductFactory(**fields)
    SKUFactory(product=product, price=Decimal(price))
    return product


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def absolute(file) -> str:
    return f"http://testserver{file.url}"


# --- Shapes -----------------------------------------------------------------------------------


def test_the_list_shows_a_product_as_a_card():
    top = CategoryFactory(name="时令水果")
    category = SubCategoryFactory(name="草莓", parent=top)
    seller = MemberFactory(name="林夏女", village=VillageFactory(name="冷西村"))
    origin = VillageFactory(name="傅家岙村")
    product = ProductFactory(
        name="尚田红颜草莓",
        description="大棚红颜草莓。",
        unit="盒",
        category=category,
        seller=seller,
        enterprise=EnterpriseFactory(owner=seller, name="小阿莓农场"),
        origin_village=origin,
        season_months=months_to_mask([12, 1, 2]),
        is_partner_county=True,
        partner_federation=PartnerFederationFactory(name="甘洛县妇联"),
    )
    product.tags.set([TagFactory(name="年货"), TagFactory(name="小阿莓")])
    SKUFactory(product=product, price=Decimal("128.5"), position=1)
    SKUFactory(product=product, price=Decimal("88"), position=0)
    SKUFactory(product=product, price=Decimal("1.00"), is_active=False)
    second = ProductImageFactory(product=product, position=1)
    first = ProductImageFactory(product=product, position=0, alt_text="一盒草莓")

    body = Client().get(PRODUCTS).json()

    assert body["previous"] is None and body["next"] is None
    assert body["results"] == [
        {
            "id": product.pk,
            "name": "尚田红颜草莓",
            "description": "大棚红颜草莓。",
            "unit": "盒",
            "category": {
                "id": category.pk,
                "name": "草莓",
                "parent": {"id": top.pk, "name": "时令水果"},
            },
            "seller": {
                "id": seller.pk,
                "name": "林夏女",
                "village": {
                    "id": seller.village.pk,
                    "name": "冷西村",
                    "township": seller.village.township.name,
                },
            },
            "enterprise": "小阿莓农场",
            "origin_village": {
                "id": origin.pk,
                "name": "傅家岙村",
                "township": origin.township.name,
            },
            "months_in_season": [1, 2, 12],
            "is_partner_county": True,
            "partner_federation": "甘洛县妇联",
            "tags": ["小阿莓", "年货"],
            "price_range": {"min": "88.00", "max": "128.50"},
            "cover": {
                "small": absolute(first.thumbnail_small),
                "medium": absolute(first.thumbnail_medium),
                "width": 800,
                "height": 600,
                "alt": "一盒草莓",
            },
        }
    ]
    assert second.pk != first.pk


def test_a_product_without_photo_origin_or_enterprise_has_nulls():
    product = on_sale(origin_village=None)
    [item] = Client().get(PRODUCTS).json()["results"]
    assert item["id"] == product.pk
    assert item["cover"] is None
    assert item["origin_village"] is None
    assert item["enterprise"] is None
    assert item["partner_federation"] is None
    assert item["price_range"] == {"min": "49.90", "max": "49.90"}


def test_the_detail_shows_the_active_skus_and_every_photo():
    product = ProductFactory()
    cheap = SKUFactory(product=product, spec="2斤", price=Decimal("68"), stock=35, position=0)
    sold_out = SKUFactory(product=product, spec="5斤", price=Decimal("128"), stock=0, position=1)
    SKUFactory(product=product, is_active=False)
    images = [ProductImageFactory(product=product, position=n) for n in range(2)]

    response = Client().get(f"{PRODUCTS}{product.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["skus"] == [
        {
            "id": cheap.pk,
            "spec": "2斤",
            "merchant_code": cheap.merchant_code,
            "price": "68.00",
            "in_stock": True,
            "stock": 35,
        },
        {
            "id": sold_out.pk,
            "spec": "5斤",
            "merchant_code": sold_out.merchant_code,
            "price": "128.00",
            "in_stock": False,
            "stock": 0,
        },
    ]
    assert body["images"] == [
        {
            "full": absolute(image.image),
            "medium": absolute(image.thumbnail_medium),
            "small": absolute(image.thumbnail_small),
            "width": 800,
            "height": 600,
            "alt": "",
        }
        for image in images
    ]
    assert body["price_range"] == {"min": "68.00", "max": "128.00"}


def test_image_addresses_follow_the_host_asked(settings):
    settings.ALLOWED_HOSTS = ["shop.example.cn", "testserver"]
    image = ProductImageFactory(product=on_sale())
    body = Client().get(PRODUCTS, HTTP_HOST="shop.example.cn", secure=True).json()
    assert body["results"][0]["cover"]["small"] == (
        f"https://shop.example.cn{image.thumbnail_small.url}"
    )


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": ProductStatus.DRAFT},
        {"status": ProductStatus.OFF_SHELF},
        {"seller__status": MemberStatus.SUSPENDED},
    ],
    ids=["draft", "off-shelf", "suspended-seller"],
)
def test_products_that_are_not_public_are_not_listed_and_answer_404(hidden):
    shown = on_sale()
    product = on_sale(**hidden)
    client = Client()

    assert ids(client.get(PRODUCTS)) == [shown.pk]
    response = client.get(f"{PRODUCTS}{product.pk}/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到。"}


# --- Filters ----------------------------------------------------------------------------------


def test_a_top_category_includes_its_sub_categories():
    top = CategoryFactory()
    child, other_child = SubCategoryFactory(parent=top), SubCategoryFactory(parent=top)
    in_child, in_other = on_sale(category=child), on_sale(category=other_child)
    elsewhere = on_sale()
    client = Client()

    assert sorted(ids(client.get(PRODUCTS, {"category": top.pk}))) == [in_child.pk, in_other.pk]
    assert ids(client.get(PRODUCTS, {"category": child.pk})) == [in_child.pk]
    assert ids(client.get(PRODUCTS, {"category": elsewhere.category_id})) == [elsewhere.pk]
    assert ids(client.get(PRODUCTS, {"category": 999_999})) == []


def test_village_and_seller_filters():
    village = VillageFactory()
    from_village = on_sale(origin_village=village)
    seller = MemberFactory()
    by_seller = on_sale(seller=seller)
    client = Client()

    assert ids(client.get(PRODUCTS, {"village": village.pk})) == [from_village.pk]
    assert ids(client.get(PRODUCTS, {"seller": seller.pk})) == [by_seller.pk]
    assert ids(client.get(PRODUCTS, {"seller": seller.pk, "village": village.pk})) == []


def test_season_now_is_this_month_in_shanghai():
    february = on_sale(season_months=months_to_mask([2]))
    on_sale(season_months=months_to_mask([1]))
    # 1 February 01:00 in Shanghai is still 31 January in UTC.
    with time_machine.travel("2026-01-31T17:00:00Z", tick=False):
        response = Client().get(PRODUCTS, {"season": "now"})
    assert ids(response) == [february.pk]


def test_month_filter():
    spring = on_sale(season_months=months_to_mask([3, 4, 5]))
    all_year = on_sale()
    on_sale(season_months=months_to_mask([11]))
    assert sorted(ids(Client().get(PRODUCTS, {"month": 4}))) == [spring.pk, all_year.pk]


def test_partner_county_filter():
    partner = on_sale(is_partner_county=True, partner_federation=PartnerFederationFactory())
    ours = on_sale()
    client = Client()
    assert ids(client.get(PRODUCTS, {"partner_county": "true"})) == [partner.pk]
    assert ids(client.get(PRODUCTS, {"partner_county": "false"})) == [ours.pk]


def test_a_product_matches_a_price_range_when_one_active_sku_is_in_it():
    one_in_range = on_sale(price="30")
    SKUFactory(product=one_in_range, price=Decimal("80"))
    two_in_range = on_sale(price="60")
    SKUFactory(product=two_in_range, price=Decimal("70"))
    inactive_in_range = on_sale(price="200")
    SKUFactory(product=inactive_in_range, price=Decimal("60"), is_active=False)
    above = on_sale(price="120")
    client = Client()

    in_range = ids(client.get(PRODUCTS, {"price_min": "50", "price_max": "100"}))
    assert sorted(in_range) == [one_in_range.pk, two_in_range.pk]  # each once
    assert sorted(ids(client.get(PRODUCTS, {"price_min": "100"}))) == [
        inactive_in_range.pk,
        above.pk,
    ]
    assert sorted(ids(client.get(PRODUCTS, {"price_max": "30"}))) == [one_in_range.pk]


def test_tag_filter():
    tagged = on_sale()
    tagged.tags.set([TagFactory(name="年货"), TagFactory(name="礼盒")])
    on_sale().tags.set([TagFactory(name="礼盒")])
    assert ids(Client().get(PRODUCTS, {"tag": "年货"})) == [tagged.pk]


def test_search_finds_part_of_a_chinese_name():
    strawberry = on_sale(name="尚田红颜草莓精品礼盒")
    on_sale(name="奉化水蜜桃")
    client = Client()
    assert ids(client.get(PRODUCTS, {"q": "草莓"})) == [strawberry.pk]
    assert ids(client.get(PRODUCTS, {"q": " 红颜 "})) == [strawberry.pk]
    assert ids(client.get(PRODUCTS, {"q": "杜鹃"})) == []


def test_filters_combine_and_unknown_parameters_are_ignored():
    month = months_to_mask([5])
    wanted = on_sale(price="20", season_months=month, name="冻干草莓")
    on_sale(price="20", season_months=months_to_mask([6]), name="草莓酱")
    on_sale(price="200", season_months=month, name="草莓礼盒")
    response = Client().get(PRODUCTS, {"q": "草莓", "month": 5, "price_max": 50, "colour": "red"})
    assert ids(response) == [wanted.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"category": "abc"}, "category"),
        ({"category": "0"}, "category"),
        ({"village": "1.5"}, "village"),
        ({"seller": "-3"}, "seller"),
        ({"month": "13"}, "month"),
        ({"month": "0"}, "month"),
        ({"season": "later"}, "season"),
        ({"partner_county": "yes"}, "partner_county"),
        ({"price_min": "-1"}, "price_min"),
        ({"price_max": "abc"}, "price_max"),
        ({"price_min": "100", "price_max": "50"}, "price_min"),
        ({"season": "now", "month": "3"}, "month"),
        ({"ordering": "cheapest"}, "ordering"),
        ({"q": "草" * 51}, "q"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
    ],
)
def test_a_bad_parameter_answers_400_naming_it(query, field):
    response = Client().get(PRODUCTS, query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert isinstance(body["message"], str) and body["message"]
    assert list(body["details"]) == [field]
    assert all(isinstance(message, str) and message for message in body["details"][field])


def test_filter_messages_are_chinese_by_default_and_english_on_request():
    client = Client()
    chinese = client.get(PRODUCTS, {"month": "13"}).json()
    assert chinese["details"]["month"] == ["确保该值小于或等于12。"]
    client.cookies["django_language"] = "en"
    english = client.get(PRODUCTS, {"month": "13"}).json()
    assert english["details"]["month"] == ["Ensure this value is less than or equal to 12."]


# --- Orderings and pages ----------------------------------------------------------------------


def made(product: Product, days_ago: int) -> Product:
    Product.objects.filter(pk=product.pk).update(created_at=timezone.now() - timedelta(days_ago))
    return product


@pytest.fixture
def assorted():
    """Five products: two share a price, two share a creation time."""
    return {
        "peach": made(on_sale(name="b水蜜桃", price="69"), 3),
        "azalea": made(on_sale(name="a杜鹃花", price="35"), 1),
        "cake": made(on_sale(name="c千层饼", price="42"), 2),
        "tea": made(on_sale(name="d白茶", price="42"), 2),
        "taro": made(on_sale(name="e芋艿", price="15"), 5),
    }


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["azalea", "tea", "cake", "peach", "taro"]),
        ("newest", ["azalea", "tea", "cake", "peach", "taro"]),
        ("price", ["taro", "azalea", "cake", "tea", "peach"]),
        ("-price", ["peach", "tea", "cake", "azalea", "taro"]),
        ("name", ["azalea", "peach", "cake", "tea", "taro"]),
    ],
)
def test_orderings_have_a_stable_tiebreaker(assorted, ordering, expected):
    Product.objects.filter(pk__in=[assorted["cake"].pk, assorted["tea"].pk]).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    query = {"ordering": ordering} if ordering else {}
    assert ids(Client().get(PRODUCTS, query)) == [assorted[name].pk for name in expected]


def test_price_ordering_uses_the_cheapest_active_sku(assorted):
    SKUFactory(product=assorted["peach"], price=Decimal("10"))
    SKUFactory(product=assorted["taro"], price=Decimal("1"), is_active=False)
    assert ids(Client().get(PRODUCTS, {"ordering": "price"}))[:2] == [
        assorted["peach"].pk,
        assorted["taro"].pk,
    ]


def walk(client: Client, url: str, link: str) -> list[list[int]]:
    """Every page from url on, following the next (or previous) links."""
    pages = []
    while url:
        response = client.get(url)
        pages.append(ids(response))
        url = response.json()[link]
    return pages


@pytest.mark.parametrize("ordering", ["newest", "price", "-price", "name"])
def test_next_links_visit_every_product_once_in_order(assorted, ordering):
    client = Client()
    everything = ids(client.get(PRODUCTS, {"ordering": ordering}))
    pages = walk(client, f"{PRODUCTS}?ordering={ordering}&page_size=2", "next")
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [pk for page in pages for pk in page] == everything


def test_previous_links_go_back_page_by_page(assorted):
    client = Client()
    forward = walk(client, f"{PRODUCTS}?ordering=price&page_size=2", "next")
    last = client.get(f"{PRODUCTS}?ordering=price&page_size=2").json()
    while last["next"]:
        last = client.get(last["next"]).json()
    backward = walk(client, last["previous"], "previous")
    assert backward == forward[-2::-1]


def test_a_page_holds_20_by_default_and_100_at_most():
    seller, category = MemberFactory(), SubCategoryFactory()
    ProductFactory.create_batch(101, seller=seller, category=category)
    client = Client()
    assert len(ids(client.get(PRODUCTS))) == 20
    assert len(ids(client.get(PRODUCTS, {"page_size": 50}))) == 50
    assert len(ids(client.get(PRODUCTS, {"page_size": 500}))) == 100


def cursor(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "value",
    [
        "not-a-cursor",
        cursor({"o": "-created_at,-id", "p": ["yesterday", 1], "r": 0}),
        cursor({"o": "-created_at,-id", "p": ["2026-01-01T00:00:00", 1], "r": 0}),
        cursor({"o": "-created_at,-id", "p": [1], "r": 0}),
        cursor({"o": "name,id", "p": ["a", 1], "r": 0}),
        cursor({"p": ["a", 1]}),
    ],
    ids=["garbage", "bad-date", "naive-date", "short", "other-ordering", "no-ordering"],
)
def test_a_bad_cursor_answers_400(value):
    on_sale()
    response = Client().get(PRODUCTS, {"cursor": value})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


# --- Categories and sellers -------------------------------------------------------------------


def test_the_category_tree_counts_what_the_list_shows():
    fruit = CategoryFactory(name="时令水果", position=0)
    strawberry = SubCategoryFactory(name="草莓", parent=fruit, position=1)
    peach = SubCategoryFactory(name="水蜜桃", parent=fruit, position=0)
    plants = CategoryFactory(name="花木", position=1)
    on_sale(category=strawberry)
    on_sale(category=strawberry)
    on_sale(category=peach)
    on_sale(category=peach, status=ProductStatus.OFF_SHELF)
    on_sale(category=peach, seller=MemberFactory(status=MemberStatus.SUSPENDED))

    response = Client().get(CATEGORIES)

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": fruit.pk,
            "name": "时令水果",
            "product_count": 3,
            "children": [
                {"id": peach.pk, "name": "水蜜桃", "product_count": 1},
                {"id": strawberry.pk, "name": "草莓", "product_count": 2},
            ],
        },
        {"id": plants.pk, "name": "花木", "product_count": 0, "children": []},
    ]


def public_seller(**fields) -> Member:
    return MemberFactory(
        mobile="13912345678",
        sms_mobile="13887654321",
        notification_email="lin@example.com",
        wecom_webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key",
        story="返乡种草莓的第八年。",
        **fields,
    )


def test_a_sellers_public_profile_never_shows_her_contacts():
    seller = public_seller(name="林夏女")
    seller.photo.save("me.jpg", ContentFile(jpeg_bytes(), name="me.jpg"))
    EnterpriseFactory(owner=seller, name="小阿莓农场")
    EnterpriseFactory(owner=seller, name="已注销的店", is_active=False)
    on_sale(seller=seller)
    on_sale(seller=seller, status=ProductStatus.OFF_SHELF)
    client = Client()

    listed = client.get(SELLERS)
    profile = client.get(f"{SELLERS}{seller.pk}/")

    expected = {
        "id": seller.pk,
        "name": "林夏女",
        "village": {
            "id": seller.village.pk,
            "name": seller.village.name,
            "township": seller.village.township.name,
        },
        "story": "返乡种草莓的第八年。",
        "photo": absolute(seller.photo),
        "enterprises": ["小阿莓农场"],
        "products_on_sale": 1,
    }
    assert listed.json()["results"] == [expected]
    assert profile.json() == expected
    for response in (listed, profile):
        text = response.content.decode()
        assert not MOBILE.search(text)
        assert "example.com" not in text and "secret-key" not in text


def test_a_seller_without_photo_or_village_has_nulls():
    seller = MemberFactory(village=None)
    body = Client().get(f"{SELLERS}{seller.pk}/").json()
    assert body["photo"] is None
    assert body["village"] is None
    assert body["products_on_sale"] == 0


@pytest.mark.parametrize(
    "fields",
    [{"status": MemberStatus.SUSPENDED}, {"is_seller": False}],
    ids=["suspended", "not-a-seller"],
)
def test_suspended_members_and_non_sellers_have_no_public_profile(fields):
    shown = MemberFactory()
    hidden = MemberFactory(**fields)
    client = Client()
    assert ids(client.get(SELLERS)) == [shown.pk]
    assert client.get(f"{SELLERS}{hidden.pk}/").status_code == 404


def test_sellers_are_listed_by_name_page_by_page():
    sellers = [MemberFactory(name=name) for name in ["丙", "甲", "乙", "甲"]]
    expected = sorted(sellers, key=lambda member: (member.name, member.pk))
    pages = walk(Client(), f"{SELLERS}?page_size=3", "next")
    assert pages == [[member.pk for member in expected[:3]], [expected[3].pk]]


# --- Errors -----------------------------------------------------------------------------------


def test_errors_are_json_in_chinese_by_default_and_english_on_request():
    client = Client()
    assert client.get(f"{PRODUCTS}999999/").json() == {"code": "not_found", "message": "未找到。"}
    client.cookies["django_language"] = "en"
    assert client.get(f"{PRODUCTS}999999/").json() == {
        "code": "not_found",
        "message": "Not found.",
    }


@pytest.mark.parametrize("url", ["/api/v1/nothing/", "/api/v2/products/", "/api/v1/products"])
def test_an_unknown_api_address_answers_a_json_404(url):
    response = Client().get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "message": "未找到。"}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [PRODUCTS, "product", CATEGORIES, SELLERS, "seller"])
def test_the_api_is_read_only(method, url):
    product = on_sale()
    url = {"product": f"{PRODUCTS}{product.pk}/", "seller": f"{SELLERS}{product.seller_id}/"}.get(
        url, url
    )
    response = getattr(Client(), method)(url, data={}, content_type="application/json")
    assert response.status_code == 405
    assert response.json() == {
        "code": "method_not_allowed",
        "message": f"方法 “{method.upper()}” 不被允许。",
    }
    assert "GET" in response["Allow"]


def test_an_unexpected_error_answers_a_json_500_and_is_logged(monkeypatch, caplog):
    def broken() -> None:
        raise RuntimeError("the database melted")

    monkeypatch.setattr("products.api.catalogue_products", broken)
    with caplog.at_level(logging.ERROR, logger="config.api"):
        response = Client(raise_request_exception=False).get(PRODUCTS)
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "melted" not in response.content.decode()
    assert "the database melted" in caplog.text


def test_the_site_handler_for_500_answers_json_under_api_only(rf):
    api = server_error(rf.get(PRODUCTS))
    assert api.status_code == 500
    assert json.loads(api.content)["code"] == "server_error"
    page = server_error(rf.get("/seller/"))
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


# --- CORS -------------------------------------------------------------------------------------


def test_the_mini_programs_origin_may_read_the_api_and_others_may_not(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://servicewechat.com"]
    on_sale()
    client = Client()
    for _ in range(2):  # a miss, then a hit from the cache
        allowed = client.get(PRODUCTS, HTTP_ORIGIN="https://servicewechat.com")
        assert allowed["Access-Control-Allow-Origin"] == "https://servicewechat.com"
    other = client.get(PRODUCTS, HTTP_ORIGIN="https://evil.example.com")
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other
    assert "Access-Control-Allow-Origin" not in client.get(
        "/", HTTP_ORIGIN="https://servicewechat.com"
    )


# --- Throttling -------------------------------------------------------------------------------


@pytest.fixture
def rates(settings):
    def set_rates(anon: str = "300/min", user: str = "1000/min") -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user},
        }

    return set_rates


def test_an_anonymous_client_is_throttled_on_hits_and_misses_alike(rates):
    rates(anon="3/min")
    product = on_sale()
    client = Client()
    assert [client.get(PRODUCTS).status_code for _ in range(2)] == [200, 200]  # miss, hit
    assert client.get(f"{PRODUCTS}{product.pk}/").status_code == 200

    throttled = client.get(PRODUCTS)

    assert throttled.status_code == 429
    body = throttled.json()
    assert body["code"] == "throttled"
    assert body["message"]
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert body["details"] == {"retry_after": int(throttled["Retry-After"])}


def test_other_addresses_have_their_own_count(rates):
    rates(anon="1/min")
    on_sale()
    client = Client()
    assert client.get(PRODUCTS, REMOTE_ADDR="10.0.0.1").status_code == 200
    assert client.get(PRODUCTS, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get(PRODUCTS, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_logged_in_user_has_the_user_rate(rates, seller_client):
    rates(anon="1/min", user="2/min")
    on_sale()
    assert [seller_client.get(PRODUCTS).status_code for _ in range(3)] == [200, 200, 429]


@pytest.fixture
def dead_cache(settings, monkeypatch):
    """The cache pointed at a port where nothing listens, and no earlier failure remembered."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    monkeypatch.setattr("config.api._cache_down_until", 0.0)
    monkeypatch.setattr("config.api._last_warning", 0.0)


def test_the_throttle_lets_requests_through_when_the_cache_is_down(dead_cache, rates, caplog):
    rates(anon="1/min")
    product = on_sale()
    client = Client()

    with caplog.at_level(logging.WARNING, logger="config.api"):
        statuses = [client.get(url).status_code for url in [PRODUCTS, PRODUCTS, CATEGORIES]]
        detail = client.get(f"{PRODUCTS}{product.pk}/")

    assert statuses == [200, 200, 200]
    assert detail.json()["id"] == product.pk
    assert "X-Catalogue-Cache" not in detail
    assert "throttles let requests through" in caplog.text


def test_after_a_cache_failure_the_api_leaves_the_cache_alone_for_a_while(dead_cache, monkeypatch):
    on_sale()
    client = Client()
    attempts = []
    original = redis.Redis.pipeline

    def counted(self, *args, **kwargs):
        attempts.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "pipeline", counted)
    now = [1000.0]
    monkeypatch.setattr("config.api._clock", lambda: now[0])

    assert client.get(PRODUCTS).status_code == 200
    assert len(attempts) == 1
    now[0] += CACHE_RETRY_SECONDS - 1
    assert client.get(PRODUCTS).status_code == 200
    assert len(attempts) == 1  # not asked again
    now[0] += 2
    assert client.get(PRODUCTS).status_code == 200
    assert len(attempts) == 2


# --- The response cache -----------------------------------------------------------------------


def test_a_second_request_is_answered_from_the_cache_without_sql(django_assert_num_queries):
    product = on_sale()
    client = Client()
    first = client.get(f"{PRODUCTS}{product.pk}/")
    with django_assert_num_queries(0):
        second = client.get(f"{PRODUCTS}{product.pk}/")
    assert (first["X-Catalogue-Cache"], second["X-Catalogue-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Content-Type"] == "application/json"


def test_a_sellers_price_edit_shows_on_the_next_request(django_capture_on_commit_callbacks):
    product = on_sale(price="88.00")
    sku = product.skus.get()
    client = Client()
    assert client.get(f"{PRODUCTS}{product.pk}/").json()["skus"][0]["price"] == "88.00"
    assert client.get(PRODUCTS).json()["results"][0]["price_range"]["min"] == "88.00"

    with django_capture_on_commit_callbacks(execute=True):
        services.update_sku(sku=sku, price=Decimal("99.00"))

    detail = client.get(f"{PRODUCTS}{product.pk}/")
    assert detail["X-Catalogue-Cache"] == "miss"
    assert detail.json()["skus"][0]["price"] == "99.00"
    assert client.get(PRODUCTS).json()["results"][0]["price_range"]["min"] == "99.00"


def test_a_product_taken_off_the_shelf_disappears_at_once(django_capture_on_commit_callbacks):
    product = on_sale()
    client = Client()
    assert ids(client.get(PRODUCTS)) == [product.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.set_product_status(product=product, to_status=ProductStatus.OFF_SHELF, actor=None)
    assert ids(client.get(PRODUCTS)) == []
    assert client.get(f"{PRODUCTS}{product.pk}/").status_code == 404


def test_parameter_order_and_unknown_parameters_share_an_entry():
    on_sale(season_months=months_to_mask([5]))
    client = Client()
    first = client.get(f"{PRODUCTS}?month=5&partner_county=false")
    second = client.get(f"{PRODUCTS}?partner_county=false&_t=1700000000&month=5")
    other = client.get(f"{PRODUCTS}?month=6&partner_county=false")
    assert [first["X-Catalogue-Cache"], second["X-Catalogue-Cache"]] == ["miss", "hit"]
    assert other["X-Catalogue-Cache"] == "miss" and ids(other) == []


def test_a_view_that_does_not_name_its_parameters_is_keyed_by_all_of_them(rf):
    first, second = rf.get("/api/v1/x/?b=2&a=1"), rf.get("/api/v1/x/?a=1&b=2&c=3")
    assert response_cache_key(first, None) != response_cache_key(second, None)
    assert response_cache_key(first, frozenset("ab")) == response_cache_key(second, frozenset("ab"))
    assert response_cache_key(rf.get("/api/v1/x/?a=1&b=2"), None) == response_cache_key(first, None)


def test_hosts_and_languages_are_cached_apart(settings):
    settings.ALLOWED_HOSTS = ["shop.example.cn", "testserver"]
    ProductImageFactory(product=on_sale())
    client = Client()
    here = client.get(PRODUCTS).json()
    there = client.get(PRODUCTS, HTTP_HOST="shop.example.cn").json()
    assert here["results"][0]["cover"]["small"].startswith("http://testserver/")
    assert there["results"][0]["cover"]["small"].startswith("http://shop.example.cn/")
    client.cookies["django_language"] = "en"
    assert client.get(PRODUCTS)["X-Catalogue-Cache"] == "miss"


def test_errors_are_not_cached():
    product = on_sale(status=ProductStatus.DRAFT)
    client = Client()
    assert client.get(f"{PRODUCTS}{product.pk}/").status_code == 404
    # Straight to the database: no signal, the catalogue version stays.
    Product.objects.filter(pk=product.pk).update(status=ProductStatus.ON_SALE)
    assert client.get(f"{PRODUCTS}{product.pk}/").status_code == 200


def test_requests_with_a_login_are_never_served_from_the_cache(seller_client):
    on_sale()
    Client().get(PRODUCTS)  # cached for anonymous clients
    response = seller_client.get(PRODUCTS)
    assert response.status_code == 200
    assert "X-Catalogue-Cache" not in response


def test_the_cache_can_be_turned_off(settings, django_assert_num_queries):
    settings.API_CACHE_SECONDS = 0
    many_products(3)
    product = Product.objects.last()
    client = Client()
    client.get(f"{PRODUCTS}{product.pk}/")
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(f"{PRODUCTS}{product.pk}/")
    assert "X-Catalogue-Cache" not in response


# --- Queries: the same however many rows ------------------------------------------------------

# products, SKUs, photos, tags, origin villages, their townships, enterprises, federations
LIST_QUERIES = 8
DETAIL_QUERIES = 8
SELLER_LIST_QUERIES = 2  # members with counts, villages and townships joined; enterprises
CATEGORY_QUERIES = 2  # top categories; children with counts


def many_products(count: int) -> None:
    """count products on sale, each with two SKUs, a photo, a tag, an enterprise and a partner."""
    seller = MemberFactory()
    enterprise = EnterpriseFactory(owner=seller)
    federation = PartnerFederationFactory()
    category, tag = SubCategoryFactory(), TagFactory()
    products = Product.objects.bulk_create(
        Product(
            seller=seller,
            enterprise=enterprise,
            category=category,
            name=f"产品{n}",
            origin_village=VillageFactory() if n < 5 else seller.village,
            status=ProductStatus.ON_SALE,
            is_partner_county=True,
            partner_federation=federation,
        )
        for n in range(count)
    )
    SKU.objects.bulk_create(
        SKU(product=product, spec=spec, merchant_code=f"Q-{product.pk}-{spec}", price=Decimal(9))
        for product in products
        for spec in ("a", "b")
    )
    ProductImage.objects.bulk_create(
        ProductImage(
            product=product,
            image="products/a.jpg",
            thumbnail_small="products/s.jpg",
            thumbnail_medium="products/m.jpg",
            width=800,
            height=600,
        )
        for product in products
    )
    Product.tags.through.objects.bulk_create(
        Product.tags.through(product=product, tag=tag) for product in products
    )


@pytest.mark.parametrize("count", [10, 500])
def test_the_product_list_runs_the_same_queries_however_many_products(
    count, django_assert_num_queries
):
    many_products(count)
    client = Client()
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(PRODUCTS, {"page_size": 100, "ordering": "price"})
    assert len(ids(page)) == min(count, 100)
    with django_assert_num_queries(0):
        assert client.get(PRODUCTS, {"page_size": 100, "ordering": "price"}).status_code == 200


@pytest.mark.parametrize("count", [10, 500])
def test_a_filtered_page_and_a_detail_run_the_same_queries(count, django_assert_num_queries):
    many_products(count)
    product = Product.objects.order_by("pk").last()
    client = Client()
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(PRODUCTS, {"price_max": 10, "month": 3, "partner_county": "true"})
    assert len(ids(page)) == min(count, 20)
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(f"{PRODUCTS}{product.pk}/").status_code == 200


@pytest.mark.parametrize("count", [10, 500])
def test_the_seller_list_and_category_tree_run_the_same_queries(count, django_assert_num_queries):
    village = VillageFactory()
    members = Member.objects.bulk_create(
        Member(
            name=f"卖家{n}",
            mobile=f"139{n:08d}",
            federation=village.township.federation,
            village=village,
            is_seller=True,
        )
        for n in range(count)
    )
    for member in members[:3]:
        EnterpriseFactory(owner=member)
    top = CategoryFactory()
    for _ in range(count // 50):
        on_sale(category=SubCategoryFactory(parent=top), seller=members[0])
    client = Client()
    with django_assert_num_queries(SELLER_LIST_QUERIES):
        assert len(ids(client.get(SELLERS, {"page_size": 100}))) == min(count, 100)
    with django_assert_num_queries(CATEGORY_QUERIES):
        tree = client.get(CATEGORIES).json()
    assert sum(top_category["product_count"] for top_category in tree) == count // 50
