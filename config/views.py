"""Site-wide pages: the public home page and the health check."""

import logging

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from alliance import selectors

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """The public home page: what the alliance is, in figures without personal data."""
    return render(request, "public/home.html", {"figures": selectors.alliance_figures()})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    # Resolved per request: the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def check_database(alias: str) -> dict[str, str]:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not answering"; the kind is reported
        logger.warning("health check: database %s not answering: %s", alias, type(error).__name__)
        return {"status": "unavailable", "error": type(error).__name__}
    return {"status": "ok", "vendor": connections[alias].vendor}


def check_broker() -> dict[str, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "ok", "mode": "in-process"}
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {"status": "unavailable", "error": "unsupported broker"}
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as error:
        logger.warning("health check: broker not answering: %s", type(error).__name__)
        return {"status": "unavailable", "error": type(error).__name__}
    return {"status": "ok", "mode": "redis"}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker both answer; 503 naming the one that does not."""
    checks = {"database": check_database(settings.HEALTH_CHECK_DATABASE), "broker": check_broker()}
    failing = [name for name, result in checks.items() if result["status"] != "ok"]
    body = {"status": "unavailable" if failing else "ok", "failing": failing, **checks}
    return JsonResponse(body, status=503 if failing else 200)
