"""Reads of the catalogue shared by the API, the seller dashboard and reports."""

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from alliance.models import Member, MemberStatus
from products.models import SKU, Category, Product, ProductImage, ProductStatus, month_bit


def public_products() -> QuerySet[Product]:
    """Products a shopper may see: on sale, by an active member, with what a page shows joined."""
    return (
        Product.objects.filter(status=ProductStatus.ON_SALE, seller__status=MemberStatus.ACTIVE)
        .select_related(
            "category__parent",
            "seller__village__township",
            "origin_village__township",
            "enterprise",
            "partner_federation",
        )
        .prefetch_related(
            Prefetch(
                "skus", queryset=SKU.objects.filter(is_active=True).order_by("position", "pk")
            ),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk")),
            "tags",
        )
    )


def in_season(products: QuerySet[Product], month: int | None = None) -> QuerySet[Product]:
    """Products in season in a month (1–12); this month in Asia/Shanghai when none is given."""
    bit = month_bit(month or timezone.localdate().month)
    return products.alias(in_month=F("season_months").bitand(bit)).filter(in_month__gt=0)


def seller_products(member: Member) -> QuerySet[Product]:
    """One seller's own products, latest changed first, with SKUs, photos and a low-stock flag."""
    low_stock = SKU.objects.filter(
        product=OuterRef("pk"), is_active=True, stock__lte=F("low_stock_threshold")
    )
    return (
        Product.objects.filter(seller=member)
        .select_related("category__parent")
        .prefetch_related(
            Prefetch("skus", queryset=SKU.objects.order_by("position", "pk")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk")),
        )
        .annotate(has_low_stock=Exists(low_stock))
        .order_by("-updated_at", "-pk")
    )


def categories_with_counts() -> QuerySet[Category]:
    """Top categories with their children, each child with its number of products on sale."""
    on_sale = Q(
        products__status=ProductStatus.ON_SALE,
        products__seller__status=MemberStatus.ACTIVE,
    )
    children = Category.objects.annotate(product_count=Count("products", filter=on_sale))
    return (
        Category.objects.filter(parent__isnull=True)
        .prefetch_related(Prefetch("children", queryset=children.order_by("position", "name")))
        .order_by("position", "name")
    )


def seller_product_counts(member: Member) -> dict[str, int]:
    """How many products a seller has: in all, by status, and running low (one query)."""
    low_stock = SKU.objects.filter(
        product=OuterRef("pk"), is_active=True, stock__lte=F("low_stock_threshold")
    )
    return Product.objects.filter(seller=member).aggregate(
        all=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in ProductStatus.values},
        low_stock=Count("pk", filter=Q(Exists(low_stock))),
    )
