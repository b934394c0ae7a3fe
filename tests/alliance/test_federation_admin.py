"""Admin pages of the federation's work: every list opens for staff in a fixed number of queries,
places take GPS readings and photos, certificates are read-only."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from alliance.federation import backdrop as backdrops
from alliance.federation import training
from alliance.federation.geo import wgs84_to_gcj02
from alliance.models import Place, PlacePhoto
from tests.alliance.federation_factories import (
    AwardFactory,
    CampaignFactory,
    CourseSessionFactory,
    EnrolmentFactory,
    PlaceFactory,
    photo_upload,
)
from tests.factories import LiveSessionFactory, MemberFactory, VillageFactory

pytestmark = pytest.mark.django_db


def certificate_row():
    session = CourseSessionFactory()
    enrolment = EnrolmentFactory(course=session.course)
    training.record_attendance(session=session, present={enrolment.pk}, actor=None)
    session.course.required_hours = Decimal("4.0")
    session.course.save()
    return training.issue_certificate(enrolment=enrolment, actor=None)


ROWS = {
    "place": lambda: PlaceFactory(),
    "campaign": lambda: CampaignFactory(),
    "backdrop": lambda: backdrops.backdrop_for_session(LiveSessionFactory()),
    "course": lambda: CourseSessionFactory().course,
    "enrolment": lambda: EnrolmentFactory(),
    "certificate": certificate_row,
    "contest": lambda: AwardFactory().entry.contest,
    "contestentry": lambda: AwardFactory().entry,
    "award": lambda: AwardFactory(),
}


@pytest.mark.parametrize("model", ROWS)
def test_every_list_opens_for_staff_in_the_same_queries_for_one_row_and_many(
    model, staff_client, django_assert_num_queries
):
    ROWS[model]()
    url = f"/admin/alliance/{model}/"
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(url).status_code == 200
    for _ in range(12):
        ROWS[model]()
    with django_assert_num_queries(len(queries)):
        response = staff_client.get(url)
    assert len(response.context["cl"].result_list) >= 13


@pytest.mark.parametrize("model", ["place", "campaign", "course", "enrolment", "contest", "award"])
def test_the_add_forms_open(model, staff_client):
    assert staff_client.get(f"/admin/alliance/{model}/add/").status_code == 200


def test_backdrops_and_certificates_are_not_added_by_hand(staff_client):
    for model in ("backdrop", "certificate"):
        assert staff_client.get(f"/admin/alliance/{model}/add/").status_code == 403


def test_a_seller_cannot_open_these_admin_pages(seller_client):
    for model in ROWS:
        assert seller_client.get(f"/admin/alliance/{model}/").status_code == 302


def place_form(**fields) -> dict:
    data = {
        "name": "岩头石屋农家乐",
        "slug": "yantou-stone-house",
        "category": "homestay",
        "village": VillageFactory().pk,
        "summary": "",
        "description": "",
        "latitude": "",
        "longitude": "",
        "gps_latitude": "",
        "gps_longitude": "",
        "address": "",
        "business_phone": "",
        "is_published": "on",
        "position": "0",
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
    }
    return {**data, **fields}


def test_a_gps_reading_is_stored_as_gcj02(staff_client):
    response = staff_client.post(
        "/admin/alliance/place/add/", place_form(gps_latitude="29.6", gps_longitude="121.4")
    )
    assert response.status_code == 302
    place = Place.objects.get()
    latitude, longitude = wgs84_to_gcj02(29.6, 121.4)
    assert (place.latitude, place.longitude) == (
        Decimal(f"{latitude:.6f}"),
        Decimal(f"{longitude:.6f}"),
    )


def test_a_place_needs_coordinates_and_refuses_a_personal_mobile(staff_client):
    member = MemberFactory(mobile="13966660001")
    response = staff_client.post(
        "/admin/alliance/place/add/", place_form(business_phone=member.mobile)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"latitude", "longitude", "business_phone"}
    assert not Place.objects.exists()


def jpeg_with_gps() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "IMG_0001.jpg", photo_upload(with_gps=True).getvalue(), content_type="image/jpeg"
    )


def test_a_photo_added_in_the_admin_goes_through_the_image_pipeline(staff_client):
    data = place_form(latitude="29.611270", longitude="121.198140")
    data.update(
        {
            "photos-TOTAL_FORMS": "1",
            "photos-0-upload": jpeg_with_gps(),
            "photos-0-alt_text": "石屋",
            "photos-0-position": "0",
        }
    )
    response = staff_client.post("/admin/alliance/place/add/", data)
    assert response.status_code == 302
    photo = PlacePhoto.objects.get()
    stored = Image.open(io.BytesIO(photo.image.read()))
    assert not stored.getexif() and photo.alt_text == "石屋"
    assert photo.image.name.startswith("places/") and "IMG_0001" not in photo.image.name
