"""The public catalogue's JSON: products, categories and sellers' public profiles.

Read-only shapes for the mini-program. A seller's profile carries her name, village, story and
photo, never a phone number, email or webhook. Image addresses are absolute. Prices are yuan as
decimal strings ("88.00").
"""

from decimal import Decimal
from typing import Any

from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alliance.models import Member
from products.models import SKU, Product

CENT = Decimal("0.01")


def yuan(amount: Decimal) -> str:
    """A price as the API writes it: yuan with two decimals, as a string ("88.00")."""
    return str(amount.quantize(CENT))


@extend_schema_field(OpenApiTypes.URI)
class AbsoluteFileUrlField(serializers.Field):
    """A stored file's absolute URL (scheme and host of the request); null without a file."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        # A file field without a file is falsy; keep it so to_representation can answer null.
        return super().get_attribute(instance) or None

    def to_representation(self, value: FieldFile) -> str:
        return self.context["request"].build_absolute_uri(value.url)


class VillageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, help_text=_("The village's name."))
    township = serializers.CharField(
        source="township.name", read_only=True, help_text=_("Its township's name.")
    )


class CategoryReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ProductCategorySerializer(CategoryReferenceSerializer):
    parent = CategoryReferenceSerializer(
        read_only=True, allow_null=True, help_text=_("The top category; null for a top category.")
    )


class SellerSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    village = VillageSerializer(read_only=True, allow_null=True)


class PriceRangeSerializer(serializers.Serializer):
    min = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    max = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)


class CoverSerializer(serializers.Serializer):
    small = AbsoluteFileUrlField(
        source="thumbnail_small", help_text=_("Thumbnail, at most 200 px a side.")
    )
    medium = AbsoluteFileUrlField(
        source="thumbnail_medium", help_text=_("Thumbnail, at most 600 px a side.")
    )
    width = serializers.IntegerField(read_only=True, help_text=_("Width of the full image."))
    height = serializers.IntegerField(read_only=True, help_text=_("Height of the full image."))
    alt = serializers.CharField(source="alt_text", read_only=True)


class ImageSerializer(CoverSerializer):
    full = AbsoluteFileUrlField(source="image", help_text=_("The full image."))


class SKUSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    in_stock = serializers.SerializerMethodField(help_text=_("Whether any is left."))

    class Meta:
        model = SKU
        fields = ["id", "spec", "merchant_code", "price", "in_stock", "stock"]
        read_only_fields = fields

    def get_in_stock(self, sku: SKU) -> bool:
        return sku.stock > 0


class ProductCardSerializer(serializers.ModelSerializer):
    """A product as a list shows it: what a card needs, with its first photo's thumbnails."""

    category = ProductCategorySerializer(read_only=True)
    seller = SellerSummarySerializer(read_only=True)
    origin_village = VillageSerializer(read_only=True, allow_null=True)
    enterprise = serializers.CharField(
        source="enterprise.name",
        read_only=True,
        allow_null=True,
        help_text=_("The seller's enterprise that sells it, if any."),
    )
    months_in_season = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=12),
        read_only=True,
        help_text=_("Months (1 to 12) it is in season; all twelve for all year."),
    )
    partner_federation = serializers.CharField(
        source="partner_federation.name",
        read_only=True,
        allow_null=True,
        help_text=_("For a partner-county product, the partner county's federation."),
    )
    tags = serializers.SerializerMethodField()
    price_range = serializers.SerializerMethodField(
        help_text=_("Lowest and highest price of its active SKUs; null if none is active.")
    )
    cover = serializers.SerializerMethodField(help_text=_("Its first photo; null without one."))

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "description",
            "unit",
            "category",
            "seller",
            "enterprise",
            "origin_village",
            "months_in_season",
            "is_partner_county",
            "partner_federation",
            "tags",
            "price_range",
            "cover",
        ]
        read_only_fields = fields

    def get_tags(self, product: Product) -> list[str]:
        return [tag.name for tag in product.tags.all()]

    # These two build their dicts themselves: a nested serializer made per product deep-copies
    # its fields each time, which took most of a page's time (measured).
    @extend_schema_field(PriceRangeSerializer(allow_null=True))
    def get_price_range(self, product: Product) -> dict[str, Any] | None:
        prices = [sku.price for sku in product.skus.all()]  # the active ones, prefetched
        if not prices:
            return None
        return {"min": yuan(min(prices)), "max": yuan(max(prices))}

    @extend_schema_field(CoverSerializer(allow_null=True))
    def get_cover(self, product: Product) -> dict[str, Any] | None:
        images = product.images.all()  # prefetched, in order
        if not images:
            return None
        image, url = images[0], self.context["request"].build_absolute_uri
        return {
            "small": url(image.thumbnail_small.url),
            "medium": url(image.thumbnail_medium.url),
            "width": image.width,
            "height": image.height,
            "alt": image.alt_text,
        }


class ProductDetailSerializer(ProductCardSerializer):
    """A product's page: everything of the list, with all its active SKUs and all its photos."""

    skus = SKUSerializer(many=True, read_only=True, help_text=_("Its active SKUs, in order."))
    images = ImageSerializer(many=True, read_only=True, help_text=_("All its photos, in order."))

    class Meta(ProductCardSerializer.Meta):
        fields = [*ProductCardSerializer.Meta.fields, "skus", "images"]
        read_only_fields = fields


class CategoryChildSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    product_count = serializers.IntegerField(read_only=True, help_text=_("Products on sale in it."))


class CategoryTreeSerializer(CategoryChildSerializer):
    product_count = serializers.IntegerField(
        read_only=True, help_text=_("Products on sale in it and its sub-categories.")
    )
    children = CategoryChildSerializer(many=True, read_only=True)


class SellerSerializer(serializers.ModelSerializer):
    """A seller's public profile; never her phone numbers, email or webhook."""

    village = VillageSerializer(read_only=True, allow_null=True)
    photo = AbsoluteFileUrlField(allow_null=True, help_text=_("Her photo; null without one."))
    enterprises = serializers.SerializerMethodField(help_text=_("Names of her active enterprises."))
    products_on_sale = serializers.IntegerField(
        read_only=True, help_text=_("How many of her products are on sale.")
    )

    class Meta:
        model = Member
        fields = ["id", "name", "village", "story", "photo", "enterprises", "products_on_sale"]
        read_only_fields = fields

    def get_enterprises(self, member: Member) -> list[str]:
        return [enterprise.name for enterprise in member.enterprises.all()]  # prefetched
