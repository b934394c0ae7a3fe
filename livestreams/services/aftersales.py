"""After-sales tickets (售后): opened by staff or by an import, worked through one transition
function, answered by the seller, resolved with the refund recorded on the lines.

The rules:
- A ticket's lines are of one seller order; the ticket then belongs to that seller. A ticket
  without lines (an enquiry, a complaint not about an order) is staff's only.
- A line has at most one open ticket (new, in progress, waiting for the seller): the database
  refuses a second one (TicketLine.is_open under a partial unique constraint).
- Every status change goes through `transition`, which checks TRANSITIONS and writes an event.
- Resolving a refund adds the refund to the lines' refunded amount (never above the line
  total), marks them refunded and writes an OrderLineChange; the sales figures, every report and
  settlement read the refunded amount from the lines, so the refund flows everywhere.
- The seller is told (on her channels, kind "after_sales") when staff open a ticket on her
  order, write to her, and resolve or decline it; what an import does, the import's own notice
  (a new order, or lines that changed) tells her.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import Member, User
from livestreams.models import (
    LINE_KINDS,
    OPEN_TICKET_STATUSES,
    AfterSalesStatus,
    AfterSalesTicket,
    NoteAuthor,
    NotificationKind,
    OrderLine,
    OrderLineChange,
    TicketEvent,
    TicketKind,
    TicketLine,
    TicketNote,
    TicketSource,
    TicketStatus,
)

T = TicketStatus
TRANSITIONS: dict[str, set[str]] = {
    T.OPEN: {T.IN_PROGRESS, T.WAITING_SELLER, T.RESOLVED, T.REJECTED, T.CLOSED},
    T.IN_PROGRESS: {T.WAITING_SELLER, T.RESOLVED, T.REJECTED, T.CLOSED},
    T.WAITING_SELLER: {T.IN_PROGRESS, T.RESOLVED, T.REJECTED, T.CLOSED},
    T.RESOLVED: {T.IN_PROGRESS, T.CLOSED},
    T.REJECTED: {T.IN_PROGRESS, T.CLOSED},
    T.CLOSED: set(),
}
# Hours to the due time, by kind (settings.AFTER_SALES_DUE_HOURS overrides any of them).
DUE_HOURS = {
    TicketKind.REFUND_ONLY: 24,
    TicketKind.RETURN_REFUND: 48,
    TicketKind.EXCHANGE: 48,
    TicketKind.COMPLAINT: 24,
    TicketKind.ENQUIRY: 24,
}
MAX_NOTE = 2000


def due_hours(kind: str) -> int:
    return {**DUE_HOURS, **getattr(settings, "AFTER_SALES_DUE_HOURS", {})}[kind]


# --- Opening ------------------------------------------------------------------------------------


@transaction.atomic
def open_ticket(
    *,
    kind: str,
    subject: str,
    lines: Iterable[OrderLine] = (),
    description: str = "",
    actor: User | None,
    owner: User | None = None,
    due_at: datetime | None = None,
    source: str = TicketSource.STAFF,
    now: datetime | None = None,
) -> AfterSalesTicket:
    """Opens a ticket on these lines (all of one seller order) and tells the seller.

    Refuses (ValidationError) an unknown kind, a refund, return or exchange without lines, lines
    of two seller orders, and a line that already has an open ticket. Every call opens a ticket:
    the import path skips lines that already have one (open_tickets_from_import).
    """
    now = now or timezone.now()
    lines = list(lines)
    _check_opening(kind, subject, lines, owner)
    first = lines[0] if lines else None
    ticket = AfterSalesTicket.objects.create(
        kind=kind,
        source=source,
        order_id=first.order_id if first else None,
        seller_order_id=first.seller_order_id if first else None,
        seller_id=first.seller_id if first and first.seller_order_id else None,
        subject=subject.strip()[:200],
        description=description.strip(),
        owner=owner,
        opened_by=actor,
        due_at=due_at or now + timedelta(hours=due_hours(kind)),
    )
    # Opened when the service says (the demo and tests give a fixed time), not at the insert.
    AfterSalesTicket.objects.filter(pk=ticket.pk).update(created_at=now)
    ticket.created_at = now
    try:
        with transaction.atomic():
            TicketLine.objects.bulk_create(TicketLine(ticket=ticket, line=line) for line in lines)
    except IntegrityError as error:
        raise ValidationError(
            _("One of these lines already has an open after-sales ticket."), code="line_has_ticket"
        ) from error
    TicketEvent.objects.create(
        ticket=ticket, from_status="", to_status=T.OPEN, actor=actor, created_at=now
    )
    if source == TicketSource.STAFF:
        # From an import, the import's own notice (a new order, or lines that changed) says it.
        _tell_seller(ticket, f"t{ticket.pk}-open")
    return ticket


def _check_opening(kind: str, subject: str, lines: list[OrderLine], owner: User | None) -> None:
    errors: dict[str, str] = {}
    if kind not in TicketKind.values:
        errors["kind"] = _("Choose what kind of matter this is.")
    elif kind in LINE_KINDS and not lines:
        errors["lines"] = _("A refund, return or exchange is about order lines: tick them.")
    if not subject.strip():
        errors["subject"] = _("Give the ticket a subject.")
    orders = {line.order_id for line in lines}
    if len(orders) > 1 or len({line.seller_order_id for line in lines}) > 1:
        errors["lines"] = _(
            "These lines belong to different sellers or orders: open one ticket for each."
        )
    if owner is not None and not owner.is_staff:
        errors["owner"] = _("Only staff can own a ticket.")
    if errors:
        raise ValidationError(errors)
    taken = (
        TicketLine.objects.filter(line__in=lines, is_open=True)
        .values_list("ticket_id", flat=True)
        .first()
    )
    if taken is not None:
        raise ValidationError(
            {
                "lines": _("A line you ticked already has an open ticket (#%(number)d).")
                % {"number": taken}
            },
            code="line_has_ticket",
        )


# --- The one transition function ----------------------------------------------------------------


@transaction.atomic
def transition(
    *,
    ticket: AfterSalesTicket,
    to_status: str,
    actor: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> AfterSalesTicket:
    """Moves a ticket to a new status if the map allows it and writes the event; the same status
    is a no-op. Locks the ticket first; keeps its lines' "open ticket" mark in step (reopening a
    ticket whose line has meanwhile another open ticket is refused)."""
    locked = AfterSalesTicket.objects.select_for_update().get(pk=ticket.pk)
    if locked.status == to_status:
        return locked
    if to_status not in TRANSITIONS[locked.status]:
        raise ValidationError(
            _("A ticket cannot go from “%(from)s” to “%(to)s”.")
            % {"from": locked.get_status_display(), "to": T(to_status).label},
            code="invalid_transition",
        )
    now = now or timezone.now()
    is_open = to_status in OPEN_TICKET_STATUSES
    if is_open != locked.is_open:
        try:
            with transaction.atomic():
                TicketLine.objects.filter(ticket=locked).update(is_open=is_open)
        except IntegrityError as error:
            raise ValidationError(
                _("A line of this ticket has another open ticket meanwhile; work on that one."),
                code="line_has_ticket",
            ) from error
    TicketEvent.objects.create(
        ticket=locked,
        from_status=locked.status,
        to_status=to_status,
        actor=actor,
        reason=reason[:200],
        created_at=now,
    )
    locked.status = to_status
    locked.save(update_fields=["status", "updated_at"])
    return locked


# --- Working on a ticket ------------------------------------------------------------------------


@transaction.atomic
def take(*, ticket: AfterSalesTicket, actor: User, now: datetime | None = None) -> AfterSalesTicket:
    """Staff take a new ticket: it is theirs (unless owned already) and in progress."""
    if ticket.owner_id is None:
        AfterSalesTicket.objects.filter(pk=ticket.pk, owner__isnull=True).update(owner=actor)
    return transition(ticket=ticket, to_status=T.IN_PROGRESS, actor=actor, now=now)


@transaction.atomic
def assign(
    *, ticket: AfterSalesTicket, owner: User | None, due_at: datetime | None, actor: User
) -> AfterSalesTicket:
    """Staff set the owner and the due time; a system note records the change."""
    locked = AfterSalesTicket.objects.select_for_update().get(pk=ticket.pk)
    if owner is not None and not owner.is_staff:
        raise ValidationError({"owner": _("Only staff can own a ticket.")})
    if due_at is not None and due_at <= locked.created_at:
        raise ValidationError({"due_at": _("The due time must be after the ticket was opened.")})
    changes = []
    if owner != locked.owner:
        locked.owner = owner
        changes.append(_("owner: %(name)s") % {"name": owner or _("nobody")})
    if due_at is not None and due_at != locked.due_at:
        locked.due_at = due_at
        changes.append(_("due: %(due)s") % {"due": f"{timezone.localtime(due_at):%Y-%m-%d %H:%M}"})
    if changes:
        locked.save(update_fields=["owner", "due_at", "updated_at"])
        _note(locked, None, NoteAuthor.SYSTEM, "; ".join(changes), is_internal=True)
    return locked


@transaction.atomic
def add_staff_note(
    *,
    ticket: AfterSalesTicket,
    actor: User,
    text: str,
    is_internal: bool,
    ask_seller: bool = False,
    now: datetime | None = None,
) -> TicketNote:
    """A note by staff: internal, or shared with the seller (who is told). Asking the seller puts
    the ticket on "waiting for the seller"."""
    ticket = AfterSalesTicket.objects.select_for_update().get(pk=ticket.pk)
    text = _checked_text(text)
    if ticket.status == T.CLOSED:
        raise ValidationError(_("This ticket is closed."), code="closed")
    if not is_internal and ticket.seller_id is None:
        raise ValidationError(
            {"is_internal": _("This ticket has no seller to share a note with.")},
            code="no_seller",
        )
    if ask_seller and is_internal:
        raise ValidationError(
            {"is_internal": _("A question to the seller cannot be an internal note.")}
        )
    note = _note(ticket, actor, NoteAuthor.STAFF, text, is_internal=is_internal, now=now)
    if ask_seller:
        transition(
            ticket=ticket,
            to_status=T.WAITING_SELLER,
            actor=actor,
            reason=_("asked the seller"),
            now=now,
        )
    if not is_internal:
        _tell_seller(ticket, f"t{ticket.pk}-n{note.pk}")
    return note


@transaction.atomic
def seller_reply(
    *, ticket: AfterSalesTicket, member: Member, text: str, now: datetime | None = None
) -> TicketNote:
    """The seller answers on a ticket of hers; a ticket waiting for her goes back to staff."""
    ticket = AfterSalesTicket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.seller_id != member.pk:
        raise ValidationError(_("This ticket is not about your order."), code="not_hers")
    if ticket.status == T.CLOSED:
        raise ValidationError(_("This ticket is closed."), code="closed")
    note = _note(
        ticket, member.user, NoteAuthor.SELLER, _checked_text(text), is_internal=False, now=now
    )
    if ticket.status == T.WAITING_SELLER:
        transition(
            ticket=ticket,
            to_status=T.IN_PROGRESS,
            actor=member.user,
            reason=_("the seller answered"),
            now=now,
        )
    return note


def _checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write something first.")}, code="empty")
    if len(text) > MAX_NOTE:
        raise ValidationError(
            {"text": _("A note is at most %(max)d characters.") % {"max": MAX_NOTE}},
            code="too_long",
        )
    return text


def _note(
    ticket: AfterSalesTicket,
    author: User | None,
    role: str,
    text: str,
    *,
    is_internal: bool,
    now: datetime | None = None,
) -> TicketNote:
    return TicketNote.objects.create(
        ticket=ticket,
        author=author,
        author_role=role,
        text=text,
        is_internal=is_internal,
        created_at=now or timezone.now(),
    )


# --- Ending a ticket ----------------------------------------------------------------------------


@transaction.atomic
def resolve(
    *,
    ticket: AfterSalesTicket,
    actor: User | None,
    resolution: str,
    refunds: dict[int, Decimal] | None = None,
    now: datetime | None = None,
) -> AfterSalesTicket:
    """Resolves an open ticket; for a refund, records each line's refund on the line.

    `refunds` maps the ticket's line ids to the amount refunded now (0 or more, at most what is
    left to refund on the line). A refund ticket needs some refund unless its lines are already
    refunded (the platform refunded them: an import recorded it). Refuses a refund on any other
    kind. The seller is told, unless an import resolved it (actor None).
    """
    now = now or timezone.now()
    ticket = AfterSalesTicket.objects.select_for_update().get(pk=ticket.pk)
    if not ticket.is_open:
        raise ValidationError(_("Only an open ticket can be resolved."), code="not_open")
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how it was resolved.")}, code="no_resolution")
    ticket_lines = list(
        TicketLine.objects.filter(ticket=ticket).select_related("line").select_for_update()
    )
    amounts = _checked_refunds(ticket, ticket_lines, refunds or {})
    total = _record_refunds(ticket_lines, amounts, actor)
    ticket.resolution = resolution.strip()[:500]
    ticket.refund_total += total
    ticket.resolved_at = now
    ticket.save(update_fields=["resolution", "refund_total", "resolved_at", "updated_at"])
    resolved = transition(
        ticket=ticket, to_status=T.RESOLVED, actor=actor, reason=resolution[:200], now=now
    )
    if total and ticket.order_id:
        from livestreams.services.splitting import split_orders

        # A seller order whose lines are now all refunded is cancelled if not yet shipped.
        split_orders(order_ids=[ticket.order_id], actor=actor)
    if actor is not None:  # resolved by an import: its "changed" notice tells her
        _tell_seller(resolved, f"t{ticket.pk}-resolved-{now:%Y%m%d%H%M%S}")
    return resolved


def _checked_refunds(
    ticket: AfterSalesTicket, ticket_lines: list[TicketLine], refunds: dict[int, Decimal]
) -> dict[int, Decimal]:
    by_line = {tl.line_id: tl.line for tl in ticket_lines}
    amounts = {line_id: Decimal(amount) for line_id, amount in refunds.items() if amount}
    if amounts and not ticket.is_refund:
        raise ValidationError(
            _("Only a refund or a return-and-refund ticket records a refund."), code="not_refund"
        )
    for line_id, amount in amounts.items():
        line = by_line.get(line_id)
        if line is None:
            raise ValidationError(_("That line is not on this ticket."), code="foreign_line")
        left = line.line_total - min(line.refunded_amount, line.line_total)
        if amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(
                _("A refund is a positive amount in yuan with at most two decimals."),
                code="bad_amount",
            )
        if amount > left:
            raise ValidationError(
                _("At most %(left)s yuan is left to refund on “%(title)s”.")
                % {"left": left, "title": line.title[:40]},
                code="too_much",
            )
    already = all(
        line.after_sales_status == AfterSalesStatus.REFUNDED or line.refunded_amount > 0
        for line in by_line.values()
    )
    if ticket.is_refund and not amounts and not (by_line and already):
        raise ValidationError(
            _("Enter the amount refunded: no refund is recorded on these lines yet."),
            code="no_refund",
        )
    return amounts


def _record_refunds(
    ticket_lines: list[TicketLine], amounts: dict[int, Decimal], actor: User | None
) -> Decimal:
    total = Decimal("0.00")
    changes = []
    for ticket_line in ticket_lines:
        amount = amounts.get(ticket_line.line_id)
        if not amount:
            continue
        line = ticket_line.line
        before_amount, before_status = line.refunded_amount, line.after_sales_status
        line.refunded_amount = before_amount + amount
        line.after_sales_status = AfterSalesStatus.REFUNDED
        line.save(update_fields=["refunded_amount", "after_sales_status", "updated_at"])
        ticket_line.refund_amount += amount
        ticket_line.save(update_fields=["refund_amount"])
        total += amount
        changes.append(
            OrderLineChange(
                line=line,
                field="refunded_amount",
                from_value=str(before_amount),
                to_value=str(line.refunded_amount),
                actor=actor,
            )
        )
        if before_status != AfterSalesStatus.REFUNDED:
            changes.append(
                OrderLineChange(
                    line=line,
                    field="after_sales_status",
                    from_value=before_status,
                    to_value=AfterSalesStatus.REFUNDED,
                    actor=actor,
                )
            )
    OrderLineChange.objects.bulk_create(changes)
    return total


@transaction.atomic
def decline(
    *, ticket: AfterSalesTicket, actor: User, reason: str, now: datetime | None = None
) -> AfterSalesTicket:
    """Declines the customer's request; the reason is written to the conversation."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the request is declined.")}, code="no_reason")
    declined = transition(ticket=ticket, to_status=T.REJECTED, actor=actor, reason=reason, now=now)
    declined.resolution = reason.strip()[:500]
    declined.save(update_fields=["resolution", "updated_at"])
    shared = declined.seller_id is not None
    note = _note(declined, actor, NoteAuthor.STAFF, reason.strip(), is_internal=not shared, now=now)
    if shared:
        _tell_seller(declined, f"t{declined.pk}-n{note.pk}")
    return declined


@transaction.atomic
def close(
    *, ticket: AfterSalesTicket, actor: User, reason: str = "", now: datetime | None = None
) -> AfterSalesTicket:
    """Closes a ticket for good (after it was resolved or declined, or as a duplicate)."""
    return transition(ticket=ticket, to_status=T.CLOSED, actor=actor, reason=reason, now=now)


@transaction.atomic
def reopen(
    *, ticket: AfterSalesTicket, actor: User, reason: str, now: datetime | None = None
) -> AfterSalesTicket:
    """Reopens a resolved or declined ticket (the customer came back); the reason is noted."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the ticket is reopened.")}, code="no_reason")
    reopened = transition(
        ticket=ticket, to_status=T.IN_PROGRESS, actor=actor, reason=reason, now=now
    )
    _note(reopened, actor, NoteAuthor.STAFF, reason.strip(), is_internal=True, now=now)
    return reopened


# --- From an import -----------------------------------------------------------------------------


def after_import(
    *, order_ids: Sequence[int], since: datetime, statuses: Collection[str] | None = None
) -> dict[str, int]:
    """What an import means for after-sales, inside the import's transaction.

    Lines that entered after-sales in this import get a ticket (one per seller order, only for
    lines without an open ticket); open tickets whose lines the platform now shows refunded are
    resolved with the platform's refund (recorded by the import, not added again). Importing
    the same file again does nothing: nothing entered after-sales. `statuses`, when given, are
    the after-sales statuses the import's lines carry: no line entered one they do not carry.
    """
    opened = resolved = 0
    if statuses is None or AfterSalesStatus.OPEN in statuses:
        opened = open_tickets_from_import(order_ids=order_ids, since=since)
    if statuses is None or AfterSalesStatus.REFUNDED in statuses:
        resolved = resolve_refunded_by_platform(order_ids=order_ids, since=since)
    return {"tickets_opened": opened, "tickets_resolved": resolved}


def _entered(order_ids: Sequence[int], since: datetime, status: str) -> Q:
    """Lines of these orders that moved to this after-sales status in the import, or arrived
    in it (new lines are not recorded as changes)."""
    changed = OrderLineChange.objects.filter(
        field="after_sales_status", to_value=status, created_at__gte=since
    ).values("line_id")
    return Q(order_id__any_of=order_ids, after_sales_status=status) & (
        Q(pk__in=changed) | Q(created_at__gte=since)
    )


@transaction.atomic
def open_tickets_from_import(*, order_ids: Sequence[int], since: datetime) -> int:
    """Opens one ticket per seller order for its lines that entered after-sales; returns how
    many. Lines with an open ticket already are left alone, so repeats open nothing."""
    lines = list(
        OrderLine.objects.filter(_entered(order_ids, since, AfterSalesStatus.OPEN))
        .exclude(ticket_lines__is_open=True)
        .select_related("order")
        .order_by("order_id", "seller_order_id", "pk")
    )
    groups: dict[tuple[int, int | None], list[OrderLine]] = defaultdict(list)
    for line in lines:
        groups[(line.order_id, line.seller_order_id)].append(line)
    for group in groups.values():
        order = group[0].order
        open_ticket(
            kind=TicketKind.REFUND_ONLY,
            subject=_("%(channel)s order %(order)s: after-sales on the platform")
            % {"channel": order.get_channel_display(), "order": order.platform_order_id},
            lines=group,
            description="; ".join(
                f"{line.title} × {line.quantity}: {line.platform_after_sales or '—'}"
                for line in group
            ),
            actor=None,
            source=TicketSource.IMPORT,
        )
    return len(groups)


@transaction.atomic
def resolve_refunded_by_platform(*, order_ids: Sequence[int], since: datetime) -> int:
    """Resolves open tickets all of whose lines the import shows refunded; returns how many."""
    refunded = OrderLine.objects.filter(_entered(order_ids, since, AfterSalesStatus.REFUNDED))
    tickets = list(
        AfterSalesTicket.objects.filter(
            status__in=OPEN_TICKET_STATUSES, ticket_lines__line__in=refunded
        )
        .exclude(
            ticket_lines__line__after_sales_status__in=(
                AfterSalesStatus.NONE,
                AfterSalesStatus.OPEN,
            )
        )
        .distinct()
    )
    for ticket in tickets:
        resolve(
            ticket=ticket,
            actor=None,
            resolution=_("The platform shows the refund done; its amount is recorded."),
        )
    return len(tickets)


# --- Telling the seller -------------------------------------------------------------------------


def _tell_seller(ticket: AfterSalesTicket, reference: str) -> None:
    """Publishes an "after_sales" notice to the ticket's seller once the transaction commits."""
    if ticket.seller_order_id is None:
        return
    from livestreams.services import forwarding

    seller_order_id = ticket.seller_order_id
    transaction.on_commit(
        lambda: forwarding.publish_notices(
            [seller_order_id], NotificationKind.AFTER_SALES, reference[:40]
        )
    )
