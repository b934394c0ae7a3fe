"""An SMS gateway over HTTP (URL and key from settings) to the member's SMS mobile."""

from django.conf import settings

from alliance.models import Member
from livestreams.notifications.base import DeliveryError, NotificationSender, post_json


class SmsSender(NotificationSender):
    name = "sms"

    def enabled_for(self, member: Member) -> bool:
        return member.notify_by_sms and bool(member.sms_mobile)

    def send(self, *, member: Member, text: str, idempotency_key: str) -> None:
        if not settings.SMS_GATEWAY_URL:
            raise DeliveryError("no SMS gateway configured", permanent=True)
        post_json(
            settings.SMS_GATEWAY_URL,
            {"mobile": member.sms_mobile, "text": text[:300], "id": idempotency_key},
            headers={
                "Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}",
                "Idempotency-Key": idempotency_key,
            },
            timeout=settings.NOTIFY_HTTP_TIMEOUT,
        )
