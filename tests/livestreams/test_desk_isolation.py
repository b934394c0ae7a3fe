"""Everything a seller sees is hers: every URL of the seller face, enumerated from the URL
configuration, answers 404 to another seller's real ids, and changes nothing.

A new page with an id in its URL cannot be forgotten: a URL keyword this test does not know
fails it until the test learns which object of another seller to put there.
"""

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alliance.models import Certificate, Course, Enrolment
from livestreams.models import (
    LiveSession,
    Notification,
    OrderLine,
    SellerOrder,
    SellerOrderEvent,
)
from livestreams.services import fulfilment
from products.models import SKU, Product, ProductImage
from tests.conftest import logged_in_client
from tests.factories import (
    LiveSessionFactory,
    ProductImageFactory,
    SellerFactory,
    StaffUserFactory,
)
from tests.livestreams.test_desk import PDF, labelled, parcel

pytestmark = pytest.mark.django_db

# Everything a POST could try to change something with.
POST_DATA = {
    "courier": "SF",
    "tracking_number": "SF1234567890123",
    "acknowledge": "1",
    "status": "off_shelf",
    "name": "改掉的名字",
    "unit": "箱",
    "description": "x",
}


@dataclass(frozen=True)
class SellerPattern:
    name: str
    route: str
    keywords: tuple[str, ...]


def _walk(patterns: list, prefix: str) -> Iterator[SellerPattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            keywords = tuple(pattern.pattern.regex.groupindex)
            yield SellerPattern(pattern.name or "", prefix + str(pattern.pattern), keywords)


def seller_patterns() -> list[SellerPattern]:
    """Every URL pattern of the `seller` namespace, however deeply included."""
    _prefix, resolver = get_resolver().namespace_dict["seller"]
    found = list(_walk(resolver.url_patterns, ""))
    assert found, "the seller namespace has no URL patterns"
    return found


class Holdings:
    """One seller's objects that a seller URL can name, made when first asked for, really there."""

    def __init__(self, seller, *, platform_order_id: str | None = None) -> None:
        self.seller = seller
        extra = {"platform_order_id": platform_order_id} if platform_order_id else {}
        self.seller_order = labelled(seller, **extra)
        self.product = self.seller_order.lines.get().sku.product
        self._made: dict[str, object] = {}

    def once(self, key: str, make: Callable[[], object]) -> object:
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    @property
    def image(self) -> ProductImage:
        return self.once("image", lambda: ProductImageFactory(product=self.product))

    @property
    def session(self) -> LiveSession:
        return self.once("session", lambda: LiveSessionFactory(streamer=self.seller))

    @property
    def certificate(self) -> Certificate:
        def make() -> Certificate:
            course = Course.objects.create(
                title="村播培训", topic="直播带货", trainer="讲师", required_hours=Decimal("2.0")
            )
            enrolment = Enrolment.objects.create(course=course, member=self.seller)
            return Certificate.objects.create(
                enrolment=enrolment, number=f"CB-{self.seller.pk:06d}", hours=Decimal("2.0")
            )

        return self.once("certificate", make)


@pytest.fixture
def seller_b() -> Holdings:
    """Another seller (a streamer too) with one of everything a seller URL can name."""
    return Holdings(SellerFactory(is_streamer=True), platform_order_id="7777000011112222333")


# Which object of a seller fills each URL keyword; by (URL name, keyword) where a keyword as
# general as `pk` names different things on different pages. A keyword missing here fails the
# isolation test until it is added.
KEYWORDS: dict[str, Callable[[Holdings], int]] = {
    "seller_order_id": lambda held: held.seller_order.pk,
    "product_id": lambda held: held.product.pk,
    "image_id": lambda held: held.image.pk,
    "session_id": lambda held: held.session.pk,
    "certificate_id": lambda held: held.certificate.pk,
}
PATTERN_KEYWORDS: dict[tuple[str, str], Callable[[Holdings], int]] = {
    ("session", "pk"): lambda held: held.session.pk,
}
# Keywords that name no object (a file format): one valid value, the same for every seller.
VALUES: dict[str, str] = {"fmt": "png"}


def filler(pattern_name: str, keyword: str) -> Callable[[Holdings], int | str] | None:
    if keyword in VALUES:
        return lambda held: VALUES[keyword]
    return PATTERN_KEYWORDS.get((pattern_name, keyword), KEYWORDS.get(keyword))


def names_objects(pattern: SellerPattern) -> bool:
    return any(keyword not in VALUES for keyword in pattern.keywords)


def mixes(pattern: SellerPattern) -> Iterator[dict[str, bool]]:
    """Every mix of another seller's ids and her own in one URL, except all her own."""
    ids = [keyword for keyword in pattern.keywords if keyword not in VALUES]
    for choice in itertools.product((True, False), repeat=len(ids)):
        if any(choice):
            yield dict(zip(ids, choice, strict=True))


def snapshot() -> dict[str, list]:
    """The state a request could change, of every seller."""
    return {
        "seller_orders": list(
            SellerOrder.objects.order_by("pk").values_list(
                "pk", "seller_id", "status", "courier", "tracking_number", "label",
                "acknowledged_at", "shipped_at",
            )
        ),
        "lines": list(
            OrderLine.objects.order_by("pk").values_list(
                "pk", "status", "seller_order_id", "seller_id", "after_sales_status"
            )
        ),
        "notifications": list(
            Notification.objects.order_by("pk").values_list("pk", "status", "read_at")
        ),
        "events": list(SellerOrderEvent.objects.order_by("pk").values_list("pk", "to_status")),
        "products": list(
            Product.objects.order_by("pk").values_list(
                "pk", "status", "name", "unit", "description", "updated_at"
            )
        ),
        "skus": list(SKU.objects.order_by("pk").values_list("pk", "price", "stock", "is_active")),
        "images": list(ProductImage.objects.order_by("pk").values_list("pk", "image")),
    }  # fmt: skip


def test_every_seller_url_with_an_id_answers_404_to_another_sellers_ids(seller, seller_b):
    own = Holdings(seller)
    client = logged_in_client(seller.user)
    patterns = [p for p in seller_patterns() if names_objects(p)]
    unknown = sorted(
        f"{p.name}: {k}" for p in patterns for k in p.keywords if filler(p.name, k) is None
    )
    assert not unknown, (
        f"URL keywords {unknown} of the seller face are not known to this test: add which object "
        "of a seller fills each to KEYWORDS (or PATTERN_KEYWORDS), so its page is checked for 404"
    )
    assert {"order", "order_acknowledge", "order_ship", "order_label"} <= {p.name for p in patterns}
    # Every URL with at least one id of another seller's, made before the snapshot.
    requests = [
        (
            pattern,
            {
                keyword: filler(pattern.name, keyword)(seller_b if mix.get(keyword) else own)
                for keyword in pattern.keywords
            },
        )
        for pattern in patterns
        for mix in mixes(pattern)
    ]
    before = snapshot()
    for pattern, kwargs in requests:
        url = reverse(f"seller:{pattern.name}", kwargs=kwargs)
        assert client.get(url).status_code == 404, f"GET {url} ({pattern.route})"
        upload = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff not really", "image/jpeg")
        response = client.post(url, {**POST_DATA, "photos": upload})
        assert response.status_code == 404, f"POST {url} ({pattern.route})"
    assert {pattern.name for pattern, _kwargs in requests} == {p.name for p in patterns}
    assert snapshot() == before


def test_the_seller_pages_without_ids_never_show_another_sellers_orders(seller, seller_b):
    parcel(seller)
    their_order = seller_b.seller_order
    secrets = [their_order.order.platform_order_id, their_order.lines.get().line_key]
    client = logged_in_client(seller.user)
    patterns = [p for p in seller_patterns() if not names_objects(p)]
    assert {"orders", "orders_export", "orders_ship_file", "packing_slip"} <= {
        p.name for p in patterns
    }
    before = snapshot()
    for pattern in patterns:
        base = reverse(f"seller:{pattern.name}", kwargs={k: VALUES[k] for k in pattern.keywords})
        for url in [base, *(f"{base}?tab={tab}" for tab in ("new", "to_ship", "shipped", "all"))]:
            response = client.get(url)
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            ).decode("utf-8-sig")
            for secret in secrets:
                assert secret not in content, f"GET {url} shows another seller's {secret}"
    assert snapshot() == before


def test_her_file_cannot_ship_another_sellers_order(seller, seller_b):
    their_order = seller_b.seller_order
    line = their_order.lines.get()
    text = (
        "order_id,sub_order_id,title,spec,quantity,courier,tracking_number\n"
        f"{their_order.order.platform_order_id},{line.line_key},,,1,SF,SF1234567890123\n"
    )
    before = snapshot()
    response = logged_in_client(seller.user).post(
        "/seller/orders/ship-file/", {"file": SimpleUploadedFile("o.csv", text.encode())}
    )
    assert response.status_code == 200 and [
        e["row"] for e in response.context["result"].errors
    ] == [2]
    assert snapshot() == before


def test_an_order_given_to_another_seller_is_gone_from_her_desk(
    seller, seller_b, django_capture_on_commit_callbacks
):
    mine = labelled(seller)
    client = logged_in_client(seller.user)
    assert client.get(f"/seller/orders/{mine.pk}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        given = fulfilment.reassign(
            seller_order=mine, to_seller=seller_b.seller, actor=StaffUserFactory(), reason="病了"
        )
    order_id = mine.order.platform_order_id
    for tab in ("new", "to_ship", "shipped", "all"):
        assert order_id not in client.get(f"/seller/orders/?tab={tab}").content.decode()
        export = client.get(f"/seller/orders/export/?tab={tab}")
        assert order_id not in b"".join(export.streaming_content).decode("utf-8-sig")
    assert order_id not in client.get("/seller/orders/packing-slip/").content.decode()
    counts = {t["value"]: t["count"] for t in client.get("/seller/orders/").context["tabs"]}
    assert counts == {"new": 0, "to_ship": 0, "shipped": 0, "all": 0}
    for suffix in ("", "acknowledge/", "ship/", "label/"):
        assert client.get(f"/seller/orders/{mine.pk}/{suffix}").status_code == 404
        assert client.post(f"/seller/orders/{mine.pk}/{suffix}").status_code == 404
    # The seller she was given to sees it.
    other = logged_in_client(seller_b.seller.user)
    assert other.get(f"/seller/orders/{given.pk}/").status_code == 200
    assert order_id in other.get("/seller/orders/?tab=all").content.decode()


def test_staff_may_fetch_a_label_but_not_through_another_sellers_login(seller_b):
    url = f"/seller/orders/{seller_b.seller_order.pk}/label/"
    staff = logged_in_client(StaffUserFactory())
    response = staff.get(url, follow=True)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert logged_in_client(SellerFactory().user).get(url).status_code == 404


def test_the_enumeration_finds_every_seller_page_by_name():
    patterns = seller_patterns()
    assert all(p.name for p in patterns), "every seller URL needs a name to be reversed"
    names = {p.name for p in patterns}
    assert {"home", "orders", "order", "order_ship", "products", "product"} <= names
