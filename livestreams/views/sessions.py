"""The sessions week for staff (plan, book, move between statuses) and a streamer's own sessions
on the seller dashboard."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.access import member_required, staff_required
from livestreams import selectors
from livestreams.forms import (
    SessionForm,
    SessionStatusForm,
    attach_error,
    parse_week,
    week_bounds,
    week_label,
)
from livestreams.models import LiveSession, LiveSessionStatus, Studio
from livestreams.services import sessions

SESSIONS_PER_PAGE = 10
S = LiveSessionStatus
STATUS_ACTIONS = (
    (S.LIVE, S.PLANNED),
    (S.ENDED, S.LIVE),
    (S.CANCELLED, S.PLANNED),
)


def _week_grid(monday: date) -> dict[str, Any]:
    start, end = week_bounds(monday)
    days = [monday + timedelta(days=offset) for offset in range(7)]
    week_sessions = list(selectors.sessions_in_week(start, end))
    studio_ids = {session.studio_id for session in week_sessions}
    studios = list(Studio.objects.filter(is_active=True) | Studio.objects.filter(pk__in=studio_ids))
    cells: dict[tuple[int, date], list[LiveSession]] = {}
    for session in week_sessions:
        day = max(timezone.localtime(session.planned_start), start).date()
        cells.setdefault((session.studio_id, day), []).append(session)
    rows = [
        {"studio": studio, "days": [(day, cells.get((studio.pk, day), [])) for day in days]}
        for studio in studios
    ]
    return {"days": days, "rows": rows, "session_count": len(week_sessions)}


@staff_required
@never_cache
@require_GET
def sessions_week(request: HttpRequest) -> HttpResponse:
    """The week's sessions, studio by studio and day by day (Monday to Sunday, Asia/Shanghai)."""
    today = timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    monday = parse_week(request.GET.get("week")) or this_monday
    if request.GET.get("week") and parse_week(request.GET["week"]) is None:
        messages.warning(request, _("That is not a week like 2026-W48; here is this week."))
    context = {
        **_week_grid(monday),
        "week": week_label(monday),
        "previous_week": week_label(monday - timedelta(days=7)),
        "next_week": week_label(monday + timedelta(days=7)),
        "this_week": week_label(this_monday),
        "today": today,
    }
    return render(request, "staff/sessions/week.html", context)


def _session_form_page(
    request: HttpRequest, form: SessionForm, session: LiveSession | None
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "session": session, "actions": []}
    if session is not None:
        context["actions"] = [to for to, source in STATUS_ACTIONS if session.status == source]
        start = timezone.localtime(session.planned_start).date()
        context["week"] = week_label(start - timedelta(days=start.weekday()))
        context["sales"] = selectors.with_sales(LiveSession.objects.filter(pk=session.pk)).get()
    return render(request, "staff/sessions/form.html", context, status=400 if form.errors else 200)


def _save(request: HttpRequest, form: SessionForm) -> LiveSession | None:
    """Books the session through the service; its refusals go next to the fields they name."""
    try:
        return sessions.save_session(
            session=form.save(commit=False),
            featured_products=form.cleaned_data["featured_products"],
        )
    except ValidationError as error:
        attach_error(form, error)
        return None


def _after_save(request: HttpRequest, session: LiveSession) -> HttpResponse:
    messages.success(request, _("“%(title)s” is saved.") % {"title": session.title})
    start = timezone.localtime(session.planned_start).date()
    week = week_label(start - timedelta(days=start.weekday()))
    return redirect(f"{reverse('staff:sessions')}?week={week}")


def _initial_booking(request: HttpRequest) -> dict[str, Any]:
    """A new session from a cell of the week: that studio, that day, 19:00–21:00."""
    initial: dict[str, Any] = {}
    studio = request.GET.get("studio", "")
    if studio.isdigit():
        initial["studio"] = int(studio)
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return initial
    start = timezone.make_aware(datetime.combine(day, time()))
    initial["planned_start"] = start + timedelta(hours=19)
    initial["planned_end"] = start + timedelta(hours=21)
    return initial


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest) -> HttpResponse:
    """Plan a session; a studio or streamer already booked then is refused next to the field."""
    form = SessionForm(request.POST or None, initial=_initial_booking(request))
    if request.method == "POST" and form.is_valid():
        session = _save(request, form)
        if session is not None:
            return _after_save(request, session)
    return _session_form_page(request, form, None)


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a planned session (re-timed through the same booking check), or its status."""
    session = get_object_or_404(LiveSession, pk=pk)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form)
        if saved is not None:
            return _after_save(request, saved)
    return _session_form_page(request, form, get_object_or_404(LiveSession, pk=pk))


@staff_required
@require_POST
def session_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Go live, end or cancel a session (the service checks the move and records the times)."""
    session = get_object_or_404(LiveSession, pk=pk)
    form = SessionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what happens to the session."))
        return redirect("staff:session", pk=session.pk)
    try:
        session = sessions.set_session_status(
            session=session, to_status=form.cleaned_data["to_status"], actor=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("“%(title)s” is now %(status)s.")
            % {"title": session.title, "status": session.get_status_display()},
        )
    return redirect("staff:session", pk=session.pk)


# --- The streamer's sessions (seller dashboard) ---------------------------------------------------


@member_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    """Her live sessions: upcoming ones, or past ones with what each sold; a page at a time."""
    member = request.member
    past = request.GET.get("show") == "past"
    context: dict[str, Any] = {"member": member, "past": past}
    if member.is_streamer:
        rows = selectors.streamer_sessions(member, now=timezone.now(), past=past)
        context["page"] = Paginator(rows, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
        context["query"] = "show=past" if past else ""
    return render(request, "seller/sessions/list.html", context)


@member_required
@require_GET
def my_session(request: HttpRequest, pk: int) -> HttpResponse:
    """One of her sessions: when, where, what it featured and what it sold."""
    member = request.member
    session = get_object_or_404(selectors.with_sales(selectors.for_streamer(member)), pk=pk)
    context = {
        "session": session,
        "featured": list(session.featured_products.order_by("name")),
        "sold": list(selectors.session_products_sold(session)[:20]),
    }
    return render(request, "seller/sessions/session.html", context)
