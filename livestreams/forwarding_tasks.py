"""Celery tasks of forwarding: thin, they take ids and call livestreams.services.forwarding.

Registered from LivestreamsConfig.ready(). The forwarding queue's settings (acks_late,
reject_on_worker_lost, prefetch 1, a visibility timeout longer than any retry delay) are in
config/settings.py; none of them has to be trusted: the database is the outbox.
"""

import logging

from celery import shared_task
from django.conf import settings

from livestreams.services import forwarding

logger = logging.getLogger(__name__)


@shared_task(
    name="livestreams.forward_seller_orders",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # counted against FORWARD_MAX_RETRIES below, where the setting is read
)
def forward_seller_orders(self, seller_id: int, seller_order_ids: list[int]) -> dict:
    outcome = forwarding.forward(seller_id=seller_id, seller_order_ids=seller_order_ids)
    waiting = [
        pk for pk in outcome.claimed if pk not in outcome.forwarded and pk not in outcome.problems
    ]
    if outcome.retry_after is not None and waiting:
        if self.request.retries >= settings.FORWARD_MAX_RETRIES:
            forwarding.give_up(seller_order_ids=waiting, detail="a channel kept failing")
        else:
            countdown = forwarding.backoff_seconds(self.request.retries, outcome.retry_after)
            raise self.retry(args=(seller_id, waiting), countdown=countdown)
    return {"forwarded": len(outcome.forwarded), "claimed": len(outcome.claimed)}


@shared_task(
    name="livestreams.notify_sellers",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def notify_sellers(
    self,
    seller_id: int,
    seller_order_ids: list[int],
    kind: str,
    reference: str,
):
    outcome = forwarding.notify(
        seller_id=seller_id, seller_order_ids=seller_order_ids, kind=kind, reference=reference
    )
    if outcome.retry_after is not None and self.request.retries < settings.FORWARD_MAX_RETRIES:
        countdown = forwarding.backoff_seconds(self.request.retries, outcome.retry_after)
        raise self.retry(countdown=countdown)
    return {"kind": kind, "seller_orders": len(seller_order_ids)}


@shared_task(name="livestreams.sweep_pending")
def sweep_pending() -> int:
    return forwarding.sweep()


@shared_task(name="livestreams.remind_and_escalate")
def remind_and_escalate() -> dict:
    return {
        "reminded": forwarding.remind_unacknowledged(),
        "escalated": forwarding.escalate_overdue(),
    }


@shared_task(name="livestreams.anonymise_closed_orders")
def anonymise_closed_orders() -> int:
    from livestreams import privacy

    return privacy.anonymise_closed_orders()
