"""On a phone (375 px): a printed code, decoded by a real QR reader, opens the piece; the
visitor buys it and sees her order; another code opens a design, she gets an estimate and books
an on-site visit; the owner sees her courtyard, pieces and codes; the designer confirms.

The pages are shown in Chinese as they will be once this app's translations are merged: the
catalog is the committed one plus the translations waiting in /work/tools/zh-courtyards.json
(when that file is there), compiled into a temporary locale folder for the test.
"""

import io
import json
from datetime import time
from decimal import Decimal
from pathlib import Path

import polib
import pytest
import zxingcpp
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import re_path
from django.utils.translation import gettext, override
from django.views.static import serve
from PIL import Image, ImageDraw

from config.urls import urlpatterns as site_urlpatterns
from courtyards import qr, scans, selectors
from courtyards.models import CourtyardKind, DesignVisitBooking, ItemStatus, QrCode
from courtyards.services import courtyards as services
from courtyards.services import visits
from livestreams.models import Order
from tests.e2e.test_faces import TAPPABLE, log_in
from tests.factories import SellerFactory, VillageFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PENDING = Path("/work/tools/zh-courtyards.json")
# The plural msgids of this app (the pending file holds the singular with its Chinese).
PLURALS = {
    "%(count)s visit": "%(count)s visits",
    "%(count)s place": "%(count)s places",
    "%(count)s design": "%(count)s designs",
    "pieces in %(count)s courtyard": "pieces in %(count)s courtyards",
}


def media(request, path: str):
    return serve(request, path, document_root=django_settings.MEDIA_ROOT)


urlpatterns = [*site_urlpatterns, re_path(r"^media/(?P<path>.+)$", media)]


@pytest.fixture(autouse=True)
def _site(settings, tmp_path, live_server):
    settings.ROOT_URLCONF = __name__
    settings.QR_BASE_URL = live_server.url
    settings.COURTYARD_SCAN_FLUSH_SECONDS = 0
    catalog = polib.pofile(str(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"))
    if PENDING.exists():
        known = {entry.msgid for entry in catalog}
        for msgid, text in json.loads(PENDING.read_text(encoding="utf-8")).items():
            if msgid in known:
                continue
            if msgid in PLURALS:
                catalog.append(
                    polib.POEntry(msgid=msgid, msgid_plural=PLURALS[msgid], msgstr_plural={0: text})
                )
            else:
                catalog.append(polib.POEntry(msgid=msgid, msgstr=text))
    folder = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale", *django_settings.LOCALE_PATHS]
    yield
    scans.flush()  # while the test database is there


def chinese(text: str) -> str:
    with override("zh-hans"):
        return gettext(text)


def photo(name: str, color: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (1200, 900), color)
    draw = ImageDraw.Draw(image)
    for x in range(0, 1200, 90):
        draw.ellipse((x, 300, x + 80, 380), fill="#f6c1d5")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile(f"{name}.jpg", buffer.getvalue(), content_type="image/jpeg")


def decoded_url(code: QrCode) -> str:
    label = qr.label_for(code, qr.base_url())
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.png(label))))
    return found.text


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def small_targets(page) -> list[str]:
    """Tappable elements under 44 × 44 px; a radio or checkbox counts with its label; the
    honeypot (off screen, never focused) is not a target."""
    too_small = []
    for element in page.query_selector_all(TAPPABLE):
        if element.evaluate("e => !!e.closest('.hp')"):
            continue
        box = element.bounding_box()
        if box is None:
            continue
        if element.get_attribute("type") in ("checkbox", "radio"):
            box = element.evaluate(
                "e => { const r = e.closest('label').getBoundingClientRect();"
                " return {width: r.width, height: r.height}; }"
            )
        if box["height"] < 44 or box["width"] < 44:
            too_small.append(f"{element.evaluate('e => e.outerHTML')[:80]} {box}")
    return too_small


def check_phone_page(phone_page, name: str) -> None:
    page = phone_page.page
    page.wait_for_load_state("networkidle")
    assert fits_the_phone(page), name
    assert small_targets(page) == [], name
    phone_page.screenshot(name)


@pytest.fixture
def story(db):
    village = VillageFactory(name="金峨村", township__name="西坞街道")
    owner = SellerFactory(
        name="石优琴", mobile="13800000004", village=village, is_courtyard_owner=True
    )
    designer = SellerFactory(
        name="陈巧燕", mobile="13800000009", village=village, is_designer=True, is_seller=False
    )
    for weekday in range(7):
        for start, capacity in ((time(9), 1), (time(14), 2)):
            visits.add_weekly_slot(designer=designer, weekday=weekday, start_time=start,
                                   duration_minutes=120, capacity=capacity)  # fmt: skip
    courtyard = services.create_courtyard(
        owner=owner, village=village, name="石优琴的杜鹃庭院",
        story="自家小院里摆满了杜鹃和盆景，每一盆都挂着自己的二维码。",
    )  # fmt: skip
    piece = services.add_item(
        courtyard=courtyard, name="金峨老桩杜鹃盆景", price=Decimal("1680.00"),
        description="三十年前从山上移下的老桩，粉白双色，花开满树。",
    )  # fmt: skip
    services.add_photo(courtyard=courtyard, item=piece, upload=photo("a", "#c83264"))
    services.add_photo(courtyard=courtyard, item=piece, upload=photo("b", "#8a3b5c"))
    others = [("西洋杜鹃 双色大花", "380.00", "#d9467a"), ("五针松小品盆景", "268.00", "#3f7a4d")]
    for name, price, color in [*others, ("夏鹃小品盆景", "168.00", "#e36f9a")]:
        other = services.add_item(courtyard=courtyard, name=name, price=Decimal(price))
        services.add_photo(courtyard=courtyard, item=other, upload=photo(name, color))
    public = services.create_courtyard(
        owner=designer if designer.is_courtyard_owner else owner, village=village,
        name="金峨村公共庭院·庭院样板园", kind=CourtyardKind.PUBLIC,
    )  # fmt: skip
    design = services.add_design(
        courtyard=public, designer=designer, name="竹影新中式小院", style="new_chinese",
        price_min_per_sqm=Decimal("800"), price_max_per_sqm=Decimal("1200"),
        materials="青石板、老木花格、竹篱",
        description="白墙黛瓦配竹影，一方小池，一棵老桩杜鹃作点睛。",
    )  # fmt: skip
    services.add_photo(courtyard=public, design=design, upload=photo("d", "#6b8f71"))
    return {"owner": owner, "designer": designer, "piece": piece, "design": design}


def test_a_visitor_scans_buys_a_plant_and_books_a_design_visit(story, phone_page, receiver):
    page = phone_page.page
    piece, design = story["piece"], story["design"]
    url = decoded_url(piece.qr_codes.get())
    assert url.startswith("HTTP://LOCALHOST:") and "/Q/" in url

    page.goto(url)
    assert page.locator("h1").inner_text() == "金峨老桩杜鹃盆景"
    assert page.locator(".gallery img").count() == 2 and page.locator(".piece-card").count() == 3
    assert "13800000004" not in page.content()
    check_phone_page(phone_page, "courtyard-scan-piece-375")

    page.click("a.buy-button")
    page.fill("input[name=name]", "王小红")
    page.fill("input[name=mobile]", "139 1234 5678")
    page.fill("textarea[name=address]", "浙江省宁波市奉化区岳林街道中山路88号")
    check_phone_page(phone_page, "courtyard-buy-form-375")
    page.click("form.buy-form button[type=submit]")
    page.wait_for_selector(".receipt")
    order = Order.objects.get()
    assert order.channel == "courtyard_qr" and order.seller_orders.get().seller == story["owner"]
    assert order.platform_order_id in page.content() and "139****5678" in page.content()
    check_phone_page(phone_page, "courtyard-order-placed-375")

    page.goto(url)  # the next visitor scanning the same label
    assert page.locator(".price-line .tag.sold").inner_text() == chinese("Sold")
    assert page.locator("a.buy-button").count() == 0
    check_phone_page(phone_page, "courtyard-scan-sold-375")

    page.goto(decoded_url(design.qr_codes.get()))
    page.fill("input[name=area]", "60")
    result = page.locator(".estimate-result")
    result.wait_for(state="visible")
    assert "48,000" in result.inner_text() and "72,000" in result.inner_text()
    check_phone_page(phone_page, "courtyard-design-estimate-375")

    page.click("a.book-button")
    assert page.input_value("input[name=area]") == "60"
    page.fill("input[name=name]", "王小红")
    page.fill("input[name=mobile]", "13912345678")
    page.fill("textarea[name=address]", "奉化区岳林街道中山路88号")
    page.locator(".slots label.choice").first.click()
    check_phone_page(phone_page, "courtyard-book-form-375")
    page.click("form.booking-form button[type=submit]")
    page.wait_for_selector(".reference-line")
    booking = DesignVisitBooking.objects.get()
    assert page.locator(".reference-line .reference").inner_text() == booking.reference
    check_phone_page(phone_page, "courtyard-visit-booked-375")
    assert any(booking.reference in message.body["text"] for message in receiver.received)
    assert phone_page.console_errors == []


def test_the_owner_manages_her_courtyard_and_the_designer_confirms_a_visit(
    story, phone_page, receiver, live_server
):
    page = phone_page.page
    piece, design, designer = story["piece"], story["design"], story["designer"]
    log_in(page, live_server, story["owner"].mobile)
    page.goto(f"{live_server.url}/seller/")
    assert page.locator(".courtyard-card").count() == 1
    check_phone_page(phone_page, "courtyard-seller-home-375")

    page.click(".courtyard-card a.button >> nth=0")
    page.click("a.product-main")
    assert page.locator(".piece-row").count() == 4
    check_phone_page(phone_page, "courtyard-seller-courtyard-375")

    page.click(f"a[href='/seller/courtyards/pieces/{piece.pk}/']")
    check_phone_page(phone_page, "courtyard-seller-piece-375")
    page.fill("input[name=price]", "1280")
    page.click(f"form[action$='/pieces/{piece.pk}/'] button[type=submit]")
    page.wait_for_selector(".message-success")
    piece.refresh_from_db()
    assert piece.price == Decimal("1280.00")
    page.click(f"form[action$='/pieces/{piece.pk}/status/'] button[value=sold]")
    page.wait_for_selector(".message-success")
    piece.refresh_from_db()
    assert piece.status == ItemStatus.SOLD

    page.goto(
        f"{live_server.url}/seller/courtyards/pieces/{piece.pk}/code.svg"
    )  # drawn by Chromium
    shot = Image.open(io.BytesIO(page.screenshot()))
    (found,) = zxingcpp.read_barcodes(shot)
    assert found.text.endswith(f"/Q/{piece.qr_codes.get().token}")

    slot = selectors.free_slots(designer.pk)[0]
    booking, _created = visits.book_visit(
        design=design, starts_at=slot.starts_at,
        visitor=visits.Visitor("王小红", "13912345678", "奉化区中山路88号", "60"),
    )  # fmt: skip
    page.context.clear_cookies()
    log_in(page, live_server, designer.mobile)
    page.goto(f"{live_server.url}/seller/bookings/")
    check_phone_page(phone_page, "courtyard-designer-bookings-375")
    page.click("a.product-main")
    check_phone_page(phone_page, "courtyard-designer-booking-375")
    page.click(f"form[action$='/bookings/{booking.pk}/confirm/'] button")
    page.wait_for_selector(".message-success")
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert any(message.body["mobile"] == "13912345678" for message in receiver.received)
    page.goto(f"{live_server.url}/seller/availability/")
    check_phone_page(phone_page, "courtyard-designer-availability-375")
    assert phone_page.console_errors == []
