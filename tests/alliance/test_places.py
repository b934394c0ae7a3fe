"""Places of the five-beauties map: the model's rules, photos, and GET /api/v1/places/ (GeoJSON)."""

import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from jsonschema import Draft202012Validator
from PIL import Image

from alliance.federation.geo import gcj02_to_wgs84
from alliance.federation.places import add_place_photo
from alliance.models import MemberStatus, Place, PlaceCategory
from products.models import ProductStatus
from tests.alliance.federation_factories import (
    EnrolmentFactory,
    PlaceFactory,
    photo_upload,
)
from tests.factories import MemberFactory, ProductFactory, VillageFactory
from tests.products.test_api import own_cache  # noqa: F401 (autouse fixture)
from tests.test_openapi import schema, validate  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

PLACES = "/api/v1/places/"
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

# RFC 7946 in JSON Schema: a FeatureCollection of Point Features, [longitude, latitude].
POSITION = {
    "type": "array",
    "minItems": 2,
    "maxItems": 3,
    "items": {"type": "number"},
    "prefixItems": [
        {"type": "number", "minimum": -180, "maximum": 180},
        {"type": "number", "minimum": -90, "maximum": 90},
    ],
}
GEOJSON = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"const": "Feature"},
                    "id": {"type": ["string", "number"]},
                    "geometry": {
                        "type": "object",
                        "required": ["type", "coordinates"],
                        "properties": {"type": {"const": "Point"}, "coordinates": POSITION},
                    },
                    "properties": {"type": ["object", "null"]},
                },
            },
        },
    },
}


def geojson_errors(body: dict) -> list[str]:
    return [error.message for error in Draft202012Validator(GEOJSON).iter_errors(body)]


# --- The model ----------------------------------------------------------------------------------


def test_coordinates_outside_china_are_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlaceFactory(latitude=Decimal("48.856600"), longitude=Decimal("2.352200"))


@pytest.mark.parametrize("phone", ["0574-88881234", "057488881234", "400-826-5701", "13512345678"])
def test_a_business_phone_may_be_a_landline_a_service_number_or_the_business_mobile(phone):
    place = PlaceFactory.build(village=VillageFactory(), business_phone=phone)
    place.full_clean()


@pytest.mark.parametrize("phone", ["88881234", "0574-123", "abc", "12345678901"])
def test_a_business_phone_that_is_not_a_phone_number_is_refused(phone, english):
    place = PlaceFactory.build(village=VillageFactory(), business_phone=phone)
    with pytest.raises(ValidationError, match="public phone"):
        place.full_clean()


def test_a_members_personal_mobile_is_refused_as_a_business_phone(english):
    member = MemberFactory(mobile="13966660001", sms_mobile="13966660002")
    for number in (member.mobile, "139 6666 0002"):
        place = PlaceFactory.build(village=VillageFactory(), business_phone=number, member=member)
        with pytest.raises(ValidationError, match="business line"):
            place.full_clean()


def test_a_trainees_mobile_is_refused_as_a_business_phone(english):
    EnrolmentFactory(member=None, name="胡秀娟", mobile="13957800001")
    place = PlaceFactory.build(village=VillageFactory(), business_phone="13957800001")
    with pytest.raises(ValidationError, match="business line"):
        place.full_clean()


def test_a_photo_loses_its_gps_position_and_gets_thumbnails():
    upload = photo_upload(with_gps=True)
    assert Image.open(upload).getexif().get_ifd(0x8825)  # the phone's photo has a position
    upload.seek(0)
    photo = add_place_photo(place=PlaceFactory(), upload=upload, alt_text="村口")
    with photo.image.open("rb") as file:
        stored = Image.open(file)
        stored.load()
    assert not stored.getexif()
    assert photo.thumbnail_small and photo.thumbnail_medium
    assert (photo.width, photo.height) == (640, 480)


def test_a_file_that_is_not_a_photo_is_refused_with_a_message(english):
    with pytest.raises(ValidationError, match="not a photo"):
        add_place_photo(place=PlaceFactory(), upload=photo_upload_bytes(b"%PDF-1.4 not a photo"))


def photo_upload_bytes(content: bytes):
    import io

    return io.BytesIO(content)


# --- GET /api/v1/places/ --------------------------------------------------------------------------


def test_the_places_are_a_valid_geojson_feature_collection(schema):  # noqa: F811
    village = VillageFactory(name="岩头村")
    product = ProductFactory()
    place = PlaceFactory(
        village=village,
        category=PlaceCategory.HOMESTAY,
        business_phone="0574-88881234",
        latitude=Decimal("29.611270"),
        longitude=Decimal("121.198140"),
    )
    place.products.add(product)
    add_place_photo(place=place, upload=photo_upload())
    PlaceFactory(category=PlaceCategory.FOOD)
    response = Client().get(PLACES)
    assert response.status_code == 200
    body = response.json()
    assert geojson_errors(body) == []
    validate(schema, PLACES, response)
    assert body["coordinate_system"] == "wgs84"
    feature = next(f for f in body["features"] if f["id"] == place.pk)
    longitude, latitude = feature["geometry"]["coordinates"]
    expected = gcj02_to_wgs84(29.611270, 121.198140)  # GeoJSON's datum is WGS-84
    assert (round(latitude, 6), round(longitude, 6)) == (
        round(expected[0], 6),
        round(expected[1], 6),
    )
    properties = feature["properties"]
    township = village.township.name
    assert properties["village"] == {"id": village.pk, "name": "岩头村", "township": township}
    assert properties["phone"] == "0574-88881234"
    assert properties["url"] == f"http://testserver/places/{place.slug}/"
    assert properties["photo"].startswith("http://testserver/media/places/")
    assert properties["products"] == [{"id": product.pk, "name": product.name}]


def test_gcj02_coordinates_are_given_as_stored_when_asked():
    PlaceFactory(latitude=Decimal("29.611270"), longitude=Decimal("121.198140"))
    body = Client().get(PLACES, {"crs": "gcj02"}).json()
    assert body["coordinate_system"] == "gcj02"
    assert body["features"][0]["geometry"]["coordinates"] == [121.19814, 29.61127]
    assert geojson_errors(body) == []


def test_places_filter_by_category_and_village():
    village, other = VillageFactory(), VillageFactory()
    food_here = PlaceFactory(category=PlaceCategory.FOOD, village=village)
    PlaceFactory(category=PlaceCategory.FOOD, village=other)
    PlaceFactory(category=PlaceCategory.SCENERY, village=village)
    client = Client()

    def ids(**query):
        return [f["id"] for f in client.get(PLACES, query).json()["features"]]

    assert len(ids()) == 3
    assert len(ids(category="food")) == 2
    assert len(ids(village=village.pk)) == 2
    assert ids(category="food", village=village.pk) == [food_here.pk]
    assert ids(village=VillageFactory().pk) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [({"category": "castle"}, "category"), ({"village": "x"}, "village"), ({"crs": "bd09"}, "crs")],
)
def test_a_bad_filter_answers_400_with_the_error_shape(query, field, schema):  # noqa: F811
    response = Client().get(PLACES, query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["details"]
    validate(schema, PLACES, response)


def test_unpublished_places_and_non_public_products_are_left_out():
    place = PlaceFactory()
    place.products.add(
        ProductFactory(name="草稿产品", status=ProductStatus.DRAFT),
        ProductFactory(name="停售会员的产品", seller=MemberFactory(status=MemberStatus.SUSPENDED)),
    )
    PlaceFactory(is_published=False, name="未发布的地点")
    body = Client().get(PLACES).content.decode()
    assert "未发布的地点" not in body and "草稿产品" not in body and "停售会员的产品" not in body


def test_no_personal_mobile_appears_in_the_places(settings):
    settings.API_CACHE_SECONDS = 0
    canary = MemberFactory(mobile="13977775555", name="金丝雀")
    PlaceFactory(member=canary, business_phone="0574-88880000")
    body = Client().get(PLACES).content.decode()
    assert "13977775555" not in body
    assert MOBILE.findall(body) == []


def test_pages_follow_the_next_link_without_repeats():
    PlaceFactory.create_batch(5)
    client = Client()
    page = client.get(PLACES, {"page_size": 2}).json()
    seen = [f["id"] for f in page["features"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [f["id"] for f in page["features"]]
    assert sorted(seen) == sorted(Place.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("count", [1, 30])
def test_the_places_take_three_queries_however_many(count, settings, django_assert_num_queries):
    settings.API_CACHE_SECONDS = 0
    for place in PlaceFactory.create_batch(count):
        place.products.add(ProductFactory())
        add_place_photo(place=place, upload=photo_upload())
    with django_assert_num_queries(3):  # places, their photos, their products
        response = Client().get(PLACES)
    assert len(response.json()["features"]) == count


def test_the_places_are_cached_and_a_place_edit_shows_at_once(django_capture_on_commit_callbacks):
    place = PlaceFactory(name="旧名字")
    client = Client()
    assert client.get(PLACES)["X-Catalogue-Cache"] == "miss"
    assert client.get(PLACES)["X-Catalogue-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        place.name = "新名字"
        place.save()
    response = client.get(PLACES)
    assert response["X-Catalogue-Cache"] == "miss"
    assert "新名字" in response.content.decode()


def test_the_places_api_is_read_only():
    response = Client().post(PLACES, {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_the_schema_documents_the_places_with_an_example_and_its_errors(schema):  # noqa: F811
    operation = schema["paths"][PLACES]["get"]
    assert operation["summary"] and operation["description"]
    responses = operation["responses"]
    assert responses["200"]["content"]["application/json"]["examples"]
    assert set(responses) == {"200", "400", "405", "429"}
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"category", "village", "crs", "cursor", "page_size"} <= names


# --- Settings: the tile host joins the CSP only when configured -----------------------------------


def img_src(**environment: str) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environment}
    env.pop("MAP_TILE_URL", None) if "MAP_TILE_URL" not in environment else None
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_the_tile_host_is_allowed_in_img_src_only_when_set():
    assert img_src() == "'self' data:"
    allowed = img_src(
        MAP_TILE_URL="https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}",
        MAP_TILE_SUBDOMAINS="12",
    )
    assert allowed == "'self' data: https://webrd01.is.autonavi.com https://webrd02.is.autonavi.com"
