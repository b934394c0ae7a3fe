"""The order spine: imports, orders, lines, seller orders and their histories."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.models import Member
from alliance.storage import private_storage
from livestreams.models.channels import Channel
from livestreams.models.sessions import LiveSession
from products.models import SKU


class OrderStatus(models.TextChoices):
    UNPAID = "unpaid", _("awaiting payment")
    PAID = "paid", _("paid, to ship")
    PART_SHIPPED = "part_shipped", _("partly shipped")
    SHIPPED = "shipped", _("shipped")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


class LineStatus(models.TextChoices):
    UNPAID = "unpaid", _("awaiting payment")
    PAID = "paid", _("paid, to ship")
    SHIPPED = "shipped", _("shipped")
    COMPLETED = "completed", _("completed")
    CLOSED = "closed", _("closed")


class AfterSalesStatus(models.TextChoices):
    NONE = "none", _("none")
    OPEN = "open", _("in progress")
    REFUNDED = "refunded", _("refunded")


class Attribution(models.TextChoices):
    NONE = "none", _("channel only")
    EXPORT = "export", _("named in the export")
    TIME_WINDOW = "time_window", _("paid during the session")
    MANUAL = "manual", _("set by staff")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("importing")
    COMPLETED = "completed", _("imported")
    REFUSED = "refused", _("refused")
    FAILED = "failed", _("failed")


def import_upload_path(instance: models.Model, filename: str) -> str:
    return f"imports/{secrets.token_hex(12)}/{filename.rsplit('/', 1)[-1][-100:]}"


class OrderImport(models.Model):
    """One import of a platform export file (or the legacy Taobao pair): who, what, the outcome."""

    platform = models.CharField(_("platform"), max_length=20, choices=Channel.choices, blank=True)
    file = models.FileField(_("file"), upload_to=import_upload_path, storage=private_storage)
    companion_file = models.FileField(
        _("companion file"),
        upload_to=import_upload_path,
        storage=private_storage,
        blank=True,
        help_text=_("The second file of a pair that belongs together (Taobao's legacy export)."),
    )
    file_names = models.CharField(_("file names"), max_length=500)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    is_dry_run = models.BooleanField(_("preview only"), default=False)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    refusal = models.TextField(_("why it was refused"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_names} ({self.get_status_display()})"


def label_upload_path(instance: models.Model, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"labels/{secrets.token_hex(16)}.{extension[:5]}"


class PaymentMethod(models.TextChoices):
    PLATFORM = "platform", _("paid on the platform")
    CASH_ON_DELIVERY = "cash_on_delivery", _("cash on delivery")
    BANK_TRANSFER = "bank_transfer", _("bank transfer")


class Order(models.Model):
    """An order as a platform (or our own channel) gives it; recipients exactly as given."""

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    platform_order_id = models.CharField(_("platform order id"), max_length=64)
    live_session = models.ForeignKey(
        LiveSession,
        verbose_name=_("live session"),
        on_delete=models.SET_NULL,
        related_name="orders",
        null=True,
        blank=True,
        db_index=False,  # order_live_session: only attributed orders (an import inserts none)
    )
    attribution = models.CharField(
        _("attribution"), max_length=20, choices=Attribution.choices, default=Attribution.NONE
    )
    streamer_account = models.CharField(
        _("streamer account in the export"), max_length=100, blank=True
    )
    traffic_source = models.CharField(_("traffic source"), max_length=50, blank=True)
    buyer_note = models.TextField(_("buyer's note"), blank=True)
    recipient_name = models.CharField(_("recipient"), max_length=100, blank=True)
    recipient_mobile = models.CharField(_("recipient's mobile"), max_length=40, blank=True)
    recipient_province = models.CharField(_("province"), max_length=50, blank=True)
    recipient_city = models.CharField(_("city"), max_length=50, blank=True)
    recipient_district = models.CharField(_("district"), max_length=50, blank=True)
    recipient_address = models.CharField(_("address"), max_length=300, blank=True)
    recipient_anonymised_at = models.DateTimeField(
        _("recipient anonymised at"),
        null=True,
        blank=True,
        help_text=_("Personal data removed after the retention period."),
    )
    paid_amount = models.DecimalField(_("paid (yuan)"), max_digits=12, decimal_places=2, default=0)
    shipping_fee = models.DecimalField(
        _("shipping fee (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    platform_status = models.CharField(_("platform status"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PAID
    )
    payment_method = models.CharField(
        _("payment"),
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.PLATFORM,
        db_default=PaymentMethod.PLATFORM,
    )
    client_key = models.CharField(
        _("client request key"),
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "Our own channels: the key a client sends so a retried request places no second order."
        ),
    )
    last_import = models.ForeignKey(
        OrderImport,
        verbose_name=_("last import"),
        on_delete=models.SET_NULL,
        related_name="orders",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-paid_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "platform_order_id"], name="order_unique_per_channel"
            ),
            models.UniqueConstraint(
                fields=["channel", "client_key"],
                condition=~Q(client_key=""),
                name="order_unique_client_key",
            ),
            models.CheckConstraint(condition=Q(paid_amount__gte=0), name="order_paid_not_negative"),
            models.CheckConstraint(
                condition=Q(shipping_fee__gte=0), name="order_shipping_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="order_channel_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["channel", "paid_at"], name="order_channel_paid"),
            models.Index(
                fields=["live_session"],
                condition=Q(live_session__isnull=False),
                name="order_live_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.platform_order_id}"


class SellerOrderStatus(models.TextChoices):
    PENDING = "pending", _("to forward")
    FORWARDED = "forwarded", _("forwarded")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    SHIPPED = "shipped", _("shipped")
    DELIVERED = "delivered", _("delivered")
    CANCELLED = "cancelled", _("cancelled")


class SellerOrder(models.Model):
    """One seller's part of an order (商家分单): what is forwarded to her and what she ships."""

    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="seller_orders",
        db_index=False,  # seller_order_unique (order, seller) serves lookups by order
    )
    seller = models.ForeignKey(
        Member,
        verbose_name=_("seller"),
        on_delete=models.PROTECT,
        related_name="seller_orders",
        db_index=False,  # seller_order_seller_status (seller, status) serves lookups by seller
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SellerOrderStatus.choices,
        default=SellerOrderStatus.PENDING,
    )
    # Forwarding: a worker (or the sweep) holds a lease while it forwards; tries are counted;
    # a problem staff must act on is written down (and shown on the forwarding monitor).
    lease_until = models.DateTimeField(_("being forwarded until"), null=True, blank=True)
    swept_at = models.DateTimeField(_("last picked up by the sweep"), null=True, blank=True)
    # Database defaults too: the set-based import inserts seller orders in SQL.
    forward_attempts = models.PositiveSmallIntegerField(
        _("forwarding tries"), default=0, db_default=0
    )
    problem = models.CharField(
        _("problem for staff"), max_length=300, blank=True, default="", db_default=""
    )
    problem_at = models.DateTimeField(_("problem since"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # Shipping: the courier and tracking number come from staff (a platform's e-waybill) or from
    # the seller (our own channels); a label file may come with them.
    courier = models.CharField(_("courier"), max_length=20, blank=True, default="", db_default="")
    tracking_number = models.CharField(
        _("tracking number"), max_length=40, blank=True, default="", db_default=""
    )
    label = models.FileField(
        _("shipping label"),
        upload_to=label_upload_path,
        storage=private_storage,
        blank=True,
        default="",
        db_default="",
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    uploaded_at = models.DateTimeField(
        _("sent back to the platform at"),
        null=True,
        blank=True,
        help_text=_("When its tracking number went into a batch-shipment file."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("seller order")
        verbose_name_plural = _("seller orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seller"], name="seller_order_unique"),
            models.CheckConstraint(
                condition=Q(status__in=SellerOrderStatus.values), name="seller_order_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "status"], name="seller_order_seller_status"),
            # Also the sweep's (status 'pending', created before …): no partial index besides.
            models.Index(fields=["status", "created_at"], name="seller_order_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.seller}"


class SellerOrderEvent(models.Model):
    """One change of a seller order's status: who, when, from, to, why."""

    seller_order = models.ForeignKey(
        SellerOrder, verbose_name=_("seller order"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=SellerOrderStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=SellerOrderStatus.choices)
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
        verbose_name = _("seller order change")
        verbose_name_plural = _("seller order changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.seller_order}: {self.from_status} → {self.to_status}"


class OrderLine(models.Model):
    """One line (子订单) of an order: what was bought, the SKU it matched, its own status."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    line_key = models.CharField(
        _("platform sub-order id"),
        max_length=200,
        help_text=_(
            "The platform's sub-order id; where the platform gives none, a key derived from the "
            "order id, product code, spec and occurrence (see livestreams/importers/)."
        ),
    )
    sku = models.ForeignKey(
        SKU,
        verbose_name=_("SKU"),
        on_delete=models.PROTECT,
        related_name="order_lines",
        null=True,
        blank=True,
    )
    seller = models.ForeignKey(
        Member,
        verbose_name=_("seller"),
        on_delete=models.PROTECT,
        related_name="order_lines",
        null=True,
        blank=True,
        db_index=False,  # line_seller_status (seller, status) serves lookups by seller
    )
    seller_order = models.ForeignKey(
        SellerOrder,
        verbose_name=_("seller order"),
        on_delete=models.SET_NULL,
        related_name="lines",
        null=True,
        blank=True,
    )
    platform_product_id = models.CharField(_("platform product id"), max_length=64, blank=True)
    merchant_code = models.CharField(_("merchant code as given"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=200)
    spec = models.CharField(_("spec"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price (yuan)"), max_digits=12, decimal_places=2)
    line_total = models.DecimalField(_("line total (yuan)"), max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(
        _("refunded (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    platform_status = models.CharField(_("platform status"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=LineStatus.choices, default=LineStatus.PAID
    )
    platform_after_sales = models.CharField(
        _("platform after-sales status"), max_length=50, blank=True
    )
    after_sales_status = models.CharField(
        _("after-sales"),
        max_length=20,
        choices=AfterSalesStatus.choices,
        default=AfterSalesStatus.NONE,
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    courier_name = models.CharField(_("courier as given"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number as given"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "line_key"], name="line_unique_per_channel"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
            models.CheckConstraint(condition=Q(line_total__gte=0), name="line_total_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0), name="line_refund_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=LineStatus.values), name="line_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(after_sales_status__in=AfterSalesStatus.values),
                name="line_after_sales_valid",
            ),
            models.CheckConstraint(
                condition=Q(sku__isnull=True) | Q(seller__isnull=False),
                name="line_matched_has_seller",
            ),
        ]
        indexes = [
            models.Index(
                fields=["channel", "platform_product_id", "merchant_code"],
                name="line_unmatched_lookup",
                condition=Q(sku__isnull=True),
            ),
            models.Index(fields=["seller", "status"], name="line_seller_status"),
        ]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"


class OrderLineChange(models.Model):
    """A change an import (or a person) made to a line's status or after-sales status."""

    line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.CASCADE, related_name="changes"
    )
    field = models.CharField(_("what changed"), max_length=30)
    from_value = models.CharField(_("from"), max_length=50, blank=True)
    to_value = models.CharField(_("to"), max_length=50)
    order_import = models.ForeignKey(
        OrderImport,
        verbose_name=_("import"),
        on_delete=models.SET_NULL,
        related_name="line_changes",
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
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order line change")
        verbose_name_plural = _("order line changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.line_id} {self.field}: {self.from_value} → {self.to_value}"
