"""The public map (/map/), a place's page, a product's page and the map collection PDF."""

import io
import re
import subprocess
from decimal import Decimal

import pytest
import zxingcpp
from django.test import Client
from PIL import Image

from alliance.federation.geo import gcj02_to_wgs84
from alliance.federation.places import add_place_photo
from alliance.models import MemberStatus, PlaceCategory
from products.models import ProductStatus
from tests.alliance.federation_factories import PlaceFactory, photo_upload
from tests.factories import (
    MemberFactory,
    ProductFactory,
    ProductImageFactory,
    SKUFactory,
    VillageFactory,
)
from tests.products.test_api import own_cache  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def page(url: str, **query) -> str:
    response = Client().get(url, query)
    assert response.status_code == 200, url
    return response.content.decode()


def one_of_each() -> dict[str, object]:
    village = VillageFactory(name="岩头村")
    return {
        category: PlaceFactory(category=category, village=village, name=f"{label}之地")
        for category, label in PlaceCategory.choices
    }


# --- /map/ --------------------------------------------------------------------------------------


def test_the_map_lists_the_places_by_category_in_the_five_beauties_order():
    one_of_each()
    body = page("/map/")
    headings = re.findall(r'<h2 class="group-title group-(\w+)">', body)
    assert headings == ["village", "scenery", "goods", "homestay", "food"]
    for label in ("美村", "美景", "美物", "美宿", "美食"):
        assert label in body
    # The list is plain HTML (no script needed) and each card carries its marker's position.
    assert body.count("data-marker ") == 5
    assert 'id="map"' in body and "leaflet-1.9.4/leaflet.js" in body


def test_the_markers_carry_gcj02_for_gcj02_tiles_and_wgs84_for_wgs84_tiles(settings):
    PlaceFactory(latitude=Decimal("29.611270"), longitude=Decimal("121.198140"))
    settings.MAP_TILE_CRS = "gcj02"
    assert 'data-lat="29.611270" data-lng="121.198140"' in page("/map/")
    settings.MAP_TILE_CRS = "wgs84"
    latitude, longitude = gcj02_to_wgs84(29.611270, 121.198140)
    assert f'data-lat="{latitude:.6f}" data-lng="{longitude:.6f}"' in page("/map/")


def test_without_tiles_the_map_says_so_and_with_tiles_it_passes_them_to_the_script(settings):
    PlaceFactory()
    body = page("/map/")
    assert 'class="map no-tiles"' in body and 'data-tile-url=""' in body
    settings.MAP_TILE_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"
    settings.MAP_TILE_SUBDOMAINS = "1234"
    settings.MAP_TILE_ATTRIBUTION = "© 高德地图"
    body = page("/map/")
    assert "no-tiles" not in body
    tiles = "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&amp;y={y}&amp;z={z}"
    assert f'data-tile-url="{tiles}"' in body
    assert 'data-subdomains="1234"' in body and 'data-attribution="© 高德地图"' in body


def test_the_category_chips_and_the_village_filter_narrow_the_list():
    places = one_of_each()
    elsewhere = PlaceFactory(category=PlaceCategory.FOOD, name="别村美食")
    body = page("/map/", category="food")
    assert places[PlaceCategory.FOOD].name in body and elsewhere.name in body
    assert places[PlaceCategory.VILLAGE].name not in body
    assert 'data-filtered="true"' in body
    body = page("/map/", category="food", village=places[PlaceCategory.FOOD].village_id)
    assert places[PlaceCategory.FOOD].name in body and elsewhere.name not in body
    # Counts on the chips: the whole map (or the chosen village), whatever the category.
    assert re.search(r'chip-food[^>]*>[^<]*美食[^<]*<span class="count">1</span>', body)


def test_nonsense_filters_are_ignored():
    one_of_each()
    body = page("/map/", category="castle", village="x", page="99")
    assert body.count("data-marker ") == 5


def test_an_empty_map_says_so():
    assert "没有符合" in page("/map/") or "No place matches" in page("/map/")


@pytest.mark.parametrize("count", [1, 25])
def test_the_map_takes_the_same_queries_however_many_places(count, django_assert_num_queries):
    for place in PlaceFactory.create_batch(count, category=PlaceCategory.HOMESTAY):
        place.products.add(ProductFactory())
        add_place_photo(place=place, upload=photo_upload())
    # villages for the filter, chip counts, page count, places, photos, products
    with django_assert_num_queries(6):
        body = page("/map/")
    assert body.count("data-marker ") == count


def test_the_map_shows_no_personal_mobile():
    canary = MemberFactory(mobile="13977775555", name="金丝雀")
    PlaceFactory(member=canary, category=PlaceCategory.HOMESTAY, business_phone="0574-88880000")
    body = page("/map/")
    assert "13977775555" not in body and MOBILE.findall(body) == []


# --- A place's page -------------------------------------------------------------------------------


def test_a_place_page_shows_its_photos_public_contact_and_public_products():
    owner = MemberFactory(name="石优琴", mobile="13977775555")
    place = PlaceFactory(
        category=PlaceCategory.HOMESTAY,
        name="金峨庭院民宿",
        business_phone="0574-88931605",
        address="西坞街道金峨村",
        member=owner,
    )
    add_place_photo(place=place, upload=photo_upload(), alt_text="庭院")
    on_sale = ProductFactory(name="金峨杜鹃盆景")
    place.products.add(on_sale, ProductFactory(name="草稿盆景", status=ProductStatus.DRAFT))
    body = page(f"/places/{place.slug}/")
    assert "金峨庭院民宿" in body and "美宿" in body
    assert 'href="tel:0574-88931605"' in body and "西坞街道金峨村" in body
    assert "石优琴" in body  # by name
    assert "13977775555" not in body and MOBILE.findall(body) == []
    assert f'href="/products/{on_sale.pk}/"' in body and "草稿盆景" not in body
    assert 'alt="庭院"' in body


def test_an_unpublished_or_unknown_place_is_not_found():
    hidden = PlaceFactory(is_published=False)
    assert Client().get(f"/places/{hidden.slug}/").status_code == 404
    assert Client().get("/places/no-such-place/").status_code == 404


@pytest.mark.parametrize("count", [1, 10])
def test_a_place_page_takes_the_same_queries(count, django_assert_num_queries):
    place = PlaceFactory(enterprise=None)
    for _ in range(count):
        place.products.add(ProductFactory())
        add_place_photo(place=place, upload=photo_upload())
    with django_assert_num_queries(3):  # the place with its village and owner, photos, products
        page(f"/places/{place.slug}/")


def test_a_place_page_does_not_name_a_suspended_member():
    place = PlaceFactory(member=MemberFactory(name="已停用会员", status=MemberStatus.SUSPENDED))
    assert "已停用会员" not in page(f"/places/{place.slug}/")


# --- A product's page (where QR codes lead) -------------------------------------------------------


def test_a_product_page_shows_prices_and_where_it_is_on_the_map():
    product = ProductFactory(name="尚田红颜草莓", seller=MemberFactory(mobile="13977775555"))
    SKUFactory(product=product, spec="2斤礼盒", price=Decimal("88.00"))
    SKUFactory(product=product, spec="5斤装", price=Decimal("128.00"), stock=0)
    ProductImageFactory(product=product)
    place = PlaceFactory(name="鸣雁村·小阿莓")
    place.products.add(product)
    body = page(f"/products/{product.pk}/")
    assert "尚田红颜草莓" in body and "88.00" in body and "2斤礼盒" in body
    assert f'href="/places/{place.slug}/"' in body
    assert "13977775555" not in body


def test_a_product_not_on_sale_or_of_a_suspended_seller_is_not_found():
    draft = ProductFactory(status=ProductStatus.DRAFT)
    suspended = ProductFactory(seller=MemberFactory(status=MemberStatus.SUSPENDED))
    for product in (draft, suspended):
        assert Client().get(f"/products/{product.pk}/").status_code == 404


@pytest.mark.parametrize("count", [1, 6])
def test_a_product_page_takes_the_same_queries(count, django_assert_num_queries):
    product = ProductFactory()
    for _ in range(count):
        SKUFactory(product=product)
        ProductImageFactory(product=product)
        PlaceFactory().products.add(product)
    # product with joins, SKUs, images, tags, places, campaigns
    with django_assert_num_queries(6):
        page(f"/products/{product.pk}/")


# --- The map collection (PDF) --------------------------------------------------------------------


def rendered_pages(pdf: bytes, tmp_path) -> list[Image.Image]:
    (tmp_path / "collection.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "110", "-png", "collection.pdf", "page"], cwd=tmp_path, check=True
    )
    return [Image.open(path) for path in sorted(tmp_path.glob("page-*.png"))]


def test_the_map_collection_is_an_a4_pdf_with_the_font_embedded_and_a_qr_code_per_place(
    tmp_path,
):
    places = one_of_each()
    add_place_photo(place=places[PlaceCategory.FOOD], upload=photo_upload("#a61e5a"))
    response = Client().get("/map/collection.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    (tmp_path / "collection.pdf").write_bytes(pdf)
    fonts = subprocess.run(
        ["pdffonts", "collection.pdf"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"WenQuanYiMicroHei\S*\s+TrueType\s+\S+\s+yes", fonts), fonts
    info = subprocess.run(
        ["pdfinfo", "collection.pdf"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    text = subprocess.run(
        ["pdftotext", "collection.pdf", "-"], cwd=tmp_path, capture_output=True, text=True
    ).stdout
    for place in places.values():
        assert place.name in text
    found = set()
    for image in rendered_pages(pdf, tmp_path):
        found |= {result.text for result in zxingcpp.read_barcodes(image)}
    assert found == {f"http://testserver/places/{p.slug}/" for p in places.values()}


def test_the_map_collection_is_built_once_per_catalogue_version(django_assert_num_queries):
    PlaceFactory()
    client = Client()
    first = client.get("/map/collection.pdf").content
    with django_assert_num_queries(0):
        again = client.get("/map/collection.pdf").content
    assert again == first


@pytest.mark.parametrize("count", [1, 12])
def test_the_map_collection_takes_the_same_queries(count, settings, django_assert_num_queries):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    PlaceFactory.create_batch(count)
    with django_assert_num_queries(3):
        assert Client().get("/map/collection.pdf").status_code == 200


def test_an_empty_map_collection_still_renders(tmp_path):
    pdf = Client().get("/map/collection.pdf").content
    assert len(rendered_pages(pdf, tmp_path)) == 1


def test_the_map_and_its_pages_carry_no_inline_script():
    place = PlaceFactory()
    for url in ("/map/", f"/places/{place.slug}/"):
        body = page(url)
        for chunk in body.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), url
        assert "style=" not in body


def test_a_drawn_photo_is_readable(tmp_path):
    # The helper the tests upload with makes a real JPEG.
    assert Image.open(io.BytesIO(photo_upload().getvalue())).format == "JPEG"


# --- A place and the public courtyard it shows --------------------------------------------------


def courtyard_of(kind: str):
    from courtyards.services.courtyards import create_courtyard

    owner = MemberFactory(is_courtyard_owner=True)
    return create_courtyard(owner=owner, village=owner.village, name="金峨村公共庭院", kind=kind)


def test_a_place_links_the_public_courtyard_it_shows():
    courtyard = courtyard_of("public")
    place = PlaceFactory(courtyard=courtyard)
    body = page(f"/places/{place.slug}/")
    assert f'href="/c/{courtyard.public_token}"' in body and "金峨村公共庭院" in body


def test_a_private_courtyard_is_refused_its_someones_home(english):
    from django.core.exceptions import ValidationError

    place = PlaceFactory.build(village=VillageFactory(), courtyard=courtyard_of("showroom"))
    with pytest.raises(ValidationError, match="someone's home"):
        place.full_clean()
