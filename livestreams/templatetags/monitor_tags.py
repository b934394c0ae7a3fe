"""The staff home's links to the forwarding monitor and the shipping desk, with their counts."""

from typing import Any

from django import template

from livestreams.views_monitor.reads import pending_work

register = template.Library()


@register.inclusion_tag("staff/forwarding/desk_links.html")
def forwarding_desk_links() -> dict[str, Any]:
    """Links with how many seller orders need a look and how many parcels wait to go back."""
    return {"work": pending_work()}
