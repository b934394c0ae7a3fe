"""The catalogue's invariants, in the database and in model validation."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from products.models import ALL_MONTHS, SKU, Category, mask_to_months, month_bit, months_to_mask
from tests.factories import (
    CategoryFactory,
    ChannelListingFactory,
    EnterpriseFactory,
    MemberFactory,
    PartnerFederationFactory,
    ProductFactory,
    SKUFactory,
    SubCategoryFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def refused(save) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


def test_season_months_round_trip():
    assert mask_to_months(months_to_mask([3, 4, 12])) == [3, 4, 12]
    assert mask_to_months(ALL_MONTHS) == list(range(1, 13))
    with pytest.raises(ValueError):
        month_bit(13)


def test_a_product_is_in_season_at_least_one_month():
    refused(lambda: ProductFactory(season_months=0))
    refused(lambda: ProductFactory(season_months=ALL_MONTHS + 1))


def test_partner_county_flag_and_federation_go_together_in_the_database():
    refused(lambda: ProductFactory(is_partner_county=True, partner_federation=None))
    refused(
        lambda: ProductFactory(
            is_partner_county=False, partner_federation=PartnerFederationFactory()
        )
    )
    ProductFactory(is_partner_county=True, partner_federation=PartnerFederationFactory())


def test_partner_county_flag_without_federation_is_explained_on_the_field():
    product = ProductFactory.build(
        seller=MemberFactory(),
        category=SubCategoryFactory(),
        is_partner_county=True,
        origin_village=None,
    )
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "partner_federation" in error.value.message_dict


def test_product_status_is_one_of_the_choices():
    refused(lambda: ProductFactory(status="deleted"))


def test_the_enterprise_must_belong_to_the_seller():
    seller = MemberFactory()
    product = ProductFactory.build(
        seller=seller,
        category=SubCategoryFactory(),
        enterprise=EnterpriseFactory(),
        origin_village=None,
    )
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "enterprise" in error.value.message_dict
    product.enterprise = EnterpriseFactory(owner=seller)
    product.full_clean()


def test_only_sellers_sell():
    product = ProductFactory.build(
        seller=MemberFactory(is_seller=False), category=SubCategoryFactory(), origin_village=None
    )
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "seller" in error.value.message_dict


def test_a_product_goes_in_a_sub_category_not_a_top_one():
    top = CategoryFactory()
    SubCategoryFactory(parent=top)
    product = ProductFactory.build(seller=MemberFactory(), category=top, origin_village=None)
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "category" in error.value.message_dict


def test_categories_have_two_levels_at_most():
    child = SubCategoryFactory()
    grandchild = Category(name="第三层", parent=child)
    with pytest.raises(ValidationError):
        grandchild.full_clean()


def test_category_names_are_unique_per_parent_and_at_the_top():
    top = CategoryFactory(name="鲜果")
    refused(lambda: Category.objects.create(name="鲜果"))
    SubCategoryFactory(parent=top, name="草莓")
    refused(lambda: Category.objects.create(name="草莓", parent=top))
    SubCategoryFactory(name="草莓")  # under another parent: fine


def test_merchant_code_is_unique_across_the_alliance():
    SKUFactory(merchant_code="FH-CM-001")
    refused(lambda: SKUFactory(merchant_code="FH-CM-001"))


def test_merchant_code_cannot_be_empty():
    refused(lambda: SKUFactory(merchant_code=""))


def test_price_and_stock_cannot_be_negative_in_the_database():
    refused(lambda: SKUFactory(price=Decimal("-0.01")))
    sku = SKUFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SKU.objects.filter(pk=sku.pk).update(stock=-1)


def test_price_is_decimal_yuan_with_two_places():
    sku = SKUFactory(price=Decimal("39.90"))
    sku.refresh_from_db()
    assert sku.price == Decimal("39.90")
    with pytest.raises(ValidationError):
        SKUFactory.build(
            product=sku.product, price=Decimal("1.005"), merchant_code="X"
        ).full_clean()


def test_a_listing_is_unique_per_platform_product_and_sku_id():
    listing = ChannelListingFactory()
    refused(
        lambda: ChannelListingFactory(
            platform=listing.platform,
            platform_product_id=listing.platform_product_id,
            platform_sku_id=listing.platform_sku_id,
        )
    )
    ChannelListingFactory(  # the same ids on another platform are another listing
        platform="taobao",
        platform_product_id=listing.platform_product_id,
        platform_sku_id=listing.platform_sku_id,
    )


def test_a_listing_needs_a_platform_and_a_product_id():
    refused(lambda: ChannelListingFactory(platform="jd"))
    refused(lambda: ChannelListingFactory(platform_product_id=""))
