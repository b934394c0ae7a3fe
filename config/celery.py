"""The Celery application. Settings come from Django settings under the CELERY_ namespace."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("fulian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_connections(sender=None, **kwargs) -> None:
    """Gives a task the database connection life of a web request.

    Celery's Django fix-up closes every connection after every task unless CELERY_DB_REUSE_MAX
    is set (celery#9824): a new PostgreSQL backend per task costs more than a forwarding run's
    own queries. With reuse on, this does what Django does around each request: a connection
    that raised an error and no longer answers, or is older than CONN_MAX_AGE, is closed, and
    the next query first checks the connection (CONN_HEALTH_CHECKS), so a connection the
    server dropped (a restart, a terminated backend) is replaced instead of failing the task.
    """
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # in-process: the caller's connection (and transaction) is not ours to close
    from django.db import close_old_connections as close

    close()
