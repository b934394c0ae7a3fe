"""The livestream backdrop: which places it cycles through and which product's QR it shows.

The studio screen polls `backdrop_state` every two seconds with the version it shows; a switch
moves the version on, so an unchanged screen costs one indexed query per poll.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.federation.places import published_places
from alliance.models import Backdrop, Member, MemberStatus, Place, PlaceCategory, User, Village
from livestreams.models import LiveSession, LiveSessionStatus
from products.models import Product, ProductStatus

MAX_SLIDES = 25


@transaction.atomic
def backdrop_for_session(session: LiveSession) -> Backdrop:
    """The session's backdrop, created with a fresh secret token the first time; then the same."""
    backdrop, _created = Backdrop.objects.get_or_create(session=session)
    return backdrop


def _session_products(session: LiveSession) -> QuerySet[Product]:
    wanted = Q(live_sessions=session)
    if session.campaign_id:
        wanted |= Q(campaigns=session.campaign_id)
    return Product.objects.filter(wanted)


def product_choices(session: LiveSession) -> QuerySet[Product]:
    """What the backdrop may show: the session's featured products and its campaign's products,
    on sale by an active member, by name."""
    ids = _session_products(session).values("pk")
    return Product.objects.filter(
        pk__in=ids, status=ProductStatus.ON_SALE, seller__status=MemberStatus.ACTIVE
    ).order_by("name", "pk")


@transaction.atomic
def switch_product(*, backdrop: Backdrop, product: Product | None, actor: User) -> Backdrop:
    """Shows this product's QR code on the backdrop (None: no product); the screen follows
    within one poll. Switching to the product already shown changes nothing."""
    backdrop = Backdrop.objects.select_for_update().select_related("session").get(pk=backdrop.pk)
    if product is not None and not product_choices(backdrop.session).filter(pk=product.pk).exists():
        raise ValidationError(
            _("This product is not one of the session's products on sale."), code="not_offered"
        )
    if backdrop.current_product_id == (product.pk if product else None):
        return backdrop
    backdrop.current_product = product
    backdrop.version = F("version") + 1
    backdrop.switched_at = timezone.now()
    backdrop.switched_by = actor
    backdrop.save(update_fields=["current_product", "version", "switched_at", "switched_by"])
    backdrop.refresh_from_db(fields=["version"])
    return backdrop


@transaction.atomic
def renew_token(*, backdrop: Backdrop) -> Backdrop:
    """Gives the backdrop a new secret address; the old one stops working at once."""
    backdrop = Backdrop.objects.select_for_update().get(pk=backdrop.pk)
    backdrop.token = Backdrop._meta.get_field("token").get_default()
    backdrop.save(update_fields=["token"])
    return backdrop


def backdrop_by_token(token: str) -> Backdrop:
    """The backdrop behind a secret address, with its session and product; DoesNotExist if none."""
    return Backdrop.objects.select_related(
        "session__studio", "current_product__seller__village__township"
    ).get(token=token)


def backdrop_villages(backdrop: Backdrop) -> list[Village]:
    """The villages whose beauties it shows: those chosen, else those of the session's products
    and of its streamer."""
    chosen = list(backdrop.villages.all())
    if chosen:
        return chosen
    session = backdrop.session
    village_ids = set(
        _session_products(session)
        .exclude(origin_village=None)
        .values_list("origin_village", flat=True)
    )
    if session.streamer_id and session.streamer.village_id:
        village_ids.add(session.streamer.village_id)
    return list(Village.objects.filter(pk__in=village_ids).order_by("pk"))


def backdrop_slides(backdrop: Backdrop) -> list[Place]:
    """Up to 25 places of its villages, taking the five beauties in turn (美村, 美景, 美物, …)."""
    villages = backdrop_villages(backdrop)
    if not villages:
        return []
    by_category: dict[str, list[Place]] = {value: [] for value in PlaceCategory.values}
    for place in published_places().filter(village__in=villages):
        by_category[place.category].append(place)
    slides: list[Place] = []
    while any(by_category.values()) and len(slides) < MAX_SLIDES:
        for places in by_category.values():
            if places and len(slides) < MAX_SLIDES:
                slides.append(places.pop(0))
    return slides


def sessions_of_streamer(member: Member) -> QuerySet[LiveSession]:
    """Her live sessions that are not cancelled, the latest first, with studio and backdrop."""
    return (
        LiveSession.objects.filter(streamer=member)
        .exclude(status=LiveSessionStatus.CANCELLED)
        .select_related("studio", "backdrop__current_product")
        .order_by("-planned_start", "-pk")
    )


def sessions_for_staff() -> QuerySet[LiveSession]:
    """All live sessions that are not cancelled, the latest first, with what a row shows."""
    return (
        LiveSession.objects.exclude(status=LiveSessionStatus.CANCELLED)
        .select_related("studio", "streamer", "staff_streamer", "backdrop__current_product")
        .order_by("-planned_start", "-pk")
    )


def state_of(backdrop: Backdrop, product_payload: dict[str, Any] | None) -> dict[str, Any]:
    """What the screen's script reads: the version and the product it shows."""
    return {
        "version": backdrop.version,
        "slide_seconds": backdrop.slide_seconds,
        "product": product_payload,
    }
