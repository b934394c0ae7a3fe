"""The livestream base: studios and live sessions."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from alliance.models import Campaign, Member
from livestreams.models.channels import LIVESTREAM_PLATFORMS
from products.models import Product


class Studio(models.Model):
    """One of the livestream base's studios (直播间)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=50)
    equipment = models.TextField(_("equipment"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("studio")
        verbose_name_plural = _("studios")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number:02d} {self.name}"


class LiveSessionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    LIVE = "live", _("live")
    ENDED = "ended", _("ended")
    CANCELLED = "cancelled", _("cancelled")


class LiveSession(models.Model):
    """A live session: a studio, a streamer, a platform and a time.

    A studio and a streamer are never booked for two overlapping sessions that are not
    cancelled: the booking service checks under a lock, and on PostgreSQL two exclusion
    constraints (migration 0002) make it impossible.
    """

    title = models.CharField(_("title"), max_length=120)
    studio = models.ForeignKey(
        Studio, verbose_name=_("studio"), on_delete=models.PROTECT, related_name="sessions"
    )
    streamer = models.ForeignKey(
        Member,
        verbose_name=_("streamer"),
        on_delete=models.PROTECT,
        related_name="live_sessions",
        null=True,
        blank=True,
        limit_choices_to={"is_streamer": True},
    )
    staff_streamer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff streamer"),
        on_delete=models.PROTECT,
        related_name="hosted_sessions",
        null=True,
        blank=True,
        limit_choices_to={"is_staff": True},
        help_text=_("When a member of staff streams instead of a member."),
    )
    platform = models.CharField(
        _("platform"),
        max_length=20,
        choices=[(c.value, c.label) for c in LIVESTREAM_PLATFORMS],
    )
    platform_account = models.CharField(
        _("platform room or account"),
        max_length=100,
        blank=True,
        help_text=_(
            "The room id or streamer account the platform's export names (达人ID, 带货账号)."
        ),
    )
    planned_start = models.DateTimeField(_("planned start"))
    planned_end = models.DateTimeField(_("planned end"))
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True)
    featured_products = models.ManyToManyField(
        Product, verbose_name=_("featured products"), related_name="live_sessions", blank=True
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="live_sessions",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=LiveSessionStatus.choices,
        default=LiveSessionStatus.PLANNED,
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        ordering = ["-planned_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gt=F("planned_start")),
                name="session_ends_after_it_starts",
                violation_error_message=_("A session must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True)
                | Q(actual_start__isnull=False, actual_end__gt=F("actual_start")),
                name="session_actual_end_after_start",
                violation_error_message=_("The actual end must come after the actual start."),
            ),
            models.CheckConstraint(
                condition=Q(streamer__isnull=False) | Q(staff_streamer__isnull=False),
                name="session_has_a_streamer",
                violation_error_message=_("A session needs a streamer (a member or staff)."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=LiveSessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(platform__in=[c.value for c in LIVESTREAM_PLATFORMS]),
                name="session_platform_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["platform", "planned_start"], name="session_platform_start"),
        ]

    def __str__(self) -> str:
        return self.title
