"""After-sales (售后 / 客服): tickets about order lines, their history and their conversation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.models import Member
from livestreams.models.orders import Order, OrderLine, SellerOrder


class TicketKind(models.TextChoices):
    REFUND_ONLY = "refund_only", _("refund only")
    RETURN_REFUND = "return_refund", _("return and refund")
    EXCHANGE = "exchange", _("exchange")
    COMPLAINT = "complaint", _("complaint")
    ENQUIRY = "enquiry", _("enquiry")


# Kinds that end in money back to the customer, and kinds that are always about order lines.
REFUND_KINDS = (TicketKind.REFUND_ONLY, TicketKind.RETURN_REFUND)
LINE_KINDS = (*REFUND_KINDS, TicketKind.EXCHANGE)


class TicketStatus(models.TextChoices):
    OPEN = "open", _("new")
    IN_PROGRESS = "in_progress", _("in progress")
    WAITING_SELLER = "waiting_seller", _("waiting for the seller")
    RESOLVED = "resolved", _("resolved")
    REJECTED = "rejected", _("declined")
    CLOSED = "closed", _("closed")


# A ticket in one of these still needs someone; a line has at most one such ticket.
OPEN_TICKET_STATUSES = (
    TicketStatus.OPEN,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING_SELLER,
)


class TicketSource(models.TextChoices):
    STAFF = "staff", _("opened by staff")
    IMPORT = "import", _("from an import")


class AfterSalesTicket(models.Model):
    """One customer matter (a refund, a return, an exchange, a complaint, an enquiry).

    Its lines are all of one seller order, so the ticket belongs to that seller: she sees it and
    answers it in her dashboard. A ticket without lines (a general enquiry) is staff's only.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    source = models.CharField(
        _("opened"), max_length=20, choices=TicketSource.choices, default=TicketSource.STAFF
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="after_sales_tickets",
        null=True,
        blank=True,
    )
    seller_order = models.ForeignKey(
        SellerOrder,
        verbose_name=_("seller order"),
        on_delete=models.PROTECT,
        related_name="after_sales_tickets",
        null=True,
        blank=True,
    )
    seller = models.ForeignKey(
        Member,
        verbose_name=_("seller"),
        on_delete=models.PROTECT,
        related_name="after_sales_tickets",
        null=True,
        blank=True,
        db_index=False,  # ticket_seller_status (seller, status) serves lookups by seller
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("what the customer says"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        related_name="after_sales_tickets",
        null=True,
        blank=True,
        limit_choices_to={"is_staff": True},
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    due_at = models.DateTimeField(_("due"))
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)
    refund_total = models.DecimalField(
        _("refunded (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("after-sales ticket")
        verbose_name_plural = _("after-sales tickets")
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=TicketKind.values), name="ticket_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TicketStatus.values), name="ticket_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(refund_total__gte=0), name="ticket_refund_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(seller_order__isnull=True) | Q(seller__isnull=False),
                name="ticket_seller_order_has_seller",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="ticket_status_due"),
            models.Index(fields=["seller", "status"], name="ticket_seller_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TICKET_STATUSES

    @property
    def is_refund(self) -> bool:
        return self.kind in REFUND_KINDS


class TicketLine(models.Model):
    """An order line a ticket is about, and the refund the ticket gave on it when resolved.

    `is_open` follows the ticket's status, so the database allows one open ticket per line.
    """

    ticket = models.ForeignKey(
        AfterSalesTicket,
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="ticket_lines",
    )
    line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="ticket_lines",
    )
    is_open = models.BooleanField(_("ticket open"), default=True)
    refund_amount = models.DecimalField(
        _("refunded by this ticket (yuan)"), max_digits=12, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("ticket line")
        verbose_name_plural = _("ticket lines")
        ordering = ["ticket", "line"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "line"], name="ticket_line_unique"),
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(is_open=True),
                name="ticket_line_one_open_ticket",
                violation_error_message=_("This line already has an open after-sales ticket."),
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__gte=0), name="ticket_line_refund_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} · {self.line_id}"


class TicketEvent(models.Model):
    """One change of a ticket's status: who, when, from, to, why."""

    ticket = models.ForeignKey(
        AfterSalesTicket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=TicketStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=TicketStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("ticket change")
        verbose_name_plural = _("ticket changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.from_status} → {self.to_status}"


class NoteAuthor(models.TextChoices):
    STAFF = "staff", _("customer service")
    SELLER = "seller", _("seller")
    SYSTEM = "system", _("system")


class TicketNote(models.Model):
    """One message in a ticket's conversation; internal notes are for staff only."""

    ticket = models.ForeignKey(
        AfterSalesTicket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_role = models.CharField(_("written by"), max_length=20, choices=NoteAuthor.choices)
    text = models.TextField(_("text"))
    is_internal = models.BooleanField(
        _("internal"), default=False, help_text=_("Internal notes are not shown to the seller.")
    )
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("ticket note")
        verbose_name_plural = _("ticket notes")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(author_role=NoteAuthor.SELLER) | Q(is_internal=False),
                name="ticket_note_seller_never_internal",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="ticket_note_not_empty"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.author_role}: {self.text[:30]}"
