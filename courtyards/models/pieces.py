"""What a courtyard shows: plants for sale (one QR code each) and design models (one each)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from alliance.models import Member
from courtyards.models.places import Courtyard
from courtyards.tokens import new_token
from livestreams.models import Order
from products.models import SKU


class ItemStatus(models.TextChoices):
    AVAILABLE = "available", _("for sale")
    RESERVED = "reserved", _("reserved")
    SOLD = "sold", _("sold")


class CourtyardItem(models.Model):
    """A plant on display: a one-of-a-kind piece with its own price, or a catalogue SKU's unit."""

    courtyard = models.ForeignKey(
        Courtyard, verbose_name=_("courtyard"), on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(
        _("the piece's story"),
        blank=True,
        help_text=_("Its age, how it was grown, how to care for it."),
    )
    sku = models.ForeignKey(
        SKU,
        verbose_name=_("catalogue SKU"),
        on_delete=models.PROTECT,
        related_name="courtyard_items",
        null=True,
        blank=True,
        help_text=_("For a plant sold from the catalogue (price and stock are the SKU's)."),
    )
    price = models.DecimalField(
        _("price (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a one-of-a-kind piece."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.AVAILABLE
    )
    sold_at = models.DateTimeField(_("sold at"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("courtyard piece")
        verbose_name_plural = _("courtyard pieces")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sku__isnull=True, price__gt=0)
                | Q(sku__isnull=False, price__isnull=True),
                name="courtyard_item_price_or_sku",
                violation_error_message=_(
                    "A one-of-a-kind piece has its own price; a catalogue plant takes its SKU's."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="courtyard_item_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["courtyard", "status", "position"], name="courtyard_item_listing")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_one_of_a_kind(self) -> bool:
        return self.sku_id is None

    @property
    def reference(self) -> str:
        """How an order line names this piece (OrderLine.merchant_code)."""
        return f"courtyard-item-{self.pk}"

    def unit_price(self) -> Decimal:
        return self.sku.price if self.sku_id else self.price  # type: ignore[union-attr,return-value]

    def clean(self) -> None:
        if self.sku_id is None and (self.price is None or self.price <= 0):
            raise ValidationError({"price": _("Give the piece a price above zero.")})
        if self.sku_id is not None and self.price is not None:
            raise ValidationError({"price": _("A catalogue plant takes its SKU's price.")})


class DesignStyle(models.TextChoices):
    NEW_CHINESE = "new_chinese", _("new Chinese (新中式)")
    PASTORAL = "pastoral", _("pastoral (田园)")
    JAPANESE = "japanese", _("Japanese (日式)")
    MODERN = "modern", _("modern (现代)")
    OTHER = "other", _("other")


class CourtyardDesign(models.Model):
    """A design model in a public courtyard: a style a visitor can have built at home."""

    courtyard = models.ForeignKey(
        Courtyard, verbose_name=_("courtyard"), on_delete=models.PROTECT, related_name="designs"
    )
    designer = models.ForeignKey(
        Member,
        verbose_name=_("designer"),
        on_delete=models.PROTECT,
        related_name="designs",
        limit_choices_to={"is_designer": True},
    )
    name = models.CharField(_("name"), max_length=80)
    style = models.CharField(_("style"), max_length=20, choices=DesignStyle.choices)
    description = models.TextField(_("description"), blank=True)
    materials = models.CharField(
        _("materials"), max_length=300, blank=True, help_text=_("e.g. 青石板、老木、竹篱")
    )
    price_min_per_sqm = models.DecimalField(
        _("from (yuan per m²)"), max_digits=12, decimal_places=2
    )
    price_max_per_sqm = models.DecimalField(_("to (yuan per m²)"), max_digits=12, decimal_places=2)
    is_active = models.BooleanField(_("shown to visitors"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("courtyard design")
        verbose_name_plural = _("courtyard designs")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_min_per_sqm__gt=0)
                & Q(price_max_per_sqm__gte=F("price_min_per_sqm")),
                name="courtyard_design_price_range",
                violation_error_message=_(
                    "The price per m² runs from a number above zero to one no smaller."
                ),
            ),
            models.CheckConstraint(
                condition=Q(style__in=DesignStyle.values), name="courtyard_design_style_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        low, high = self.price_min_per_sqm, self.price_max_per_sqm
        if low is not None and low <= 0:
            errors["price_min_per_sqm"] = _("The price per m² starts above zero.")
        elif low is not None and high is not None and high < low:
            errors["price_max_per_sqm"] = _("The upper price cannot be below the lower one.")
        if self.designer_id and not self.designer.is_designer:
            errors["designer"] = _("Choose a member with the designer role.")
        if self.courtyard_id and not self.courtyard.is_public:
            errors["courtyard"] = _("Design models are shown in public courtyards.")
        if errors:
            raise ValidationError(errors)


class QrCode(models.Model):
    """The token printed on one label; retired when the label is lost, and a new one issued.

    Each piece and each design has exactly one active code; retired codes stay so that their
    labels answer "this code is no longer in use" with a link to the courtyard.
    """

    token = models.CharField(_("token"), max_length=26, unique=True, default=new_token)
    courtyard = models.ForeignKey(
        Courtyard, verbose_name=_("courtyard"), on_delete=models.CASCADE, related_name="qr_codes"
    )
    item = models.ForeignKey(
        CourtyardItem,
        verbose_name=_("piece"),
        on_delete=models.CASCADE,
        related_name="qr_codes",
        null=True,
        blank=True,
    )
    design = models.ForeignKey(
        CourtyardDesign,
        verbose_name=_("design"),
        on_delete=models.CASCADE,
        related_name="qr_codes",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("QR code")
        verbose_name_plural = _("QR codes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=False, design__isnull=True)
                | Q(item__isnull=True, design__isnull=False),
                name="qr_code_for_one_thing",
            ),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(retired_at__isnull=True, item__isnull=False),
                name="qr_code_one_active_per_item",
            ),
            models.UniqueConstraint(
                fields=["design"],
                condition=Q(retired_at__isnull=True, design__isnull=False),
                name="qr_code_one_active_per_design",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.token[:6]}… ({self.item or self.design})"

    @property
    def is_active(self) -> bool:
        return self.retired_at is None


class ItemEvent(models.Model):
    """One change of a piece's status: who, when, from, to, why (and the order that sold it)."""

    item = models.ForeignKey(
        CourtyardItem, verbose_name=_("piece"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=ItemStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=ItemStatus.choices)
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
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
        verbose_name = _("piece status change")
        verbose_name_plural = _("piece status changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.item}: {self.from_status} → {self.to_status}"


class CourtyardSale(models.Model):
    """An order placed from a piece's QR code: what the conversion figures count."""

    item = models.ForeignKey(
        CourtyardItem, verbose_name=_("piece"), on_delete=models.PROTECT, related_name="sales"
    )
    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="courtyard_sale"
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    is_pickup = models.BooleanField(_("picked up at the courtyard"), default=False)
    # The buyer's receipt page is reached by this token only (it shows her masked details).
    receipt_token = models.CharField(
        _("receipt token"), max_length=26, unique=True, default=new_token, editable=False
    )
    released_at = models.DateTimeField(
        _("piece put back on sale at"),
        null=True,
        blank=True,
        help_text=_("When the order was cancelled and the piece could be sold again."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("courtyard sale")
        verbose_name_plural = _("courtyard sales")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="courtyard_sale_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.item} → {self.order}"
