"""Template helpers of the courtyards' pages, and the card on the seller dashboard's home."""

from datetime import datetime
from typing import Any

from django import template
from django.core.files.storage import default_storage

from alliance.models import Member
from courtyards import selectors
from courtyards.services.notifications import visit_time as _visit_time

register = template.Library()


@register.filter
def media(name: str | None) -> str:
    """A stored file's URL from its name (annotations carry names, not files)."""
    return default_storage.url(name) if name else ""


@register.filter
def visit_time(moment: datetime | None) -> str:
    """A visit's start as people read it, in the page's language: 12月5日 星期六 09:00."""
    return _visit_time(moment) if moment else ""


@register.inclusion_tag("seller/courtyards/home_card.html")
def my_courtyard_card(member: Member) -> dict[str, Any]:
    """Her courtyards and pieces, and for a designer the bookings waiting for her."""
    return {
        "member": member,
        "summary": selectors.owner_summary(member) if member.is_courtyard_owner else None,
        "bookings": selectors.designer_booking_counts(member) if member.is_designer else None,
    }
