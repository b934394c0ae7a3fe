"""The livestream base's card on the staff desk and the streamer's card on the seller dashboard
(alliance's home pages need not know imports or sessions).
"""

from typing import Any

from django import template
from django.utils import timezone

from alliance.models import Member
from livestreams import selectors

register = template.Library()


@register.inclusion_tag("staff/imports/desk_links.html")
def livestream_desk_links() -> dict[str, Any]:
    """Links to imports, the unmatched queue (with how many lines wait) and the sessions week."""
    return {"unmatched": selectors.unmatched_line_count()}


@register.inclusion_tag("seller/sessions/home_card.html")
def my_sessions_card(member: Member) -> dict[str, Any]:
    """Her next session, in one query."""
    upcoming = selectors.streamer_sessions(member, now=timezone.now(), past=False)
    return {"next_session": upcoming.first()}
