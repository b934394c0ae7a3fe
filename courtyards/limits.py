"""Rate limits of the public courtyard forms and of unknown codes (RELIABILITY.md §3.5, §3.7).

Counters live in the shared cache with atomic increments (one per client address, one per
mobile number, per window). Only POSTs and unknown codes are counted: a crowd scanning real
codes at a village event is never slowed. When the cache cannot be reached the limits let
everything through and log a warning (at most once a minute): a visitor is never refused
because Redis is down, and the forms' other defences (CSRF, honeypot, validation) still hold.
"""

import hashlib
import logging
import time
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import ngettext

from alliance.auth import client_ip
from config.api import increment_counter
from courtyards import conf

logger = logging.getLogger(__name__)

_last_warning = 0.0


def _warn_cache_down() -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("courtyard rate limits: the cache is unavailable; requests are let through")


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def _count(key: str, window: int) -> tuple[int, int] | None:
    """This window's count after adding one, and the seconds left in it; None if unknown."""
    now = time.time()
    slot = int(now // window)
    try:
        count = increment_counter(f"{key}:{slot}", timeout=window + 1)
    except Exception:
        _warn_cache_down()
        return None
    return count, int((slot + 1) * window - now) + 1


def check_post(request: HttpRequest, action: str) -> Refusal | None:
    """Counts a POST of a public form from the client's address; a Refusal when over the limit."""
    window = conf.get("COURTYARD_POST_WINDOW_SECONDS")
    counted = _count(f"courtyards:post:{action}:ip:{client_ip(request)}", window)
    if counted is None or counted[0] <= conf.get("COURTYARD_POSTS_PER_IP"):
        return None
    minutes = _minutes(counted[1])
    message = ngettext(
        "Too many tries from your network. Please wait %(minutes)d minute and try again.",
        "Too many tries from your network. Please wait %(minutes)d minutes and try again.",
        minutes,
    )
    return Refusal(message % {"minutes": minutes}, counted[1])


def check_mobile(mobile: str, action: str) -> Refusal | None:
    """Counts a request for a mobile number (hashed: no phone number in the cache's keys)."""
    window = conf.get("COURTYARD_POST_WINDOW_SECONDS")
    digest = hashlib.sha256(f"courtyards:{mobile}".encode()).hexdigest()[:24]
    counted = _count(f"courtyards:post:{action}:mobile:{digest}", window)
    if counted is None or counted[0] <= conf.get("COURTYARD_POSTS_PER_MOBILE"):
        return None
    minutes = _minutes(counted[1])
    message = ngettext(
        "Too many requests for this mobile number. Please wait %(minutes)d minute and try again.",
        "Too many requests for this mobile number. Please wait %(minutes)d minutes and try again.",
        minutes,
    )
    return Refusal(message % {"minutes": minutes}, counted[1])


def check_miss(request: HttpRequest) -> Refusal | None:
    """Counts an unknown code asked for by the client's address (someone guessing tokens)."""
    window = conf.get("COURTYARD_MISS_WINDOW_SECONDS")
    counted = _count(f"courtyards:miss:ip:{client_ip(request)}", window)
    if counted is None or counted[0] <= conf.get("COURTYARD_MISSES_PER_IP"):
        return None
    minutes = _minutes(counted[1])
    message = ngettext(
        "Too many unknown codes from your network. Please wait %(minutes)d minute.",
        "Too many unknown codes from your network. Please wait %(minutes)d minutes.",
        minutes,
    )
    return Refusal(message % {"minutes": minutes}, counted[1])
