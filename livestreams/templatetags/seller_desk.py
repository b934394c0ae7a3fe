"""The order desk's card on the seller dashboard's home (alliance's page need not know orders)."""

from typing import Any

from django import template

from alliance.models import Member
from livestreams.selectors_desk import desk_counts

register = template.Library()


@register.inclusion_tag("seller/orders/home_card.html")
def my_orders_card(member: Member) -> dict[str, Any]:
    """Her new orders and orders to ship, counted in one query."""
    return {"counts": desk_counts(member)}
