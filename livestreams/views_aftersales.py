"""The after-sales desk (/staff/aftersales/) and the seller's tickets (/seller/aftersales/).

Staff open tickets from a customer's call (an order id, the lines), take them, write internal
notes or ask the seller, set the owner and due time, resolve (with the refund per line),
decline, close or reopen — every change through livestreams.services.aftersales. A seller sees
the tickets on her orders only (another seller's id is not found: 404, looked up before the
method is checked) and answers them.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.access import member_required, staff_required
from livestreams import selectors_aftersales as selectors
from livestreams.forms_aftersales import (
    AssignForm,
    DeskFilterForm,
    NoteForm,
    OpenTicketForm,
    OrderLookupForm,
    ReasonForm,
    ReplyForm,
    ResolveForm,
    local_input,
)
from livestreams.models import AfterSalesTicket, TicketStatus
from livestreams.selectors_aftersales import OPEN, SELLER_TABS, STAFF_TABS, DeskFilters
from livestreams.services import aftersales

TICKETS_PER_PAGE = 25


def _staff_tab_labels() -> dict[str, str]:
    return {
        "open": _("Open"),
        "mine": _("Mine"),
        "overdue": _("Overdue"),
        "waiting": _("Waiting for the seller"),
        "done": _("Done"),
        "all": _("All"),
    }


def _apply_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


# --- Staff: the desk ----------------------------------------------------------------------------


@staff_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    """Tickets of one tab (open, mine, overdue …), filtered, the most urgent first."""
    form = DeskFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = DeskFilters(
        tab=data.get("tab") or OPEN, kind=data.get("kind") or "", text=data.get("q") or ""
    )
    now = timezone.now()
    counts = selectors.staff_counts(user=request.user, now=now)
    page = Paginator(
        selectors.staff_tickets(filters, user=request.user, now=now), TICKETS_PER_PAGE
    ).get_page(request.GET.get("page"))
    labels = _staff_tab_labels()
    query = {"tab": filters.tab, "kind": filters.kind, "q": filters.text}
    context = {
        "form": form,
        "filters": filters,
        "tabs": [(tab, labels[tab], counts[tab]) for tab in STAFF_TABS],
        "page": page,
        "now": now,
        "query": urlencode(query),
        "filter_query": urlencode({"kind": filters.kind, "q": filters.text}),
    }
    return render(request, "staff/aftersales/desk.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def open_ticket(request: HttpRequest) -> HttpResponse:
    """Open a ticket: find the order by its platform id, tick its lines, say what happened."""
    lookup = OrderLookupForm(request.GET or request.POST or None)
    order_id = lookup.cleaned_data.get("order", "") if lookup.is_valid() else ""
    lines = list(selectors.order_lines_for_ticket(order_id)) if order_id else []
    form = OpenTicketForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = aftersales.open_ticket(
                kind=form.cleaned_data["kind"],
                subject=form.cleaned_data["subject"],
                lines=form.chosen_lines(),
                description=form.cleaned_data["description"],
                actor=request.user,
                owner=form.cleaned_data["owner"] or request.user,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Ticket #%(number)d opened.") % {"number": ticket.pk})
            return redirect("staff:aftersales_ticket", ticket_id=ticket.pk)
    context = {
        "lookup": lookup,
        "order_id": order_id,
        "lines": lines,
        "form": form,
        "not_found": bool(order_id) and not lines,
    }
    return render(request, "staff/aftersales/open.html", context, status=_status(request, form))


def _status(request: HttpRequest, form: Any) -> int:
    return 400 if request.method == "POST" and form.errors else 200


def _staff_ticket(ticket_id: int) -> AfterSalesTicket:
    return get_object_or_404(
        selectors.ticket_detail(AfterSalesTicket.objects.all(), internal=True), pk=ticket_id
    )


def _ticket_page(
    request: HttpRequest, ticket: AfterSalesTicket, status: int = 200, **forms: Any
) -> HttpResponse:
    context = {
        "ticket": ticket,
        "lines": list(ticket.ticket_lines.all()),
        "now": timezone.now(),
        "note_form": forms.get("note_form") or NoteForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(initial={"owner": ticket.owner_id, "due_at": local_input(ticket.due_at)}),
        "resolve_form": forms.get("resolve_form") or ResolveForm(ticket=ticket),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "statuses": TicketStatus,
    }
    return render(request, "staff/aftersales/ticket.html", context, status=status)


@staff_required
@require_GET
def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """One ticket: its lines, the conversation, its history and what staff can do next."""
    return _ticket_page(request, _staff_ticket(ticket_id))


def _done(request: HttpRequest, ticket: AfterSalesTicket, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("staff:aftersales_ticket", ticket_id=ticket.pk)


@staff_required
@require_POST
def ticket_take(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _staff_ticket(ticket_id)
    try:
        aftersales.take(ticket=ticket, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("staff:aftersales_ticket", ticket_id=ticket.pk)
    return _done(request, ticket, _("You are working on this ticket."))


@staff_required
@require_POST
def ticket_note(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _staff_ticket(ticket_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            aftersales.add_staff_note(
                ticket=ticket,
                actor=request.user,
                text=form.cleaned_data["text"],
                is_internal=form.cleaned_data["is_internal"],
                ask_seller=form.cleaned_data["ask_seller"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _done(request, ticket, _("Note added."))
    return _ticket_page(request, ticket, 400, note_form=form)


@staff_required
@require_POST
def ticket_assign(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _staff_ticket(ticket_id)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            aftersales.assign(
                ticket=ticket,
                owner=form.cleaned_data["owner"],
                due_at=form.cleaned_data["due_at"],
                actor=request.user,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _done(request, ticket, _("Owner and due time saved."))
    return _ticket_page(request, ticket, 400, assign_form=form)


@staff_required
@require_POST
def ticket_resolve(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _staff_ticket(ticket_id)
    form = ResolveForm(request.POST, ticket=ticket)
    if form.is_valid():
        try:
            aftersales.resolve(
                ticket=ticket,
                actor=request.user,
                resolution=form.cleaned_data["resolution"],
                refunds=form.refunds(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _done(request, ticket, _("Ticket resolved."))
    return _ticket_page(request, ticket, 400, resolve_form=form)


def _with_reason(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    ticket = _staff_ticket(ticket_id)
    form = ReasonForm(request.POST)
    required = action in ("decline", "reopen")
    if form.is_valid() or (not required and not request.POST.get("reason", "").strip()):
        reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
        try:
            if action == "decline":
                aftersales.decline(ticket=ticket, actor=request.user, reason=reason)
            elif action == "reopen":
                aftersales.reopen(ticket=ticket, actor=request.user, reason=reason)
            else:
                aftersales.close(ticket=ticket, actor=request.user, reason=reason)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _done(request, ticket, _("Ticket updated."))
    return _ticket_page(request, ticket, 400, reason_form=form)


@staff_required
@require_POST
def ticket_decline(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _with_reason(request, ticket_id, "decline")


@staff_required
@require_POST
def ticket_close(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _with_reason(request, ticket_id, "close")


@staff_required
@require_POST
def ticket_reopen(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _with_reason(request, ticket_id, "reopen")


# --- The seller's tickets -----------------------------------------------------------------------


@member_required
@require_GET
def my_tickets(request: HttpRequest) -> HttpResponse:
    """Tickets on her orders: open ones first tab, all of them the other."""
    tab = request.GET.get("tab", OPEN)
    tab = tab if tab in SELLER_TABS else OPEN
    counts = selectors.seller_counts(request.member)
    page = Paginator(selectors.seller_list(request.member, tab), TICKETS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "tab": tab,
        "tabs": [(OPEN, _("Open"), counts["open"]), ("all", _("All"), counts["all"])],
        "counts": counts,
        "page": page,
        "query": urlencode({"tab": tab}),
    }
    return render(request, "seller/aftersales/list.html", context)


def _own_ticket(request: HttpRequest, ticket_id: int) -> AfterSalesTicket:
    """Her ticket, with lines and the notes shared with her; anyone else's is not found."""
    tickets = selectors.ticket_detail(selectors.seller_tickets(request.member), internal=False)
    return get_object_or_404(tickets, pk=ticket_id)


def _seller_page(
    request: HttpRequest, ticket: AfterSalesTicket, form: ReplyForm, status: int = 200
) -> HttpResponse:
    context = {
        "ticket": ticket,
        "lines": list(ticket.ticket_lines.all()),
        "form": form,
        "can_reply": ticket.status != TicketStatus.CLOSED,
    }
    return render(request, "seller/aftersales/ticket.html", context, status=status)


@member_required
def my_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """One of her tickets: what the customer wants, the lines, the conversation, her answer."""
    ticket = _own_ticket(request, ticket_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _seller_page(request, ticket, ReplyForm())


@member_required
def my_ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Her answer; a ticket waiting for her goes back to customer service."""
    ticket = _own_ticket(request, ticket_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            aftersales.seller_reply(
                ticket=ticket, member=request.member, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Your answer was sent to customer service."))
            return redirect(reverse("seller:aftersales_ticket", kwargs={"ticket_id": ticket.pk}))
    return _seller_page(request, ticket, form, status=400)
