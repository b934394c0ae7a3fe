"""Notification channels behind one small interface (base.NotificationSender).

dashboard: always, our own database; email; wecom: the WeCom group-robot webhook; sms: an SMS
gateway over HTTP. A channel that is down does not stop the others: each raises DeliveryError
saying whether a retry can help.
"""

from alliance.models import Member
from livestreams.models import NotificationChannel
from livestreams.notifications.base import DeliveryError, NotificationSender
from livestreams.notifications.dashboard import DashboardSender
from livestreams.notifications.email import EmailSender
from livestreams.notifications.sms import SmsSender
from livestreams.notifications.wecom import WeComSender

SENDERS: dict[str, NotificationSender] = {
    NotificationChannel.DASHBOARD: DashboardSender(),
    NotificationChannel.EMAIL: EmailSender(),
    NotificationChannel.WECOM: WeComSender(),
    NotificationChannel.SMS: SmsSender(),
}

__all__ = ["SENDERS", "DeliveryError", "NotificationSender", "channels_for"]


def channels_for(member: Member) -> list[str]:
    """The channels a member hears on: the dashboard always, then the ones she chose."""
    return [name for name, sender in SENDERS.items() if sender.enabled_for(member)]
