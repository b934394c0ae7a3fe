"""The site's URLs plus /bench/bare/, the benchmark's baseline (never in production)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_patterns

BARE_BODY = b'{"status":"ok"}'


def bare(request: HttpRequest) -> HttpResponse:
    """The least a Django view can do: a constant JSON body through the site's middleware."""
    return HttpResponse(BARE_BODY, content_type="application/json")


urlpatterns = [path("bench/bare/", bare), *site_patterns]
