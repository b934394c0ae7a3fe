"""Scans of the QR codes: what the conversion figures start from."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from courtyards.models.pieces import CourtyardDesign, CourtyardItem, QrCode
from courtyards.models.places import Courtyard


class DeviceClass(models.TextChoices):
    WECHAT = "wechat", _("WeChat")
    PHONE = "phone", _("phone browser")
    TABLET = "tablet", _("tablet")
    DESKTOP = "desktop", _("computer")
    BOT = "bot", _("robot")
    OTHER = "other", _("other")


class ScanSource(models.TextChoices):
    WEB = "web", _("web page")
    MINIPROGRAM = "miniprogram", _("mini-program")


class ScanEvent(models.Model):
    """One scan of a code (its page opened, or the mini-program asked the API about it).

    Written in batches (courtyards.scans): the scan page never waits for this insert. The
    courtyard, piece and design are copied from the code so that the figures need no join.
    """

    qr_code = models.ForeignKey(
        QrCode, verbose_name=_("QR code"), on_delete=models.CASCADE, related_name="scans"
    )
    courtyard = models.ForeignKey(
        Courtyard,
        verbose_name=_("courtyard"),
        on_delete=models.CASCADE,
        related_name="scans",
        db_index=False,  # scan_courtyard_time serves it
    )
    item = models.ForeignKey(
        CourtyardItem,
        verbose_name=_("piece"),
        on_delete=models.CASCADE,
        related_name="scans",
        null=True,
        blank=True,
    )
    design = models.ForeignKey(
        CourtyardDesign,
        verbose_name=_("design"),
        on_delete=models.CASCADE,
        related_name="scans",
        null=True,
        blank=True,
    )
    scanned_at = models.DateTimeField(_("scanned at"))
    device = models.CharField(_("device"), max_length=20, choices=DeviceClass.choices)
    source = models.CharField(_("source"), max_length=20, choices=ScanSource.choices)
    referrer = models.CharField(
        _("referrer"), max_length=100, blank=True, help_text=_("The referring site's host only.")
    )

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-scanned_at", "-pk"]
        indexes = [
            models.Index(fields=["courtyard", "scanned_at"], name="scan_courtyard_time"),
        ]

    def __str__(self) -> str:
        return f"{self.qr_code_id} {self.scanned_at:%Y-%m-%d %H:%M}"
