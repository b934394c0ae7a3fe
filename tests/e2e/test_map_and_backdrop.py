"""The map in a real browser with its tiles blocked, and the backdrop following a product switch
made on a phone."""

import io
import time
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from alliance.federation import backdrop as backdrops
from alliance.federation.places import add_place_photo
from alliance.models import PlaceCategory
from tests.alliance.federation_factories import PlaceFactory, photo_upload
from tests.conftest import logged_in_client
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, Page  # noqa: F401 (CHROMIUM: a fixture's)
from tests.factories import (
    LiveSessionFactory,
    MemberFactory,
    ProductFactory,
    ProductImageFactory,
    SellerFactory,
    SKUFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TILES = "https://tiles.example.invalid/{z}/{x}/{y}.png"
BEAUTY = {"village": "美村", "scenery": "美景", "goods": "美物", "homestay": "美宿", "food": "美食"}
SWITCH_DELAY_SECONDS = 5  # the screen polls every 2 s; a switch shows within one or two polls


def five_beauties() -> list:
    village = VillageFactory(name="岩头村")
    places = []
    for number, category in enumerate(PlaceCategory.values):
        place = PlaceFactory(
            category=category,
            village=village,
            name=f"{BEAUTY[category]}·岩头{number}",
            latitude=Decimal("29.6") + Decimal(number) / 100,
            longitude=Decimal("121.2") + Decimal(number) / 100,
            business_phone="0574-88851302" if category == PlaceCategory.HOMESTAY else "",
        )
        add_place_photo(
            place=place,
            upload=photo_upload(["#b5483b", "#2e7d5b", "#9a6207", "#3b5ea8", "#a61e5a"][number]),
        )
        places.append(place)
    places[2].products.add(ProductFactory(name="岩头山货笋干"))
    return places


def block_everything_but(page, origin: str) -> list[str]:
    """Aborts every request that does not go to our server; returns the URLs it blocked."""
    blocked: list[str] = []

    def handle(route):
        if route.request.url.startswith(origin):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return blocked


def our_errors(errors: list[str]) -> list[str]:
    """Console errors that are not the blocked tiles (aborted requests, refused by the CSP)."""
    return [
        error
        for error in errors
        if "tiles.example.invalid" not in error and "ERR_FAILED" not in error
    ]


@pytest.mark.parametrize("face", ["phone", "desktop"])
def test_the_map_works_with_its_tiles_blocked(face, live_server, settings, request):
    settings.MAP_TILE_URL = TILES
    settings.MAP_TILE_ATTRIBUTION = "测试底图"
    places = five_beauties()
    browser_page = request.getfixturevalue(f"{face}_page")
    page = browser_page.page
    block_everything_but(page, live_server.url)

    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector("#map.is-ready")
    assert page.locator(".leaflet-marker-icon").count() == len(places)
    assert page.locator(".place-card").count() == len(places)
    # Leaflet asked for tiles; none came (refused by the CSP or aborted here).
    assert page.locator("img.leaflet-tile").count() > 0
    assert not any(
        page.evaluate("img => img.complete && img.naturalWidth > 0", tile.element_handle())
        for tile in page.locator("img.leaflet-tile").all()
    )
    if face == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        for element in page.query_selector_all(".chips a.chip, .place-name a"):
            box = element.bounding_box()
            assert box["height"] >= 44, element.inner_text()
    browser_page.screenshot(f"map-tiles-blocked-{face}")

    # A chip filters the markers and the list in place.
    page.click("a.chip-food")
    assert page.locator(".leaflet-marker-icon").count() == 1
    assert page.locator(".place-group:not([hidden])").count() == 1
    page.click("a.chip[data-category='']")
    assert page.locator(".leaflet-marker-icon").count() == len(places)

    # A marker's popup leads to the place's page and its products.
    page.locator(".leaflet-marker-icon.marker-goods").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "岩头山货笋干" in popup.inner_text()
    popup.locator(".map-popup-more").click()
    page.wait_for_url(f"**/places/{places[2].slug}/")
    assert places[2].name in page.locator("h1").inner_text()
    browser_page.screenshot(f"place-tiles-blocked-{face}")
    assert our_errors(browser_page.console_errors) == []


def test_the_map_without_tiles_has_no_console_errors(live_server, phone_page):
    five_beauties()
    page = phone_page.page
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector("#map.is-ready")
    assert page.locator(".leaflet-marker-icon").count() == 5
    assert "no-tiles" in page.get_attribute("#map", "class")
    phone_page.screenshot("map-no-tiles-375")
    assert phone_page.console_errors == []


@pytest.fixture
def studio_screen(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    yield Page(context.new_page())
    context.close()


def qr_codes(screen: Page) -> set[str]:
    image = Image.open(io.BytesIO(screen.page.screenshot()))
    return {result.text for result in zxingcpp.read_barcodes(image)}


def test_the_backdrop_follows_the_product_switched_on_a_phone(
    live_server, phone_page, studio_screen
):
    streamer = SellerFactory(is_streamer=True, name="宋小赞")
    session = LiveSessionFactory(streamer=streamer, title="小阿莓草莓专场")
    products = []
    for name in ("尚田红颜草莓", "冻干草莓脆"):
        product = ProductFactory(name=name, seller=MemberFactory(), origin_village=streamer.village)
        SKUFactory(product=product, price=Decimal("88.00"))
        ProductImageFactory(product=product)
        products.append(product)
    session.featured_products.set(products)
    for category in (PlaceCategory.VILLAGE, PlaceCategory.FOOD):
        place = PlaceFactory(village=streamer.village, category=category)
        add_place_photo(place=place, upload=photo_upload())
    backdrop = backdrops.backdrop_for_session(session)

    screen = studio_screen.page
    screen.goto(f"{live_server.url}/backdrop/{backdrop.token}/")
    screen.wait_for_selector(".now-selling.is-empty")
    studio_screen.screenshot("backdrop-empty-1920")

    phone = phone_page.page
    cookie = logged_in_client(streamer.user).cookies["sessionid"].value
    phone.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    phone.goto(f"{live_server.url}/seller/sessions/{session.pk}/backdrop/")
    phone_page.screenshot("backdrop-switch-375")

    for product in products:
        phone.click(f"button.switch-button:has-text('{product.name}')")
        phone.wait_for_load_state()
        switched = time.monotonic()
        screen.wait_for_function(
            "name => document.querySelector('[data-product-name]').textContent === name",
            arg=product.name,
            timeout=SWITCH_DELAY_SECONDS * 1000,
        )
        assert time.monotonic() - switched < SWITCH_DELAY_SECONDS
        assert screen.url.endswith(f"/backdrop/{backdrop.token}/")  # no reload, same page
        assert qr_codes(studio_screen) == {f"{live_server.url}/products/{product.pk}/"}
    studio_screen.screenshot("backdrop-product-1920")
    assert studio_screen.console_errors == []
    assert phone_page.console_errors == []
