"""The livestream backdrop: its secret address, what it shows, the state it polls, the switch."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from alliance.federation import backdrop as backdrops
from alliance.federation.places import add_place_photo
from alliance.models import Backdrop, PlaceCategory
from products.models import ProductStatus
from tests.alliance.federation_factories import CampaignFactory, PlaceFactory, photo_upload
from tests.conftest import logged_in_client
from tests.factories import (
    LiveSessionFactory,
    MemberFactory,
    ProductFactory,
    ProductImageFactory,
    SellerFactory,
    SKUFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def streamer(db):
    return SellerFactory(is_streamer=True, name="宋小赞", mobile="13800000002")


@pytest.fixture
def session(streamer):
    session = LiveSessionFactory(streamer=streamer, title="小阿莓草莓专场")
    strawberries = ProductFactory(name="尚田红颜草莓")
    SKUFactory(product=strawberries)
    ProductImageFactory(product=strawberries)
    session.featured_products.add(strawberries, ProductFactory(name="冻干草莓脆"))
    return session


def product_named(session, name: str):
    return session.featured_products.get(name=name)


# --- The backdrop and its address -----------------------------------------------------------------


def test_a_session_gets_one_backdrop_with_an_unguessable_token(session):
    backdrop = backdrops.backdrop_for_session(session)
    assert backdrops.backdrop_for_session(session) == backdrop
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", backdrop.token)  # 32 random bytes: 256 bits
    other = backdrops.backdrop_for_session(LiveSessionFactory())
    assert other.token != backdrop.token


def test_the_backdrop_page_opens_by_its_token_only(session):
    backdrop = backdrops.backdrop_for_session(session)
    client = Client()
    response = client.get(f"/backdrop/{backdrop.token}/")
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert client.get(f"/backdrop/{backdrop.token[:-1]}x/").status_code == 404
    assert client.get("/backdrop/short/").status_code == 404
    assert client.get(f"/backdrop/{backdrop.token[:-1]}x/state.json").status_code == 404


def test_the_backdrop_reveals_nothing_private(session, streamer):
    place = PlaceFactory(village=streamer.village, member=streamer, category=PlaceCategory.HOMESTAY)
    add_place_photo(place=place, upload=photo_upload())
    backdrop = backdrops.backdrop_for_session(session)
    backdrops.switch_product(
        backdrop=backdrop, product=product_named(session, "尚田红颜草莓"), actor=streamer.user
    )
    for url in (f"/backdrop/{backdrop.token}/", f"/backdrop/{backdrop.token}/state.json"):
        body = Client().get(url).content.decode()
        assert streamer.mobile not in body and MOBILE.findall(body) == []


def test_renewing_the_token_retires_the_old_address(session):
    backdrop = backdrops.backdrop_for_session(session)
    old = backdrop.token
    renewed = backdrops.renew_token(backdrop=backdrop)
    assert renewed.token != old
    assert Client().get(f"/backdrop/{old}/").status_code == 404
    assert Client().get(f"/backdrop/{renewed.token}/").status_code == 200


# --- What it cycles through -----------------------------------------------------------------------


def test_the_slides_take_the_five_beauties_in_turn_from_the_chosen_villages(session):
    village, elsewhere = VillageFactory(), VillageFactory()
    for category in (PlaceCategory.FOOD, PlaceCategory.FOOD, PlaceCategory.VILLAGE):
        PlaceFactory(village=village, category=category)
    PlaceFactory(village=village, category=PlaceCategory.SCENERY, is_published=False)
    PlaceFactory(village=elsewhere, category=PlaceCategory.GOODS)
    backdrop = backdrops.backdrop_for_session(session)
    backdrop.villages.set([village])
    slides = backdrops.backdrop_slides(backdrop)
    assert [place.category for place in slides] == ["village", "food", "food"]


def test_without_chosen_villages_it_shows_those_of_the_products_and_the_streamer(session, streamer):
    origin = product_named(session, "尚田红颜草莓").origin_village
    at_origin = PlaceFactory(village=origin)
    at_home = PlaceFactory(village=streamer.village)
    PlaceFactory(village=VillageFactory())
    backdrop = backdrops.backdrop_for_session(session)
    assert {p.pk for p in backdrops.backdrop_slides(backdrop)} == {at_origin.pk, at_home.pk}


def test_a_backdrop_without_places_shows_a_title_slide(session):
    lonely = LiveSessionFactory(streamer=MemberFactory(village=None))
    backdrop = backdrops.backdrop_for_session(lonely)
    body = Client().get(f"/backdrop/{backdrop.token}/").content.decode()
    assert "slide slide-title is-current" in body


# --- Switching the product ------------------------------------------------------------------------


def test_switching_moves_the_version_on_once(session, streamer):
    backdrop = backdrops.backdrop_for_session(session)
    strawberries = product_named(session, "尚田红颜草莓")
    actor = streamer.user
    switched = backdrops.switch_product(backdrop=backdrop, product=strawberries, actor=actor)
    assert (switched.version, switched.current_product) == (1, strawberries)
    again = backdrops.switch_product(backdrop=backdrop, product=strawberries, actor=streamer.user)
    assert again.version == 1
    cleared = backdrops.switch_product(backdrop=backdrop, product=None, actor=streamer.user)
    assert (cleared.version, cleared.current_product) == (2, None)
    assert cleared.switched_by == streamer.user


def test_only_the_sessions_products_on_sale_can_be_shown(session, streamer, english):
    backdrop = backdrops.backdrop_for_session(session)
    stranger = ProductFactory()
    draft = ProductFactory(status=ProductStatus.DRAFT)
    session.featured_products.add(draft)
    for product in (stranger, draft):
        with pytest.raises(ValidationError, match="not one of the session's products"):
            backdrops.switch_product(backdrop=backdrop, product=product, actor=streamer.user)
    assert Backdrop.objects.get(pk=backdrop.pk).version == 0


def test_a_campaign_sessions_backdrop_may_show_the_campaigns_products(streamer):
    campaign = CampaignFactory()
    partner_product = ProductFactory(
        is_partner_county=True, partner_federation=campaign.partner_federation
    )
    campaign.products.add(partner_product)
    session = LiveSessionFactory(streamer=streamer, campaign=campaign)
    assert list(backdrops.product_choices(session)) == [partner_product]


# --- The state the screen polls -----------------------------------------------------------------


def test_the_state_says_unchanged_in_one_query(session, streamer, django_assert_num_queries):
    backdrop = backdrops.backdrop_for_session(session)
    backdrops.switch_product(
        backdrop=backdrop, product=product_named(session, "尚田红颜草莓"), actor=streamer.user
    )
    url = f"/backdrop/{backdrop.token}/state.json"
    with django_assert_num_queries(1):
        response = Client().get(url, {"since": 1})
    assert response.json() == {"version": 1, "changed": False}


def test_the_state_gives_the_product_with_a_qr_code_to_its_page(session, streamer):
    backdrop = backdrops.backdrop_for_session(session)
    strawberries = product_named(session, "尚田红颜草莓")
    backdrops.switch_product(backdrop=backdrop, product=strawberries, actor=streamer.user)
    state = Client().get(f"/backdrop/{backdrop.token}/state.json", {"since": 0}).json()
    assert state["changed"] is True and state["version"] == 1
    product = state["product"]
    assert product["name"] == "尚田红颜草莓"
    assert product["url"] == f"http://testserver/products/{strawberries.pk}/"
    assert product["qr"].startswith("data:image/svg+xml;base64,")
    assert product["price"] == "49.90"


def test_a_product_taken_off_sale_disappears_from_the_screen(session, streamer):
    backdrop = backdrops.backdrop_for_session(session)
    strawberries = product_named(session, "尚田红颜草莓")
    backdrops.switch_product(backdrop=backdrop, product=strawberries, actor=streamer.user)
    strawberries.status = ProductStatus.OFF_SHELF
    strawberries.save()
    state = Client().get(f"/backdrop/{backdrop.token}/state.json").json()
    assert state["product"] is None


def test_the_page_polls_with_a_static_script_only(session):
    backdrop = backdrops.backdrop_for_session(session)
    body = Client().get(f"/backdrop/{backdrop.token}/").content.decode()
    assert 'src="/static/js/backdrop.js"' in body
    assert f'data-state-url="/backdrop/{backdrop.token}/state.json"' in body
    assert 'data-poll-ms="2000"' in body
    for chunk in body.split("<script")[1:]:
        assert chunk.lstrip().startswith("src=")
    assert "style=" not in body


@pytest.mark.parametrize("count", [1, 12])
def test_the_backdrop_page_takes_the_same_queries(count, session, django_assert_num_queries):
    backdrop = backdrops.backdrop_for_session(session)
    village = VillageFactory()
    backdrop.villages.set([village])
    for place in PlaceFactory.create_batch(count, village=village):
        add_place_photo(place=place, upload=photo_upload())
    backdrops.switch_product(
        backdrop=backdrop,
        product=product_named(session, "尚田红颜草莓"),
        actor=session.streamer.user,
    )
    # backdrop, villages, places, photos, products; the product: itself, SKUs, images, tags
    with django_assert_num_queries(9):
        assert Client().get(f"/backdrop/{backdrop.token}/").status_code == 200


# --- The phone pages ------------------------------------------------------------------------------


def test_the_streamer_switches_the_product_from_her_phone(session, streamer):
    client = logged_in_client(streamer.user)
    url = f"/seller/sessions/{session.pk}/backdrop/"
    body = client.get(url).content.decode()
    assert "尚田红颜草莓" in body and "/backdrop/" in body
    strawberries = product_named(session, "尚田红颜草莓")
    response = client.post(url, {"product": strawberries.pk})
    assert response.status_code == 302
    assert Backdrop.objects.get(session=session).current_product == strawberries
    client.post(url, {"product": ""})
    assert Backdrop.objects.get(session=session).current_product is None


def test_a_product_not_offered_is_refused_on_the_phone_page(session, streamer):
    client = logged_in_client(streamer.user)
    url = f"/seller/sessions/{session.pk}/backdrop/"
    response = client.post(url, {"product": ProductFactory().pk}, follow=True)
    message = gettext("This product is not one of the session's products on sale.")
    assert escape(message) in response.content.decode()
    assert Backdrop.objects.get(session=session).current_product is None


def test_another_streamers_session_is_not_found(session):
    other = SellerFactory(is_streamer=True)
    client = logged_in_client(other.user)
    url = f"/seller/sessions/{session.pk}/backdrop/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"product": ""}).status_code == 404


def test_staff_switch_any_sessions_backdrop_and_renew_its_address(session, staff_client):
    url = f"/staff/sessions/{session.pk}/backdrop/"
    assert staff_client.get(url).status_code == 200
    strawberries = product_named(session, "尚田红颜草莓")
    staff_client.post(url, {"product": strawberries.pk})
    backdrop = Backdrop.objects.get(session=session)
    assert backdrop.current_product == strawberries
    old = backdrop.token
    staff_client.post(f"/staff/sessions/{session.pk}/backdrop/renew/")
    assert Backdrop.objects.get(session=session).token != old


def test_sellers_and_strangers_cannot_use_the_staff_switch(session, seller_client):
    url = f"/staff/sessions/{session.pk}/backdrop/"
    assert seller_client.get(url).status_code == 403
    assert Client().get(url).status_code == 302


@pytest.mark.parametrize("count", [1, 15])
def test_the_session_lists_take_the_same_queries(
    count, streamer, staff_client, django_assert_num_queries
):
    start = timezone.now().replace(microsecond=0)
    for number in range(count):  # one after the other: she cannot stream twice at once
        session = LiveSessionFactory(
            streamer=streamer, planned_start=start + timedelta(hours=3 * number)
        )
        backdrops.backdrop_for_session(session)
    client = logged_in_client(streamer.user)
    with django_assert_num_queries(5):  # her session, login and member; count, the page
        response = client.get("/seller/backdrops/")
    assert response.content.decode().count("/backdrop/") == count
    with django_assert_num_queries(6):  # the staff login (4), the count, the page
        response = staff_client.get("/staff/backdrops/")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 10])
def test_the_switch_page_takes_the_same_queries(count, streamer, django_assert_num_queries):
    session = LiveSessionFactory(streamer=streamer)
    for product in ProductFactory.create_batch(count):
        ProductImageFactory(product=product)
        session.featured_products.add(product)
    backdrops.backdrop_for_session(session)
    client = logged_in_client(streamer.user)
    # her session, login and member; the session, its backdrop (in a savepoint), the products
    # and their photos
    with django_assert_num_queries(9):
        client.get(f"/seller/sessions/{session.pk}/backdrop/")
