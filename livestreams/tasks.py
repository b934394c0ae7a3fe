"""Celery tasks of order imports: thin, they take an import's id and call the service.

Found by the Celery app's autodiscovery (config/celery.py). The import is idempotent and the
service returns at once for an import that has finished, so a message delivered twice
(acks_late, a worker lost mid-import) imports nothing twice.
"""

from celery import shared_task
from django.db import DatabaseError

from livestreams.services import import_runs

RETRY_SECONDS = 30


@shared_task(
    name="livestreams.run_order_import",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
)
def run_order_import(self, order_import_id: int) -> str:
    """Runs a confirmed import; a lost database connection is retried, nothing else is."""
    try:
        return import_runs.run_recorded_import(order_import_id=order_import_id)
    except DatabaseError as error:
        raise self.retry(exc=error, countdown=RETRY_SECONDS) from error


@shared_task(name="livestreams.requeue_stale_imports", acks_late=True)
def requeue_stale_imports() -> int:
    """The periodic sweep: confirmed imports whose message was lost are queued again."""
    return import_runs.requeue_stale_imports()
