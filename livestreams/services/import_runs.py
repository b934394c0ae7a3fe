"""The staff import page's flow: preview a file by a dry run, confirm, import in the background.

A preview is an OrderImport recorded with `is_dry_run`: its file is stored and imported inside a
transaction that is rolled back, so it writes no order. Confirming creates a second OrderImport
on the same stored file(s) (no second upload; the SHA-256 is checked again) and queues the real
import as a Celery task once the confirmation commits. The import runs in one transaction, which
hides its rows from everyone else until it commits, so its progress is written to the cache.
"""

import logging
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from alliance.models import ExportLog, User
from livestreams.models import ImportStatus, OrderImport
from livestreams.services.imports import file_digest, record_import, run_import

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 24 * 60 * 60
# A confirmed import still waiting this long lost its message (a broker restarted empty); one
# still running after the broker's visibility timeout lost its worker and its message.
STALE_PENDING = timedelta(minutes=5)
STALE_RUNNING = timedelta(hours=3)
FINISHED = (ImportStatus.COMPLETED, ImportStatus.REFUSED, ImportStatus.FAILED)


def progress_key(order_import_id: int) -> str:
    return f"livestreams:import-progress:{order_import_id}"


def _write_progress(order_import_id: int, rows_done: int) -> None:
    """Progress is a convenience: a cache that is down never stops an import."""
    try:
        cache.set(progress_key(order_import_id), rows_done, PROGRESS_SECONDS)
    except Exception as error:  # any cache failure is only logged
        logger.warning("import progress not written (%s: %s)", type(error).__name__, error)


def rows_done(order_import: OrderImport) -> int:
    """Rows processed so far: the cache while it runs, the record once it has finished."""
    if order_import.status in FINISHED:
        return order_import.rows_done
    try:
        return int(cache.get(progress_key(order_import.pk)) or 0)
    except Exception as error:
        logger.warning("import progress not read (%s: %s)", type(error).__name__, error)
        return 0


def progress(order_import: OrderImport) -> dict[str, Any]:
    """What the result page's progress bar shows, as JSON-ready values."""
    done = rows_done(order_import)
    total = max(order_import.rows_total, done)
    return {
        "id": order_import.pk,
        "status": order_import.status,
        "status_label": str(order_import.get_status_display()),
        "rows_done": done,
        "rows_total": total,
        "percent": round(100 * done / total) if total else 0,
        "finished": order_import.status in FINISHED,
    }


def _run(order_import: OrderImport) -> None:
    """Runs a recorded import; an unexpected error marks it failed (nothing was written)."""
    try:
        run_import(order_import, progress=lambda rows: _write_progress(order_import.pk, rows))
    except DatabaseError:
        raise  # a lost connection: the task retries, the import is idempotent
    except Exception:
        logger.exception("import %s failed", order_import.pk)
        OrderImport.objects.filter(pk=order_import.pk).update(
            status=ImportStatus.FAILED,
            refusal=_("The import stopped with an unexpected error; nothing was written."),
            finished_at=timezone.now(),
        )


def preview_import(
    *, files: list[tuple[str, IO[bytes]]], platform: str | None, actor: User
) -> OrderImport:
    """Stores the file(s) and imports them in a rolled-back transaction: the preview's figures.

    Each call records a new preview; no order, line or seller order is written.
    """
    preview = record_import(files=files, actor=actor, platform=platform, dry_run=True)
    _run(preview)
    preview.refresh_from_db()
    return preview


def confirmed_import(preview: OrderImport) -> OrderImport | None:
    """The real import a preview was confirmed into, if it was."""
    return (
        OrderImport.objects.filter(is_dry_run=False, file=preview.file.name, sha256=preview.sha256)
        .order_by("pk")
        .first()
    )


def _stored_digest(order_import: OrderImport) -> str:
    handles = [order_import.file.open("rb")]
    if order_import.companion_file:
        handles.append(order_import.companion_file.open("rb"))
    try:
        return file_digest(handles)
    finally:
        for handle in handles:
            handle.close()


@transaction.atomic
def confirm_import(*, preview: OrderImport, actor: User) -> OrderImport:
    """Queues the real import of a previewed file; confirming it again returns the same import.

    Refuses a preview that was refused or failed, and a stored file that no longer has the
    SHA-256 the preview read.
    """
    preview = OrderImport.objects.select_for_update().get(pk=preview.pk)
    if not preview.is_dry_run:
        raise ValidationError(_("Only a preview can be confirmed."), code="not_a_preview")
    if preview.status != ImportStatus.COMPLETED:
        raise ValidationError(
            _("This file was not imported in the preview, so it cannot be confirmed."),
            code="not_importable",
        )
    already = confirmed_import(preview)
    if already is not None:
        return already
    try:
        digest = _stored_digest(preview)
    except OSError as error:
        raise ValidationError(
            _("The stored file is gone; upload it again."), code="file_missing"
        ) from error
    if digest != preview.sha256:
        raise ValidationError(
            _("The stored file changed since the preview; upload it again."), code="file_changed"
        )
    order_import = OrderImport.objects.create(
        platform=preview.platform,
        file=preview.file.name,
        companion_file=preview.companion_file.name if preview.companion_file else "",
        file_names=preview.file_names,
        sha256=preview.sha256,
        uploaded_by=actor,
        rows_total=preview.rows_total,
    )
    transaction.on_commit(lambda: enqueue(order_import.pk))
    return order_import


def enqueue(order_import_id: int) -> None:
    """Hands the import to a worker; with the broker down it runs here and now instead."""
    from livestreams.tasks import run_order_import

    _write_progress(order_import_id, 0)
    if run_order_import.app.conf.task_always_eager:
        run_order_import.delay(order_import_id)  # in-process (the embedded default, tests)
        return
    try:
        run_order_import.apply_async(
            args=(order_import_id,),
            retry=True,
            retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
        )
    except Exception as error:  # the broker is down or slow
        logger.warning(
            "broker unavailable (%s: %s); import %s runs in the web process",
            type(error).__name__,
            error,
            order_import_id,
        )
        run_recorded_import(order_import_id=order_import_id)


@transaction.atomic
def log_download(*, actor: User, order_import: OrderImport, companion: bool) -> ExportLog:
    """Writes one download of an import's stored file (it holds recipients) to the export log.

    Like alliance.exports.log_export, but the file is hashed as it is read, never held whole.
    Each call adds a row; call it before the file leaves.
    """
    stored = order_import.companion_file if companion else order_import.file
    with stored.open("rb") as handle:
        digest = file_digest([handle])
    with override(settings.LANGUAGE_CODE):
        what = _("Order export %(name)s (import %(id)d)") % {
            "name": stored.name.rsplit("/", 1)[-1],
            "id": order_import.pk,
        }
    entry = ExportLog.objects.create(
        actor=actor, what=what[:200], rows=order_import.rows_total, sha256=digest
    )
    logger.info("export logged id=%s user_id=%s rows=%s", entry.pk, actor.pk, entry.rows)
    return entry


def run_recorded_import(*, order_import_id: int) -> str:
    """Runs a confirmed import unless it has finished already (a message delivered twice).

    An import found running again is one whose worker died: its transaction was rolled back,
    so it runs again (importing is idempotent). Returns the import's status.
    """
    order_import = OrderImport.objects.filter(pk=order_import_id).first()
    if order_import is None or order_import.status in FINISHED:
        return order_import.status if order_import else "missing"
    _run(order_import)
    order_import.refresh_from_db(fields=["status"])
    return order_import.status


def requeue_stale_imports() -> int:
    """Queues again the confirmed imports whose message was lost; returns how many.

    Safe to repeat: an import that finishes meanwhile is skipped by the task, and importing is
    idempotent.
    """
    now = timezone.now()
    stale = OrderImport.objects.filter(is_dry_run=False).filter(
        Q(status=ImportStatus.PENDING, created_at__lt=now - STALE_PENDING)
        | Q(status=ImportStatus.RUNNING, created_at__lt=now - STALE_RUNNING)
    )
    ids = list(stale.order_by("pk").values_list("pk", flat=True))
    for order_import_id in ids:
        logger.warning("import %s was waiting without a worker; queued again", order_import_id)
        enqueue(order_import_id)
    return len(ids)
