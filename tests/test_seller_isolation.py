"""Everything a seller sees is hers: every URL of the seller face, enumerated from the URL
configuration, answers 404 to another seller's real ids, and changes nothing.

A new page with an id in its URL cannot be forgotten: a URL keyword this test does not know
fails it until the test learns which object of another seller to put there.
"""

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alliance.models import Certificate, Course, Enrolment
from courtyards import selectors as courtyard_selectors
from courtyards.models import (
    Courtyard,
    CourtyardDesign,
    CourtyardItem,
    CourtyardKind,
    DayOff,
    DesignVisitBooking,
    Photo,
    WeeklySlot,
)
from courtyards.services import courtyards as courtyard_services
from courtyards.services import visits
from livestreams.models import (
    AfterSalesTicket,
    LiveSession,
    Notification,
    OrderLine,
    SellerOrder,
    SellerOrderEvent,
    Statement,
    TicketKind,
)
from livestreams.services import aftersales, fulfilment, settlement
from products.models import SKU, Product, ProductImage
from tests.conftest import logged_in_client
from tests.factories import (
    LiveSessionFactory,
    ProductImageFactory,
    SellerFactory,
    StaffUserFactory,
    jpeg_bytes,
)
from tests.livestreams.test_desk import PDF, labelled, parcel
from tests.livestreams.test_settlement import MARCH, delivered

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

    @property
    def courtyard(self) -> Courtyard:
        return self.once(
            "courtyard",
            lambda: courtyard_services.create_courtyard(
                owner=self.seller,
                village=self.seller.village,
                name=f"{self.seller.name}的庭院",
                kind=CourtyardKind.PUBLIC,
            ),
        )

    @property
    def item(self) -> CourtyardItem:
        return self.once(
            "item",
            lambda: courtyard_services.add_item(
                courtyard=self.courtyard, name="老桩杜鹃", price=Decimal("1680.00")
            ),
        )

    @property
    def design(self) -> CourtyardDesign:
        return self.once(
            "design",
            lambda: courtyard_services.add_design(
                courtyard=self.courtyard,
                designer=self.seller,
                name="竹影新中式小院",
                style="new_chinese",
                price_min_per_sqm=Decimal("800"),
                price_max_per_sqm=Decimal("1200"),
            ),
        )

    @property
    def photo(self) -> Photo:
        return self.once(
            "photo",
            lambda: courtyard_services.add_photo(
                courtyard=self.courtyard,
                item=self.item,
                upload=SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg"),
            ),
        )

    @property
    def slot(self) -> WeeklySlot:
        def make() -> WeeklySlot:
            for weekday in range(7):
                visits.add_weekly_slot(
                    designer=self.seller, weekday=weekday, start_time=time(9),
                    duration_minutes=120, capacity=2,
                )  # fmt: skip
            return WeeklySlot.objects.filter(designer=self.seller).first()

        return self.once("slot", make)

    @property
    def booking(self) -> DesignVisitBooking:
        def make() -> DesignVisitBooking:
            assert self.slot
            booking, _created = visits.book_visit(
                design=self.design,
                starts_at=courtyard_selectors.free_slots(self.seller.pk)[0].starts_at,
                visitor=visits.Visitor("王小红", "13912345678", "奉化区", "50"),
            )
            return booking

        return self.once("booking", make)

    @property
    def day_off(self) -> DayOff:
        return self.once(
            "day_off", lambda: visits.add_day_off(designer=self.seller, day=date(2030, 1, 1))
        )

    @property
    def ticket(self) -> AfterSalesTicket:
        return self.once(
            "ticket",
            lambda: aftersales.open_ticket(
                kind=TicketKind.REFUND_ONLY,
                subject="买家说草莓压坏了",
                lines=list(self.seller_order.lines.all()),
                actor=StaffUserFactory(),
            ),
        )

    @property
    def statement(self) -> Statement:
        def make() -> Statement:
            delivered(self.seller)
            return settlement.make_statement(seller=self.seller, period=MARCH, actor=None)

        return self.once("statement", make)


@pytest.fixture
def seller_b() -> Holdings:
    """Another seller (a streamer, courtyard owner and designer too) with one of everything a
    seller URL can name."""
    member = SellerFactory(is_streamer=True, is_courtyard_owner=True, is_designer=True)
    return Holdings(member, platform_order_id="7777000011112222333")


# Which object of a seller fills each URL keyword; by (URL name, keyword) where a keyword as
# general as `pk` names different things on different pages. A keyword missing here fails the
# isolation test until it is added.
KEYWORDS: dict[str, Callable[[Holdings], int]] = {
    "seller_order_id": lambda held: held.seller_order.pk,
    "product_id": lambda held: held.product.pk,
    "image_id": lambda held: held.image.pk,
    "session_id": lambda held: held.session.pk,
    "certificate_id": lambda held: held.certificate.pk,
    "courtyard_id": lambda held: held.courtyard.pk,
    "item_id": lambda held: held.item.pk,
    "design_id": lambda held: held.design.pk,
    "photo_id": lambda held: held.photo.pk,
    "booking_id": lambda held: held.booking.pk,
    "slot_id": lambda held: held.slot.pk,
    "day_off_id": lambda held: held.day_off.pk,
    "ticket_id": lambda held: held.ticket.pk,
    "statement_id": lambda held: held.statement.pk,
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


# The state a request could change, of every seller: each model's rows with these fields.
WATCHED = [
    (SellerOrder, ("seller_id", "status", "courier", "tracking_number", "label",
                   "acknowledged_at", "shipped_at")),
    (OrderLine, ("status", "seller_order_id", "seller_id", "after_sales_status")),
    (Notification, ("status", "read_at")),
    (SellerOrderEvent, ("to_status",)),
    (Product, ("status", "name", "unit", "description", "updated_at")),
    (SKU, ("price", "stock", "is_active")),
    (ProductImage, ("image",)),
    (Courtyard, ("name", "story", "is_active")),
    (CourtyardItem, ("status", "name", "price")),
    (CourtyardDesign, ("name", "is_active")),
    (Photo, ("image",)),
    (DesignVisitBooking, ("status", "slot_id")),
    (WeeklySlot, ("capacity",)),
    (DayOff, ("date",)),
    (AfterSalesTicket, ("status",)),
    (Statement, ("status",)),
]  # fmt: skip


def snapshot() -> dict[str, list]:
    return {
        model.__name__: list(model.objects.order_by("pk").values_list("pk", *fields))
        for model, fields in WATCHED
    }


def test_every_seller_url_with_an_id_answers_404_to_another_sellers_ids(seller, seller_b):
    # She has every role, so no role check answers before the lookup of the object.
    seller.is_streamer = seller.is_courtyard_owner = seller.is_designer = True
    seller.save()
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
        upload = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff not really", "image/jpeg")
        answers = (
            client.get(url).status_code,
            client.post(url, {**POST_DATA, "photos": upload, "photo": upload}).status_code,
        )
        # A URL refuses the method it does not take (405) whoever's the id; the one it takes
        # answers 404.
        assert set(answers) <= {404, 405} and 404 in answers, f"{url} ({pattern.route}): {answers}"
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
