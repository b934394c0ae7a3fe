"""The WeCom (企业微信) group-robot webhook a member set up for her group.

The URL is checked against the allow-list again at send time (it was checked at save); it is a
secret (its key), so it is never logged. WeCom allows 20 messages a minute per robot: a counter
in the shared cache enforces that across every worker, and a message over the limit waits.
"""

import hashlib
import json
import time

from django.conf import settings
from django.core.exceptions import ValidationError

from alliance.models import Member
from alliance.validators import validate_wecom_webhook_url
from config.api import increment_counter
from livestreams.notifications.base import DeliveryError, NotificationSender, post_json

# WeCom error codes that mean "wait and try again"; any other non-zero code is permanent.
TRANSIENT_ERRCODES = {-1, 45009, 45033}


class WeComSender(NotificationSender):
    name = "wecom"

    def enabled_for(self, member: Member) -> bool:
        return member.notify_by_wecom and bool(member.wecom_webhook_url)

    def send(self, *, member: Member, text: str, idempotency_key: str) -> None:
        url = member.wecom_webhook_url
        try:
            validate_wecom_webhook_url(url)
        except ValidationError as error:
            raise DeliveryError("webhook address not allowed", permanent=True) from error
        _take_rate_slot(url)
        _status, body = post_json(
            url,
            {"msgtype": "text", "text": {"content": text}},
            headers={"Idempotency-Key": idempotency_key},
            timeout=settings.NOTIFY_HTTP_TIMEOUT,
        )
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            answer = {}
        errcode = answer.get("errcode", 0) if isinstance(answer, dict) else 0
        if errcode:
            raise DeliveryError(
                f"WeCom errcode {errcode}", permanent=errcode not in TRANSIENT_ERRCODES
            )


def _take_rate_slot(url: str) -> None:
    robot = hashlib.sha256(url.encode()).hexdigest()[:16]
    minute = int(time.time() // 60)
    try:
        used = increment_counter(f"wecom-rate:{robot}:{minute}", timeout=120)
    except Exception:  # no shared cache: do not block delivery on it
        return
    if used > settings.WECOM_MESSAGES_PER_MINUTE:
        raise DeliveryError(
            "WeCom robot rate limit (20 a minute)",
            permanent=False,
            retry_after=60 - time.time() % 60 + 1,
        )
