"""The catalogue: what the alliance's members sell, and where it is listed."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from alliance.models import Enterprise, Federation, Member, Village

ALL_MONTHS = (1 << 12) - 1


def month_bit(month: int) -> int:
    """The bit of a month (1–12) in Product.season_months."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    return 1 << (month - 1)


def months_to_mask(months: list[int] | set[int] | tuple[int, ...]) -> int:
    mask = 0
    for month in months:
        mask |= month_bit(month)
    return mask


def mask_to_months(mask: int) -> list[int]:
    return [month for month in range(1, 13) if mask & month_bit(month)]


def image_upload_path(instance: models.Model, filename: str) -> str:
    # Never a path built from the client's file name (ASVS 5.3.2): random, with our extension.
    return f"products/{secrets.token_hex(16)}.jpg"


class Platform(models.TextChoices):
    DOUYIN = "douyin", _("Douyin shop (抖店)")
    TAOBAO = "taobao", _("Taobao / Tmall (千牛)")
    CHANNELS = "channels", _("WeChat Channels shop (视频号小店)")
    MINIPROGRAM = "miniprogram", _("Mini-program (七彩巧妇超市)")


class Category(models.Model):
    """A product category; two levels: a top category and its children."""

    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="category_unique_name_per_parent",
                violation_error_message=_("A category of that name already exists here."),
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="category_unique_top_level_name",
                violation_error_message=_("A top category of that name already exists."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="category_not_its_own_parent",
                violation_error_message=_("A category cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("Categories have two levels at most.")})
        if self.parent_id and self.pk and self.children.exists():
            raise ValidationError(
                {"parent": _("A category with sub-categories must stay at the top level.")}
            )


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ON_SALE = "on_sale", _("on sale")
    OFF_SHELF = "off_shelf", _("off shelf")


class Product(models.Model):
    """A product a member sells (herself or through her enterprise), with its SKUs."""

    seller = models.ForeignKey(
        Member,
        verbose_name=_("seller"),
        on_delete=models.PROTECT,
        related_name="products",
        limit_choices_to={"is_seller": True},
        help_text=_("The member who receives and ships its orders."),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="products",
        null=True,
        blank=True,
        help_text=_("Her enterprise that sells it, if any."),
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    origin_village = models.ForeignKey(
        Village,
        verbose_name=_("origin village"),
        on_delete=models.PROTECT,
        related_name="products",
        null=True,
        blank=True,
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("e.g. 斤, 盒, 盆"))
    status = models.CharField(
        _("status"), max_length=20, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    season_months = models.PositiveSmallIntegerField(
        _("months in season"),
        default=ALL_MONTHS,
        help_text=_("Bit n-1 set = in season in month n; all twelve = all year."),
    )
    is_partner_county = models.BooleanField(
        _("partner-county product"),
        default=False,
        help_text=_("Sold for the sister county (姐妹携手共致富)."),
    )
    partner_federation = models.ForeignKey(
        Federation,
        verbose_name=_("partner federation"),
        on_delete=models.PROTECT,
        related_name="partner_products",
        null=True,
        blank=True,
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), related_name="products", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProductStatus.values), name="product_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(season_months__gte=1, season_months__lte=ALL_MONTHS),
                name="product_season_months_range",
                violation_error_message=_("A product is in season in at least one month."),
            ),
            models.CheckConstraint(
                condition=Q(is_partner_county=True, partner_federation__isnull=False)
                | Q(is_partner_county=False, partner_federation__isnull=True),
                name="product_partner_county_has_federation",
                violation_error_message=_(
                    "A partner-county product names its partner federation, and only it does."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="product_status_created"),
            models.Index(fields=["seller", "status"], name="product_seller_status"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def months_in_season(self) -> list[int]:
        return mask_to_months(self.season_months)

    def is_in_season(self, month: int) -> bool:
        return bool(self.season_months & month_bit(month))

    def clean(self) -> None:
        errors = {}
        if self.enterprise_id and self.seller_id and self.enterprise.owner_id != self.seller_id:
            errors["enterprise"] = _("The enterprise must belong to the seller.")
        if self.seller_id and not self.seller.is_seller:
            errors["seller"] = _("Only a member with the seller role can sell products.")
        if self.is_partner_county and not self.partner_federation_id:
            errors["partner_federation"] = _("Name the partner federation this product helps.")
        if not self.is_partner_county and self.partner_federation_id:
            errors["is_partner_county"] = _("Tick partner-county product, or clear the federation.")
        if self.category_id and self.category.children.exists():
            errors["category"] = _("Choose a sub-category.")
        if errors:
            raise ValidationError(errors)


class ProductStatusChange(models.Model):
    """One change of a product's status: who, when, from, to, why."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=ProductStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=ProductStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("product status change")
        verbose_name_plural = _("product status changes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.product}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class SKU(models.Model):
    """One sellable form of a product (a spec such as 5斤装) with its price and stock."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="skus"
    )
    spec = models.CharField(_("spec"), max_length=60, help_text=_("e.g. 5斤装, 红颜 2斤礼盒"))
    merchant_code = models.CharField(
        _("merchant code (货号)"),
        max_length=40,
        unique=True,
        help_text=_("Unique across the alliance; the 商家编码 the platforms show."),
    )
    price = models.DecimalField(
        _("price (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    low_stock_threshold = models.PositiveIntegerField(
        _("low-stock warning at"), default=5, help_text=_("Warn the seller at or below this.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="sku_price_not_negative"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_not_negative"),
            models.CheckConstraint(
                condition=~Q(merchant_code=""),
                name="sku_merchant_code_not_empty",
                violation_error_message=_("A SKU needs a merchant code."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} · {self.spec}"

    @property
    def is_low_on_stock(self) -> bool:
        return self.stock <= self.low_stock_threshold


class StockMovement(models.Model):
    """One change of a SKU's stock: how much, why, by whom, and the stock after it."""

    class Reason(models.TextChoices):
        RESERVE = "reserve", _("reserved for an order")
        RELEASE = "release", _("released from an order")
        ADJUST = "adjust", _("adjusted")

    sku = models.ForeignKey(
        SKU, verbose_name=_("SKU"), on_delete=models.CASCADE, related_name="stock_movements"
    )
    delta = models.IntegerField(_("change"))
    stock_after = models.PositiveIntegerField(_("stock after"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.sku.merchant_code} {self.delta:+d}"


class ProductImage(models.Model):
    """A photo of a product, re-encoded without metadata, with two thumbnails."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(_("image"), upload_to=image_upload_path)
    thumbnail_small = models.ImageField(_("small thumbnail"), upload_to=image_upload_path)
    thumbnail_medium = models.ImageField(_("medium thumbnail"), upload_to=image_upload_path)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    alt_text = models.CharField(_("description of the image"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.product.name} #{self.position}"


class ChannelListing(models.Model):
    """Where a SKU is listed on a platform: how imported order lines find their seller."""

    sku = models.ForeignKey(
        SKU, verbose_name=_("SKU"), on_delete=models.CASCADE, related_name="listings"
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    platform_product_id = models.CharField(_("platform product id"), max_length=64)
    platform_sku_id = models.CharField(
        _("platform SKU id"),
        max_length=64,
        blank=True,
        help_text=_(
            "The platform's SKU id. Where the platform's export carries none, the merchant "
            "code it shows for this SKU."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("channel listing")
        verbose_name_plural = _("channel listings")
        ordering = ["platform", "platform_product_id", "platform_sku_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "platform_product_id", "platform_sku_id"],
                name="listing_unique_per_platform",
                violation_error_message=_("This platform listing already points at a SKU."),
            ),
            models.CheckConstraint(
                condition=Q(platform__in=Platform.values), name="listing_platform_valid"
            ),
            models.CheckConstraint(
                condition=~Q(platform_product_id=""),
                name="listing_product_id_not_empty",
            ),
        ]

    def __str__(self) -> str:
        suffix = f"/{self.platform_sku_id}" if self.platform_sku_id else ""
        return f"{self.get_platform_display()} {self.platform_product_id}{suffix}"
