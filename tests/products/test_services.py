"""Catalogue services: status changes, SKUs, listings, and stock that never goes below zero."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from products import services
from products.models import ProductStatus, ProductStatusChange, StockMovement
from tests.factories import (
    MemberFactory,
    ProductFactory,
    SKUFactory,
    StaffUserFactory,
    SubCategoryFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_create_product_makes_a_draft_with_its_skus():
    product = services.create_product(
        seller=MemberFactory(),
        category=SubCategoryFactory(),
        name=" 奉化水蜜桃 ",
        skus=[
            {"spec": "8只装", "merchant_code": "FH-T-1", "price": Decimal("69.00")},
            {"spec": "12只礼盒", "merchant_code": "FH-T-2", "price": Decimal("99.00")},
        ],
    )
    assert product.name == "奉化水蜜桃"
    assert product.status == ProductStatus.DRAFT
    assert list(product.skus.values_list("merchant_code", "position")) == [
        ("FH-T-1", 0),
        ("FH-T-2", 1),
    ]


def test_a_product_goes_on_sale_and_off_the_shelf_with_a_record():
    staff = StaffUserFactory()
    product = ProductFactory(status=ProductStatus.DRAFT)
    SKUFactory(product=product)
    services.set_product_status(product=product, to_status=ProductStatus.ON_SALE, actor=staff)
    services.set_product_status(product=product, to_status=ProductStatus.OFF_SHELF, actor=staff)
    services.set_product_status(product=product, to_status=ProductStatus.OFF_SHELF, actor=staff)
    assert list(
        ProductStatusChange.objects.order_by("pk").values_list("from_status", "to_status")
    ) == [
        ("draft", "on_sale"),
        ("on_sale", "off_shelf"),
    ]


def test_a_product_without_an_active_sku_cannot_go_on_sale():
    product = ProductFactory(status=ProductStatus.DRAFT)
    SKUFactory(product=product, is_active=False)
    with pytest.raises(ValidationError, match="no active SKU"):
        services.set_product_status(product=product, to_status=ProductStatus.ON_SALE, actor=None)


def test_a_product_on_sale_does_not_go_back_to_draft():
    product = ProductFactory(status=ProductStatus.ON_SALE)
    with pytest.raises(ValidationError, match="cannot go from"):
        services.set_product_status(product=product, to_status=ProductStatus.DRAFT, actor=None)


def test_status_and_stock_only_change_through_their_own_services():
    product = ProductFactory()
    with pytest.raises(ValueError):
        services.update_product(product=product, status=ProductStatus.OFF_SHELF)
    with pytest.raises(ValueError):
        services.update_sku(sku=SKUFactory(product=product), stock=0)


def test_reserve_takes_stock_and_records_it():
    sku = SKUFactory(stock=5)
    assert services.reserve_stock(sku_id=sku.pk, quantity=3, reference="order 1") == 2
    movement = StockMovement.objects.get()
    assert (movement.delta, movement.stock_after, movement.reason) == (-3, 2, "reserve")


def test_reserve_refuses_more_than_is_left_and_changes_nothing():
    sku = SKUFactory(stock=2)
    with pytest.raises(services.InsufficientStockError):
        services.reserve_stock(sku_id=sku.pk, quantity=3)
    sku.refresh_from_db()
    assert sku.stock == 2
    assert not StockMovement.objects.exists()


def test_release_gives_stock_back():
    sku = SKUFactory(stock=0)
    assert services.release_stock(sku_id=sku.pk, quantity=2) == 2


def test_adjust_sets_the_counted_stock_and_records_the_difference():
    sku = SKUFactory(stock=10)
    assert services.adjust_stock(sku=sku, new_stock=7, actor=None, reference="count") == 7
    assert StockMovement.objects.get().delta == -3
    assert services.adjust_stock(sku=sku, new_stock=7, actor=None) == 7
    assert StockMovement.objects.count() == 1
    with pytest.raises(ValidationError):
        services.adjust_stock(sku=sku, new_stock=-1, actor=None)


@pytest.mark.django_db(transaction=True)
def test_racing_reservations_never_take_stock_below_zero():
    """Twelve threads race for 5 units, each on its own database connection."""
    sku = SKUFactory(stock=5)
    barrier = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy() -> None:
        try:
            barrier.wait()
            services.reserve_stock(sku_id=sku.pk, quantity=1, reference="race")
            result = "ok"
        except services.InsufficientStockError:
            result = "short"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=buy) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sku.refresh_from_db()
    assert sorted(outcomes) == ["ok"] * 5 + ["short"] * 7
    assert sku.stock == 0
    assert StockMovement.objects.filter(sku=sku).count() == 5
    assert [m.stock_after for m in StockMovement.objects.order_by("pk")] == [4, 3, 2, 1, 0]


def test_a_listing_cannot_be_moved_to_another_sku_by_recreating_it():
    first, second = SKUFactory(), SKUFactory()
    listing = services.create_listing(sku=first, platform="douyin", platform_product_id="35001")
    assert (
        services.create_listing(sku=first, platform="douyin", platform_product_id=" 35001 ")
        == listing
    )
    with pytest.raises(ValidationError, match="another SKU"):
        services.create_listing(sku=second, platform="douyin", platform_product_id="35001")


def test_the_catalogue_version_moves_on_after_a_write_commits(django_capture_on_commit_callbacks):
    from products.cache import catalogue_version

    before = catalogue_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_sku(sku=SKUFactory(), price=Decimal("1.00"))
    assert catalogue_version() != before
