"""The seller dashboard's pages of a designer: my bookings (confirm, move, cancel, visited) and
my availability (weekly times, days off). Another designer's ids answer 404."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alliance.access import member_required
from alliance.models import Member
from courtyards import selectors
from courtyards.forms import CancelBookingForm, DayOffForm, RescheduleForm, WeeklySlotForm
from courtyards.models import BookingStatus, DayOff, DesignVisitBooking, WeeklySlot
from courtyards.services import visits
from courtyards.views.seller import PER_PAGE, _attach

FILTERS = ("requested", "upcoming", "past", "all")


def _designer(request: HttpRequest) -> Member:
    member = request.member
    if not member.is_designer:
        raise PermissionDenied
    return member


def _own_booking(member: Member, booking_id: int) -> DesignVisitBooking:
    return get_object_or_404(selectors.designer_bookings(member), pk=booking_id)


@member_required
@require_GET
def bookings(request: HttpRequest) -> HttpResponse:
    """Her bookings: waiting for her, coming up, past, or all; a page at a time."""
    member = _designer(request)
    current = request.GET.get("show", "requested")
    if current not in FILTERS:
        current = "requested"
    now = timezone.now()
    rows = selectors.designer_bookings(member)
    if current == "requested":
        rows = rows.filter(status=BookingStatus.REQUESTED)
    elif current == "upcoming":
        rows = rows.filter(status=BookingStatus.CONFIRMED, slot__starts_at__gte=now)
    elif current == "past":
        rows = rows.filter(slot__starts_at__lt=now).order_by("-slot__starts_at", "-pk")
    counts = selectors.designer_booking_counts(member)
    filters = [
        ("requested", _("To confirm"), counts["requested"]),
        ("upcoming", _("Coming up"), counts["upcoming"]),
        ("past", _("Past"), None),
        ("all", _("All"), None),
    ]
    context = {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "current": current,
        "filters": filters,
        "query": f"show={current}",
    }
    return render(request, "seller/courtyards/bookings.html", context)


def _booking_page(request: HttpRequest, booking: DesignVisitBooking, **forms: Any) -> HttpResponse:
    is_open = booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
    slots = selectors.free_slots(booking.designer_id) if is_open else []
    context = {
        "booking": booking,
        "events": list(booking.events.select_related("actor")),
        "is_open": is_open,
        "can_visit": booking.status == BookingStatus.CONFIRMED
        and booking.slot.starts_at <= timezone.now(),
        "cancel_form": forms.get("cancel_form") or CancelBookingForm(),
        "reschedule_form": forms.get("reschedule_form") or RescheduleForm(slots=slots),
    }
    return render(request, "seller/courtyards/booking.html", context, status=400 if forms else 200)


@member_required
@require_GET
def booking_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    """One booking with the visitor's details (hers to see: she visits), and what she can do."""
    return _booking_page(request, _own_booking(_designer(request), booking_id))


def _done(request: HttpRequest, booking: DesignVisitBooking, text: str) -> HttpResponse:
    messages.success(request, text % {"reference": booking.reference})
    return redirect("seller:courtyard_booking", booking_id=booking.pk)


@member_required
@require_POST
def booking_confirm(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _own_booking(_designer(request), booking_id)
    try:
        visits.confirm_booking(booking=booking, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("seller:courtyard_booking", booking_id=booking.pk)
    return _done(
        request, booking, _("Booking %(reference)s is confirmed; the visitor gets an SMS.")
    )


@member_required
@require_POST
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _own_booking(_designer(request), booking_id)
    form = CancelBookingForm(request.POST)
    if form.is_valid():
        try:
            visits.cancel_booking(
                booking=booking, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            return _done(
                request, booking, _("Booking %(reference)s is cancelled; the visitor gets an SMS.")
            )
    return _booking_page(request, booking, cancel_form=form)


@member_required
@require_POST
def booking_reschedule(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _own_booking(_designer(request), booking_id)
    form = RescheduleForm(request.POST, slots=selectors.free_slots(booking.designer_id))
    if form.is_valid():
        try:
            visits.reschedule_booking(
                booking=booking,
                starts_at=selectors.parse_slot_key(form.cleaned_data["slot"]),
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            return _done(
                request, booking, _("Booking %(reference)s is moved; the visitor gets an SMS.")
            )
    return _booking_page(request, booking, reschedule_form=form)


@member_required
@require_POST
def booking_visited(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _own_booking(_designer(request), booking_id)
    try:
        visits.mark_visited(booking=booking, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("seller:courtyard_booking", booking_id=booking.pk)
    return _done(request, booking, _("Booking %(reference)s: visited."))


# --- Availability -------------------------------------------------------------------------------


def _availability_page(
    request: HttpRequest,
    member: Member,
    slot_form: WeeklySlotForm | None = None,
    day_form: DayOffForm | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "weekly": list(WeeklySlot.objects.filter(designer=member)),
        "days_off": list(DayOff.objects.filter(designer=member, date__gte=today)[:60]),
        "slot_form": slot_form or WeeklySlotForm(),
        "day_form": day_form or DayOffForm(),
        "free": selectors.free_slots(member.pk)[:10],
    }
    return render(
        request,
        "seller/courtyards/availability.html",
        context,
        status=400 if slot_form or day_form else 200,
    )


@member_required
@require_GET
def availability(request: HttpRequest) -> HttpResponse:
    """When she can visit every week, the dates she cannot, and her next free times."""
    return _availability_page(request, _designer(request))


@member_required
@require_POST
def weekly_slot_add(request: HttpRequest) -> HttpResponse:
    member = _designer(request)
    form = WeeklySlotForm(request.POST)
    if form.is_valid():
        try:
            visits.add_weekly_slot(designer=member, **form.cleaned_data)
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The weekly time is added."))
            return redirect("seller:courtyard_availability")
    return _availability_page(request, member, slot_form=form)


@member_required
@require_POST
def weekly_slot_remove(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = get_object_or_404(WeeklySlot, pk=slot_id, designer=_designer(request))
    visits.remove_weekly_slot(slot=slot)
    messages.success(request, _("The weekly time is removed; visits already booked stay."))
    return redirect("seller:courtyard_availability")


@member_required
@require_POST
def day_off_add(request: HttpRequest) -> HttpResponse:
    member = _designer(request)
    form = DayOffForm(request.POST)
    if form.is_valid():
        try:
            visits.add_day_off(
                designer=member, day=form.cleaned_data["date"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The day off is added."))
            return redirect("seller:courtyard_availability")
    return _availability_page(request, member, day_form=form)


@member_required
@require_POST
def day_off_remove(request: HttpRequest, day_off_id: int) -> HttpResponse:
    day_off = get_object_or_404(DayOff, pk=day_off_id, designer=_designer(request))
    visits.remove_day_off(day_off=day_off)
    messages.success(request, _("The day off is removed."))
    return redirect("seller:courtyard_availability")
