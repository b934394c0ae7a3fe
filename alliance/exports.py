"""The export log: every staff download of a file holding personal data is written down."""

import hashlib
import logging

from django.db import transaction

from alliance.models import ExportLog, User

logger = logging.getLogger(__name__)


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@transaction.atomic
def log_export(*, actor: User, what: str, rows: int, content: bytes) -> ExportLog:
    """Records one download (who, when, what, rows, the file's SHA-256); each call adds a row.

    Call it before the file leaves: if the log cannot be written, the file is not sent.
    """
    entry = ExportLog.objects.create(
        actor=actor, what=what[:200], rows=max(rows, 0), sha256=sha256_of(content)
    )
    logger.info("export logged id=%s user_id=%s rows=%s", entry.pk, actor.pk, entry.rows)
    return entry
