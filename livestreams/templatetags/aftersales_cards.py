"""Cards of the home pages for customer service, settlement and the numbers: the seller's
(her sales this month, statements to confirm, tickets waiting for her) and staff's links."""

from datetime import date
from typing import Any

from django import template
from django.db.models import Q
from django.utils import timezone

from alliance.models import Member
from alliance.reports.selectors import Period, sales_totals
from livestreams.selectors_aftersales import seller_counts, staff_counts
from livestreams.selectors_settlement import seller_statement_counts

register = template.Library()


@register.inclusion_tag("seller/sales/home_card.html")
def my_numbers_card(member: Member) -> dict[str, Any]:
    """Her net sales this month, statements and tickets; three queries."""
    today = timezone.localdate()
    month = Period(date(today.year, today.month, 1), today)
    return {
        "sales": sales_totals(month, where=Q(seller=member)),
        "statements": seller_statement_counts(member),
        "tickets": seller_counts(member),
    }


@register.inclusion_tag("staff/reports/desk_links.html", takes_context=True)
def numbers_desk_links(context: template.Context) -> dict[str, Any]:
    """Links to the after-sales desk (with its open and overdue counts), settlement, reports."""
    return {"tickets": staff_counts(user=context["request"].user)}


@register.filter
def yuan(value: object) -> str:
    """Money as the reports print it: two decimals, thousands grouped (12,345.60)."""
    from alliance.reports.tables import format_cell

    return format_cell(value if value is not None else 0, "money")
