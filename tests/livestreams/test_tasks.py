"""The import task: thin, idempotent, retried on a lost database, progress in the cache, and the
import still runs when the broker is down."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from livestreams import tasks
from livestreams.models import ImportStatus, Order, OrderImport, OrderLineChange
from livestreams.services import import_runs
from livestreams.tasks import requeue_stale_imports, run_order_import
from tests.factories import StaffUserFactory
from tests.livestreams.conftest import DATA

pytestmark = pytest.mark.django_db

SAMPLE = "douyin/douyin_orders_20220907.csv"


def confirmed_import(**extra) -> OrderImport:
    """An import waiting for its worker, as confirm_import leaves it."""
    content = (DATA / SAMPLE).read_bytes()
    values = {
        "platform": "douyin",
        "file": ContentFile(content, name="douyin_orders_20220907.csv"),
        "file_names": "douyin_orders_20220907.csv",
        "sha256": "0" * 64,
        "uploaded_by": StaffUserFactory(),
        "rows_total": 42,
    }
    return OrderImport.objects.create(**{**values, **extra})


def test_the_task_is_named_and_acknowledged_late():
    assert run_order_import.name == "livestreams.run_order_import"
    assert run_order_import.acks_late is True
    assert run_order_import.reject_on_worker_lost is True


def test_the_task_imports_the_confirmed_file(sample_catalogue):
    order_import = confirmed_import()

    assert run_order_import.delay(order_import.pk).get() == ImportStatus.COMPLETED

    order_import.refresh_from_db()
    assert order_import.status == ImportStatus.COMPLETED
    assert order_import.counts["orders_created"] == 26
    assert order_import.rows_done == order_import.rows_total == 42
    assert Order.objects.filter(last_import=order_import).count() == 26


def test_a_message_delivered_twice_imports_once(sample_catalogue, monkeypatch):
    order_import = confirmed_import()
    run_order_import.delay(order_import.pk)
    runs = []
    monkeypatch.setattr(import_runs, "run_import", lambda *a, **k: runs.append(a))

    assert run_order_import.delay(order_import.pk).get() == ImportStatus.COMPLETED
    assert runs == []


def test_an_import_whose_worker_died_runs_again(sample_catalogue):
    order_import = confirmed_import(status=ImportStatus.RUNNING)

    run_order_import.delay(order_import.pk)

    order_import.refresh_from_db()
    assert order_import.status == ImportStatus.COMPLETED
    assert Order.objects.count() == 26
    assert not OrderLineChange.objects.exists()


def test_progress_goes_to_the_cache_while_the_import_runs(sample_catalogue, monkeypatch):
    order_import = confirmed_import()
    seen = []
    real = import_runs.run_import

    def watched(recorded, *, progress):
        progress(1000)
        seen.append(import_runs.progress(OrderImport.objects.get(pk=recorded.pk)))
        return real(recorded, progress=progress)

    monkeypatch.setattr(import_runs, "run_import", watched)
    run_order_import.delay(order_import.pk)

    assert seen[0]["rows_done"] == 1000 and seen[0]["finished"] is False
    assert cache.get(import_runs.progress_key(order_import.pk)) == 1000


def test_a_cache_that_is_down_does_not_stop_the_import(sample_catalogue, monkeypatch):
    order_import = confirmed_import()

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "set", broken)
    monkeypatch.setattr(cache, "get", broken)
    run_order_import.delay(order_import.pk)

    order_import.refresh_from_db()
    assert order_import.status == ImportStatus.COMPLETED
    assert import_runs.progress(confirmed_import(status=ImportStatus.RUNNING))["rows_done"] == 0


def test_a_lost_database_connection_is_retried(monkeypatch):
    calls = []

    def lost(*, order_import_id):
        calls.append(order_import_id)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks.import_runs, "run_recorded_import", lost)
    # In-process (eager) Celery reports the retry the task asked for instead of scheduling it.
    with pytest.raises(Retry) as retry:
        run_order_import.delay(7)
    assert calls == [7]
    assert isinstance(retry.value.exc, OperationalError)
    assert retry.value.when == tasks.RETRY_SECONDS


@pytest.mark.usefixtures("english")
def test_an_unexpected_error_marks_the_import_failed_and_writes_nothing(
    sample_catalogue, monkeypatch
):
    order_import = confirmed_import()

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(import_runs, "run_import", broken)
    assert run_order_import.delay(order_import.pk).get() == ImportStatus.FAILED

    order_import.refresh_from_db()
    assert order_import.refusal == (
        "The import stopped with an unexpected error; nothing was written."
    )
    assert order_import.finished_at is not None
    assert not Order.objects.exists()


def test_with_the_broker_down_the_import_runs_in_the_web_process(sample_catalogue, monkeypatch):
    order_import = confirmed_import()
    monkeypatch.setitem(run_order_import.app.conf, "task_always_eager", False)

    def down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_order_import, "apply_async", down)
    import_runs.enqueue(order_import.pk)

    order_import.refresh_from_db()
    assert order_import.status == ImportStatus.COMPLETED
    assert Order.objects.count() == 26


def test_with_a_broker_the_import_is_only_queued(sample_catalogue, monkeypatch):
    order_import = confirmed_import()
    monkeypatch.setitem(run_order_import.app.conf, "task_always_eager", False)
    queued = []
    monkeypatch.setattr(run_order_import, "apply_async", lambda **kw: queued.append(kw["args"]))

    import_runs.enqueue(order_import.pk)

    assert queued == [(order_import.pk,)]
    order_import.refresh_from_db()
    assert order_import.status == ImportStatus.PENDING
    assert import_runs.progress(order_import)["rows_done"] == 0


def test_the_sweep_queues_again_the_imports_whose_message_was_lost(sample_catalogue):
    lost = confirmed_import()
    fresh = confirmed_import()
    stuck = confirmed_import(status=ImportStatus.RUNNING)
    preview = confirmed_import(is_dry_run=True)
    done = confirmed_import(status=ImportStatus.COMPLETED)
    long_ago = timezone.now() - timedelta(hours=4)
    OrderImport.objects.filter(pk__in=[lost.pk, stuck.pk, preview.pk, done.pk]).update(
        created_at=long_ago
    )
    OrderImport.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - timedelta(minutes=1))

    assert requeue_stale_imports.delay().get() == 2

    statuses = dict(OrderImport.objects.values_list("pk", "status"))
    assert statuses[lost.pk] == statuses[stuck.pk] == ImportStatus.COMPLETED
    assert statuses[fresh.pk] == statuses[preview.pk] == ImportStatus.PENDING
    assert statuses[done.pk] == ImportStatus.COMPLETED
    assert Order.objects.count() == 26  # the same file twice: imported once
    assert requeue_stale_imports.delay().get() == 0
