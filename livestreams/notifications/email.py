"""Email to the address the member gave for notifications."""

import smtplib

from django.core.mail import send_mail
from django.utils.translation import gettext as _

from alliance.models import Member
from livestreams.notifications.base import DeliveryError, NotificationSender


class EmailSender(NotificationSender):
    name = "email"

    def enabled_for(self, member: Member) -> bool:
        return member.notify_by_email and bool(member.notification_email)

    def send(self, *, member: Member, text: str, idempotency_key: str) -> None:
        try:
            send_mail(
                subject=_("New orders to ship · Qicai Qiaofu Alliance"),
                message=text,
                from_email=None,
                recipient_list=[member.notification_email],
            )
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError("recipient refused", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"mail: {type(error).__name__}", permanent=False) from error
