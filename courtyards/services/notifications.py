"""Telling people about bookings: the visitor by SMS, the designer on the channels she chose,
staff by email. The rows are written with the booking change (an outbox); a Celery task sends
them after the commit and a sweep sends whatever a lost message left behind.

Each row has an idempotency key that travels with the message, is sent at least once and is
marked sent once. No text carries the visitor's phone or address, except her own SMS; the
designer reads the visitor's details in her dashboard.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from courtyards.models import (
    Audience,
    BookingEvent,
    BookingEventKind,
    BookingNotification,
    DeliveryStatus,
    DesignVisitBooking,
    Weekday,
)
from livestreams.models import NotificationChannel
from livestreams.notifications import SENDERS, DeliveryError, channels_for
from livestreams.notifications.base import post_json

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
SWEEP_AFTER = timedelta(minutes=2)
TOLD_VISITOR = {
    BookingEventKind.BOOKED,
    BookingEventKind.CONFIRMED,
    BookingEventKind.RESCHEDULED,
    BookingEventKind.CANCELLED,
}
TOLD_DESIGNER = {BookingEventKind.BOOKED, BookingEventKind.RESCHEDULED, BookingEventKind.CANCELLED}


def visit_time(moment: object) -> str:
    """A visit's start as people read it: 12月5日 星期六 09:00."""
    local = timezone.localtime(moment)  # type: ignore[arg-type]
    return _("%(date)s %(weekday)s %(time)s") % {
        "date": formats.date_format(local, "MONTH_DAY_FORMAT"),
        "weekday": Weekday(local.weekday()).label,
        "time": local.strftime("%H:%M"),
    }


def _visitor_text(event: BookingEvent, booking: DesignVisitBooking) -> str:
    values = {
        "reference": booking.reference,
        "design": booking.design.name,
        "designer": booking.designer.name,
        "time": visit_time(event.to_starts_at or booking.slot.starts_at),
        "reason": event.reason,
    }
    texts = {
        BookingEventKind.BOOKED: _(
            "Qicai Qiaofu: your design visit is booked, reference %(reference)s: %(design)s, "
            "%(time)s. The designer will confirm it by SMS."
        ),
        BookingEventKind.CONFIRMED: _(
            "Qicai Qiaofu: design visit %(reference)s is confirmed: %(designer)s comes %(time)s."
        ),
        BookingEventKind.RESCHEDULED: _(
            "Qicai Qiaofu: design visit %(reference)s is moved to %(time)s by %(designer)s."
        ),
        BookingEventKind.CANCELLED: _(
            "Qicai Qiaofu: design visit %(reference)s is cancelled: %(reason)s"
        ),
    }
    return texts[event.kind] % values


def _designer_text(event: BookingEvent, booking: DesignVisitBooking) -> str:
    values = {
        "reference": booking.reference,
        "design": booking.design.name,
        "time": visit_time(event.to_starts_at or event.from_starts_at or booking.slot.starts_at),
    }
    texts = {
        BookingEventKind.BOOKED: _(
            "New design visit booking %(reference)s: %(design)s, %(time)s. "
            "Please log in to confirm it."
        ),
        BookingEventKind.RESCHEDULED: _("Design visit %(reference)s is now %(time)s."),
        BookingEventKind.CANCELLED: _("Design visit %(reference)s (%(time)s) is cancelled."),
    }
    return texts[event.kind] % values


def _planned(event: BookingEvent) -> list[tuple[str, str, str]]:
    """(audience, channel, text) of every message a booking change owes."""
    booking = event.booking
    planned = []
    with override(settings.LANGUAGE_CODE):
        if event.kind in TOLD_VISITOR:
            planned.append(
                (Audience.VISITOR, NotificationChannel.SMS, _visitor_text(event, booking))
            )
        if event.kind in TOLD_DESIGNER and event.actor_id != booking.designer.user_id:
            text = _designer_text(event, booking)
            for channel in channels_for(booking.designer):
                if channel != NotificationChannel.DASHBOARD:  # her bookings page is the dashboard
                    planned.append((Audience.DESIGNER, channel, text))
        if event.kind == BookingEventKind.BOOKED and settings.STAFF_ALERT_EMAILS:
            text = _designer_text(event, booking) + " " + booking.designer.name
            planned.append((Audience.STAFF, NotificationChannel.EMAIL, text))
    return planned


def queue_for(event: BookingEvent) -> list[BookingNotification]:
    """Writes the messages a booking change owes and sends them after the commit."""
    rows = [
        BookingNotification(
            event=event,
            audience=audience,
            channel=channel,
            idempotency_key=f"booking-event{event.pk}:{audience}:{channel}",
            text=text[:500],
        )
        for audience, channel, text in _planned(event)
    ]
    BookingNotification.objects.bulk_create(rows)
    if rows:
        event_id = event.pk
        transaction.on_commit(lambda: publish(event_id), robust=True)
    return rows


def publish(event_id: int) -> bool:
    """Enqueues the sending task; never raises (the sweep sends what this could not)."""
    from courtyards.tasks import notify_booking

    try:
        notify_booking.apply_async(
            args=(event_id,), retry=True, retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY
        )
    except Exception as error:  # the broker is down or slow
        logger.warning("booking notices left for the sweep (%s)", type(error).__name__)
        return False
    return True


@dataclass
class DeliveryOutcome:
    sent: int = 0
    failed: int = 0
    waiting: int = 0
    retry_after: float | None = None


def _send(notification: BookingNotification) -> None:
    booking = notification.event.booking
    key = notification.idempotency_key
    if notification.audience == Audience.VISITOR:
        if not settings.SMS_GATEWAY_URL:
            raise DeliveryError("no SMS gateway configured", permanent=True)
        post_json(
            settings.SMS_GATEWAY_URL,
            {"mobile": booking.visitor_mobile, "text": notification.text[:300], "id": key},
            headers={
                "Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}",
                "Idempotency-Key": key,
            },
            timeout=settings.NOTIFY_HTTP_TIMEOUT,
        )
    elif notification.channel == NotificationChannel.EMAIL:
        recipients = (
            settings.STAFF_ALERT_EMAILS
            if notification.audience == Audience.STAFF
            else [booking.designer.notification_email]
        )
        _mail(notification.text, recipients)
    else:
        SENDERS[notification.channel].send(
            member=booking.designer, text=notification.text, idempotency_key=key
        )


def _mail(text: str, recipients: list[str]) -> None:
    try:
        with override(settings.LANGUAGE_CODE):
            subject = _("Design visit booking · Qicai Qiaofu Alliance")
        send_mail(subject=subject, message=text, from_email=None, recipient_list=recipients)
    except OSError as error:
        raise DeliveryError(f"mail: {type(error).__name__}", permanent=False) from error


def _attempt(pk: int, outcome: DeliveryOutcome) -> None:
    with transaction.atomic():
        notification = (
            BookingNotification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event__booking__designer", "event__booking__design")
            .filter(pk=pk, status=DeliveryStatus.PENDING)
            .first()
        )
        if notification is None:
            return  # sent already, or another worker holds it
        notification.attempts += 1
        try:
            _send(notification)
        except DeliveryError as error:
            notification.last_error = error.detail
            if error.permanent or notification.attempts >= MAX_ATTEMPTS:
                notification.status = DeliveryStatus.FAILED
                outcome.failed += 1
            else:
                outcome.waiting += 1
                outcome.retry_after = max(outcome.retry_after or 0.0, error.retry_after or 0.0)
        else:
            notification.status = DeliveryStatus.SENT
            notification.sent_at = timezone.now()
            outcome.sent += 1
        notification.save(update_fields=["attempts", "last_error", "status", "sent_at"])


def deliver(*, event_id: int) -> DeliveryOutcome:
    """Sends a booking change's messages still to send; safe to run twice at once or again."""
    outcome = DeliveryOutcome()
    pending = BookingNotification.objects.filter(
        event_id=event_id, status=DeliveryStatus.PENDING
    ).values_list("pk", flat=True)
    started = time.monotonic()
    for pk in list(pending):
        _attempt(pk, outcome)
    logger.info("booking event %s: %s in %.2fs", event_id, outcome, time.monotonic() - started)
    return outcome


def give_up(*, event_id: int, detail: str) -> int:
    """Marks the messages of a change that kept failing as failed; returns how many."""
    return BookingNotification.objects.filter(
        event_id=event_id, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.FAILED, last_error=detail[:300])


def sweep() -> int:
    """Publishes changes whose messages wait longer than they should; returns how many."""
    cutoff = timezone.now() - SWEEP_AFTER
    event_ids = set(
        BookingNotification.objects.filter(
            status=DeliveryStatus.PENDING, created_at__lt=cutoff
        ).values_list("event_id", flat=True)[:500]
    )
    return sum(publish(event_id) for event_id in sorted(event_ids))
