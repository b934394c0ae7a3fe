"""The public catalogue API for the mini-program (/api/v1/): products, categories, sellers.

Anonymous and read-only. Anonymous GETs are answered from a cache of rendered responses, each
stored with the catalogue's version (products.cache) and used only while that version is current,
so a seller's edit is visible on the next request after it commits; see `cached_catalogue`.
"""

import hashlib
import pickle
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance.models import Enterprise, Member, MemberStatus
from config.api import (
    KeysetPagination,
    cache_is_down,
    count_and_read,
    error_responses,
    mark_cache_down,
    redis_client,
)
from products.cache import VERSION_KEY, catalogue_version
from products.filters import ProductFilter, ordering_fields
from products.models import Category, Product, ProductStatus
from products.selectors import public_products
from products.serializers import (
    CategoryTreeSerializer,
    ProductCardSerializer,
    ProductDetailSerializer,
    SellerSerializer,
)

PAGINATION_PARAMS = frozenset({"cursor", "page_size"})
STORED_HEADERS = ("Content-Type", "Allow", "Vary")

# --- Reads only the API makes -------------------------------------------------------------------


def catalogue_products() -> QuerySet[Product]:
    """public_products() with six tables joined and the small rest prefetched (same rows)."""
    # Joining all nine made PostgreSQL spend 10-15 ms planning each page against 1 ms running
    # it (measured at 5,000 products): the planner's join search grows steeply past six.
    return (
        public_products()
        .select_related(None)
        .select_related("category__parent", "seller__village__township")
        .prefetch_related("origin_village__township", "enterprise", "partner_federation")
    )


def public_sellers() -> QuerySet[Member]:
    """Active sellers with their village, active enterprises and number of products on sale."""
    on_sale = Q(products__status=ProductStatus.ON_SALE)
    enterprises = Enterprise.objects.filter(is_active=True).only("id", "name", "owner_id")
    return (
        Member.objects.filter(is_seller=True, status=MemberStatus.ACTIVE)
        .select_related("village__township")
        .prefetch_related(Prefetch("enterprises", queryset=enterprises.order_by("name")))
        .annotate(products_on_sale=Count("products", filter=on_sale))
    )


def category_tree() -> list[dict[str, Any]]:
    """Top categories and their children, each counting the products the list would show."""
    # Counted like public_products(): on sale and by an active seller, so that a category's
    # number is what ?category= returns.
    public = Q(products__status=ProductStatus.ON_SALE, products__seller__status=MemberStatus.ACTIVE)
    counted = Category.objects.annotate(product_count=Count("products", filter=public))
    tops = counted.filter(parent__isnull=True).prefetch_related(
        Prefetch("children", queryset=counted.order_by("position", "name"))
    )
    return [
        {
            "id": top.pk,
            "name": top.name,
            "product_count": top.product_count
            + sum(child.product_count for child in top.children.all()),
            "children": list(top.children.all()),
        }
        for top in tops.order_by("position", "name")
    ]


# --- The response cache -------------------------------------------------------------------------


def _may_use_cache(request: HttpRequest) -> bool:
    """Anonymous GETs that want JSON; anything with a login goes the whole way every time."""
    if request.method != "GET" or settings.API_CACHE_SECONDS <= 0:
        return False
    if "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    accept = request.META.get("HTTP_ACCEPT", "")
    return not accept or "json" in accept or "*/*" in accept or "application/*" in accept


def response_cache_key(request: HttpRequest, params: frozenset[str] | None) -> str:
    """The cache key of a response: scheme and host, language, path, the parameters it reads."""
    # Only parameters the view reads (all of them when it does not say), names sorted, each
    # name's values in their order (the view reads the last): `?_t=123` cannot split the
    # cache, `?a=1&b=2` equals `?b=2&a=1`.
    query = urlencode(
        [
            (name, value)
            for name in sorted(request.GET)
            if params is None or name in params
            for value in request.GET.getlist(name)
        ]
    )
    raw = "\n".join((request.scheme, request.get_host(), get_language() or "", request.path, query))
    return f"api:v1:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"


# An entry is (catalogue version, body, headers), pickled: it answers while the version is current.
Entry = tuple[str, bytes, dict[str, str]]


def _read(request: HttpRequest, view_class: type, key: str) -> tuple[bool, str, Entry | None]:
    """Counts the request (throttles) and reads the catalogue version and the entry at once."""
    allowed, (version, raw) = count_and_read(
        request, view_class.throttle_classes, [VERSION_KEY, key]
    )
    if version is None:
        return allowed, catalogue_version(), None  # a fresh cache: products.cache starts it
    version = version.decode() if isinstance(version, bytes) else str(version)
    entry = pickle.loads(raw) if raw is not None else None  # noqa: S301 (only our own entries)
    return allowed, version, entry


def _store(key: str, entry: Entry) -> None:
    value = pickle.dumps(entry)
    client = redis_client()
    if client is not None:
        client.set(cache.make_and_validate_key(key), value, ex=settings.API_CACHE_SECONDS)
    else:
        cache.set(key, value, timeout=settings.API_CACHE_SECONDS)


def cached_catalogue(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serves anonymous GETs of a catalogue endpoint from cached response bytes.

    A hit costs one round trip to Redis (the throttle's counter, the catalogue version and the
    entry, pipelined): no SQL, no DRF dispatch, no serializing. Throttling applies to hits as to
    misses (same counter, same 429). A write to the catalogue moves the version on when it
    commits, so the next request misses, recomputes and stores the entry with the new version;
    entries expire after API_CACHE_SECONDS. When the cache server is down every request is
    computed (and the throttles let it through).
    """
    view_class = view.view_class  # type: ignore[attr-defined]
    # The query parameters the view reads; a view that does not name them is keyed by all.
    params: frozenset[str] | None = getattr(view_class, "cached_query_params", None)

    @wraps(view)
    def cached_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _may_use_cache(request) or cache_is_down():
            return view(request, *args, **kwargs)
        key = response_cache_key(request, params)
        try:
            allowed, version, entry = _read(request, view_class, key)
        except Exception:  # the cache server is down: throttles fail open, compute the response
            mark_cache_down()
            return view(request, *args, **kwargs)
        # Counted once: DRF's own throttle check then lets an allowed request through, and
        # counts and answers 429 for one that is not.
        request.api_throttle_counted = allowed
        if allowed and entry is not None and entry[0] == version:
            response = HttpResponse(entry[1], headers=entry[2])
            response["X-Catalogue-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and version:
            response.render()
            headers = {name: response[name] for name in STORED_HEADERS if name in response}
            try:
                _store(key, (version, response.content, headers))
            except Exception:
                mark_cache_down()
        response["X-Catalogue-Cache"] = "miss"
        return response

    return cached_view


# --- Views --------------------------------------------------------------------------------------


class CatalogueView:
    # Anyone may read; the views answer GET, HEAD and OPTIONS only, anything else 405.
    permission_classes = [AllowAny]
    cached_query_params: frozenset[str] = PAGINATION_PARAMS


class ProductPagination(KeysetPagination):
    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        return ordering_fields(request.query_params.get("ordering"))  # validated by the filter


class SellerPagination(KeysetPagination):
    ordering = ("name", "id")


PRODUCT_EXAMPLE = {
    "id": 1024,
    "name": "尚田红颜草莓",
    "description": "大棚红颜草莓，现摘现发。",
    "unit": "盒",
    "category": {"id": 12, "name": "草莓", "parent": {"id": 3, "name": "时令水果"}},
    "seller": {
        "id": 7,
        "name": "林夏女",
        "village": {"id": 5, "name": "冷西村", "township": "尚田街道"},
    },
    "enterprise": "尚田小阿莓农场",
    "origin_village": {"id": 5, "name": "冷西村", "township": "尚田街道"},
    "months_in_season": [12, 1, 2, 3, 4],
    "is_partner_county": False,
    "partner_federation": None,
    "tags": ["小阿莓", "年货"],
    "price_range": {"min": "68.00", "max": "128.00"},
    "cover": {
        "small": "https://fulian.example.cn/media/products/3f9c.jpg",
        "medium": "https://fulian.example.cn/media/products/8a1d.jpg",
        "width": 1600,
        "height": 1200,
        "alt": "一盒红颜草莓",
    },
}
PRODUCT_DETAIL_EXAMPLE = {
    **PRODUCT_EXAMPLE,
    "skus": [
        {
            "id": 2048,
            "spec": "2斤礼盒",
            "merchant_code": "ST-CM-002",
            "price": "68.00",
            "in_stock": True,
            "stock": 35,
        },
        {
            "id": 2049,
            "spec": "5斤装",
            "merchant_code": "ST-CM-005",
            "price": "128.00",
            "in_stock": False,
            "stock": 0,
        },
    ],
    "images": [
        {
            "full": "https://fulian.example.cn/media/products/c41e.jpg",
            **PRODUCT_EXAMPLE["cover"],
        }
    ],
}


@extend_schema(
    tags=["products"],
    summary=_("List products on sale"),
    description=_(
        "Products on sale by active sellers, newest first unless ordering says otherwise, 20 a "
        "page. Filters combine (AND); an unknown filter name is ignored, a bad value answers "
        "400. A product matches price_min/price_max when one of its active SKUs is in range."
    ),
    responses={200: ProductCardSerializer(many=True), **error_responses(400)},
    examples=[
        OpenApiExample(
            "page",
            summary=_("A page of products"),
            value=PRODUCT_EXAMPLE,
            response_only=True,
        )
    ],
)
class ProductListView(CatalogueView, generics.ListAPIView):
    serializer_class = ProductCardSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter
    pagination_class = ProductPagination
    cached_query_params = PAGINATION_PARAMS | frozenset(ProductFilter.base_filters)

    def get_queryset(self) -> QuerySet:
        return catalogue_products()


@extend_schema(
    tags=["products"],
    summary=_("A product with its SKUs and photos"),
    description=_(
        "One product on sale, with all its active SKUs (price, stock) and all its photos in "
        "three sizes. A product that is not on sale, or whose seller is suspended, answers 404."
    ),
    responses={200: ProductDetailSerializer, **error_responses(404)},
    examples=[
        OpenApiExample(
            "product",
            summary=_("A product"),
            value=PRODUCT_DETAIL_EXAMPLE,
            response_only=True,
        )
    ],
)
class ProductDetailView(CatalogueView, generics.RetrieveAPIView):
    serializer_class = ProductDetailSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        return catalogue_products()


@extend_schema(
    tags=["categories"],
    summary=_("The category tree with product counts"),
    description=_(
        "Top categories with their sub-categories, in display order. Each counts the products "
        "on sale in it (a top category: with its sub-categories), as ?category= would list."
    ),
    responses={200: CategoryTreeSerializer(many=True), **error_responses()},
    examples=[
        OpenApiExample(
            "tree",
            summary=_("A top category"),
            value={
                "id": 3,
                "name": "时令水果",
                "product_count": 42,
                "children": [
                    {"id": 12, "name": "草莓", "product_count": 30},
                    {"id": 13, "name": "水蜜桃", "product_count": 12},
                ],
            },
            response_only=True,
        )
    ],
)
class CategoryTreeView(CatalogueView, APIView):
    cached_query_params = frozenset()

    def get(self, request: Request) -> Response:
        return Response(CategoryTreeSerializer(category_tree(), many=True).data)


SELLER_EXAMPLE = {
    "id": 7,
    "name": "林夏女",
    "village": {"id": 5, "name": "冷西村", "township": "尚田街道"},
    "story": "返乡种草莓的第八年，带着村里二十多位姐妹一起直播卖果。",
    "photo": "https://fulian.example.cn/media/members/9b2e.jpg",
    "enterprises": ["尚田小阿莓农场"],
    "products_on_sale": 6,
}


@extend_schema(
    tags=["sellers"],
    summary=_("List sellers' public profiles"),
    description=_(
        "Active members who sell, by name, 20 a page: name, village, story, photo, "
        "enterprises and how many products they have on sale. Never a phone number."
    ),
    responses={200: SellerSerializer(many=True), **error_responses(400)},
    examples=[
        OpenApiExample(
            "page",
            summary=_("A page of sellers"),
            value=SELLER_EXAMPLE,
            response_only=True,
        )
    ],
)
class SellerListView(CatalogueView, generics.ListAPIView):
    serializer_class = SellerSerializer
    pagination_class = SellerPagination
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        return public_sellers()


@extend_schema(
    tags=["sellers"],
    summary=_("A seller's public profile"),
    description=_(
        "An active seller's public profile. A suspended member or a member who does not sell "
        "answers 404."
    ),
    responses={
        200: OpenApiResponse(SellerSerializer, description=_("Her public profile.")),
        **error_responses(404),
    },
    examples=[
        OpenApiExample("seller", summary=_("A seller"), value=SELLER_EXAMPLE, response_only=True)
    ],
)
class SellerDetailView(CatalogueView, generics.RetrieveAPIView):
    serializer_class = SellerSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        return public_sellers()
