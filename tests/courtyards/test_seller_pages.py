"""The seller dashboard's courtyard pages: her courtyards, pieces, designs, codes, labels,
bookings, availability and figures — and nothing of anyone else's."""

import io
import re
from decimal import Decimal

import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern
from PIL import Image

from courtyards import scans, selectors
from courtyards import urls as courtyard_urls
from courtyards.models import (
    Courtyard,
    CourtyardItem,
    DayOff,
    ItemStatus,
    Photo,
    WeeklySlot,
)
from courtyards.services import courtyards as services
from courtyards.services import purchases, visits
from livestreams.services.placement import Recipient
from tests.conftest import logged_in_client
from tests.courtyards.conftest import token_of
from tests.factories import SellerFactory, SKUFactory, StaffUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), "#c83264")
    exif = image.getexif()
    exif[0x010F] = "HUAWEI"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (29.0, 38.0, 5.0), "E", (121.0, 26.0, 48.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def member_client(user) -> Client:
    """A logged-in client that reads the site in English (messages are asserted in English)."""
    client = logged_in_client(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def owner_client(owner):
    return member_client(owner.user)


# --- Another seller's ids answer 404 on every URL ------------------------------------------------


@pytest.fixture
def theirs(other_owner, designer):
    """Objects of another owner and of a designer who is not the logged-in member."""
    public = services.create_courtyard(
        owner=other_owner, village=other_owner.village, name="别家公共庭院", kind="public"
    )
    item = services.add_item(courtyard=public, name="别家的盆景", price=Decimal(100))
    design = services.add_design(
        courtyard=public, designer=designer, name="别家设计", style="modern",
        price_min_per_sqm=Decimal(100), price_max_per_sqm=Decimal(200),
    )  # fmt: skip
    upload = SimpleUploadedFile("a.jpg", jpeg_with_gps(), content_type="image/jpeg")
    photo = services.add_photo(courtyard=public, upload=upload, item=item)
    booking, _created = visits.book_visit(
        design=design,
        starts_at=selectors.free_slots(designer.pk)[0].starts_at,
        visitor=visits.Visitor("王小红", "13912345678", "奉化区", "50"),
    )
    return {
        "courtyard_id": public.pk,
        "item_id": item.pk,
        "design_id": design.pk,
        "photo_id": photo.pk,
        "booking_id": booking.pk,
        "slot_id": WeeklySlot.objects.filter(designer=designer).first().pk,
        "day_off_id": DayOff.objects.create(designer=designer, date="2030-01-01").pk,
        "fmt": "png",
    }


def seller_urls_with_ids() -> list[URLPattern]:
    return [
        pattern for pattern in courtyard_urls.seller_patterns if pattern.pattern.regex.groupindex
    ]


@pytest.mark.parametrize("pattern", seller_urls_with_ids(), ids=lambda pattern: pattern.name)
def test_another_sellers_ids_are_not_found_on_every_url(pattern, theirs, owner):
    # She is a courtyard owner and a designer too, so no role check answers before the lookup.
    owner.is_designer = True
    owner.save()
    client = member_client(owner.user)
    kwargs = {name: theirs[name] for name in pattern.pattern.regex.groupindex}
    url = "/seller/" + pattern.pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\", "")
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda match: str(kwargs[match.group(1)]), url)
    url = re.sub(r"<(?:int:)?(\w+)>", lambda match: str(kwargs[match.group(1)]), url)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {"status": "sold", "reason": "x", "slot": "2030-01-01T09:00"})
    assert response.status_code == 404, url


PROBED_IDS = {"courtyard_id", "item_id", "design_id", "photo_id", "booking_id", "slot_id",
              "day_off_id", "fmt"}  # fmt: skip


def test_every_id_a_seller_url_takes_is_probed():
    taken = {
        name for pattern in seller_urls_with_ids() for name in pattern.pattern.regex.groupindex
    }
    assert taken == PROBED_IDS
    assert len(seller_urls_with_ids()) == 24


# --- Roles and logins ----------------------------------------------------------------------------


def test_a_member_without_the_courtyard_role_is_refused_and_told(db):
    member = SellerFactory()
    client = member_client(member.user)
    page = client.get("/seller/courtyards/")
    assert page.status_code == 200
    assert "You do not have the courtyard-owner role" in page.content.decode()
    assert client.get("/seller/courtyards/new/").status_code == 403
    assert client.get("/seller/bookings/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/seller/courtyards/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- Her courtyards and pieces -------------------------------------------------------------------


def test_she_adds_a_courtyard_and_a_private_one_never_goes_on_a_map(owner_client, owner):
    data = {"name": "我家小院", "kind": "showroom", "village": owner.village_id, "story": "",
            "directions": "", "latitude": "29.6", "longitude": "121.4"}  # fmt: skip
    refused = owner_client.post("/seller/courtyards/new/", data)
    assert refused.status_code == 200
    assert "A private courtyard is someone&#x27;s home" in refused.content.decode()
    response = owner_client.post(
        "/seller/courtyards/new/", {**data, "latitude": "", "longitude": ""}
    )
    courtyard = Courtyard.objects.get(owner=owner)
    assert response["Location"] == f"/seller/courtyards/{courtyard.pk}/"


def test_she_adds_a_piece_with_its_price_and_its_code(owner_client, courtyard):
    response = owner_client.post(
        f"/seller/courtyards/{courtyard.pk}/pieces/new/",
        {"name": "夏鹃小品", "price": "¥168", "description": "小巧一盆。"},
    )
    item = CourtyardItem.objects.get()
    assert response["Location"] == f"/seller/courtyards/pieces/{item.pk}/"
    assert item.price == Decimal("168.00") and item.qr_codes.count() == 1
    page = owner_client.get(response["Location"]).content.decode()
    assert f"http://testserver/q/{token_of(item)}" in page


def test_a_piece_needs_a_price_or_one_of_her_skus(owner_client, courtyard, owner):
    url = f"/seller/courtyards/{courtyard.pk}/pieces/new/"
    refused = owner_client.post(url, {"name": "无价之宝", "price": ""})
    assert "Give the piece a price above zero." in refused.content.decode()
    theirs = SKUFactory()
    refused = owner_client.post(url, {"name": "别人的", "sku": theirs.pk})
    assert "Select a valid choice" in refused.content.decode()
    mine = SKUFactory(product__seller=owner)
    owner_client.post(url, {"name": "店铺同款", "sku": mine.pk})
    assert CourtyardItem.objects.get().sku == mine


def test_she_changes_a_price_marks_it_sold_and_back(
    owner_client, piece, django_capture_on_commit_callbacks
):
    base = f"/seller/courtyards/pieces/{piece.pk}"
    owner_client.post(f"{base}/", {"name": piece.name, "price": "1280", "description": ""})
    piece.refresh_from_db()
    assert piece.price == Decimal("1280.00")
    owner_client.post(f"{base}/status/", {"status": "sold"})
    piece.refresh_from_db()
    assert piece.status == ItemStatus.SOLD
    owner_client.post(f"{base}/status/", {"status": "available"})
    piece.refresh_from_db()
    assert piece.status == ItemStatus.AVAILABLE
    assert list(piece.events.values_list("to_status", flat=True)) == ["sold", "available"]


def test_photos_lose_their_location_data(owner_client, piece):
    upload = SimpleUploadedFile("DSC0001.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = owner_client.post(f"/seller/courtyards/pieces/{piece.pk}/photos/", {"photo": upload})
    assert response.status_code == 302
    photo = Photo.objects.get(item=piece)
    for field in (photo.image, photo.thumbnail_small, photo.thumbnail_medium):
        stored = Image.open(field.path)
        assert dict(stored.getexif()) == {} and "exif" not in stored.info
    assert "DSC0001" not in photo.image.name


def test_a_file_that_is_not_a_photo_is_refused_with_a_reason(owner_client, piece):
    upload = SimpleUploadedFile("x.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    response = owner_client.post(f"/seller/courtyards/pieces/{piece.pk}/photos/", {"photo": upload})
    assert response.status_code == 200 and not Photo.objects.exists()
    assert "Upload a valid image" in response.content.decode()


def test_a_lost_label_gets_a_new_code_and_the_old_one_stops(owner_client, piece, client):
    old = token_of(piece)
    owner_client.post(f"/seller/courtyards/pieces/{piece.pk}/new-code/")
    new = token_of(piece)
    assert new != old
    assert client.get(f"/q/{old}").status_code == 404
    assert client.get(f"/q/{new}").status_code == 200


def test_her_code_downloads_decode_and_her_labels_are_a_pdf(owner_client, piece, courtyard):
    png = owner_client.get(f"/seller/courtyards/pieces/{piece.pk}/code.png?download=1")
    assert png["Content-Type"] == "image/png" and "attachment" in png["Content-Disposition"]
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert decoded.text.endswith(f"/Q/{token_of(piece)}")
    svg = owner_client.get(f"/seller/courtyards/pieces/{piece.pk}/code.svg")
    assert svg["Content-Type"].startswith("image/svg+xml") and b"<path" in svg.content
    pdf = owner_client.get(f"/seller/courtyards/{courtyard.pk}/labels.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_designs_belong_to_public_courtyards(owner_client, courtyard, public_courtyard, designer):
    assert owner_client.get(f"/seller/courtyards/{courtyard.pk}/designs/new/").status_code == 403
    data = {"name": "田园小院", "style": "pastoral", "designer": designer.pk, "is_active": "on"}
    data |= {"price_min_per_sqm": "500", "price_max_per_sqm": "400"}
    url = f"/seller/courtyards/{public_courtyard.pk}/designs/new/"
    refused = owner_client.post(url, data)
    assert "The upper price cannot be below the lower one." in refused.content.decode()
    assert owner_client.post(url, {**data, "price_max_per_sqm": "700"}).status_code == 302
    design = public_courtyard.designs.get()
    assert design.qr_codes.count() == 1 and design.designer == designer


# --- The designer's pages ------------------------------------------------------------------------


def test_the_designer_sets_her_weekly_times_and_days_off(designer):
    client = member_client(designer.user)
    before = WeeklySlot.objects.filter(designer=designer).count()
    data = {"weekday": "2", "start_time": "16:00", "duration_minutes": "90", "capacity": "1"}
    assert client.post("/seller/availability/weekly/", data).status_code == 302
    again = client.post("/seller/availability/weekly/", data)
    assert (
        again.status_code == 400
        and "She already has a slot at that time." in again.content.decode()
    )
    assert WeeklySlot.objects.filter(designer=designer).count() == before + 1
    assert (
        client.post(
            "/seller/availability/days-off/", {"date": "2030-02-01", "note": "春节"}
        ).status_code
        == 302
    )
    day_off = DayOff.objects.get(designer=designer)
    assert client.post(f"/seller/availability/days-off/{day_off.pk}/remove/").status_code == 302
    assert not DayOff.objects.exists()
    page = client.get("/seller/availability/").content.decode()
    assert "Next free times visitors see" in page


# --- Constant queries at few and many rows -------------------------------------------------------


def test_her_pages_run_the_same_queries_at_few_and_many_rows(
    owner, courtyard, designer, design, django_assert_num_queries
):
    owner.is_designer = True
    owner.save()
    client = member_client(owner.user)
    urls = [
        "/seller/courtyards/",
        f"/seller/courtyards/{courtyard.pk}/",
        "/seller/courtyards/figures/?days=all",
        "/seller/",
    ]
    services.add_item(courtyard=courtyard, name="一盆", price=Decimal(10))
    few = {url: count_queries(client, url) for url in urls}
    for number in range(25):
        item = services.add_item(courtyard=courtyard, name=f"盆景{number}", price=Decimal(10))
        upload = SimpleUploadedFile("a.jpg", jpeg_with_gps(), content_type="image/jpeg")
        services.add_photo(courtyard=courtyard, item=item, upload=upload)
    for number in range(3):
        services.create_courtyard(owner=owner, village=owner.village, name=f"小院{number}")
    for url in urls:
        with django_assert_num_queries(few[url]):
            assert client.get(url).status_code == 200


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_designers_bookings_run_the_same_queries_at_few_and_many(
    designer, design, django_assert_num_queries
):
    client = member_client(designer.user)
    slots = selectors.free_slots(designer.pk)
    visits.book_visit(design=design, starts_at=slots[0].starts_at,
                      visitor=visits.Visitor("王", "13912345600", "奉化区", "50"))  # fmt: skip
    urls = [
        "/seller/bookings/?show=requested",
        "/seller/bookings/?show=all",
        "/seller/availability/",
    ]
    few = {url: count_queries(client, url) for url in urls}
    for number, slot in enumerate(slots[1:25]):
        visitor = visits.Visitor("王", f"139123456{number:02d}", "奉化区", "50")
        visits.book_visit(design=design, starts_at=slot.starts_at, visitor=visitor)
    for url in urls:
        with django_assert_num_queries(few[url]):
            assert client.get(url).status_code == 200


def test_staff_pages_run_the_same_queries_at_few_and_many(
    owner, courtyard, design, designer, django_assert_num_queries
):
    client = member_client(StaffUserFactory())
    urls = ["/staff/courtyards/?days=all", "/staff/courtyards/bookings/"]
    slots = selectors.free_slots(designer.pk)
    visitor = visits.Visitor("王", "13912345699", "奉化区", "50")
    visits.book_visit(design=design, starts_at=slots[0].starts_at, visitor=visitor)
    few = {url: count_queries(client, url) for url in urls}
    for number in range(22):
        other = SellerFactory(is_courtyard_owner=True)
        services.create_courtyard(owner=other, village=other.village, name=f"小院{number}")
    for number, slot in enumerate(slots[1:23]):
        visitor = visits.Visitor("王", f"139123456{number:02d}", "奉化区", "50")
        visits.book_visit(design=design, starts_at=slot.starts_at, visitor=visitor)
    for url in urls:
        with django_assert_num_queries(few[url]):
            assert client.get(url).status_code == 200
    assert member_client(owner.user).get("/staff/courtyards/").status_code == 403


def test_figures_count_scans_orders_and_bookings_per_piece_courtyard_and_village(
    owner, piece, courtyard, design, designer, public_courtyard
):
    for _ in range(4):
        Client().get(f"/q/{token_of(piece)}")
    Client().get(f"/q/{token_of(design)}")
    scans.flush()
    purchases.buy_item(item=piece, recipient=Recipient("王", "13912345678", address="x"))
    visits.book_visit(design=design, starts_at=selectors.free_slots(designer.pk)[0].starts_at,
                      visitor=visits.Visitor("王", "13912345678", "奉化区", "50"))  # fmt: skip
    html = member_client(owner.user).get("/seller/courtyards/figures/").content.decode()
    assert re.search(r"金峨老桩杜鹃盆景</a></td><td[^>]*>4</td><td[^>]*>1</td><td[^>]*>25%", html)
    staff = member_client(StaffUserFactory()).get("/staff/courtyards/").content.decode()
    cells = r"</td><td[^>]*>".join(["西坞街道 · 金峨村", "2", "5", "1", "1", "40%"])
    assert re.search(cells, staff)


def test_the_home_card_shows_her_courtyard_and_her_visits(owner, piece, designer):
    page = member_client(owner.user).get("/seller/").content.decode()
    assert "My courtyard" in page and "/seller/courtyards/" in page
    page = member_client(designer.user).get("/seller/").content.decode()
    assert "My design visits" in page
