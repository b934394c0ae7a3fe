"""Design visits (预约上门设计): a designer's weekly availability, her days off, the dated slots
bookings take, the bookings, their history and what visitors and designers are told."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from alliance.models import Member
from courtyards.models.pieces import CourtyardDesign
from courtyards.tokens import new_token


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeeklySlot(models.Model):
    """A time a designer can visit every week, and how many visits she can take then."""

    designer = models.ForeignKey(
        Member, verbose_name=_("designer"), on_delete=models.CASCADE, related_name="weekly_slots"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=120)
    capacity = models.PositiveSmallIntegerField(
        _("visits at once"), default=1, help_text=_("How many visits she can take in this slot.")
    )

    class Meta:
        verbose_name = _("weekly visit slot")
        verbose_name_plural = _("weekly visit slots")
        ordering = ["designer", "weekday", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["designer", "weekday", "start_time"],
                name="weekly_slot_unique",
                violation_error_message=_("She already has a slot at that time."),
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="weekly_slot_weekday"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=20), name="weekly_slot_capacity"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=30, duration_minutes__lte=600),
                name="weekly_slot_duration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}"


class DayOff(models.Model):
    """A date a designer takes no visits."""

    designer = models.ForeignKey(
        Member, verbose_name=_("designer"), on_delete=models.CASCADE, related_name="days_off"
    )
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("day off")
        verbose_name_plural = _("days off")
        ordering = ["designer", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["designer", "date"],
                name="day_off_unique",
                violation_error_message=_("That day is already a day off."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.designer} {self.date}"


class VisitSlot(models.Model):
    """One dated slot of a designer, made when first booked; `booked` never passes `capacity`.

    The count is moved by conditional UPDATEs (booked < capacity), and a check constraint backs
    it, so two visitors taking the last place at the same moment cannot both have it.
    """

    designer = models.ForeignKey(
        Member, verbose_name=_("designer"), on_delete=models.PROTECT, related_name="visit_slots"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("visits at once"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("visit slot")
        verbose_name_plural = _("visit slots")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["designer", "starts_at"], name="visit_slot_unique"),
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
                name="visit_slot_not_overbooked",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="visit_slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.designer} {self.starts_at:%Y-%m-%d %H:%M} ({self.booked}/{self.capacity})"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("waiting for the designer")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")
    DONE = "done", _("visited")


class DesignVisitBooking(models.Model):
    """A visitor's booking of an on-site design visit, in one of a designer's slots."""

    reference = models.CharField(
        _("booking reference"),
        max_length=12,
        unique=True,
        help_text=_("Told to the visitor; not a secret (it opens no page)."),
    )
    access_token = models.CharField(
        _("visitor's page token"), max_length=26, unique=True, default=new_token, editable=False
    )
    design = models.ForeignKey(
        CourtyardDesign, verbose_name=_("design"), on_delete=models.PROTECT, related_name="bookings"
    )
    designer = models.ForeignKey(
        Member,
        verbose_name=_("designer"),
        on_delete=models.PROTECT,
        related_name="design_bookings",
        db_index=False,  # booking_designer_status serves lookups by designer
    )
    slot = models.ForeignKey(
        VisitSlot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    visitor_name = models.CharField(_("visitor"), max_length=50)
    visitor_mobile = models.CharField(_("visitor's mobile"), max_length=11)
    visitor_address = models.CharField(_("address of the courtyard to design"), max_length=200)
    area_sqm = models.DecimalField(_("courtyard area (m²)"), max_digits=7, decimal_places=1)
    estimate_min = models.DecimalField(_("estimate from (yuan)"), max_digits=12, decimal_places=2)
    estimate_max = models.DecimalField(_("estimate to (yuan)"), max_digits=12, decimal_places=2)
    note = models.CharField(_("visitor's note"), max_length=300, blank=True)
    client_key = models.CharField(
        _("client request key"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("The key a client sends so that a retried request books nothing twice."),
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("design visit booking")
        verbose_name_plural = _("design visit bookings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client_key"],
                condition=~Q(client_key=""),
                name="booking_unique_client_key",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BookingStatus.values), name="booking_status_valid"
            ),
            models.CheckConstraint(condition=Q(area_sqm__gt=0), name="booking_area_positive"),
            models.CheckConstraint(
                condition=Q(estimate_max__gte=F("estimate_min")), name="booking_estimate_range"
            ),
        ]
        indexes = [
            models.Index(fields=["designer", "status"], name="booking_designer_status"),
        ]

    def __str__(self) -> str:
        return self.reference


class BookingEventKind(models.TextChoices):
    BOOKED = "booked", _("booked")
    CONFIRMED = "confirmed", _("confirmed")
    RESCHEDULED = "rescheduled", _("moved to another time")
    CANCELLED = "cancelled", _("cancelled")
    DONE = "done", _("visited")


class BookingEvent(models.Model):
    """One change of a booking: who, when, what, from and to (status and time)."""

    booking = models.ForeignKey(
        DesignVisitBooking,
        verbose_name=_("booking"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("what"), max_length=20, choices=BookingEventKind.choices)
    from_status = models.CharField(
        _("from"), max_length=20, choices=BookingStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=BookingStatus.choices)
    from_starts_at = models.DateTimeField(_("time before"), null=True, blank=True)
    to_starts_at = models.DateTimeField(_("time after"), null=True, blank=True)
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
        verbose_name = _("booking change")
        verbose_name_plural = _("booking changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.kind}"


class Audience(models.TextChoices):
    VISITOR = "visitor", _("visitor")
    DESIGNER = "designer", _("designer")
    STAFF = "staff", _("federation staff")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("to send")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class BookingNotification(models.Model):
    """One message about one booking change to one audience on one channel; keyed once."""

    event = models.ForeignKey(
        BookingEvent,
        verbose_name=_("booking change"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    audience = models.CharField(_("to"), max_length=20, choices=Audience.choices)
    channel = models.CharField(_("channel"), max_length=20)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    text = models.CharField(_("message"), max_length=500)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking notification")
        verbose_name_plural = _("booking notifications")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="booking_notification_audience"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.audience} {self.channel} {self.status}"
