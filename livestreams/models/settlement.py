"""Settlement (结算): what the base owes each seller for a period, and how it was worked out.

A statement covers one seller and one period (a month by default). Each delivered line is
settled exactly once (SettledLine is unique per line), in the first statement made after it was
delivered; a refund that comes after its line's statement was confirmed becomes an adjustment on
the seller's next statement. A paid statement never changes: the services refuse it and, on
PostgreSQL, triggers do too (migration 0009).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from alliance.models import Member
from livestreams.models.channels import Channel
from livestreams.models.orders import OrderLine

RATE_DIGITS = {"max_digits": 5, "decimal_places": 2}
MONEY_DIGITS = {"max_digits": 12, "decimal_places": 2}


def _rate_range(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
        name=name,
        violation_error_message=_("A rate is between 0 and 100 %."),
    )


class ChannelRate(models.Model):
    """The platform's fee and the base's commission on one channel, in percent of net sales."""

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, unique=True)
    platform_fee_rate = models.DecimalField(
        _("platform fee (%)"),
        **RATE_DIGITS,
        default=0,
        help_text=_("What the platform keeps (技术服务费). 0 is a valid rate."),
    )
    commission_rate = models.DecimalField(
        _("base commission (%)"),
        **RATE_DIGITS,
        default=0,
        help_text=_("What the livestream base keeps. 0 is a valid rate."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("channel rate")
        verbose_name_plural = _("channel rates")
        ordering = ["channel"]
        constraints = [
            _rate_range("platform_fee_rate", "channel_rate_fee_range"),
            _rate_range("commission_rate", "channel_rate_commission_range"),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="channel_rate_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_channel_display()


class MemberRate(models.Model):
    """A member's own rates, on one channel or (channel left empty) on all of them.

    An empty rate keeps the channel's. Precedence: this member on this channel, this member on
    all channels, the channel's rate, zero.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="rates"
    )
    channel = models.CharField(
        _("channel"),
        max_length=20,
        choices=Channel.choices,
        blank=True,
        help_text=_("Empty: every channel."),
    )
    platform_fee_rate = models.DecimalField(
        _("platform fee (%)"), **RATE_DIGITS, null=True, blank=True
    )
    commission_rate = models.DecimalField(
        _("base commission (%)"), **RATE_DIGITS, null=True, blank=True
    )
    note = models.CharField(_("why"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member rate")
        verbose_name_plural = _("member rates")
        ordering = ["member", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "channel"],
                name="member_rate_unique",
                violation_error_message=_("She already has a rate for this channel."),
            ),
            _rate_range("platform_fee_rate", "member_rate_fee_range"),
            _rate_range("commission_rate", "member_rate_commission_range"),
            models.CheckConstraint(
                condition=Q(platform_fee_rate__isnull=False) | Q(commission_rate__isnull=False),
                name="member_rate_sets_something",
                violation_error_message=_("Give at least one of the two rates."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_channel_display() or '*'}"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    CONFIRMED = "confirmed", _("confirmed by the seller")
    PAID = "paid", _("paid")


class Statement(models.Model):
    """One seller's statement for one period: gross, refunds, fees, commission, net payable.

    net payable = gross − refunds − late refunds − platform fee − commission (a check in the
    database says so).
    """

    seller = models.ForeignKey(
        Member, verbose_name=_("seller"), on_delete=models.PROTECT, related_name="statements"
    )
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends (inclusive)"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=StatementStatus.choices,
        default=StatementStatus.DRAFT,
    )
    lines_count = models.PositiveIntegerField(_("lines"), default=0)
    gross = models.DecimalField(_("delivered (yuan)"), **MONEY_DIGITS, default=0)
    refunds = models.DecimalField(_("refunds (yuan)"), **MONEY_DIGITS, default=0)
    late_refunds = models.DecimalField(
        _("late refunds on earlier statements (yuan)"), **MONEY_DIGITS, default=0
    )
    platform_fee = models.DecimalField(_("platform fee (yuan)"), **MONEY_DIGITS, default=0)
    commission = models.DecimalField(_("base commission (yuan)"), **MONEY_DIGITS, default=0)
    net_payable = models.DecimalField(_("net payable (yuan)"), **MONEY_DIGITS, default=0)
    generated_at = models.DateTimeField(_("worked out at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paid by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-period_start", "seller__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "period_start"],
                name="statement_unique_per_seller_period",
                violation_error_message=_("She already has a statement for this period."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="statement_period_order",
                violation_error_message=_("A period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=StatementStatus.values), name="statement_status_valid"
            ),
            models.CheckConstraint(
                # Rounded to the fen: SQLite computes with binary floating point.
                condition=Q(
                    net_payable=Round(
                        F("gross")
                        - F("refunds")
                        - F("late_refunds")
                        - F("platform_fee")
                        - F("commission"),
                        2,
                    )
                ),
                name="statement_net_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(gross__gte=0, refunds__gte=0, refunds__lte=F("gross")),
                name="statement_amounts_sane",
            ),
        ]
        indexes = [models.Index(fields=["status", "period_start"], name="statement_status_period")]

    def __str__(self) -> str:
        return f"{self.seller} {self.period_start:%Y-%m}"


class StatementChannel(models.Model):
    """A statement's figures on one channel, with the rates that applied."""

    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="channels"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    lines_count = models.PositiveIntegerField(_("lines"), default=0)
    gross = models.DecimalField(_("delivered (yuan)"), **MONEY_DIGITS, default=0)
    refunds = models.DecimalField(_("refunds (yuan)"), **MONEY_DIGITS, default=0)
    late_refunds = models.DecimalField(_("late refunds (yuan)"), **MONEY_DIGITS, default=0)
    platform_fee_rate = models.DecimalField(_("platform fee (%)"), **RATE_DIGITS)
    platform_fee = models.DecimalField(_("platform fee (yuan)"), **MONEY_DIGITS, default=0)
    commission_rate = models.DecimalField(_("base commission (%)"), **RATE_DIGITS)
    commission = models.DecimalField(_("base commission (yuan)"), **MONEY_DIGITS, default=0)

    class Meta:
        verbose_name = _("statement channel")
        verbose_name_plural = _("statement channels")
        ordering = ["statement", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "channel"], name="statement_channel_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement} {self.channel}"

    @property
    def net_payable(self) -> Decimal:
        return self.gross - self.refunds - self.late_refunds - self.platform_fee - self.commission


class SettledLine(models.Model):
    """A delivered line settled by a statement, with its amount and refund at that time."""

    line = models.OneToOneField(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="settlement"
    )
    statement = models.ForeignKey(
        Statement,
        verbose_name=_("statement"),
        on_delete=models.CASCADE,
        related_name="settled_lines",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    gross = models.DecimalField(_("amount (yuan)"), **MONEY_DIGITS)
    refund = models.DecimalField(_("refunded then (yuan)"), **MONEY_DIGITS)

    class Meta:
        verbose_name = _("settled line")
        verbose_name_plural = _("settled lines")
        ordering = ["statement", "line"]

    def __str__(self) -> str:
        return f"{self.statement_id} · {self.line_id}"


class StatementAdjustment(models.Model):
    """A refund on a line settled by an earlier statement, deducted on a later one."""

    statement = models.ForeignKey(
        Statement,
        verbose_name=_("statement"),
        on_delete=models.CASCADE,
        related_name="adjustments",
    )
    line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="settlement_adjustments",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    amount = models.DecimalField(_("late refund (yuan)"), **MONEY_DIGITS)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("statement adjustment")
        verbose_name_plural = _("statement adjustments")
        ordering = ["statement", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "line"], name="statement_adjustment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} · {self.line_id} −{self.amount}"


class StatementEvent(models.Model):
    """One change of a statement's status: who, when, from, to, why."""

    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=StatementStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=StatementStatus.choices)
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
        verbose_name = _("statement change")
        verbose_name_plural = _("statement changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.statement}: {self.from_status} → {self.to_status}"
