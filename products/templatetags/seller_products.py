"""The catalogue's card on the seller dashboard's home (alliance's page need not know products)."""

from typing import Any

from django import template

from alliance.models import Member
from products.selectors import seller_product_counts

register = template.Library()


@register.inclusion_tag("seller/products/home_card.html")
def my_products_card(member: Member) -> dict[str, Any]:
    """Her products on sale and running low, counted in one query."""
    return {"counts": seller_product_counts(member)}
