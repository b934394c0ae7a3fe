"""Celery tasks of the courtyards: thin, they take ids and call the services.

courtyards.notify_booking sends the messages a booking change owes (written with the change);
courtyards.sweep_booking_notifications publishes those a lost message left behind (beat);
courtyards.anonymise_old_bookings removes visitors' personal data after the retention period.
"""

from celery import shared_task
from django.conf import settings

from courtyards.services import notifications, visits
from livestreams.services.forwarding import backoff_seconds


@shared_task(name="courtyards.notify_booking", bind=True, acks_late=True, max_retries=None)
def notify_booking(self, event_id: int) -> dict:
    outcome = notifications.deliver(event_id=event_id)
    if outcome.waiting:
        if self.request.retries >= settings.FORWARD_MAX_RETRIES:
            notifications.give_up(event_id=event_id, detail="a channel kept failing")
        else:
            countdown = backoff_seconds(self.request.retries, outcome.retry_after)
            raise self.retry(countdown=countdown)
    return {"sent": outcome.sent, "failed": outcome.failed}


@shared_task(name="courtyards.sweep_booking_notifications")
def sweep_booking_notifications() -> int:
    return notifications.sweep()


@shared_task(name="courtyards.anonymise_old_bookings")
def anonymise_old_bookings() -> int:
    return visits.anonymise_old_bookings()
