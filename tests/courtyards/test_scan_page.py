"""The page a scanned code opens: what it shows, what it never shows, how fast it is, and the
friendly 404 of unknown and retired codes."""

import logging
from decimal import Decimal

import pytest
from django.test import Client

from courtyards import scans
from courtyards.models import ItemStatus, ScanEvent
from courtyards.services import courtyards as services
from tests.courtyards.conftest import token_of
from tests.factories import SKUFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def english_client() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def test_a_piece_shows_photos_story_price_village_and_the_other_pieces(piece, courtyard, owner):
    services.add_item(courtyard=courtyard, name="五针松小品", price=Decimal("268.00"))
    services.add_item(courtyard=courtyard, name="夏鹃小品", price=Decimal("168.00"))
    response = english_client().get(f"/q/{token_of(piece)}")
    assert response.status_code == 200
    html = response.content.decode()
    shown = ["金峨老桩杜鹃盆景", "¥1680.00", "三十年老桩。", "西坞街道 · 金峨村", "石优琴"]
    shown += ["五针松小品", "夏鹃小品", "Buy this piece", f"/q/{token_of(piece)}/buy"]
    for text in shown:
        assert text in html, text
    assert owner.mobile not in html and owner.mobile[-4:] not in html


def test_the_short_upper_case_address_a_printed_code_holds_opens_the_same_page(piece):
    client = english_client()
    token = token_of(piece)
    assert client.get(f"/Q/{token}").status_code == 200
    assert client.get(f"/q/{token.lower()}").status_code == 200


def test_a_sold_piece_says_so_and_offers_no_buy_button(piece, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_item_status(item=piece, to_status=ItemStatus.SOLD, actor=None)
    html = english_client().get(f"/q/{token_of(piece)}").content.decode()
    assert "Sold" in html and "Buy this piece" not in html


def test_a_catalogue_piece_shows_its_skus_price_and_stock(courtyard, owner):
    sku = SKUFactory(product__seller=owner, price=Decimal("98.00"), stock=0)
    item = services.add_item(courtyard=courtyard, name="夏鹃 中号", sku=sku)
    html = english_client().get(f"/q/{token_of(item)}").content.decode()
    assert "¥98.00" in html and "Sold out" in html and "Buy this piece" not in html


def test_a_design_shows_its_style_range_estimate_and_booking(design):
    html = english_client().get(f"/q/{token_of(design)}").content.decode()
    shown = ["竹影新中式小院", "new Chinese", "¥800.00–1200.00 per m²", "青石板、竹篱", "陈巧燕"]
    shown += [f"/q/{token_of(design)}/estimate", f"/q/{token_of(design)}/book"]
    for text in shown:
        assert text in html, text


def test_an_estimate_for_an_area(design):
    response = english_client().get(f"/q/{token_of(design)}/estimate?area=60")
    assert response.status_code == 200
    assert "About ¥48000.00 – ¥72000.00 for 60.0 m²" in response.content.decode()
    refused = english_client().get(f"/q/{token_of(design)}/estimate?area=-3")
    assert refused.status_code == 400
    assert "The area is between 1 and 10,000 m²." in refused.content.decode()


def test_a_retired_code_says_it_is_no_longer_in_use_and_links_its_courtyard(piece, courtyard):
    old = token_of(piece)
    new = services.rotate_qr_code(item=piece).token
    client = english_client()
    retired = client.get(f"/q/{old}")
    assert retired.status_code == 404
    html = retired.content.decode()
    assert "This code is no longer in use" in html
    assert f"/c/{courtyard.public_token}" in html and "金峨老桩杜鹃盆景" not in html
    assert client.get(f"/q/{new}").status_code == 200


@pytest.mark.parametrize(
    ("token", "heading"),
    [
        ("7" * 26, "This code is no longer in use"),  # well formed, names nothing
        ("ABCDEFGHJKMNPQRSTVWXYZ0123U", "This code is no longer in use"),  # not Crockford
        ("short", "Page not found"),  # not shaped like a code: the site's 404
    ],
)
def test_an_unknown_code_gets_a_friendly_404_without_a_trace(settings, token, heading):
    settings.DEBUG = False
    response = english_client().get(f"/q/{token}")
    assert response.status_code == 404
    html = response.content.decode()
    assert heading in html and "Traceback" not in html and "/c/" not in html


def test_an_internal_id_is_never_a_public_address(piece):
    assert english_client().get(f"/q/{piece.pk}").status_code == 404
    assert english_client().get(f"/c/{piece.courtyard_id}").status_code == 404


def test_a_hidden_courtyard_shows_its_codes_as_no_longer_in_use(piece, courtyard):
    services.update_courtyard(courtyard=courtyard, is_active=False)
    response = english_client().get(f"/q/{token_of(piece)}")
    assert response.status_code == 404
    assert f"/c/{courtyard.public_token}" not in response.content.decode()


def test_guessing_codes_is_slowed_down_per_address(settings):
    settings.COURTYARD_MISSES_PER_IP = 3
    client = english_client()
    statuses = [client.get(f"/q/{'7' * 25}{n}").status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    limited = client.get(f"/q/{'7' * 26}")
    assert "Too many unknown codes from your network" in limited.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get(f"/q/{'7' * 26}").status_code == 404


def test_a_crowd_scanning_real_codes_is_never_limited(settings, piece):
    settings.COURTYARD_MISSES_PER_IP = 1
    client = english_client()
    assert {client.get(f"/q/{token_of(piece)}").status_code for _ in range(30)} == {200}


# --- Speed: SQL statements per scan, and the page cache ------------------------------------------


def test_a_scan_is_three_statements_cold_and_none_from_the_cache(
    piece, courtyard, django_assert_num_queries
):
    for number in range(15):
        services.add_item(courtyard=courtyard, name=f"盆景{number}", price=Decimal(100))
    client = english_client()
    url = f"/q/{token_of(piece)}"
    with django_assert_num_queries(3):  # the code with all it shows, its photos, the others
        assert client.get(url).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    assert scans.buffered() == 2


def test_with_the_page_cache_off_every_scan_renders(settings, piece, django_assert_num_queries):
    settings.COURTYARD_PAGE_CACHE_SECONDS = 0
    url = f"/q/{token_of(piece)}"
    for _ in range(2):
        with django_assert_num_queries(3):
            assert english_client().get(url).status_code == 200


def test_a_design_scan_is_three_statements_too(design, django_assert_num_queries):
    url = f"/q/{token_of(design)}"
    with django_assert_num_queries(3):
        assert english_client().get(url).status_code == 200


def test_a_change_reaches_the_page_at_once(piece, django_capture_on_commit_callbacks):
    client = english_client()
    url = f"/q/{token_of(piece)}"
    assert "1680.00" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_item(item=piece, price=Decimal("1280.00"))
    html = client.get(url).content.decode()
    assert "1280.00" in html and "1680.00" not in html


def test_a_cached_page_carries_no_token_of_anyone_and_links_the_language_choice(piece):
    url = f"/q/{token_of(piece)}"
    first, second = Client().get(url), Client().get(url)
    assert first.content == second.content
    assert "csrfmiddlewaretoken" not in first.content.decode() and "csrftoken" not in first.cookies
    assert f'href="/q/language?next=/q/{token_of(piece)}"' in first.content.decode()
    choice = Client().get(f"/q/language?next={url}")
    assert choice.status_code == 200 and "csrfmiddlewaretoken" in choice.content.decode()
    assert f'name="next" value="{url}"' in choice.content.decode()
    elsewhere = Client().get("/q/language?next=https://evil.example/")
    assert 'name="next" value="/"' in elsewhere.content.decode()


def test_with_the_cache_down_the_page_is_rendered_and_the_scan_kept(settings, piece, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    from courtyards.views import public

    public._cache_warned = False
    with caplog.at_level(logging.WARNING, logger="courtyards"):
        response = english_client().get(f"/q/{token_of(piece)}")
    assert response.status_code == 200 and "金峨老桩杜鹃盆景" in response.content.decode()
    assert "courtyard page cache unavailable" in caplog.text
    assert scans.buffered() == 1


# --- Scans ---------------------------------------------------------------------------------------


def test_scans_are_recorded_with_device_and_referrer_and_written_in_one_insert(
    piece, design, django_assert_num_queries
):
    wechat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.44"
    Client(HTTP_USER_AGENT=wechat).get(f"/q/{token_of(piece)}")
    Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64)").get(
        f"/q/{token_of(design)}", HTTP_REFERER="https://www.douyin.com/video/123?user=abc"
    )
    assert ScanEvent.objects.count() == 0
    with django_assert_num_queries(1):
        assert scans.flush() == 2
    first, second = ScanEvent.objects.order_by("pk")
    assert (first.item_id, first.device, first.source) == (piece.pk, "wechat", "web")
    assert (second.design_id, second.device, second.referrer) == (
        design.pk,
        "desktop",
        "www.douyin.com",
    )
    assert first.courtyard_id == piece.courtyard_id


def test_a_full_buffer_is_written_by_the_scan_that_fills_it(settings, piece):
    settings.COURTYARD_SCAN_FLUSH_SIZE = 3
    client = english_client()
    for _ in range(3):
        client.get(f"/q/{token_of(piece)}")
    assert ScanEvent.objects.count() == 3 and scans.buffered() == 0


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (
            "Mozilla/5.0 (Linux; Android 13; V2148A) AppleWebKit/537.36 Mobile Safari/537.36",
            "phone",
        ),
        ("Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X)", "tablet"),
        ("Mozilla/5.0 (Linux; Android 12; SM-X700) AppleWebKit/537.36 Safari/537.36", "tablet"),
        ("Mozilla/5.0 (compatible; Baiduspider/2.0)", "bot"),
        ("curl/8.5.0", "bot"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)", "desktop"),
        ("", "other"),
    ],
)
def test_the_device_class_of_a_scan(agent, device):
    assert scans.device_class(agent) == device


def test_a_courtyards_page_shows_its_pieces_a_page_at_a_time(courtyard, django_assert_num_queries):
    for number in range(30):
        services.add_item(courtyard=courtyard, name=f"盆景第{number:02d}号", price=Decimal(10))
    url = f"/c/{courtyard.public_token}"
    with django_assert_num_queries(5):  # courtyard, its photos, designs, count, the page
        first = english_client().get(url).content.decode()
    second = english_client().get(f"{url}?page=2").content.decode()
    assert "盆景第00号" in first and "盆景第29号" not in first
    assert "盆景第29号" in second and "盆景第00号" not in second
    assert "?page=2" in first and english_client().get(f"{url}?page=x").status_code == 200
