"""Telling sellers about their orders, and sending shipments back to the platforms."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.storage import private_storage
from livestreams.models.channels import Channel
from livestreams.models.orders import SellerOrder


class NotificationChannel(models.TextChoices):
    DASHBOARD = "dashboard", _("dashboard")
    EMAIL = "email", _("email")
    WECOM = "wecom", _("WeCom group robot")
    SMS = "sms", _("SMS")


class NotificationKind(models.TextChoices):
    NEW_ORDER = "new_order", _("new order")
    CHANGED = "changed", _("order changed")
    REMINDER = "reminder", _("reminder")
    AFTER_SALES = "after_sales", _("after-sales ticket")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("to send")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Notification(models.Model):
    """One message about one seller order on one channel; sent at least once, keyed once.

    Several notifications of one seller on one channel go out together as one digest message;
    the idempotency key travels with it so a receiver that can deduplicate does.
    """

    seller_order = models.ForeignKey(
        SellerOrder,
        verbose_name=_("seller order"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=NotificationChannel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    reference = models.CharField(
        _("reference"), max_length=40, blank=True, help_text=_("What this change was (an import).")
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    text = models.CharField(_("message"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller_order", "channel", "kind", "reference"],
                name="notification_unique_per_order_channel_kind",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=NotificationChannel.values),
                name="notification_channel_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "channel"], name="notification_status_channel")]

    def __str__(self) -> str:
        return f"{self.seller_order_id} {self.channel} {self.kind}"


class DeliveryAttempt(models.Model):
    """One try at delivering a notification: when, how it went, why not."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("sent")
        RETRY = "retry", _("failed, will retry")
        FAILED = "failed", _("failed, not retried")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="delivery_attempts",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.outcome}"


def shipment_export_path(instance: models.Model, filename: str) -> str:
    return f"shipment-exports/{secrets.token_hex(12)}/{filename[-80:]}"


class ShipmentExport(models.Model):
    """A batch-shipment file (批量发货) made for one platform: who, when, how many parcels."""

    platform = models.CharField(_("platform"), max_length=20, choices=Channel.choices)
    file = models.FileField(_("file"), upload_to=shipment_export_path, storage=private_storage)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    seller_orders = models.ManyToManyField(
        SellerOrder, verbose_name=_("seller orders"), related_name="shipment_exports"
    )

    class Meta:
        verbose_name = _("batch-shipment file")
        verbose_name_plural = _("batch-shipment files")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.created_at:%Y-%m-%d %H:%M}"
