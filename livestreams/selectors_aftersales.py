"""Reads of the after-sales desk (staff) and of the seller's tickets: lists by tab with counts,
one ticket with its lines and conversation. A seller's reads all start from
`seller_tickets(member)`, so another seller's ticket is simply not found (404)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from alliance.models import Member, User
from livestreams.models import (
    OPEN_TICKET_STATUSES,
    AfterSalesTicket,
    OrderLine,
    TicketEvent,
    TicketLine,
    TicketNote,
    TicketStatus,
)

T = TicketStatus
OPEN, WAITING, MINE, OVERDUE, DONE, ALL = "open", "waiting", "mine", "overdue", "done", "all"
STAFF_TABS = (OPEN, MINE, OVERDUE, WAITING, DONE, ALL)
SELLER_TABS = (OPEN, ALL)


def tab_filters(*, user: User | None, now: datetime) -> dict[str, Q]:
    is_open = Q(status__in=OPEN_TICKET_STATUSES)
    return {
        OPEN: is_open,
        MINE: is_open & Q(owner=user) if user is not None else Q(pk__in=[]),
        OVERDUE: is_open & Q(due_at__lt=now),
        WAITING: Q(status=T.WAITING_SELLER),
        DONE: Q(status__in=(T.RESOLVED, T.REJECTED, T.CLOSED)),
        ALL: Q(),
    }


def _list_fields(tickets: QuerySet[AfterSalesTicket]) -> QuerySet[AfterSalesTicket]:
    return tickets.select_related("order", "seller", "owner").annotate(
        line_count=Count("ticket_lines")
    )


@dataclass(frozen=True)
class DeskFilters:
    tab: str = OPEN
    kind: str = ""
    text: str = ""


def staff_tickets(
    filters: DeskFilters, *, user: User, now: datetime | None = None
) -> QuerySet[AfterSalesTicket]:
    """The desk's list: a tab, a kind, text (order id, subject, seller), the most urgent first."""
    now = now or timezone.now()
    tickets = AfterSalesTicket.objects.filter(tab_filters(user=user, now=now)[filters.tab])
    if filters.kind:
        tickets = tickets.filter(kind=filters.kind)
    text = filters.text.strip()
    if text:
        tickets = tickets.filter(
            Q(order__platform_order_id=text)
            | Q(subject__icontains=text)
            | Q(seller__name__icontains=text)
            | (Q(pk=int(text)) if text.isdigit() and len(text) < 10 else Q(pk__in=[]))
        )
    ordering = ("due_at", "pk") if filters.tab != DONE else ("-updated_at", "-pk")
    return _list_fields(tickets).order_by(*ordering)


def staff_counts(*, user: User, now: datetime | None = None) -> dict[str, int]:
    """How many tickets each tab holds, in one query."""
    filters = tab_filters(user=user, now=now or timezone.now())
    return AfterSalesTicket.objects.aggregate(
        **{tab: Count("pk", filter=filters[tab]) for tab in STAFF_TABS}
    )


def seller_tickets(member: Member) -> QuerySet[AfterSalesTicket]:
    """Tickets on her orders (she sees no ticket of anyone else's)."""
    return AfterSalesTicket.objects.filter(seller=member)


def seller_list(member: Member, tab: str) -> QuerySet[AfterSalesTicket]:
    tickets = seller_tickets(member)
    if tab == OPEN:
        tickets = tickets.filter(status__in=OPEN_TICKET_STATUSES)
    return _list_fields(tickets).order_by("-updated_at", "-pk")


def seller_counts(member: Member) -> dict[str, int]:
    """Her open tickets, those waiting for her answer, and all of them; one query."""
    return seller_tickets(member).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_TICKET_STATUSES)),
        waiting=Count("pk", filter=Q(status=T.WAITING_SELLER)),
        all=Count("pk"),
    )


def ticket_detail(
    tickets: QuerySet[AfterSalesTicket], *, internal: bool
) -> QuerySet[AfterSalesTicket]:
    """A ticket with its lines, notes (without internal ones for the seller) and history."""
    notes = TicketNote.objects.select_related("author").order_by("created_at", "pk")
    if not internal:
        notes = notes.filter(is_internal=False)
    return tickets.select_related(
        "order", "order__live_session", "seller", "seller_order", "owner", "opened_by"
    ).prefetch_related(
        Prefetch(
            "ticket_lines",
            queryset=TicketLine.objects.select_related("line").order_by("line_id"),
        ),
        Prefetch("notes", queryset=notes),
        Prefetch(
            "events",
            queryset=TicketEvent.objects.select_related("actor").order_by("created_at", "pk"),
        ),
    )


def order_lines_for_ticket(platform_order_id: str) -> QuerySet[OrderLine]:
    """The lines of the orders with this platform order id (any channel), for opening a ticket:
    with their seller and whether an open ticket has them already."""
    return (
        OrderLine.objects.filter(order__platform_order_id=platform_order_id.strip())
        .select_related("order", "seller", "seller_order")
        .annotate(open_tickets=Count("ticket_lines", filter=Q(ticket_lines__is_open=True)))
        .order_by("order_id", "seller_order_id", "pk")
    )
