"""The interface every notification channel implements, and a safe HTTP POST."""

import json
import time
import urllib.error
import urllib.request
from typing import Any

from alliance.models import Member


class DeliveryError(Exception):
    """A message did not get through. `permanent`: retrying cannot help (a 4xx, a bad address)."""

    def __init__(self, detail: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail[:300]
        self.permanent = permanent
        self.retry_after = retry_after


class NotificationSender:
    """One channel. `send` delivers one text (a digest of one seller's orders) or raises."""

    name = ""

    def enabled_for(self, member: Member) -> bool:
        raise NotImplementedError

    def send(self, *, member: Member, text: str, idempotency_key: str) -> None:
        raise NotImplementedError


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer we do not follow (SSRF)


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_json(
    url: str, payload: dict[str, Any], *, headers: dict[str, str], timeout: float
) -> tuple[int, bytes]:
    """POSTs JSON; returns (status, body) for 2xx; raises DeliveryError for everything else.

    Timeouts, lost connections, 5xx and 429 can recover (retry); other 4xx and 3xx cannot.
    """
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (the URL was checked by the caller)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )
    started = time.monotonic()
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read(65536)
    except urllib.error.HTTPError as error:
        status = error.code
        retry_after = _retry_after(error.headers.get("Retry-After"))
        if status == 429 or status >= 500:
            raise DeliveryError(
                f"HTTP {status}", permanent=False, retry_after=retry_after
            ) from error
        raise DeliveryError(f"HTTP {status}", permanent=True) from error
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        elapsed = time.monotonic() - started
        reason = getattr(error, "reason", error)
        raise DeliveryError(
            f"{type(reason).__name__} after {elapsed:.1f}s", permanent=False
        ) from error


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
