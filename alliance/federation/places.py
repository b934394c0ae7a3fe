"""The five-beauties map: reads the public pages and the API share, and writes of photos."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save

from alliance.federation.geo import for_map
from alliance.images import process_image
from alliance.models import MemberStatus, Place, PlaceCategory, PlacePhoto, Village
from products.cache import catalogue_changed
from products.models import Product, ProductStatus


def map_crs() -> str:
    """The datum of the configured map tiles: "gcj02" (AMap, Tencent) or "wgs84" (OSM)."""
    crs = getattr(settings, "MAP_TILE_CRS", "gcj02")
    if crs not in {"gcj02", "wgs84"}:
        raise ValueError(f"MAP_TILE_CRS must be 'gcj02' or 'wgs84', not {crs!r}")
    return crs


def point_for(place: Place, crs: str) -> tuple[float, float]:
    """A place's (latitude, longitude) in a map's datum; stored GCJ-02 is converted if needed."""
    return for_map(float(place.latitude), float(place.longitude), crs)


def public_place_products() -> QuerySet[Product]:
    """The products a place page may link to: on sale, by an active member; name and id only."""
    return (
        Product.objects.filter(status=ProductStatus.ON_SALE, seller__status=MemberStatus.ACTIVE)
        .only("id", "name")
        .order_by("name", "pk")
    )


def published_places(
    *, category: str = "", village: Village | int | None = None
) -> QuerySet[Place]:
    """Places shown on the map, by category then position, with photos and public products.

    Three queries however many rows: the places, their photos, their products.
    """
    places = (
        Place.objects.filter(is_published=True)
        .select_related("village__township")
        .prefetch_related(
            Prefetch("photos", queryset=PlacePhoto.objects.order_by("position", "pk")),
            Prefetch("products", queryset=public_place_products()),
        )
    )
    if category:
        places = places.filter(category=category)
    if village is not None:
        places = places.filter(village=village)
    return places.order_by("category", "position", "name", "pk")


def place_for_page(slug: str) -> Place:
    """One published place with what its public page shows joined; DoesNotExist otherwise."""
    return (
        Place.objects.filter(is_published=True)
        .select_related("village__township", "member", "enterprise", "courtyard")
        .prefetch_related(
            Prefetch("photos", queryset=PlacePhoto.objects.order_by("position", "pk")),
            Prefetch("products", queryset=public_place_products()),
        )
        .get(slug=slug)
    )


@dataclass
class CategoryGroup:
    """The places of one of the five beauties, for a list grouped by category."""

    value: str
    label: str
    places: list[Place]


def group_by_category(places: list[Place]) -> list[CategoryGroup]:
    """The places in the five beauties' order (美村 … 美食); categories without one left out."""
    groups = {value: CategoryGroup(value, label, []) for value, label in PlaceCategory.choices}
    for place in places:
        groups[place.category].places.append(place)
    return [group for group in groups.values() if group.places]


def map_marker(place: Place, crs: str) -> dict[str, Any]:
    """What the map page's script needs of a place, with coordinates for the tiles in use."""
    latitude, longitude = point_for(place, crs)
    return {"latitude": f"{latitude:.6f}", "longitude": f"{longitude:.6f}"}


def villages_with_places() -> QuerySet[Village]:
    """Villages that have a published place, for the map's village filter."""
    return (
        Village.objects.filter(places__is_published=True)
        .select_related("township")
        .distinct()
        .order_by("township__name", "name")
    )


def cover_of(place: Place) -> PlacePhoto | None:
    """The first photo of a place whose photos were prefetched (no query)."""
    photos = list(place.photos.all())
    return photos[0] if photos else None


# --- Writes -------------------------------------------------------------------------------------


@transaction.atomic
def add_place_photo(*, place: Place, upload: UploadedFile, alt_text: str = "") -> PlacePhoto:
    """Checks a photo, re-encodes it without metadata (no GPS tag survives), stores it last.

    Raises ValidationError with a message for people when the file is refused.
    """
    processed = process_image(upload)
    last = place.photos.aggregate(last=Max("position"))["last"]
    photo = PlacePhoto(
        place=place,
        width=processed.width,
        height=processed.height,
        alt_text=alt_text[:120],
        position=0 if last is None else last + 1,
    )
    photo.image.save("full.jpg", processed.full, save=False)
    photo.thumbnail_small.save("small.jpg", processed.small, save=False)
    photo.thumbnail_medium.save("medium.jpg", processed.medium, save=False)
    photo.save()
    return photo


@transaction.atomic
def remove_place_photo(*, photo: PlacePhoto) -> None:
    """Deletes a photo and its files (after the transaction commits); repeat calls fail."""
    files = [photo.image, photo.thumbnail_small, photo.thumbnail_medium]
    names = [(file.storage, file.name) for file in files if file.name]
    photo.delete()
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])


def coordinate(value: float) -> Decimal:
    """A coordinate as stored: six decimal places (about 0.1 m)."""
    return Decimal(f"{value:.6f}")


# --- Caches ---------------------------------------------------------------------------------------


def _changed(**kwargs: Any) -> None:
    catalogue_changed()


def connect_signals() -> None:
    """Place edits (admin included) move the catalogue's version on: the places API and the
    map collection PDF are cached under it."""
    for model in (Place, PlacePhoto):
        post_save.connect(_changed, sender=model, dispatch_uid=f"places-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"places-delete-{model.__name__}")
    m2m_changed.connect(_changed, sender=Place.products.through, dispatch_uid="places-products")


connect_signals()
