"""Recording scans without slowing the scan page: a buffer in the process, written in batches.

A scan appends a tuple to a list in memory (no SQL, no cache round trip). The buffer is written
with one bulk INSERT when it holds COURTYARD_SCAN_FLUSH_SIZE scans (in the request that fills
it), by a background thread every COURTYARD_SCAN_FLUSH_SECONDS, and when the process exits
cleanly (atexit: gunicorn's worker exit on SIGTERM/SIGHUP/max-requests, runserver, Celery).
So a clean shutdown loses nothing; a process killed outright (SIGKILL, out of memory, power)
loses at most the scans of its last few seconds — figures, never orders. If the database is
down the scans are kept for the next try (at most MAX_BUFFERED).
"""

import atexit
import logging
import re
import threading
import time
from datetime import datetime
from urllib.parse import urlsplit

from django.db import IntegrityError, close_old_connections, connection
from django.http import HttpRequest
from django.utils import timezone

from courtyards import conf
from courtyards.models import DeviceClass, QrCode, ScanEvent

logger = logging.getLogger(__name__)

MAX_BUFFERED = 10_000
_BOTS = re.compile(r"bot|crawl|spider|slurp|curl|wget|python-|httpclient|headless", re.I)
_TABLETS = re.compile(r"ipad|tablet|(android(?!.*mobile))", re.I)
_PHONES = re.compile(r"mobile|iphone|ipod|android|harmonyos|windows phone", re.I)

Entry = tuple[int, int, int | None, int | None, datetime, str, str, str]

_lock = threading.Lock()
_buffer: list[Entry] = []
_flusher: threading.Thread | None = None


def device_class(user_agent: str) -> str:
    """What kind of device asked, from its User-Agent: WeChat, phone, tablet, computer, robot."""
    if not user_agent:
        return DeviceClass.OTHER
    if "MicroMessenger" in user_agent:
        return DeviceClass.WECHAT
    if _BOTS.search(user_agent):
        return DeviceClass.BOT
    if _TABLETS.search(user_agent):
        return DeviceClass.TABLET
    if _PHONES.search(user_agent):
        return DeviceClass.PHONE
    return DeviceClass.DESKTOP


def referrer_host(request: HttpRequest) -> str:
    """The referring site's host (never its path: it may carry someone's data); '' for ours."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer:
        return ""
    try:
        host = (urlsplit(referer).hostname or "")[:100]
    except ValueError:
        return ""
    return "" if host == request.get_host().split(":")[0] else host


def record(
    *,
    qr_code_id: int,
    courtyard_id: int,
    item_id: int | None,
    design_id: int | None,
    request: HttpRequest,
    source: str,
) -> None:
    """Buffers one scan; writes the buffer when it is full (one INSERT for all of them)."""
    entry = (
        qr_code_id,
        courtyard_id,
        item_id,
        design_id,
        timezone.now(),
        device_class(request.META.get("HTTP_USER_AGENT", "")),
        source,
        referrer_host(request),
    )
    with _lock:
        _buffer.append(entry)
        full = len(_buffer) >= conf.get("COURTYARD_SCAN_FLUSH_SIZE")
    if full:
        flush()
    else:
        _start_flusher()


def buffered() -> int:
    """How many scans wait in this process."""
    with _lock:
        return len(_buffer)


def flush() -> int:
    """Writes every buffered scan in one INSERT; returns how many. Never raises."""
    with _lock:
        batch = list(_buffer)
        _buffer.clear()
    if not batch:
        return 0
    try:
        _insert(batch)
    except IntegrityError:
        # A code deleted since its scan: write the others, drop those.
        known = set(
            QrCode.objects.filter(pk__in={entry[0] for entry in batch}).values_list("pk", flat=True)
        )
        batch = [entry for entry in batch if entry[0] in known]
        try:
            _insert(batch)
        except Exception:
            logger.warning("%d scans dropped", len(batch), exc_info=True)
            return 0
    except Exception:  # the database is down: keep them for the next try
        logger.warning("%d scans not written yet", len(batch), exc_info=True)
        with _lock:
            if len(_buffer) + len(batch) <= MAX_BUFFERED:
                _buffer[:0] = batch
        return 0
    return len(batch)


def _insert(batch: list[Entry]) -> None:
    ScanEvent.objects.bulk_create(
        [
            ScanEvent(
                qr_code_id=qr_code_id,
                courtyard_id=courtyard_id,
                item_id=item_id,
                design_id=design_id,
                scanned_at=scanned_at,
                device=device,
                source=source,
                referrer=referrer,
            )
            for (qr_code_id, courtyard_id, item_id, design_id, scanned_at, device, source,
                 referrer) in batch
        ]
    )  # fmt: skip


def _run_flusher(every: float) -> None:
    while True:
        time.sleep(every)
        if buffered():
            flush()
            close_old_connections()
            connection.close()  # this thread's own connection: never left open between runs


def _start_flusher() -> None:
    global _flusher
    every = conf.get("COURTYARD_SCAN_FLUSH_SECONDS")
    if not every or (_flusher is not None and _flusher.is_alive()):
        return
    with _lock:
        if _flusher is None or not _flusher.is_alive():
            _flusher = threading.Thread(
                target=_run_flusher, args=(every,), name="scan-flusher", daemon=True
            )
            _flusher.start()


def _flush_at_exit() -> None:
    written = flush()
    if written:
        logger.info("wrote %d buffered scans at exit", written)


atexit.register(_flush_at_exit)
