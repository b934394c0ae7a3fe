"""The demo catalogue: the sample exports' SKUs with their listings, 200+ products, photos.

That seeding twice changes nothing is tests/alliance/test_seed_demo.py's whole-database check.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from PIL import Image

from alliance import demo as alliance_demo
from alliance.models import Enterprise, Federation, Member
from products import demo
from products.models import (
    ALL_MONTHS,
    SKU,
    Category,
    ChannelListing,
    Platform,
    Product,
    ProductImage,
    ProductStatus,
    months_to_mask,
)

pytestmark = pytest.mark.django_db

EXPECTED = Path(__file__).resolve().parents[3] / "shared" / "data" / "expected.json"
PLATFORM_IDS = {
    Platform.DOUYIN: "douyin_product_id",
    Platform.TAOBAO: "taobao_product_id",
    Platform.CHANNELS: "channels_product_id",
}


@pytest.fixture(scope="module")
def demo_catalogue(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seeded once for the module (a minute's work per seeding), rolled back at its end."""
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        alliance_demo.seed()
        counts = demo.seed()
        # Each test runs in a savepoint inside this transaction.
        yield {"counts": counts, "media": media}
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo_catalogue, db, settings) -> dict[str, int]:
    settings.MEDIA_ROOT = demo_catalogue["media"]
    return demo_catalogue["counts"]


def test_every_sku_of_the_sample_catalogue_is_there_with_its_seller_and_listings(seeded):
    catalogue = json.loads(EXPECTED.read_text(encoding="utf-8"))["catalogue"]

    for code, item in catalogue.items():
        sku = SKU.objects.select_related("product__enterprise", "product__seller").get(
            merchant_code=code
        )
        assert sku.product.name == item["product"], code
        assert sku.spec == item["spec"], code
        assert sku.price == Decimal(item["unit_price"]), code
        assert sku.product.enterprise.name == item["seller"], code
        assert sku.product.seller == sku.product.enterprise.owner, code
        assert sku.product.status == ProductStatus.ON_SALE, code
        listings = {
            (listing.platform, listing.platform_product_id, listing.platform_sku_id)
            for listing in sku.listings.all()
        }
        expected = {
            (platform, item[key], code) for platform, key in PLATFORM_IDS.items() if item[key]
        }
        assert listings == expected, code
    assert len(catalogue) == 18


def test_sample_catalogue_skus_of_one_title_are_one_product(seeded):
    strawberry = Product.objects.get(name="奉化尚田草莓 红颜章姬 现摘现发")

    assert list(strawberry.skus.values_list("merchant_code", flat=True)) == [
        "FH-CM-001",
        "FH-CM-002",
    ]
    assert strawberry.category.name == "草莓"
    assert strawberry.season_months == months_to_mask([12, 1, 2, 3, 4])


def test_there_are_over_two_hundred_products_sold_by_all_32_enterprise_owners(seeded):
    assert seeded["products"] == Product.objects.count() >= 200
    selling = Enterprise.objects.annotate(sold=Count("products")).filter(sold__gt=0)
    assert selling.count() == 32
    for enterprise in Enterprise.objects.select_related("owner"):
        assert enterprise.products.exclude(seller=enterprise.owner).count() == 0


def test_every_product_is_valid_and_in_a_sub_category(seeded):
    for product in Product.objects.select_related("category__parent", "seller", "enterprise"):
        product.full_clean()
        assert product.category.parent is not None
        assert product.skus.exists()
    assert set(Category.objects.filter(parent=None).values_list("name", flat=True)) >= {
        "鲜果",
        "蔬菜",
        "花木",
        "酒饮",
        "糕点零食",
        "手作",
        "结对帮扶",
    }


def test_seasons_stock_and_status_vary_like_a_real_catalogue(seeded):
    peaches = Product.objects.get(name="奉化水蜜桃 锦屏山现摘 顺丰包邮")
    assert peaches.months_in_season == [7, 8]
    assert Product.objects.get(name="溪口雷笋 鲜笋现挖").months_in_season == [3, 4, 5]
    assert Product.objects.get(name="奉化芋艿头 精选大果 礼盒装").months_in_season == [
        9,
        10,
        11,
        12,
    ]
    assert Product.objects.get(name="金峨毛鹃 庭院地栽苗").months_in_season == [3, 4, 5]
    assert Product.objects.filter(season_months=ALL_MONTHS).count() > 100
    assert SKU.objects.filter(stock=0).exists()
    assert SKU.objects.filter(stock__gt=0, stock__lte=5).exists()
    statuses = dict(Product.objects.values_list("status").annotate(n=Count("pk")))
    assert statuses[ProductStatus.ON_SALE] > 180
    assert statuses[ProductStatus.DRAFT] > 0
    assert statuses[ProductStatus.OFF_SHELF] > 0
    assert all(isinstance(price, Decimal) for price in SKU.objects.values_list("price", flat=True))


def test_partner_county_products_are_sold_by_the_partner_federations_members(seeded):
    partner = Federation.objects.get(name=alliance_demo.PARTNER[0])
    products = Product.objects.filter(is_partner_county=True)

    assert products.count() >= 10
    assert set(products.values_list("partner_federation", flat=True)) == {partner.pk}
    sellers = Member.objects.filter(products__in=products).distinct()
    assert set(sellers.values_list("mobile", flat=True)) == set(alliance_demo.PARTNER_MEMBERS)
    names = "".join(products.values_list("name", flat=True))
    for word in ["苦荞", "花椒", "核桃", "土豆", "彝绣"]:
        assert word in names


def test_every_product_has_a_drawn_photo_with_thumbnails(seeded):
    assert ProductImage.objects.count() == Product.objects.count()
    image = ProductImage.objects.select_related("product").first()

    full = Image.open(image.image.path)
    assert full.format == "JPEG"
    assert (full.width, full.height) == (image.width, image.height) == (360, 360)
    assert max(Image.open(image.thumbnail_small.path).size) == 200
    assert Image.open(image.thumbnail_medium.path).size == (360, 360)
    assert image.alt_text == image.product.name


def test_a_photo_carries_the_product_name_when_a_cjk_font_is_present():
    with_text = Image.open(demo.picture("奉化水蜜桃", "鲜果"))
    # The caption band is white; the name drawn on it leaves dark pixels there.
    band = with_text.crop((20, 260, 340, 330)).convert("L")
    assert demo.CJK_FONT.exists()
    assert band.getextrema()[0] < 128


def test_the_same_photo_is_drawn_every_time():
    assert demo.picture("溪口千层饼", "糕点零食").getvalue() == (
        demo.picture("溪口千层饼", "糕点零食").getvalue()
    )


def test_the_listings_of_other_products_do_not_collide_with_the_samples(seeded):
    sample_ids = {
        listing.platform_product_id
        for listing in ChannelListing.objects.filter(sku__merchant_code__startswith="FH-")
    }
    others = ChannelListing.objects.exclude(sku__merchant_code__startswith="FH-")

    assert others.count() > 100
    assert not sample_ids & set(others.values_list("platform_product_id", flat=True))
