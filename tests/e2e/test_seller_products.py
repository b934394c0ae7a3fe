"""A seller on a phone keeps her products up to date: stock warnings, a price, a count, photos."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import re_path
from django.views.static import serve
from PIL import Image

from config.urls import urlpatterns as site_urlpatterns
from products.models import ProductStatus
from tests.e2e.test_faces import log_in, small_targets
from tests.factories import ProductFactory, ProductImageFactory, SellerFactory, SKUFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def media(request, path: str):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


# The site's URLs, plus the uploaded files that the web server in front of Django serves in
# production, so that the browser can show the photos it uploads.
urlpatterns = [*site_urlpatterns, re_path(r"^media/(?P<path>.+)$", media)]


@pytest.fixture(autouse=True)
def _serve_media(settings) -> None:
    settings.ROOT_URLCONF = __name__


def photo_file(tmp_path, name: str, color: str, size: tuple[int, int] = (1200, 900)) -> str:
    path = tmp_path / name
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 60):  # stripes, so that a crop or a squash would show
        image.paste("#ffffff", (x, 0, x + 20, size[1]))
    image.save(path, format="JPEG", quality=90)
    return str(path)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def images_loaded(page, selector: str) -> bool:
    return page.eval_on_selector_all(
        selector, "images => images.length > 0 && images.every(i => i.complete && i.naturalWidth)"
    )


def test_a_seller_sees_her_stock_warnings_and_changes_a_price_a_count_and_photos(
    live_server, phone_page, tmp_path
):
    seller = SellerFactory(name="林夏女", mobile="13800000002")
    peaches = ProductFactory(seller=seller, name="奉化水蜜桃", unit="盒")
    eight = SKUFactory(product=peaches, spec="8只装", price=Decimal("69.00"), stock=3)
    SKUFactory(product=peaches, spec="12只礼盒 精品", price=Decimal("99.00"), stock=40)
    cakes = ProductFactory(seller=seller, name="溪口千层饼（手工现做，老字号）")
    SKUFactory(product=cakes, spec="原味 2盒", price=Decimal("39.90"), stock=0)
    ProductImageFactory(product=cakes)
    ProductFactory(seller=seller, name="杜鹃盆景", status=ProductStatus.DRAFT)
    ProductFactory(name="别人的产品")
    page = phone_page.page

    log_in(page, live_server, "13800000002")
    page.goto(f"{live_server.url}/seller/")
    assert fits_the_phone(page)
    assert small_targets(page) == []
    phone_page.screenshot("seller-home-products-card-375")

    page.click("a[href='/seller/products/'].button")
    assert page.locator(".product-row").count() == 3
    assert "别人的产品" not in page.content()
    low = page.locator(".product-row.is-low .tag.low")
    assert low.count() == 1 and "3" in low.inner_text()
    assert page.locator(".tag.sold-out").count() == 1
    assert images_loaded(page, ".product-row img.thumb")
    assert fits_the_phone(page)
    assert small_targets(page) == []
    phone_page.screenshot("seller-products-375")

    page.click("text=奉化水蜜桃")
    assert page.url.endswith(f"/seller/products/{peaches.pk}/")
    assert fits_the_phone(page)
    assert small_targets(page) == []
    phone_page.screenshot("seller-product-edit-375")

    save = f"form[action='/seller/products/{peaches.pk}/'] button[type=submit]"
    # A mistake first: the error is shown next to the field, nothing is saved.
    page.fill(f"input[name=sku-{eight.pk}-stock]", "-2")
    page.fill(f"input[name=sku-{eight.pk}-price]", "59.999")
    page.click(save)
    assert page.locator(".field.has-error").count() == 2
    assert "库存不能为负数。" in page.content()
    assert fits_the_phone(page)
    phone_page.screenshot("seller-product-errors-375")
    eight.refresh_from_db()
    assert (eight.price, eight.stock) == (Decimal("69.00"), 3)

    page.fill(f"input[name=sku-{eight.pk}-price]", "59.9")
    page.fill(f"input[name=sku-{eight.pk}-stock]", "25")
    page.click(save)
    assert page.locator(".message-success").count() == 1
    assert page.input_value(f"input[name=sku-{eight.pk}-price]") == "59.90"
    eight.refresh_from_db()
    assert (eight.price, eight.stock) == (Decimal("59.90"), 25)

    page.set_input_files(
        "input[name=photos]",
        [photo_file(tmp_path, "peach.jpg", "#e8849a"), photo_file(tmp_path, "box.jpg", "#5a9")],
    )
    page.click("#photos button[type=submit]:not([data-confirm])")
    page.wait_for_load_state()
    assert page.locator(".photo-grid img").count() == 2
    assert images_loaded(page, ".photo-grid img")
    assert peaches.images.count() == 2
    assert fits_the_phone(page)
    assert small_targets(page) == []
    page.locator("#photos").scroll_into_view_if_needed()
    phone_page.screenshot("seller-product-photos-375")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".photo-grid button[data-confirm]").first.click()
    page.wait_for_load_state()
    assert page.locator(".photo-grid img").count() == 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[name=status][value=off_shelf]")
    page.wait_for_load_state()
    assert page.locator(".tag.status-off_shelf").count() == 1
    peaches.refresh_from_db()
    assert peaches.status == ProductStatus.OFF_SHELF

    page.goto(f"{live_server.url}/seller/products/")
    assert page.locator(".product-row").first.locator(".product-name").inner_text() == "奉化水蜜桃"
    assert page.locator(".product-row.is-low").count() == 1  # only the sold-out cakes now
    phone_page.screenshot("seller-products-after-375")

    page.click("header button[value=en]")
    page.wait_for_load_state()
    assert "My products" in page.content()
    assert small_targets(page) == []
    phone_page.screenshot("seller-products-375-en")
    assert phone_page.console_errors == []


def test_a_seller_edits_her_public_profile_on_a_phone(live_server, phone_page, tmp_path):
    seller = SellerFactory(name="宋小赞", mobile="13800000003")
    page = phone_page.page
    log_in(page, live_server, "13800000003")
    page.goto(f"{live_server.url}/seller/")
    page.click("a[href='/seller/profile/']")
    assert fits_the_phone(page)
    assert small_targets(page) == []
    phone_page.screenshot("seller-profile-empty-375")

    page.set_input_files(
        "input[name=photo]", photo_file(tmp_path, "me.jpg", "#a61e5a", (900, 1200))
    )
    page.click("#photo button[type=submit]")
    page.wait_for_load_state()
    assert images_loaded(page, "img.portrait")
    page.fill("textarea[name=story]", "我在尚田种草莓十年了。\n欢迎来园子里采摘！")
    page.click("#story button[type=submit]")
    page.wait_for_load_state()
    assert "欢迎来园子里采摘！" in page.inner_text(".profile-preview")
    assert seller.mobile not in page.content()
    seller.refresh_from_db()
    assert seller.photo and seller.story.startswith("我在尚田")
    assert fits_the_phone(page)
    assert small_targets(page) == []
    phone_page.screenshot("seller-profile-375")

    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_text("买家电话 138…")
    page.set_input_files("input[name=photo]", str(not_a_photo))
    page.click("#photo button[type=submit]")
    page.wait_for_load_state()
    assert "这不是可用的图片" in page.inner_text("#photo .error")
    assert fits_the_phone(page)
    phone_page.screenshot("seller-profile-error-375")
    assert phone_page.console_errors == []
