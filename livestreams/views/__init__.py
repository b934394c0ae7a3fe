"""Staff pages of the livestream base (order imports, the unmatched queue, an order's page, the
sessions week) and the streamer's sessions on the seller dashboard.

Every change goes through livestreams.services; these views parse the input, call the service
or a selector, and show what came back.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.access import member_required, staff_required
from livestreams import privacy, selectors
from livestreams.forms import (
    AttributionForm,
    ImportUploadForm,
    MapLineForm,
    SessionForm,
    SessionStatusForm,
    SKUSearchForm,
    import_max_upload_mb,
    parse_week,
    week_bounds,
    week_label,
)
from livestreams.models import Channel, LiveSession, LiveSessionStatus, OrderImport, Studio
from livestreams.services import import_runs, sessions
from livestreams.services.attribution import set_attribution
from livestreams.services.matching import map_unmatched, unmatched_lines

IMPORTS_PER_PAGE = 20
ERRORS_PER_PAGE = 50
PREVIEW_ERRORS = 20
GROUPS_PER_PAGE = 30
EXAMPLE_LINES = 10
SESSIONS_PER_PAGE = 10
S = LiveSessionStatus
STATUS_ACTIONS = (
    (S.LIVE, S.PLANNED),
    (S.ENDED, S.LIVE),
    (S.CANCELLED, S.PLANNED),
)


def _attach(form: Form, error: ValidationError) -> None:
    """Puts a service's refusal next to the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Imports ------------------------------------------------------------------------------------


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    """The imports so far, and a new import: upload, then a preview made by a dry run."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        preview = import_runs.preview_import(
            files=form.files_to_import(), platform=form.chosen_platform(), actor=request.user
        )
        return redirect("staff:import", pk=preview.pk)
    show_previews = request.GET.get("show") == "previews"
    history = selectors.import_history(previews=show_previews)
    page = Paginator(history, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "show_previews": show_previews,
        "query": "show=previews" if show_previews else "",
        "limit_mb": import_max_upload_mb(),
    }
    return render(request, "staff/imports/list.html", context, status=400 if form.errors else 200)


def _import(pk: int) -> OrderImport:
    return get_object_or_404(OrderImport.objects.select_related("uploaded_by__member"), pk=pk)


@staff_required
@never_cache
@require_GET
def import_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A preview (figures, first errors, confirm) or an import's result (progress, then errors)."""
    order_import = _import(pk)
    context: dict[str, Any] = {
        "order_import": order_import,
        "counts": order_import.counts,
        "progress": import_runs.progress(order_import),
    }
    if order_import.is_dry_run:
        context["errors"] = order_import.errors[:PREVIEW_ERRORS]
        context["confirmed"] = import_runs.confirmed_import(order_import)
        return render(request, "staff/imports/preview.html", context)
    context["page"] = Paginator(order_import.errors, ERRORS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "staff/imports/result.html", context)


@staff_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Imports the previewed file for real, in the background; the result page follows it."""
    preview = _import(pk)
    try:
        order_import = import_runs.confirm_import(preview=preview, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("staff:import", pk=preview.pk)
    return redirect("staff:import", pk=order_import.pk)


@staff_required
@never_cache
@require_GET
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """How far an import has got, for the result page's progress bar (polled every second)."""
    order_import = get_object_or_404(OrderImport, pk=pk)
    data = import_runs.progress(order_import)
    data["url"] = reverse("staff:import", kwargs={"pk": order_import.pk})
    return JsonResponse(data)


@staff_required
@never_cache
@require_GET
def import_file(request: HttpRequest, pk: int, companion: bool = False) -> FileResponse:
    """The stored export file of an import, as an attachment (logged: it holds recipients)."""
    order_import = get_object_or_404(OrderImport, pk=pk)
    stored = order_import.companion_file if companion else order_import.file
    if not stored:
        raise Http404
    try:
        import_runs.log_download(actor=request.user, order_import=order_import, companion=companion)
    except FileNotFoundError as error:
        raise Http404 from error
    name = stored.name.rsplit("/", 1)[-1]
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=name,
        content_type="application/octet-stream",
    )


# --- Unmatched lines ----------------------------------------------------------------------------


@staff_required
@never_cache
@require_GET
def unmatched(request: HttpRequest) -> HttpResponse:
    """Lines waiting for a SKU, grouped by what identifies them, largest groups first."""
    page = Paginator(selectors.unmatched_groups(), GROUPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for group in page.object_list:
        group["channel_label"] = Channel(group["channel"]).label
    return render(request, "staff/orders/unmatched.html", {"page": page})


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def unmatched_group(request: HttpRequest, line_id: int) -> HttpResponse:
    """One group of waiting lines: search the SKU they are, and map them to it."""
    line = unmatched_lines().filter(pk=line_id).first()
    if line is None:
        messages.info(request, _("These lines are no longer waiting for a SKU."))
        return redirect("staff:unmatched")
    map_form = MapLineForm(request.POST or None, initial={"line": line.pk})
    if request.method == "POST" and map_form.is_valid():
        sku = map_form.cleaned_data["sku"]
        try:
            outcome = map_unmatched(line=line, sku=sku, actor=request.user)
        except ValidationError as error:
            _attach(map_form, error)
        else:
            count = outcome["lines_matched"]
            messages.success(
                request,
                ngettext(
                    "%(count)d line is now matched to %(sku)s.",
                    "%(count)d lines are now matched to %(sku)s.",
                    count,
                )
                % {"count": count, "sku": f"{sku.merchant_code} {sku.product.name} {sku.spec}"},
            )
            return redirect("staff:unmatched")
    search = SKUSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    group = selectors.lines_like(line)
    context = {
        "line": line,
        "examples": list(group[:EXAMPLE_LINES]),
        "group_size": group.count(),
        "search": search,
        "query": query,
        "skus": list(selectors.sku_candidates(query)) if query else [],
        "map_form": map_form,
    }
    return render(
        request,
        "staff/orders/unmatched_group.html",
        context,
        status=400 if map_form.errors else 200,
    )


# --- One order ----------------------------------------------------------------------------------


def _order_page(request: HttpRequest, order: Any, form: AttributionForm) -> HttpResponse:
    context = {
        "order": order,
        "recipient": privacy.recipient_for(order, viewer=request.user),
        "lines": list(order.lines.all()),
        "seller_orders": list(order.seller_orders.all()),
        "form": form,
    }
    return render(request, "staff/orders/order.html", context, status=400 if form.errors else 200)


@staff_required
@never_cache
@require_GET
def order_page(request: HttpRequest, pk: int) -> HttpResponse:
    """An order for staff: lines, seller orders, recipient, and the session it is attributed to."""
    order = get_object_or_404(selectors.order_for_staff(), pk=pk)
    return _order_page(request, order, AttributionForm(order=order))


@staff_required
@require_POST
def order_attribution(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff's correction: the session the order belongs to (or none)."""
    order = get_object_or_404(selectors.order_for_staff(), pk=pk)
    form = AttributionForm(request.POST, order=order)
    if form.is_valid():
        session = form.cleaned_data["session"]
        try:
            set_attribution(order=order, session=session, actor=request.user)
        except ValidationError as error:
            _attach(form, error)
        else:
            if session is None:
                messages.success(request, _("The order now counts for its channel only."))
            else:
                messages.success(
                    request, _("The order now counts for “%(title)s”.") % {"title": session.title}
                )
            return redirect("staff:order", pk=order.pk)
    return _order_page(request, order, form)


# --- Sessions week ------------------------------------------------------------------------------


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
        _attach(form, error)
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


# --- The streamer's sessions (seller dashboard) --------------------------------------------------


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
