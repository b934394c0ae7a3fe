"""Settlement (结算): each seller's statement for a period, confirmed by her, paid by the base.

Which lines a statement settles: her lines that count as sold (the one rule of
alliance.reports.selectors: paid, not cancelled; refunds taken off) whose parcel was received
before the period's end — delivered, or shipped at least SETTLE_SHIPPED_AFTER_DAYS days before it
— and that no statement has settled yet. Each line is settled once (SettledLine is unique per
line), with its amount and its refund at that time.

The arithmetic, per channel, in yuan to the fen:

    base         = gross − refunds − late refunds
    platform fee = round(base × platform fee rate %)      (half up, to the fen)
    commission   = round(base × commission rate %)
    net payable  = base − platform fee − commission

and the statement's figures are the sums of its channels'. Late refunds are refunds on lines
settled by an earlier statement that was confirmed (or paid) since: the difference between the
refund now and the refund that statement (and any adjustment after it) took off; each one is an
adjustment row on the new statement. Rates: the member's own for the channel, else her own for
all channels, else the channel's, else zero.

Lifecycle: draft → confirmed (by the seller) → paid (by staff, with the payment's reference);
staff can send a confirmed statement back to draft for a correction. A draft is worked out again
whenever statements are made for its period; a confirmed or paid one never is, and a paid one
never changes (the database refuses it on PostgreSQL).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import Member, User
from alliance.reports.selectors import (
    MONEY,
    REFUND,
    ZERO,
    Period,
    capped_refund,
    fen_row,
    money_sum,
    sold_lines,
)
from livestreams.models import (
    AfterSalesStatus,
    ChannelRate,
    LineStatus,
    MemberRate,
    OrderLine,
    SellerOrder,
    SellerOrderStatus,
    SettledLine,
    Statement,
    StatementAdjustment,
    StatementChannel,
    StatementEvent,
    StatementStatus,
)

S = StatementStatus
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.CONFIRMED},
    S.CONFIRMED: {S.PAID, S.DRAFT},
    S.PAID: set(),
}
FEN = Decimal("0.01")
HUNDRED = Decimal("100")
# A parcel shipped this many days before a period's end counts as received (the platforms
# confirm receipt automatically after 7–15 days); settings.SETTLE_SHIPPED_AFTER_DAYS overrides.
SETTLE_SHIPPED_AFTER_DAYS = 15


def to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


# --- Rates --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    platform_fee: Decimal
    commission: Decimal


def rates_for(seller: Member) -> dict[str, Rates]:
    """Her rates on every channel (member's own, then the channel's, then zero); two queries."""
    from livestreams.models import Channel

    channel_rates = {rate.channel: rate for rate in ChannelRate.objects.all()}
    own = {rate.channel: rate for rate in MemberRate.objects.filter(member=seller)}
    rates = {}
    for channel in Channel.values:
        default = channel_rates.get(channel)
        fee = default.platform_fee_rate if default else ZERO
        commission = default.commission_rate if default else ZERO
        for override in (own.get(""), own.get(channel)):  # the more specific one wins
            if override is not None and override.platform_fee_rate is not None:
                fee = override.platform_fee_rate
            if override is not None and override.commission_rate is not None:
                commission = override.commission_rate
        rates[channel] = Rates(platform_fee=fee, commission=commission)
    return rates


@transaction.atomic
def set_channel_rate(
    *, channel: str, platform_fee_rate: Decimal, commission_rate: Decimal
) -> ChannelRate:
    """Sets a channel's rates (0–100 %); repeat calls leave the same row. Drafts made later use
    them; confirmed and paid statements keep the rates they were worked out with."""
    _check_rate(platform_fee_rate, "platform_fee_rate")
    _check_rate(commission_rate, "commission_rate")
    rate, _created = ChannelRate.objects.update_or_create(
        channel=channel,
        defaults={"platform_fee_rate": platform_fee_rate, "commission_rate": commission_rate},
    )
    return rate


@transaction.atomic
def set_member_rate(
    *,
    member: Member,
    channel: str,
    platform_fee_rate: Decimal | None,
    commission_rate: Decimal | None,
    note: str = "",
) -> MemberRate | None:
    """Sets a member's own rates on a channel ("" = every channel); both empty removes them."""
    if platform_fee_rate is not None:
        _check_rate(platform_fee_rate, "platform_fee_rate")
    if commission_rate is not None:
        _check_rate(commission_rate, "commission_rate")
    if platform_fee_rate is None and commission_rate is None:
        MemberRate.objects.filter(member=member, channel=channel).delete()
        return None
    rate, _created = MemberRate.objects.update_or_create(
        member=member,
        channel=channel,
        defaults={
            "platform_fee_rate": platform_fee_rate,
            "commission_rate": commission_rate,
            "note": note.strip()[:200],
        },
    )
    return rate


def _check_rate(value: Decimal, field: str) -> None:
    if not (ZERO <= value <= HUNDRED) or value != value.quantize(FEN):
        raise ValidationError(
            {field: _("A rate is between 0 and 100 %, with at most two decimals.")},
            code="bad_rate",
        )


# --- What a statement settles (the aggregates the statement is made of) ------------------------


def confirmed_by(before: datetime) -> Q:
    """Parcels received by this instant: delivered, or shipped long enough before it that the
    buyer's receipt counts as confirmed (as the platforms confirm it automatically) — so that
    orders of our own channels, which no export reports, are settled too."""
    days = getattr(settings, "SETTLE_SHIPPED_AFTER_DAYS", SETTLE_SHIPPED_AFTER_DAYS)
    return Q(
        seller_order__status=SellerOrderStatus.DELIVERED, seller_order__delivered_at__lt=before
    ) | Q(
        seller_order__status=SellerOrderStatus.SHIPPED,
        seller_order__shipped_at__lt=before - timedelta(days=days),
    )


def settleable_lines(seller: Member, *, before: datetime) -> QuerySet[OrderLine]:
    """Her sold lines received before this instant (confirmed_by) that no statement has settled
    yet."""
    return sold_lines().filter(confirmed_by(before), seller=seller, settlement__isnull=True)


def settleable_by_channel(seller: Member, *, before: datetime) -> list[dict]:
    """Gross, refunds and line counts by channel of what a new statement would settle; one query."""
    rows = (
        settleable_lines(seller, before=before)
        .values("channel")
        .annotate(gross=money_sum("line_total"), refunds=money_sum(REFUND), lines=Count("pk"))
        .order_by("channel")
    )
    return [fen_row(row, ("gross", "refunds")) for row in rows]


def late_refunds(seller: Member, *, excluding: Statement | None = None) -> list[dict]:
    """Refunds on her lines settled by confirmed or paid statements that those statements (and
    the adjustments since) did not take off: line, channel, amount; one query."""
    adjustments = StatementAdjustment.objects.filter(line=OuterRef("line_id"))
    if excluding is not None:
        adjustments = adjustments.exclude(statement=excluding)
    adjusted = Coalesce(
        Subquery(
            adjustments.order_by().values("line_id").annotate(total=Sum("amount")).values("total"),
            output_field=MONEY,
        ),
        Value(ZERO),
        output_field=MONEY,
    )
    rows = (
        SettledLine.objects.filter(statement__seller=seller)
        .exclude(statement__status=S.DRAFT)
        .annotate(
            refund_now=capped_refund("line__"),
            taken_off=F("refund") + adjusted,
        )
        .filter(refund_now__gt=F("taken_off"))
        .values("line_id", "channel", "refund_now", "taken_off")
        .order_by("line_id")
    )
    return [
        {
            "line_id": row["line_id"],
            "channel": row["channel"],
            "amount": to_fen(Decimal(row["refund_now"]) - Decimal(row["taken_off"])),
        }
        for row in rows
    ]


# --- Making statements --------------------------------------------------------------------------


@transaction.atomic
def make_statement(
    *, seller: Member, period: Period, actor: User | None, now: datetime | None = None
) -> Statement | None:
    """Works out her statement for the period: a new draft, or her draft again from scratch.

    A confirmed or paid statement is returned unchanged. With nothing to settle and no late
    refund, no statement is made (an existing draft is removed). Repeat calls give the same
    figures as long as nothing changed.
    """
    now = now or timezone.now()
    Member.objects.select_for_update().filter(pk=seller.pk).first()  # one maker per seller
    statement = Statement.objects.filter(seller=seller, period_start=period.start).first()
    if statement is not None and statement.status != S.DRAFT:
        return statement
    _check_period(seller, period, statement)
    if statement is not None:
        _clear(statement)
    _low, high = period.bounds()
    if not settleable_lines(seller, before=high).exists() and not late_refunds(seller):
        if statement is not None:
            statement.delete()
        return None
    if statement is None:
        statement = Statement.objects.create(
            seller=seller, period_start=period.start, period_end=period.end, generated_at=now
        )
        StatementEvent.objects.create(
            statement=statement, from_status="", to_status=S.DRAFT, actor=actor, created_at=now
        )
    _settle_lines(statement, seller, before=high)
    _work_out(statement, seller, now)
    return statement


def _check_period(seller: Member, period: Period, statement: Statement | None) -> None:
    if period.end < period.start:
        raise ValidationError(_("A period cannot end before it starts."), code="bad_period")
    overlapping = Statement.objects.filter(
        seller=seller, period_start__lte=period.end, period_end__gte=period.start
    )
    if statement is not None:
        overlapping = overlapping.exclude(pk=statement.pk)
    if overlapping.exists():
        raise ValidationError(
            _("This period overlaps another statement of hers."), code="overlapping"
        )


def _clear(statement: Statement) -> None:
    SettledLine.objects.filter(statement=statement).delete()
    StatementAdjustment.objects.filter(statement=statement).delete()
    StatementChannel.objects.filter(statement=statement).delete()


def _settle_lines(statement: Statement, seller: Member, *, before: datetime) -> None:
    """INSERT … SELECT: the settled lines are written by the database, never loaded here."""
    source = (
        settleable_lines(seller, before=before)
        .annotate(
            settled_line=F("pk"),
            settled_statement=Value(statement.pk),
            settled_channel=F("channel"),
            settled_gross=F("line_total"),
            settled_refund=REFUND,
        )
        .values_list(
            "settled_line",
            "settled_statement",
            "settled_channel",
            "settled_gross",
            "settled_refund",
        )
        .order_by()
    )
    select, params = source.query.sql_with_params()
    table = SettledLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (line_id, statement_id, channel, gross, refund) {select}",
            params,
        )


def _work_out(statement: Statement, seller: Member, now: datetime) -> None:
    rates = rates_for(seller)
    by_channel = {
        row["channel"]: fen_row(row, ("gross", "refunds"))
        for row in SettledLine.objects.filter(statement=statement)
        .values("channel")
        .annotate(gross=money_sum("gross"), refunds=money_sum("refund"), lines=Count("pk"))
    }
    late = late_refunds(seller, excluding=statement)
    StatementAdjustment.objects.bulk_create(
        StatementAdjustment(
            statement=statement,
            line_id=row["line_id"],
            channel=row["channel"],
            amount=row["amount"],
            reason=_("refund after an earlier statement was confirmed"),
        )
        for row in late
    )
    late_by_channel: dict[str, Decimal] = {}
    for row in late:
        late_by_channel[row["channel"]] = late_by_channel.get(row["channel"], ZERO) + row["amount"]
    channels = [
        _channel_row(statement, channel, by_channel.get(channel), late_by_channel, rates[channel])
        for channel in sorted(set(by_channel) | set(late_by_channel))
    ]
    StatementChannel.objects.bulk_create(channels)
    _set_totals(statement, channels, now)


def _channel_row(
    statement: Statement,
    channel: str,
    figures: dict | None,
    late_by_channel: dict[str, Decimal],
    rates: Rates,
) -> StatementChannel:
    gross = figures["gross"] if figures else ZERO
    refunds = figures["refunds"] if figures else ZERO
    late = late_by_channel.get(channel, ZERO)
    base = gross - refunds - late
    return StatementChannel(
        statement=statement,
        channel=channel,
        lines_count=figures["lines"] if figures else 0,
        gross=gross,
        refunds=refunds,
        late_refunds=late,
        platform_fee_rate=rates.platform_fee,
        platform_fee=to_fen(base * rates.platform_fee / HUNDRED),
        commission_rate=rates.commission,
        commission=to_fen(base * rates.commission / HUNDRED),
    )


def _set_totals(statement: Statement, channels: list[StatementChannel], now: datetime) -> None:
    for name in ("gross", "refunds", "late_refunds", "platform_fee", "commission"):
        setattr(statement, name, sum((getattr(c, name) for c in channels), ZERO))
    statement.lines_count = sum(c.lines_count for c in channels)
    statement.net_payable = (
        statement.gross
        - statement.refunds
        - statement.late_refunds
        - statement.platform_fee
        - statement.commission
    )
    statement.generated_at = now
    statement.save()


def sellers_to_settle(period: Period) -> list[int]:
    """Sellers with something to settle by the period's end, or a draft for it; one query."""
    _low, high = period.bounds()
    delivered = sold_lines().filter(confirmed_by(high), settlement__isnull=True)
    late = SettledLine.objects.exclude(statement__status=S.DRAFT).filter(
        line__refunded_amount__gt=F("refund")
    )
    drafts = Statement.objects.filter(period_start=period.start, status=S.DRAFT)
    return list(
        Member.objects.filter(
            Exists(delivered.filter(seller=OuterRef("pk")))
            | Exists(late.filter(statement__seller=OuterRef("pk")))
            | Exists(drafts.filter(seller=OuterRef("pk")))
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def make_statements(*, period: Period, actor: User | None, now: datetime | None = None) -> int:
    """Makes (or works out again) every seller's draft for the period; returns how many
    statements the period has afterwards. One transaction per seller."""
    for seller in Member.objects.filter(pk__in=sellers_to_settle(period)):
        make_statement(seller=seller, period=period, actor=actor, now=now)
    return Statement.objects.filter(period_start=period.start).count()


def month_period(month: date) -> Period:
    return Period.month(month.year, month.month)


# --- The lifecycle ------------------------------------------------------------------------------


@transaction.atomic
def transition(
    *,
    statement: Statement,
    to_status: str,
    actor: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> Statement:
    """Moves a statement along the map and writes the event; the same status is a no-op."""
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    if locked.status == to_status:
        return locked
    if to_status not in TRANSITIONS[locked.status]:
        raise ValidationError(
            _("A statement cannot go from “%(from)s” to “%(to)s”.")
            % {"from": locked.get_status_display(), "to": S(to_status).label},
            code="invalid_transition",
        )
    now = now or timezone.now()
    StatementEvent.objects.create(
        statement=locked,
        from_status=locked.status,
        to_status=to_status,
        actor=actor,
        reason=reason[:200],
        created_at=now,
    )
    locked.status = to_status
    if to_status == S.CONFIRMED:
        locked.confirmed_at, locked.confirmed_by = now, actor
    elif to_status == S.DRAFT:
        locked.confirmed_at, locked.confirmed_by = None, None
    locked.save()
    return locked


@transaction.atomic
def confirm(*, statement: Statement, member: Member, now: datetime | None = None) -> Statement:
    """The seller confirms her draft statement; repeat calls change nothing."""
    if statement.seller_id != member.pk:
        raise ValidationError(_("This is not your statement."), code="not_hers")
    return transition(statement=statement, to_status=S.CONFIRMED, actor=member.user, now=now)


@transaction.atomic
def mark_paid(
    *, statement: Statement, actor: User, reference: str, now: datetime | None = None
) -> Statement:
    """Staff record the payment of a confirmed statement (with its reference); final."""
    reference = reference.strip()
    if not reference:
        raise ValidationError(
            {"reference": _("Enter the payment's reference (bank transfer number).")},
            code="no_reference",
        )
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    if locked.status == S.PAID:
        return locked
    if locked.status != S.CONFIRMED:
        raise ValidationError(
            _("Only a statement the seller confirmed can be paid."), code="not_confirmed"
        )
    now = now or timezone.now()
    locked.paid_at, locked.paid_by, locked.payment_reference = now, actor, reference[:100]
    locked.save(update_fields=["paid_at", "paid_by", "payment_reference"])
    return transition(statement=locked, to_status=S.PAID, actor=actor, reason=reference, now=now)


@transaction.atomic
def reopen(
    *, statement: Statement, actor: User, reason: str, now: datetime | None = None
) -> Statement:
    """Staff send a confirmed (not paid) statement back to draft for a correction."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say what needs correcting.")}, code="no_reason")
    return transition(statement=statement, to_status=S.DRAFT, actor=actor, reason=reason, now=now)


# --- Delivery from an import --------------------------------------------------------------------


def deliver_completed(*, order_ids: Sequence[int]) -> int:
    """Shipped seller orders whose lines the platform now shows completed (交易成功 / 已完成) are
    delivered, so that they can be settled; returns how many. Repeats find nothing to do."""
    from livestreams.services import fulfilment

    lines = OrderLine.objects.filter(seller_order=OuterRef("pk")).exclude(
        after_sales_status=AfterSalesStatus.REFUNDED
    )
    waiting = SellerOrder.objects.filter(
        Exists(lines.filter(status=LineStatus.COMPLETED)),
        ~Exists(lines.filter(Q(status__in=(LineStatus.PAID, LineStatus.SHIPPED)))),
        order_id__any_of=order_ids,
        status=SellerOrderStatus.SHIPPED,
    )
    delivered = 0
    for seller_order in waiting:
        fulfilment.mark_delivered(seller_order=seller_order, actor=None)
        delivered += 1
    return delivered
