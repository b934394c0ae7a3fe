"""Courtyards (庭院) and their photos."""

import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.models import Member, Village
from courtyards.tokens import new_token


def photo_upload_path(instance: models.Model, filename: str) -> str:
    # Random names, never the uploader's (ASVS 5.3.2).
    return f"courtyards/{secrets.token_hex(16)}.jpg"


class CourtyardKind(models.TextChoices):
    SHOWROOM = "showroom", _("private showroom (自家庭院)")
    PUBLIC = "public", _("public courtyard (公共庭院)")


class Courtyard(models.Model):
    """A villager's courtyard that shows plants for sale, or a village's public courtyard."""

    owner = models.ForeignKey(
        Member,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="courtyards",
        limit_choices_to={"is_courtyard_owner": True},
    )
    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="courtyards"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=CourtyardKind.choices, default=CourtyardKind.SHOWROOM
    )
    name = models.CharField(_("name"), max_length=80)
    story = models.TextField(
        _("the courtyard's story"), blank=True, help_text=_("Shown to visitors who scan.")
    )
    directions = models.CharField(
        _("how visitors find it"),
        max_length=200,
        blank=True,
        help_text=_("Shown on the public pages of a public courtyard only; no house number."),
    )
    # A private courtyard is someone's home: it never has coordinates (see the constraint).
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    public_token = models.CharField(
        _("public page token"), max_length=26, unique=True, default=new_token, editable=False
    )
    is_active = models.BooleanField(_("shown to visitors"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("courtyard")
        verbose_name_plural = _("courtyards")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CourtyardKind.values), name="courtyard_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    kind=CourtyardKind.PUBLIC,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="courtyard_coordinates_public_only",
                violation_error_message=_(
                    "Only a public courtyard has map coordinates, latitude and longitude both."
                ),
            ),
        ]
        indexes = [models.Index(fields=["owner", "name"], name="courtyard_owner_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.kind == CourtyardKind.PUBLIC

    def clean(self) -> None:
        errors = {}
        has_latitude, has_longitude = self.latitude is not None, self.longitude is not None
        if (has_latitude or has_longitude) and self.kind != CourtyardKind.PUBLIC:
            errors["latitude"] = _(
                "A private courtyard is someone's home: it is never put on a map."
            )
        elif has_latitude != has_longitude:
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        if self.owner_id and not self.owner.is_courtyard_owner:
            errors["owner"] = _("Only a member with the courtyard-owner role can have a courtyard.")
        if errors:
            raise ValidationError(errors)

    def coordinates(self) -> tuple[Decimal, Decimal] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude


class Photo(models.Model):
    """A photo of a courtyard, one of its pieces or one of its designs; re-encoded, no EXIF."""

    courtyard = models.ForeignKey(
        Courtyard, verbose_name=_("courtyard"), on_delete=models.CASCADE, related_name="photos"
    )
    item = models.ForeignKey(
        "courtyards.CourtyardItem",
        verbose_name=_("piece"),
        on_delete=models.CASCADE,
        related_name="photos",
        null=True,
        blank=True,
    )
    design = models.ForeignKey(
        "courtyards.CourtyardDesign",
        verbose_name=_("design"),
        on_delete=models.CASCADE,
        related_name="photos",
        null=True,
        blank=True,
    )
    image = models.ImageField(_("image"), upload_to=photo_upload_path)
    thumbnail_small = models.ImageField(_("small thumbnail"), upload_to=photo_upload_path)
    thumbnail_medium = models.ImageField(_("medium thumbnail"), upload_to=photo_upload_path)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    alt_text = models.CharField(_("description of the image"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("courtyard photo")
        verbose_name_plural = _("courtyard photos")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=True) | Q(design__isnull=True),
                name="courtyard_photo_of_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.courtyard_id} #{self.position}"
