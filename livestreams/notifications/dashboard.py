"""The seller dashboard: the notification row itself is the message; nothing leaves the site."""

from alliance.models import Member
from livestreams.notifications.base import NotificationSender


class DashboardSender(NotificationSender):
    name = "dashboard"

    def enabled_for(self, member: Member) -> bool:
        return True

    def send(self, *, member: Member, text: str, idempotency_key: str) -> None:
        return None
