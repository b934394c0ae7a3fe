"""Design visits: a designer's availability, and bookings from the first request to the visit.

A slot is never overbooked: the dated slot row is made once (unique designer and start) and its
count moves by a conditional UPDATE (booked < capacity), backed by a check constraint, in the
transaction that writes the booking. Every change of a booking writes an event row and, in the
same transaction, the messages it owes (the visitor by SMS, the designer on her channels,
staff by email); a Celery task sends them after the commit (services.notifications).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import Member, User
from alliance.validators import normalize_mobile, validate_mobile
from courtyards import selectors, tokens
from courtyards.models import (
    BookingEvent,
    BookingEventKind,
    BookingStatus,
    CourtyardDesign,
    DayOff,
    DesignVisitBooking,
    VisitSlot,
    WeeklySlot,
)
from courtyards.services import notifications
from courtyards.services.purchases import KeyReusedError

MIN_AREA = Decimal("1")
MAX_AREA = Decimal("10000")

BOOKING_TRANSITIONS: dict[str, set[str]] = {
    BookingStatus.REQUESTED: {BookingStatus.CONFIRMED, BookingStatus.CANCELLED},
    BookingStatus.CONFIRMED: {BookingStatus.CANCELLED, BookingStatus.DONE},
    BookingStatus.CANCELLED: set(),
    BookingStatus.DONE: set(),
}


class SlotTakenError(ValidationError):
    """The chosen time is no longer free (taken, a day off, or past)."""

    def __init__(self) -> None:
        message = _("This time has just been taken. Please choose another.")
        super().__init__({"slot": ValidationError(message, code="slot_taken")})


# --- Availability --------------------------------------------------------------------------------


@transaction.atomic
def add_weekly_slot(
    *, designer: Member, weekday: int, start_time: time, duration_minutes: int, capacity: int
) -> WeeklySlot:
    """Adds a time she can visit every week; the same weekday and time twice is refused."""
    if not designer.is_designer:
        raise ValidationError(_("Only a designer takes design visits."), code="not_designer")
    slot = WeeklySlot(
        designer=designer,
        weekday=weekday,
        start_time=start_time.replace(second=0, microsecond=0),
        duration_minutes=duration_minutes,
        capacity=capacity,
    )
    slot.full_clean()
    slot.save()
    return slot


@transaction.atomic
def remove_weekly_slot(*, slot: WeeklySlot) -> None:
    """Stops offering a weekly time; visits already booked at it stay booked."""
    slot.delete()


@transaction.atomic
def add_day_off(*, designer: Member, day: date, note: str = "") -> DayOff:
    """Marks a date she takes no visits; refused while bookings stand on that date."""
    if day < timezone.localdate():
        raise ValidationError({"date": _("Choose today or a later date.")}, code="past")
    start = timezone.make_aware(datetime.combine(day, time.min))
    standing = DesignVisitBooking.objects.filter(
        designer=designer,
        status__in=(BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
        slot__starts_at__gte=start,
        slot__starts_at__lt=start + timedelta(days=1),
    ).count()
    if standing:
        raise ValidationError(
            {
                "date": _("You have %(count)d visit(s) booked that day. Move or cancel them first.")
                % {"count": standing}
            },
            code="bookings_that_day",
        )
    day_off = DayOff(designer=designer, date=day, note=note.strip()[:100])
    day_off.full_clean()
    day_off.save()
    return day_off


@transaction.atomic
def remove_day_off(*, day_off: DayOff) -> None:
    """Takes visits on that date again."""
    day_off.delete()


# --- Booking -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visitor:
    name: str
    mobile: str
    address: str
    area_sqm: Decimal | str
    note: str = ""


def check_area(value: Decimal | str) -> Decimal:
    """A courtyard's area in m² with one decimal, 1 to 10,000; ValidationError otherwise."""
    try:
        area = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"area_sqm": _("Enter the area in square metres, e.g. 60.")}, code="invalid"
        ) from None
    if not MIN_AREA <= area <= MAX_AREA:
        raise ValidationError(
            {"area_sqm": _("The area is between 1 and 10,000 m².")}, code="out_of_range"
        )
    return area


def _check_visitor(visitor: Visitor) -> Visitor:
    errors = {}
    if not visitor.name.strip():
        errors["name"] = _("Enter your name.")
    mobile = normalize_mobile(visitor.mobile)
    try:
        validate_mobile(mobile)
    except ValidationError as error:
        errors["mobile"] = error.messages[0]
    if not visitor.address.strip():
        errors["address"] = _("Enter the address of the courtyard to design.")
    try:
        area = check_area(visitor.area_sqm)
    except ValidationError as error:
        errors.update(error.message_dict)
        area = Decimal(0)
    if errors:
        raise ValidationError(errors)
    return Visitor(
        name=visitor.name.strip()[:50],
        mobile=mobile,
        address=visitor.address.strip()[:200],
        area_sqm=area,
        note=visitor.note.strip()[:300],
    )


def _replay(client_key: str, design: CourtyardDesign) -> DesignVisitBooking | None:
    if not client_key:
        return None
    booking = (
        DesignVisitBooking.objects.filter(client_key=client_key).select_related("slot").first()
    )
    if booking is not None and booking.design_id != design.pk:
        raise KeyReusedError()
    return booking


def book_visit(
    *, design: CourtyardDesign, starts_at: datetime | None, visitor: Visitor, client_key: str = ""
) -> tuple[DesignVisitBooking, bool]:
    """Books a visit of the design's designer at a free time; returns (booking, created).

    Raises SlotTakenError when the time is not free any more, ValidationError for the visitor's
    mistakes; nothing is written then. A repeated client key returns the first booking.
    """
    client_key = client_key.strip()[:64]
    existing = _replay(client_key, design)
    if existing is not None:
        return existing, False
    visitor = _check_visitor(visitor)
    if starts_at is None:
        raise ValidationError({"slot": _("Choose a time for the visit.")}, code="required")
    if not (design.is_active and design.courtyard.is_active):
        raise ValidationError(_("This design is no longer shown."), code="not_shown")
    try:
        with transaction.atomic():
            booking = _book(design, starts_at, visitor, client_key)
    except IntegrityError:
        existing = _replay(client_key, design)  # the same key booked at the same moment
        if existing is not None:
            return existing, False
        raise
    return booking, True


def _take_place(designer_id: int, starts_at: datetime) -> VisitSlot:
    rule = selectors.offered_rule(designer_id, starts_at)
    if rule is None:
        raise SlotTakenError()
    slot, _created = VisitSlot.objects.get_or_create(
        designer_id=designer_id,
        starts_at=starts_at,
        defaults={
            "ends_at": starts_at + timedelta(minutes=rule.duration_minutes),
            "capacity": rule.capacity,
        },
    )
    taken = VisitSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not taken:
        raise SlotTakenError()
    return slot


def _give_back(slot_id: int) -> None:
    VisitSlot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _new_reference() -> str:
    for _attempt in range(5):
        reference = tokens.reference_code()
        if not DesignVisitBooking.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("no free booking reference after five tries")


def _book(
    design: CourtyardDesign, starts_at: datetime, visitor: Visitor, client_key: str
) -> DesignVisitBooking:
    slot = _take_place(design.designer_id, starts_at)
    low, high = selectors.estimate(design, Decimal(visitor.area_sqm))
    booking = DesignVisitBooking.objects.create(
        reference=_new_reference(),
        design=design,
        designer_id=design.designer_id,
        slot=slot,
        visitor_name=visitor.name,
        visitor_mobile=visitor.mobile,
        visitor_address=visitor.address,
        area_sqm=visitor.area_sqm,
        estimate_min=low,
        estimate_max=high,
        note=visitor.note,
        client_key=client_key,
    )
    _event(booking, BookingEventKind.BOOKED, "", BookingStatus.REQUESTED, None, slot, None, "")
    return booking


def _event(
    booking: DesignVisitBooking,
    kind: str,
    from_status: str,
    to_status: str,
    from_slot: VisitSlot | None,
    to_slot: VisitSlot | None,
    actor: User | None,
    reason: str,
) -> BookingEvent:
    event = BookingEvent.objects.create(
        booking=booking,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        from_starts_at=from_slot.starts_at if from_slot else None,
        to_starts_at=to_slot.starts_at if to_slot else None,
        actor=actor,
        reason=reason[:200],
    )
    notifications.queue_for(event)
    return event


def _locked(booking: DesignVisitBooking) -> DesignVisitBooking:
    return DesignVisitBooking.objects.select_for_update().select_related("slot").get(pk=booking.pk)


def _move(booking: DesignVisitBooking, to_status: str) -> None:
    if to_status not in BOOKING_TRANSITIONS[booking.status]:
        raise ValidationError(
            _("A booking cannot go from “%(from)s” to “%(to)s”.")
            % {"from": booking.get_status_display(), "to": BookingStatus(to_status).label},
            code="invalid_transition",
        )


@transaction.atomic
def confirm_booking(*, booking: DesignVisitBooking, actor: User) -> DesignVisitBooking:
    """The designer will come at the booked time; the visitor is told. Repeats change nothing."""
    booking = _locked(booking)
    if booking.status == BookingStatus.CONFIRMED:
        return booking
    _move(booking, BookingStatus.CONFIRMED)
    from_status, booking.status = booking.status, BookingStatus.CONFIRMED
    booking.save(update_fields=["status", "updated_at"])
    _event(booking, BookingEventKind.CONFIRMED, from_status, booking.status, None, booking.slot,
           actor, "")  # fmt: skip
    return booking


@transaction.atomic
def cancel_booking(*, booking: DesignVisitBooking, actor: User, reason: str) -> DesignVisitBooking:
    """Cancels a booking not yet visited, gives its place back and tells the visitor why."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, so the visitor knows.")}, code="no_reason")
    booking = _locked(booking)
    if booking.status == BookingStatus.CANCELLED:
        return booking
    _move(booking, BookingStatus.CANCELLED)
    from_status, booking.status = booking.status, BookingStatus.CANCELLED
    booking.save(update_fields=["status", "updated_at"])
    _give_back(booking.slot_id)
    _event(booking, BookingEventKind.CANCELLED, from_status, booking.status, booking.slot, None,
           actor, reason.strip())  # fmt: skip
    return booking


@transaction.atomic
def reschedule_booking(
    *, booking: DesignVisitBooking, starts_at: datetime | None, actor: User, reason: str = ""
) -> DesignVisitBooking:
    """Moves a booking to another of her free times (confirmed by the move); the visitor is told."""
    booking = _locked(booking)
    if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
        raise ValidationError(
            _("Only a booking still to come can be moved."), code="invalid_transition"
        )
    if starts_at is None:
        raise ValidationError({"slot": _("Choose the new time.")}, code="required")
    old_slot = booking.slot
    if starts_at == old_slot.starts_at:
        raise ValidationError({"slot": _("Choose a time other than the booked one.")})
    new_slot = _take_place(booking.designer_id, starts_at)
    _give_back(old_slot.pk)
    from_status = booking.status
    booking.slot, booking.status = new_slot, BookingStatus.CONFIRMED
    booking.save(update_fields=["slot", "status", "updated_at"])
    _event(booking, BookingEventKind.RESCHEDULED, from_status, booking.status, old_slot, new_slot,
           actor, reason.strip())  # fmt: skip
    return booking


@transaction.atomic
def mark_visited(*, booking: DesignVisitBooking, actor: User) -> DesignVisitBooking:
    """The designer has been; repeat calls change nothing. Only after the visit's start."""
    booking = _locked(booking)
    if booking.status == BookingStatus.DONE:
        return booking
    _move(booking, BookingStatus.DONE)
    if booking.slot.starts_at > timezone.now():
        raise ValidationError(_("The visit has not happened yet."), code="not_yet")
    from_status, booking.status = booking.status, BookingStatus.DONE
    booking.save(update_fields=["status", "updated_at"])
    BookingEvent.objects.create(
        booking=booking,
        kind=BookingEventKind.DONE,
        from_status=from_status,
        to_status=booking.status,
        actor=actor,
    )
    return booking


def anonymise_old_bookings(*, now: datetime | None = None) -> int:
    """Removes the visitor's name, mobile, address and note from bookings whose visit ended more
    than RECIPIENT_RETENTION_DAYS ago; returns how many. Repeat calls change nothing."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.RECIPIENT_RETENTION_DAYS)
    return (
        DesignVisitBooking.objects.filter(slot__ends_at__lt=cutoff)
        .filter(~Q(visitor_mobile="") | ~Q(visitor_name="") | ~Q(visitor_address=""))
        .update(visitor_name="", visitor_mobile="", visitor_address="", note="")
    )
