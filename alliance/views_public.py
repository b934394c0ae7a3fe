"""Public pages of the federation's work: the five-beauties map and its places, products,
sister-county campaigns, the map collection PDF and the livestream backdrop.

No login and no personal data: a member appears by name at most, a place by its business's
public line. Every page runs a fixed number of queries however many rows it shows.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from alliance.federation import backdrop as backdrops
from alliance.federation import campaigns, places
from alliance.federation.forms import MapFilterForm
from alliance.federation.qr import qr_data_uri
from alliance.models import Backdrop, Campaign, Place, PlaceCategory
from alliance.pdf import map_collection_pdf
from livestreams.models import LiveSession, LiveSessionStatus
from products.cache import catalogue_version
from products.models import Product
from products.selectors import public_products

PLACES_PER_PAGE = 200
PRODUCTS_PER_PAGE = 24
SESSIONS_PER_PAGE = 10
DEFAULT_CENTER = ("29.655", "121.406")  # 奉化 (GCJ-02; a few hundred metres either way)
COLLECTION_CACHE_SECONDS = 24 * 60 * 60


def map_settings() -> dict[str, str]:
    """What the map script needs from settings: tiles, attribution, datum, starting point."""
    return {
        "tile_url": settings.MAP_TILE_URL,
        "subdomains": settings.MAP_TILE_SUBDOMAINS,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "crs": places.map_crs(),
        "center_latitude": DEFAULT_CENTER[0],
        "center_longitude": DEFAULT_CENTER[1],
    }


def _with_markers(page_places: list[Place]) -> list[Place]:
    """Each place with .marker: its coordinates for the configured tiles."""
    crs = places.map_crs()
    for place in page_places:
        place.marker = places.map_marker(place, crs)
    return page_places


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """/map/: the five beauties on a Leaflet map with filter chips, and the same places listed
    by category (the list works without JavaScript and without map tiles)."""
    form = MapFilterForm(request.GET or None, villages=places.villages_with_places())
    filters = form.cleaned_data if form.is_valid() else {}
    category, village = filters.get("category", ""), filters.get("village")
    selected = places.published_places(category=category, village=village)
    counted = Place.objects.filter(is_published=True)
    if village is not None:
        counted = counted.filter(village=village)
    counts = dict(counted.values_list("category").annotate(number=Count("pk")).order_by())
    page = Paginator(selected, PLACES_PER_PAGE).get_page(request.GET.get("page"))
    page_places = _with_markers(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "category": category,
        "village": village,
        "chips": [
            {"value": value, "label": label, "count": counts.get(value, 0)}
            for value, label in PlaceCategory.choices
        ],
        "total": sum(counts.values()),
        "page": page,
        "query": query.urlencode(),
        "groups": places.group_by_category(page_places),
        "map": map_settings(),
    }
    return render(request, "public/map.html", context)


@require_GET
def place_page(request: HttpRequest, slug: str) -> HttpResponse:
    """/places/<slug>/: a place of the map with its photos, public contact and products."""
    try:
        place = places.place_for_page(slug)
    except Place.DoesNotExist as error:
        raise Http404 from error
    context = {"place": _with_markers([place])[0], "map": map_settings()}
    return render(request, "public/place.html", context)


@require_GET
def product_page(request: HttpRequest, pk: int) -> HttpResponse:
    """/products/<id>/: a product on sale as shoppers see it (where its QR codes lead)."""
    published = Place.objects.filter(is_published=True).select_related("village__township")
    queryset = public_products().prefetch_related(
        Prefetch("places", queryset=published.order_by("category", "position", "pk")),
        Prefetch(
            "campaigns", queryset=Campaign.objects.filter(is_published=True).order_by("-starts_on")
        ),
    )
    try:
        product = queryset.get(pk=pk)
    except Product.DoesNotExist as error:
        raise Http404 from error
    prices = [sku.price for sku in product.skus.all()]
    context = {"product": product, "price_min": min(prices, default=None)}
    return render(request, "public/product.html", context)


@require_GET
def campaign_page(request: HttpRequest, slug: str) -> HttpResponse:
    """/campaigns/<slug>/: a sister-county campaign, its products and its running sales total."""
    try:
        campaign = campaigns.published_campaign(slug)
    except Campaign.DoesNotExist as error:
        raise Http404 from error
    products = Paginator(campaigns.campaign_public_products(campaign), PRODUCTS_PER_PAGE)
    product_page_ = products.get_page(request.GET.get("page"))
    sessions = (
        LiveSession.objects.filter(campaign=campaign)
        .exclude(status=LiveSessionStatus.CANCELLED)
        .only("title", "planned_start", "platform", "status")
        .order_by("planned_start", "pk")
    )
    session_page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("sessions"))
    cards = [
        (product, min((sku.price for sku in product.skus.all()), default=None))
        for product in product_page_.object_list
    ]
    context = {
        "campaign": campaign,
        "totals": campaigns.campaign_totals(campaign),
        "as_of": timezone.localtime(),
        "page": product_page_,
        "cards": cards,
        "sessions": session_page,
    }
    return render(request, "public/campaign.html", context)


@require_GET
def collection_pdf(request: HttpRequest) -> HttpResponse:
    """/map/collection.pdf: the printable map collection, A4, a QR code to each place's page.

    Built once per catalogue version (a place or product edit moves it on) and language.
    """
    version = catalogue_version()
    host = hashlib.blake2b(request.get_host().encode(), digest_size=8).hexdigest()
    key = f"map-collection:{version}:{get_language()}:{request.scheme}:{host}"
    content = cache.get(key) if version else None
    if content is None:
        groups = places.group_by_category(list(places.published_places()))
        content = map_collection_pdf(
            groups, lambda place: request.build_absolute_uri(reverse("place", args=[place.slug]))
        )
        if version:
            cache.set(key, content, COLLECTION_CACHE_SECONDS)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="five-beauties-map.pdf"'
    return response


# --- The livestream backdrop ----------------------------------------------------------------------


def _backdrop_or_404(token: str) -> Backdrop:
    try:
        return backdrops.backdrop_by_token(token)
    except Backdrop.DoesNotExist as error:
        raise Http404 from error


def product_payload(request: HttpRequest, product_id: int | None) -> dict[str, object] | None:
    """The product panel of the backdrop: name, price, photo and a QR code to its page."""
    if product_id is None:
        return None
    product = public_products().filter(pk=product_id).first()
    if product is None:  # taken off sale meanwhile: the screen shows no product
        return None
    url = request.build_absolute_uri(reverse("public_product", args=[product.pk]))
    prices = [sku.price for sku in product.skus.all()]
    images = list(product.images.all())
    return {
        "id": product.pk,
        "name": product.name,
        "price": f"{min(prices):.2f}" if prices else "",
        "village": str(product.origin_village or ""),
        "photo": images[0].thumbnail_medium.url if images else "",
        "url": url,
        "qr": qr_data_uri(url),
    }


@never_cache
@require_GET
def backdrop_page(request: HttpRequest, token: str) -> HttpResponse:
    """/backdrop/<token>/: the full-screen (1920×1080) studio backdrop of a live session."""
    backdrop = _backdrop_or_404(token)
    context = {
        "backdrop": backdrop,
        "slides": backdrops.backdrop_slides(backdrop),
        "product": product_payload(request, backdrop.current_product_id),
        "state_url": reverse("backdrop_state", args=[token]),
    }
    response = render(request, "public/backdrop.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def backdrop_state(request: HttpRequest, token: str) -> JsonResponse:
    """/backdrop/<token>/state.json?since=<version>: what the screen should show.

    Unchanged since the version the screen has: one query and {"version", "changed": false}.
    """
    row = (
        Backdrop.objects.filter(token=token)
        .values("version", "slide_seconds", "current_product_id")
        .first()
    )
    if row is None:
        raise Http404
    since = request.GET.get("since", "")
    if since.isdigit() and int(since) == row["version"]:
        return JsonResponse({"version": row["version"], "changed": False})
    body = {
        "version": row["version"],
        "changed": True,
        "slide_seconds": row["slide_seconds"],
        "product": product_payload(request, row["current_product_id"]),
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
