"""What every endpoint of the public API shares: JSON errors, keyset pages, throttles, docs access.

Every error the API answers is JSON of one shape, documented in the schema as `Error`:
{"code": "<stable code>", "message": "<for people, Chinese by default>", "details": {...}}.
The code is a contract with the mini-program; the message may change with the wording.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import time
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import exceptions, permissions, serializers, throttling
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from alliance.auth import client_ip

if TYPE_CHECKING:
    from rest_framework.views import APIView

# Nothing here may import rest_framework.views at load time: DRF's APIView imports the throttles
# below while it is being defined.

logger = logging.getLogger(__name__)

# --- Errors --------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documentation only: errors are built below)."""

    code = serializers.CharField(
        help_text=gettext_lazy(
            "A stable code for programs: invalid, invalid_cursor, not_authenticated, "
            "permission_denied, not_found, method_not_allowed, not_acceptable, throttled, "
            "server_error."
        )
    )
    message = serializers.CharField(
        help_text=gettext_lazy("What went wrong, for people (Chinese unless English is chosen).")
    )
    details = serializers.DictField(
        required=False,
        help_text=gettext_lazy(
            "For invalid: each parameter's problems as a list of messages. "
            "For throttled: retry_after, the seconds to wait."
        ),
    )


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return body


def _field_errors(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(field): [str(message) for message in messages]
            if isinstance(messages, list)
            else [str(messages)]
            for field, messages in detail.items()
        }
    return {"non_field_errors": [str(message) for message in detail]}


def _describe(exc: exceptions.APIException) -> tuple[str, str, dict[str, Any]]:
    """The code, message and details of an API exception."""
    detail = exc.detail
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else None
        message = _("Too many requests; please wait a little and try again.")
        return "throttled", message, ({"retry_after": wait} if wait is not None else {})
    if isinstance(detail, (dict, list)):
        message = _("Some parameters are not valid; see details.")
        return exc.default_code, message, _field_errors(detail)
    if isinstance(exc, exceptions.NotFound) and detail.code == exc.default_code:
        # Never echo "No Product matches the given query": the same words for every 404.
        return "not_found", _("Not found."), {}
    return str(detail.code or exc.default_code), str(detail), {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler for the API: every error as {code, message, details}."""
    from rest_framework.views import set_rollback

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        if settings.DEBUG:
            return None  # Django's debug page with the traceback
        logger.error("unhandled error in the API", exc_info=exc)
        set_rollback()
        return Response(server_error_body(), status=500)
    code, message, details = _describe(exc)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(math.ceil(exc.wait))
    set_rollback()
    return Response(error_body(code, message, details), status=exc.status_code, headers=headers)


def server_error_body() -> dict[str, Any]:
    return error_body(
        "server_error", _("Something went wrong on our side. Please try again later.")
    )


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """A JSON 404 for any /api/ address that names no endpoint."""
    return JsonResponse(
        error_body("not_found", _("Not found.")),
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500 for the site: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            server_error_body(), status=500, json_dumps_params={"ensure_ascii": False}
        )
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request)


def _example(name: str, code: str, message: str, details: dict | None = None) -> OpenApiExample:
    return OpenApiExample(name, value=error_body(code, message, details), response_only=True)


ERROR_RESPONSES: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(
        ErrorSerializer,
        description=gettext_lazy("A parameter is not valid."),
        examples=[
            _example(
                "invalid",
                "invalid",
                "部分参数无效，详见 details。",
                {"month": ["确保该值小于或等于12。"]},
            ),
            _example("invalid_cursor", "invalid_cursor", "翻页游标无效，请从第一页重新开始。"),
        ],
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description=gettext_lazy("No such object, or it is not public."),
        examples=[_example("not_found", "not_found", "未找到。")],
    ),
    405: OpenApiResponse(
        ErrorSerializer,
        description=gettext_lazy("The API is read-only: only GET, HEAD and OPTIONS."),
        examples=[_example("method_not_allowed", "method_not_allowed", "方法 “POST” 不被允许。")],
    ),
    429: OpenApiResponse(
        ErrorSerializer,
        description=gettext_lazy(
            "Too many requests from this address; the Retry-After header says when to retry."
        ),
        examples=[
            _example("throttled", "throttled", "请求太频繁，请稍后再试。", {"retry_after": 12})
        ],
    ),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error responses of an endpoint (405 and 429 always)."""
    return {status: ERROR_RESPONSES[status] for status in sorted({*statuses, 405, 429})}


# --- Pagination ----------------------------------------------------------------------------------


class KeysetPagination(BasePagination):
    """Cursor pagination: each page continues after the last row shown, whatever was added since.

    The ordering ends with a unique field (the id), and the cursor holds the ordering values of
    the row it continues from, so a page is one indexed range query however deep it is and no
    row is skipped or repeated among ties. No count: the page size is the work.
    """

    page_size = 20
    max_page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering: tuple[str, ...] = ("id",)

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        return self.ordering

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        self.base_url = request.build_absolute_uri()
        size = self.get_page_size(request)
        self.current_ordering = self.get_ordering(request, queryset, view)
        position, reverse = self.decode_cursor(request, queryset)
        ordering = _reversed(self.current_ordering) if reverse else self.current_ordering
        queryset = queryset.order_by(*ordering)
        if position is not None:
            queryset = queryset.filter(_after(position, ordering))
        rows = list(queryset[: size + 1])
        page = rows[:size]
        more = len(rows) > size
        if reverse:
            page.reverse()
        self.has_next = (position is not None) if reverse else more
        self.has_previous = more if reverse else (position is not None)
        self.page = page
        return page

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            message = _("Enter a whole number from 1 to %(most)s.") % {"most": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return min(size, self.max_page_size)  # more than the most gives the most

    def decode_cursor(self, request: Request, queryset: QuerySet) -> tuple[list | None, bool]:
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None, False
        try:
            cursor = json.loads(base64.urlsafe_b64decode(encoded.encode("ascii")))
            if cursor["o"] != ",".join(self.current_ordering):
                raise ValueError("the cursor belongs to another ordering")
            values = cursor["p"]
            if not isinstance(values, list) or len(values) != len(self.current_ordering):
                raise ValueError("the cursor's position does not fit the ordering")
            position = [
                _to_python(queryset, field.lstrip("-"), value)
                for field, value in zip(self.current_ordering, values, strict=True)
            ]
            return position, bool(cursor["r"])
        except (ValueError, TypeError, KeyError, UnicodeError, DjangoValidationError) as error:
            raise exceptions.ParseError(
                _("This page cursor is not valid; start again from the first page."),
                code="invalid_cursor",
            ) from error

    def _link(self, row: Any, reverse: bool) -> str:
        values = [_json_value(getattr(row, field.lstrip("-"))) for field in self.current_ordering]
        cursor = {"o": ",".join(self.current_ordering), "p": values, "r": int(reverse)}
        encoded = base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode())
        return replace_query_param(self.base_url, self.cursor_query_param, encoded.decode())

    def get_next_link(self) -> str | None:
        return self._link(self.page[-1], reverse=False) if self.has_next and self.page else None

    def get_previous_link(self) -> str | None:
        return self._link(self.page[0], reverse=True) if self.has_previous and self.page else None

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "format": "uri", "nullable": True}
        next_example = "https://fulian.example.cn/api/v1/products/?cursor=eyJvIjoiLWNyZWF0ZWRfYXQ"
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    **link,
                    "description": str(_("The next page; null on the last.")),
                    "example": next_example,
                },
                "previous": {
                    **link,
                    "description": str(_("The page before; null on the first.")),
                    "example": None,
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Where a page starts: take it from the next or previous link as it is.")
                ),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Results per page: %(default)s by default, %(most)s at most.")
                    % {"default": self.page_size, "most": self.max_page_size}
                ),
                "schema": {"type": "integer", "minimum": 1, "default": self.page_size},
            },
        ]


def _reversed(ordering: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(field[1:] if field.startswith("-") else f"-{field}" for field in ordering)


def _after(position: list[Any], ordering: tuple[str, ...]) -> Q:
    """Rows that come after a position in an ordering (lexicographic over its fields)."""
    after, equal = Q(), Q()
    for field, value in zip(ordering, position, strict=True):
        name = field.lstrip("-")
        lookup = "lt" if field.startswith("-") else "gt"
        after |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    return after


def _to_python(queryset: QuerySet, name: str, value: Any) -> Any:
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        field = annotation.output_field
    else:
        field = queryset.model._meta.get_field(name)
    result = field.to_python(value)
    if result is None or (isinstance(result, datetime) and timezone.is_naive(result)):
        raise ValueError("not a position")
    return result


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# --- The cache's Redis, straight ----------------------------------------------------------------

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
_redis_clients: dict[tuple, redis.Redis] = {}


def redis_client() -> redis.Redis | None:
    """A client of the default cache's Redis server, one per process; None for other backends.

    Django's RedisCache builds a new redis.Redis for every call, which costs more than the
    round trip (about 0.2 ms each, measured); the API's hot paths (throttle counter, response
    cache) talk to the same server through this one client, with keys made by the cache.
    """
    config = settings.CACHES["default"]
    location = config.get("LOCATION")
    if config["BACKEND"] != REDIS_BACKEND or not isinstance(location, str) or "," in location:
        return None
    options = config.get("OPTIONS", {})
    timeouts = {
        name: options[name]
        for name in ("socket_connect_timeout", "socket_timeout")
        if name in options
    }
    identity = (location, tuple(sorted(timeouts.items())))
    client = _redis_clients.get(identity)
    if client is None:
        client = _redis_clients[identity] = redis.Redis.from_url(location, **timeouts)
    return client


# --- Throttles -----------------------------------------------------------------------------------

# After a failure the API leaves the cache alone for a few seconds: a frozen Redis would
# otherwise cost every request its socket timeouts (2 s each) before failing open.
CACHE_RETRY_SECONDS = 5.0
_cache_down_until = 0.0
_last_warning = 0.0
_clock = time.monotonic  # a name tests can replace


def cache_is_down() -> bool:
    """Whether the cache failed in this process within the last CACHE_RETRY_SECONDS."""
    return _clock() < _cache_down_until


def mark_cache_down() -> None:
    """Records a cache failure: throttles let requests through, responses are computed."""
    global _cache_down_until, _last_warning
    now = _clock()
    _cache_down_until = now + CACHE_RETRY_SECONDS
    # At most one warning a minute per process: an outage would otherwise log every request.
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning(
            "API: the cache is unavailable; throttles let requests through and responses are "
            "computed, for %s s before trying again",
            CACHE_RETRY_SECONDS,
            exc_info=True,
        )


def increment_counter(key: str, timeout: int) -> int:
    """Adds one to a counter in the cache that expires after timeout seconds; returns it."""
    client = redis_client()
    if client is not None:  # one round trip: create with its expiry if new, then count
        pipeline = client.pipeline(transaction=False)
        full_key = cache.make_and_validate_key(key)
        pipeline.set(full_key, 0, ex=timeout, nx=True)
        pipeline.incr(full_key)
        return int(pipeline.execute()[1])
    try:
        return cache.incr(key)
    except ValueError:  # no counter yet in this window
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)


Counter = tuple[str, int, float]


class FixedWindowThrottleMixin:
    """A counter per client and window in the cache instead of DRF's list of timestamps.

    DRF's throttle stores every request's time and rewrites the list on each request; one
    counter per window costs one increment whatever the rate. It fails open: when the cache
    cannot be reached the request is allowed and a warning logged, never an error for the client.
    """

    rate: str | None
    scope: str
    num_requests: int
    duration: int
    wait_seconds: float | None = None

    def get_rate(self) -> str | None:
        # Read per request, not at import like DRF, so settings (and tests) can change the rates.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request: HttpRequest) -> str:
        return client_ip(request)  # REMOTE_ADDR unless PROXY_COUNT trusted proxies say otherwise

    def counter(self, request: HttpRequest, view: APIView | None) -> Counter | None:
        """This request's counter: its key, expiry and the time now; None when not limited."""
        if self.rate is None:
            return None
        key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if key is None:
            return None
        now = time.time()
        return f"{key}:{int(now // self.duration)}", self.duration + 1, now

    def admit(self, count: int, now: float) -> bool:
        """Whether the count of the window allows the request; sets the wait when it does not."""
        if count <= self.num_requests:
            return True
        self.wait_seconds = (int(now // self.duration) + 1) * self.duration - now
        return False

    def allow_request(self, request: HttpRequest, view: APIView | None) -> bool:
        if getattr(request, "api_throttle_counted", False):
            return True  # already counted, with the response cache's read (products.api)
        if cache_is_down():
            return True
        counter = self.counter(request, view)
        if counter is None:
            return True
        try:
            count = increment_counter(counter[0], timeout=counter[1])
        except Exception:  # the cache server is down or slow: let the request through
            mark_cache_down()
            return True
        return self.admit(count, counter[2])

    def wait(self) -> float | None:
        return self.wait_seconds


class AnonRateThrottle(FixedWindowThrottleMixin, throttling.AnonRateThrottle):
    """Requests without a login, per client address: API_ANON_RATE."""


class UserRateThrottle(FixedWindowThrottleMixin, throttling.UserRateThrottle):
    """Requests with a login, per user: API_USER_RATE (DRF's also counts anonymous ones)."""

    def get_cache_key(self, request: HttpRequest, view: APIView | None) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # AnonRateThrottle's
        return super().get_cache_key(request, view)


def count_and_read(
    request: HttpRequest, throttle_classes: list[type], keys: list[str]
) -> tuple[bool, list[Any]]:
    """Counts a request against its throttles and reads cache keys: one round trip on Redis.

    Returns whether the throttles let the request through and each key's value (None when
    absent). Raises when the cache cannot be reached; the caller then fails open.
    """
    throttles = [throttle_class() for throttle_class in throttle_classes]
    counters = [
        (throttle, counter)
        for throttle in throttles
        if (counter := throttle.counter(request, None)) is not None
    ]
    client = redis_client()
    if client is None:
        counts = [increment_counter(key, timeout) for _, (key, timeout, _now) in counters]
        found = cache.get_many(keys)
        values = [found.get(key) for key in keys]
    else:
        pipeline = client.pipeline(transaction=False)
        for _, (key, timeout, _now) in counters:
            full_key = cache.make_and_validate_key(key)
            pipeline.set(full_key, 0, ex=timeout, nx=True)
            pipeline.incr(full_key)
        pipeline.mget([cache.make_and_validate_key(key) for key in keys])
        results = pipeline.execute()
        counts = [int(count) for count in results[1:-1:2]]
        values = results[-1]
    allowed = all(
        throttle.admit(count, counter[2])
        for (throttle, counter), count in zip(counters, counts, strict=True)
    )
    return allowed, values


# --- Permissions and the documentation pages -----------------------------------------------------


class DocsPermission(permissions.BasePermission):
    """The schema and its docs page: public unless API_DOCS_PUBLIC is off, then staff only."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if settings.API_DOCS_PUBLIC:
            return True
        return bool(request.user and request.user.is_staff)
