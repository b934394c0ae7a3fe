"""Reads of settlement: a month's statements with their totals, one statement with its parts,
the lines it settled, a seller's own statements (another seller's are simply not found)."""

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from alliance.models import Member
from alliance.reports.selectors import Period
from livestreams.models import (
    SettledLine,
    Statement,
    StatementAdjustment,
    StatementEvent,
    StatementStatus,
)

LINE_FIELDS = (
    "channel",
    "gross",
    "refund",
    "line__order__platform_order_id",
    "line__line_key",
    "line__title",
    "line__spec",
    "line__quantity",
)


def period_statements(period: Period) -> QuerySet[Statement]:
    """The statements of a period (those starting in it), by seller."""
    return (
        Statement.objects.filter(period_start__gte=period.start, period_start__lte=period.end)
        .select_related("seller")
        .order_by("seller__name", "pk")
    )


def period_summary(period: Period) -> dict[str, Any]:
    """How many statements by status and what they add up to, in one query."""
    statements = Statement.objects.filter(
        period_start__gte=period.start, period_start__lte=period.end
    )
    return statements.aggregate(
        count=Count("pk"),
        drafts=Count("pk", filter=Q(status=StatementStatus.DRAFT)),
        confirmed=Count("pk", filter=Q(status=StatementStatus.CONFIRMED)),
        paid=Count("pk", filter=Q(status=StatementStatus.PAID)),
        gross=Sum("gross"),
        refunds=Sum("refunds"),
        late_refunds=Sum("late_refunds"),
        platform_fee=Sum("platform_fee"),
        commission=Sum("commission"),
        net_payable=Sum("net_payable"),
    )


def statement_detail(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    """A statement with its channels, late refunds (and their lines) and history."""
    return statements.select_related("seller", "confirmed_by", "paid_by").prefetch_related(
        "channels",
        Prefetch(
            "adjustments",
            queryset=StatementAdjustment.objects.select_related("line__order").order_by("line_id"),
        ),
        Prefetch(
            "events",
            queryset=StatementEvent.objects.select_related("actor").order_by("created_at", "pk"),
        ),
    )


def settled_lines(statement: Statement) -> QuerySet[SettledLine]:
    """The lines a statement settled, as rows (order id, title, quantity, amount, refund)."""
    return (
        SettledLine.objects.filter(statement=statement)
        .values(*LINE_FIELDS)
        .order_by("line__order__paid_at", "line_id")
    )


def seller_statements(member: Member) -> QuerySet[Statement]:
    """Her statements, the latest first."""
    return Statement.objects.filter(seller=member).order_by("-period_start", "-pk")


def seller_statement_counts(member: Member) -> dict[str, Any]:
    """Her drafts to confirm and what is still to be paid to her, in one query."""
    return Statement.objects.filter(seller=member).aggregate(
        drafts=Count("pk", filter=Q(status=StatementStatus.DRAFT)),
        unpaid=Sum("net_payable", filter=Q(status=StatementStatus.CONFIRMED)),
    )
