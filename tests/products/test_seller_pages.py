"""The seller dashboard's catalogue pages: her product list, the edit page, photos and status."""

import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from alliance.models import Member, MemberStatus
from products import services
from products.forms import MAX_PHOTOS_PER_PRODUCT, MAX_PHOTOS_PER_UPLOAD
from products.models import (
    SKU,
    Product,
    ProductImage,
    ProductStatus,
    ProductStatusChange,
    StockMovement,
)
from tests.conftest import logged_in_client
from tests.factories import (
    ProductFactory,
    ProductImageFactory,
    SellerFactory,
    SKUFactory,
    StaffUserFactory,
    SubCategoryFactory,
    UserFactory,
    jpeg_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_english(seller_client, english) -> None:
    """Her pages in English (the language switch's cookie) and the test's strings too."""
    seller_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def english_errors(form) -> dict[str, list[str]]:
    """A form's errors read in English (the request's middleware resets the test's language)."""
    with translation.override("en"):
        return {field: [str(error) for error in errors] for field, errors in form.errors.items()}


def jpeg(name: str = "photo.jpg", color: str = "#c83264") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(640, 480, color), content_type="image/jpeg")


def edit_url(product: Product) -> str:
    return reverse("seller:product", kwargs={"product_id": product.pk})


def edit_data(product: Product, **overrides: str) -> dict[str, str]:
    """The edit form as the page sends it, unchanged, with some fields overridden."""
    data = {
        "product-name": product.name,
        "product-unit": product.unit,
        "product-description": product.description,
    }
    for sku in product.skus.all():
        data[f"sku-{sku.pk}-price"] = f"{sku.price:.2f}"
        data[f"sku-{sku.pk}-stock"] = str(sku.stock)
        data[f"sku-{sku.pk}-stock_seen"] = str(sku.stock)
    data.update(overrides)
    return data


def catalogue_snapshot() -> dict[str, list[dict]]:
    """Every row a seller page could change, to show that a refused request changed nothing."""
    models = (Product, SKU, ProductImage, ProductStatusChange, StockMovement, Member)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


# --- The list ------------------------------------------------------------------------------------


def test_the_list_shows_each_product_with_its_skus_prices_and_stock(seller, seller_client):
    product = ProductFactory(seller=seller, name="奉化水蜜桃")
    SKUFactory(product=product, spec="8只装", price=Decimal("69.00"), stock=40)
    SKUFactory(product=product, spec="12只礼盒", price=Decimal("99.50"), stock=12)
    ProductImageFactory(product=product)
    body = seller_client.get("/seller/products/").content.decode()
    assert "奉化水蜜桃" in body
    assert "8只装" in body and "¥69.00" in body
    assert "12只礼盒" in body and "¥99.50" in body
    assert product.images.get().thumbnail_small.url in body
    assert 'class="tag status-on_sale">在售<' in body
    assert f'href="{edit_url(product)}"' in body


def test_the_list_shows_only_her_own_products(seller, other_seller, seller_client):
    ProductFactory(seller=seller, name="她的杜鹃")
    ProductFactory(seller=other_seller, name="别人的杜鹃")
    body = seller_client.get("/seller/products/").content.decode()
    assert "她的杜鹃" in body
    assert "别人的杜鹃" not in body


@pytest.mark.usefixtures("in_english")
def test_low_stock_is_warned_at_or_below_the_threshold_and_zero_is_sold_out(seller, seller_client):
    product = ProductFactory(seller=seller)
    SKUFactory(product=product, spec="plenty", stock=6, low_stock_threshold=5)
    SKUFactory(product=product, spec="at-threshold", stock=5, low_stock_threshold=5)
    SKUFactory(product=product, spec="none-left", stock=0, low_stock_threshold=5)
    SKUFactory(product=product, spec="retired", stock=0, is_active=False)
    response = seller_client.get("/seller/products/")
    body = response.content.decode()
    assert body.count('class="tag low"') == 1
    assert "Low stock: 5 left" in body
    assert body.count('class="tag sold-out"') == 1
    assert "Sold out" in body
    assert "not sold" in body  # the inactive SKU is neither low nor sold out
    assert "card product-row is-low" in body


def test_a_product_with_enough_stock_carries_no_warning(seller, seller_client):
    SKUFactory(product=ProductFactory(seller=seller), stock=6, low_stock_threshold=5)
    body = seller_client.get("/seller/products/").content.decode()
    assert 'class="tag low"' not in body and 'class="tag sold-out"' not in body
    assert "is-low" not in body


def test_the_latest_changed_product_comes_first(seller, seller_client):
    older = ProductFactory(seller=seller, name="先改的")
    newer = ProductFactory(seller=seller, name="后改的")
    services.update_product(product=older, description="刚刚改过")
    names = [p.name for p in seller_client.get("/seller/products/").context["page"]]
    assert names == ["先改的", "后改的"]
    services.update_product(product=newer, description="又改了")
    names = [p.name for p in seller_client.get("/seller/products/").context["page"]]
    assert names == ["后改的", "先改的"]


def test_the_status_filter_shows_counts_and_keeps_to_one_status(seller, seller_client):
    ProductFactory.create_batch(3, seller=seller, status=ProductStatus.ON_SALE)
    ProductFactory.create_batch(2, seller=seller, status=ProductStatus.OFF_SHELF)
    ProductFactory(seller=seller, status=ProductStatus.DRAFT, name="草稿里的")
    SKUFactory(product=ProductFactory(seller=seller, status=ProductStatus.DRAFT), stock=1)
    ProductFactory(status=ProductStatus.DRAFT)  # another seller's
    response = seller_client.get("/seller/products/")
    counts = {item["value"]: item["count"] for item in response.context["filters"]}
    assert counts == {"": 7, "on_sale": 3, "off_shelf": 2, "draft": 2, "low_stock": 1}
    drafts = seller_client.get("/seller/products/?status=draft")
    assert {p.status for p in drafts.context["page"]} == {ProductStatus.DRAFT}
    assert len(drafts.context["page"]) == 2
    assert 'href="/seller/products/?status=draft" aria-current="page"' in drafts.content.decode()


def test_the_running_low_filter_lists_products_with_an_active_sku_at_or_below_its_threshold(
    seller, seller_client
):
    low = ProductFactory(seller=seller, name="快卖完了")
    SKUFactory(product=low, stock=2)
    fine = ProductFactory(seller=seller, name="还有很多")
    SKUFactory(product=fine, stock=200)
    retired = ProductFactory(seller=seller, name="停售规格")
    SKUFactory(product=retired, stock=0, is_active=False)
    page = seller_client.get("/seller/products/?status=low_stock").context["page"]
    assert [p.name for p in page] == ["快卖完了"]


def test_an_unknown_filter_shows_every_product(seller, seller_client):
    ProductFactory.create_batch(2, seller=seller)
    response = seller_client.get("/seller/products/?status=deleted")
    assert response.status_code == 200
    assert response.context["current"] == ""
    assert len(response.context["page"]) == 2


def test_the_list_has_twenty_products_a_page_and_keeps_the_filter(seller, seller_client):
    ProductFactory.create_batch(25, seller=seller, status=ProductStatus.OFF_SHELF)
    first = seller_client.get("/seller/products/?status=off_shelf")
    assert len(first.context["page"]) == 20
    assert "status=off_shelf&amp;page=2" in first.content.decode()
    second = seller_client.get("/seller/products/?status=off_shelf&page=2")
    assert len(second.context["page"]) == 5
    assert seller_client.get("/seller/products/?page=99").context["page"].number == 2


def list_queries(client, url: str = "/seller/products/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def make_products(seller: Member, count: int) -> None:
    for product in ProductFactory.create_batch(count, seller=seller):
        SKUFactory.create_batch(2, product=product, stock=3)
        ProductImageFactory(product=product)


@pytest.mark.parametrize("url", ["/seller/products/", "/seller/products/?status=low_stock"])
def test_the_list_runs_the_same_queries_for_one_product_and_thirty(
    seller, seller_client, django_assert_num_queries, url
):
    make_products(seller, 1)
    one = list_queries(seller_client, url)
    make_products(seller, 29)
    with django_assert_num_queries(one):
        response = seller_client.get(url)
    assert len(response.context["page"]) == 20
    # session, user, her member profile, counts, page count, rows, SKUs, photos
    assert one == 8


def test_the_list_has_an_empty_state(seller_client):
    response = seller_client.get("/seller/products/")
    body = response.content.decode()
    assert 'class="empty"' in body
    assert 'class="product-list"' not in body


@pytest.mark.usefixtures("in_english")
def test_a_filter_without_products_says_so(seller, seller_client):
    ProductFactory(seller=seller, status=ProductStatus.ON_SALE)
    body = seller_client.get("/seller/products/?status=draft").content.decode()
    assert "No product matches this filter." in body


def test_the_home_card_counts_products_on_sale_and_running_low(seller, seller_client):
    SKUFactory(product=ProductFactory(seller=seller, status=ProductStatus.ON_SALE), stock=1)
    SKUFactory(product=ProductFactory(seller=seller, status=ProductStatus.ON_SALE), stock=90)
    SKUFactory(product=ProductFactory(seller=seller, status=ProductStatus.OFF_SHELF), stock=0)
    response = seller_client.get("/seller/")
    body = response.content.decode()
    assert 'href="/seller/products/"' in body
    assert 'href="/seller/products/?status=low_stock"' in body
    assert "<li><strong>2</strong>" in body  # on sale
    assert body.count("<li><strong>2</strong>") == 2  # and two running low
    assert 'href="/seller/profile/"' in body


def test_the_home_card_has_an_empty_state(seller_client):
    body = seller_client.get("/seller/").content.decode()
    assert 'href="/seller/products/"' in body
    assert "?status=low_stock" not in body


# --- Editing details, prices and stock -----------------------------------------------------------


@pytest.fixture
def product(seller) -> Product:
    product = ProductFactory(seller=seller, name="溪口千层饼", unit="盒", description="手工")
    SKUFactory(product=product, spec="原味 2盒", price=Decimal("39.90"), stock=20)
    SKUFactory(product=product, spec="海苔 2盒", price=Decimal("42.00"), stock=3)
    return product


def test_the_edit_page_shows_the_current_values(product, seller_client):
    response = seller_client.get(edit_url(product))
    assert response.status_code == 200
    body = response.content.decode()
    first, second = product.skus.all()
    assert f'name="sku-{first.pk}-price" value="39.90"' in body
    assert f'name="sku-{first.pk}-stock" value="20"' in body
    assert f'name="sku-{second.pk}-stock_seen" value="3"' in body
    assert 'name="product-name" value="溪口千层饼"' in body
    assert 'inputmode="decimal"' in body and 'inputmode="numeric"' in body
    assert 'enctype="multipart/form-data"' in body
    assert 'accept="image/jpeg,image/png,image/webp"' in body
    assert "multiple" in body


def test_a_seller_changes_details_a_price_and_a_counted_stock(product, seller, seller_client):
    first, second = product.skus.all()
    data = edit_data(
        product,
        **{
            "product-name": " 溪口千层饼（新） ",
            "product-description": "老字号手工千层饼",
            f"sku-{first.pk}-price": "35.5",
            f"sku-{second.pk}-stock": "18",
        },
    )
    response = seller_client.post(edit_url(product), data)
    assert response.status_code == 302
    assert response["Location"] == edit_url(product)
    product.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert product.name == "溪口千层饼（新）"
    assert product.description == "老字号手工千层饼"
    assert first.price == Decimal("35.50") and first.stock == 20
    assert second.price == Decimal("42.00") and second.stock == 18
    movement = StockMovement.objects.get()
    assert (movement.sku, movement.delta, movement.stock_after) == (second, 15, 18)
    assert movement.reason == StockMovement.Reason.ADJUST
    assert movement.actor == seller.user
    assert "溪口千层饼（新）" in seller_client.get(edit_url(product)).content.decode()


def test_the_mini_program_shows_her_changes_at_once(
    product, seller_client, client, django_capture_on_commit_callbacks
):
    url = f"/api/v1/products/{product.pk}/"
    assert client.get(url).json()["skus"][0]["price"] == "39.90"  # now cached
    sku = product.skus.first()
    with django_capture_on_commit_callbacks(execute=True):
        seller_client.post(
            edit_url(product),
            edit_data(product, **{f"sku-{sku.pk}-price": "35.00", f"sku-{sku.pk}-stock": "0"}),
        )
        seller_client.post(photos_url(product), {"photos": jpeg()})
    data = client.get(url).json()
    assert (data["skus"][0]["price"], data["skus"][0]["in_stock"]) == ("35.00", False)
    assert len(data["images"]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        set_status(seller_client, product, ProductStatus.OFF_SHELF)
    assert client.get(url).status_code == 404


@pytest.mark.usefixtures("in_english")
def test_saving_the_form_unchanged_writes_nothing(product, seller_client):
    before = catalogue_snapshot()
    response = seller_client.post(edit_url(product), edit_data(product), follow=True)
    assert "Nothing was changed." in response.content.decode()
    assert catalogue_snapshot() == before


def test_a_price_or_stock_change_moves_the_product_to_the_top_of_her_list(
    product, seller, seller_client
):
    ProductFactory(seller=seller, name="后来加的")
    sku = product.skus.first()
    seller_client.post(edit_url(product), edit_data(product, **{f"sku-{sku.pk}-stock": "50"}))
    first = seller_client.get("/seller/products/").context["page"][0]
    assert first == product


def test_orders_taken_while_the_page_was_open_are_not_undone(product, seller_client):
    """She changes only a price; the stock she left alone keeps what an order reserved."""
    sku = product.skus.first()
    data = edit_data(product, **{f"sku-{sku.pk}-price": "45.00"})  # the page as she saw it
    services.reserve_stock(sku_id=sku.pk, quantity=4, reference="order 1")
    seller_client.post(edit_url(product), data)
    sku.refresh_from_db()
    assert sku.price == Decimal("45.00")
    assert sku.stock == 16


def test_a_stock_she_counts_while_orders_came_in_is_her_count(product, seller_client):
    sku = product.skus.first()
    data = edit_data(product, **{f"sku-{sku.pk}-stock": "12"})
    services.reserve_stock(sku_id=sku.pk, quantity=4, reference="order 1")
    seller_client.post(edit_url(product), data)
    sku.refresh_from_db()
    assert sku.stock == 12
    assert StockMovement.objects.filter(reason=StockMovement.Reason.ADJUST).get().delta == -4


@pytest.mark.parametrize("seen", [None, "", "garbled"])
def test_a_page_without_the_number_she_saw_still_saves(product, seller_client, seen):
    sku = product.skus.first()
    data = edit_data(product, **{f"sku-{sku.pk}-price": "30.00", f"sku-{sku.pk}-stock": "7"})
    if seen is None:
        del data[f"sku-{sku.pk}-stock_seen"]
    else:
        data[f"sku-{sku.pk}-stock_seen"] = seen
    assert seller_client.post(edit_url(product), data).status_code == 302
    sku.refresh_from_db()
    assert (sku.price, sku.stock) == (Decimal("30.00"), 7)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("49.9", Decimal("49.90")),
        ("¥49.90", Decimal("49.90")),
        ("￥４９．９０", Decimal("49.90")),
        (" 49 元", Decimal("49.00")),
        ("0", Decimal("0.00")),
        ("9999999999.99", Decimal("9999999999.99")),
    ],
)
def test_prices_are_read_as_a_seller_types_them(product, seller_client, typed, stored):
    sku = product.skus.first()
    response = seller_client.post(
        edit_url(product), edit_data(product, **{f"sku-{sku.pk}-price": typed})
    )
    assert response.status_code == 302
    sku.refresh_from_db()
    assert sku.price == stored


@pytest.mark.usefixtures("in_english")
@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("price", "-1", "A price cannot be negative."),
        ("price", "49.999", "A price has at most two decimal places, e.g. 49.90."),
        ("price", "abc", "Enter the price in yuan, e.g. 49.90."),
        ("price", "49,90", "Enter the price in yuan, e.g. 49.90."),
        ("price", "", "Enter the price in yuan, e.g. 49.90."),
        ("price", "12345678901", "Enter the price in yuan, e.g. 49.90."),
        ("stock", "-1", "Stock cannot be negative."),
        ("stock", "2.5", "Stock is a whole number, e.g. 12."),
        ("stock", "many", "Stock is a whole number, e.g. 12."),
        ("stock", "", "Stock is a whole number, e.g. 12."),
        ("stock", "1000001", "Stock can be at most 1,000,000."),
    ],
)
def test_a_bad_price_or_stock_is_refused_next_to_its_field_and_nothing_is_saved(
    product, seller_client, field, typed, message
):
    first, second = product.skus.all()
    before = catalogue_snapshot()
    data = edit_data(
        product,
        **{
            f"sku-{first.pk}-{field}": typed,
            f"sku-{second.pk}-price": "1.00",
            "product-unit": "袋",
        },
    )
    response = seller_client.post(edit_url(product), data)
    assert response.status_code == 200
    sku_form = response.context["sku_forms"][0]
    assert english_errors(sku_form) == {field: [message]}
    body = response.content.decode()
    field_html = body.split(f'for="id_sku-{first.pk}-{field}"')[1].split("</div>")[0]
    assert message in field_html
    assert f'value="{typed}"' in body or typed == ""  # what she typed is kept for her to fix
    assert catalogue_snapshot() == before


def test_errors_are_in_chinese_by_default(product, seller_client):
    sku = product.skus.first()
    response = seller_client.post(
        edit_url(product), edit_data(product, **{f"sku-{sku.pk}-stock": "-3"})
    )
    assert "库存不能为负数。" in response.content.decode()


@pytest.mark.usefixtures("in_english")
def test_a_product_needs_a_name(product, seller_client):
    before = catalogue_snapshot()
    response = seller_client.post(edit_url(product), edit_data(product, **{"product-name": " "}))
    assert english_errors(response.context["details_form"]) == {
        "name": ["Give the product a name."]
    }
    assert catalogue_snapshot() == before


@pytest.mark.usefixtures("in_english")
def test_a_refusal_of_the_service_is_shown_and_nothing_is_saved(product, seller_client):
    SubCategoryFactory(parent=product.category)  # its category gained sub-categories
    sku = product.skus.first()
    before = catalogue_snapshot()
    data = edit_data(product, **{"product-name": "新名字", f"sku-{sku.pk}-price": "1.00"})
    response = seller_client.post(edit_url(product), data)
    assert response.status_code == 200
    assert "Choose a sub-category." in response.content.decode()
    assert catalogue_snapshot() == before


def test_an_edit_is_saved_whole_or_not_at_all(product, seller_client, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError("refused")

    monkeypatch.setattr(services, "adjust_stock", refuse)
    first, second = product.skus.all()
    before = catalogue_snapshot()
    data = edit_data(
        product,
        **{
            "product-name": "改了名",
            f"sku-{first.pk}-price": "1.00",
            f"sku-{second.pk}-stock": "9",
        },
    )
    response = seller_client.post(edit_url(product), data)
    assert response.status_code == 200
    assert catalogue_snapshot() == before


def test_sku_fields_of_another_product_in_the_form_are_ignored(
    product, other_seller, seller_client
):
    foreign = SKUFactory(product=ProductFactory(seller=other_seller), price=Decimal("10.00"))
    data = edit_data(
        product,
        **{f"sku-{foreign.pk}-price": "0.01", f"sku-{foreign.pk}-stock": "0",
           f"sku-{foreign.pk}-stock_seen": "20"},
    )  # fmt: skip
    seller_client.post(edit_url(product), data)
    foreign.refresh_from_db()
    assert (foreign.price, foreign.stock) == (Decimal("10.00"), 20)


# --- Photos --------------------------------------------------------------------------------------


def photos_url(product: Product) -> str:
    return reverse("seller:product_photos", kwargs={"product_id": product.pk})


def test_a_seller_uploads_a_photo_and_sees_it(product, seller_client):
    response = seller_client.post(photos_url(product), {"photos": jpeg()})
    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(product)}#photos"
    image = product.images.get()
    assert image.width == 640 and image.alt_text == product.name
    body = seller_client.get(edit_url(product)).content.decode()
    assert image.thumbnail_medium.url in body


def test_several_photos_are_uploaded_at_once_in_order(product, seller_client):
    files = [jpeg("a.jpg", "#111111"), jpeg("b.jpg", "#222222"), jpeg("c.jpg", "#333333")]
    response = seller_client.post(photos_url(product), {"photos": files})
    assert response.status_code == 302
    assert list(product.images.values_list("position", flat=True)) == [0, 1, 2]


@pytest.mark.usefixtures("in_english")
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("notes.jpg", b"not a photo at all", content_type="image/jpeg"),
            "This is not a photo we can use. Please upload a JPEG, PNG or WebP image.",
        ),
        (
            SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"0" * (10 * 1024 * 1024)),
            "The photo is larger than 10 MB. Please choose a smaller one.",
        ),
        (SimpleUploadedFile("empty.jpg", b""), "The file is empty."),
    ],
    ids=["not-an-image", "too-large", "empty"],
)
def test_a_refused_photo_is_explained_in_the_form_never_a_500(
    product, seller_client, upload, message
):
    response = seller_client.post(photos_url(product), {"photos": upload})
    assert response.status_code == 200
    assert english_errors(response.context["photo_form"]) == {
        "photos": [f"{upload.name}: {message}"]
    }
    assert f"{upload.name}: {message}" in response.content.decode()
    assert not product.images.exists()
    assert media_files() == []


@pytest.mark.usefixtures("in_english")
def test_good_photos_are_kept_when_one_of_several_is_refused(product, seller_client):
    bad = SimpleUploadedFile("menu.pdf", b"%PDF-1.4 ...", content_type="application/pdf")
    response = seller_client.post(
        photos_url(product), {"photos": [jpeg("a.jpg"), bad, jpeg("b.jpg")]}
    )
    assert response.status_code == 200
    assert product.images.count() == 2
    body = response.content.decode()
    assert "2 photos added." in body
    assert "menu.pdf: This is not a photo we can use." in body
    for image in product.images.all():
        assert image.thumbnail_medium.url in body


@pytest.mark.usefixtures("in_english")
def test_uploading_without_choosing_a_photo_says_so(product, seller_client):
    response = seller_client.post(photos_url(product), {})
    assert english_errors(response.context["photo_form"]) == {
        "photos": ["Choose one or more photos first."]
    }


@pytest.mark.usefixtures("in_english")
def test_too_many_photos_at_once_are_refused(product, seller_client):
    files = [jpeg(f"{n}.jpg") for n in range(MAX_PHOTOS_PER_UPLOAD + 1)]
    response = seller_client.post(photos_url(product), {"photos": files})
    assert english_errors(response.context["photo_form"]) == {
        "photos": ["You can upload at most 10 photos at a time."]
    }
    assert not product.images.exists()


@pytest.mark.usefixtures("in_english")
def test_a_product_holds_at_most_twenty_photos(product, seller_client):
    ProductImageFactory.create_batch(MAX_PHOTOS_PER_PRODUCT - 1, product=product)
    response = seller_client.post(photos_url(product), {"photos": [jpeg("a.jpg"), jpeg("b.jpg")]})
    assert english_errors(response.context["photo_form"]) == {
        "photos": ["A product has at most 20 photos; there is room for 1 more."]
    }
    assert product.images.count() == MAX_PHOTOS_PER_PRODUCT - 1


def test_a_seller_removes_a_photo_and_its_files(
    product, seller_client, django_capture_on_commit_callbacks
):
    seller_client.post(photos_url(product), {"photos": jpeg()})
    image = product.images.get()
    files = [Path(f.path) for f in (image.image, image.thumbnail_small, image.thumbnail_medium)]
    assert all(path.exists() for path in files)
    url = reverse(
        "seller:product_photo_remove", kwargs={"product_id": product.pk, "image_id": image.pk}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(url)
    assert response["Location"] == f"{edit_url(product)}#photos"
    assert not product.images.exists()
    assert not any(path.exists() for path in files)


def test_the_remove_button_asks_first(product, seller_client):
    ProductImageFactory(product=product)
    body = seller_client.get(edit_url(product)).content.decode()
    assert 'data-confirm="' in body.split('id="photos"')[1]


@pytest.mark.parametrize("name", ["product_photos", "product_photo_remove", "product_status"])
def test_actions_only_answer_post(product, seller_client, name):
    image = ProductImageFactory(product=product)
    kwargs = {"product_id": product.pk}
    if name == "product_photo_remove":
        kwargs["image_id"] = image.pk
    before = catalogue_snapshot()
    assert seller_client.get(reverse(f"seller:{name}", kwargs=kwargs)).status_code == 405
    assert catalogue_snapshot() == before


# --- On sale, off the shelf ---------------------------------------------------------------------


def set_status(client, product: Product, status: str, **kwargs):
    url = reverse("seller:product_status", kwargs={"product_id": product.pk})
    return client.post(url, {"status": status}, **kwargs)


@pytest.mark.usefixtures("in_english")
def test_a_draft_with_a_sku_goes_on_sale_and_off_the_shelf(seller, seller_client):
    product = ProductFactory(seller=seller, status=ProductStatus.DRAFT, name="杜鹃盆景")
    SKUFactory(product=product)
    response = set_status(seller_client, product, ProductStatus.ON_SALE, follow=True)
    assert "“杜鹃盆景” is on sale." in response.content.decode()
    product.refresh_from_db()
    assert product.status == ProductStatus.ON_SALE
    response = set_status(seller_client, product, ProductStatus.OFF_SHELF, follow=True)
    assert "is off the shelf" in response.content.decode()
    changes = ProductStatusChange.objects.filter(product=product).order_by("pk")
    assert [(c.from_status, c.to_status, c.actor) for c in changes] == [
        (ProductStatus.DRAFT, ProductStatus.ON_SALE, seller.user),
        (ProductStatus.ON_SALE, ProductStatus.OFF_SHELF, seller.user),
    ]


@pytest.mark.usefixtures("in_english")
def test_the_services_refusal_is_shown_when_a_product_cannot_go_on_sale(seller, seller_client):
    product = ProductFactory(seller=seller, status=ProductStatus.DRAFT, name="空壳")
    response = set_status(seller_client, product, ProductStatus.ON_SALE, follow=True)
    assert "“空壳” has no active SKU, so it cannot go on sale." in response.content.decode()
    assert response.redirect_chain[-1][0] == edit_url(product)
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_the_refusal_reads_in_chinese_by_default(seller, seller_client):
    product = ProductFactory(seller=seller, status=ProductStatus.DRAFT, name="空壳")
    response = set_status(seller_client, product, ProductStatus.ON_SALE, follow=True)
    assert "“空壳”没有启用的 SKU，不能上架。" in response.content.decode()


@pytest.mark.usefixtures("in_english")
@pytest.mark.parametrize("status", [ProductStatus.DRAFT, "sold", ""])
def test_a_product_cannot_be_sent_back_to_draft_or_anywhere_else(seller, seller_client, status):
    product = ProductFactory(seller=seller, status=ProductStatus.ON_SALE)
    SKUFactory(product=product)
    response = set_status(seller_client, product, status, follow=True)
    assert "Choose on sale or off the shelf." in response.content.decode()
    product.refresh_from_db()
    assert product.status == ProductStatus.ON_SALE
    assert not ProductStatusChange.objects.exists()


@pytest.mark.usefixtures("in_english")
@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        (ProductStatus.DRAFT, ["Put on sale"]),
        (ProductStatus.ON_SALE, ["Take off the shelf"]),
        (ProductStatus.OFF_SHELF, ["Put on sale again"]),
    ],
)
def test_the_page_offers_the_status_changes_the_rules_allow(seller, seller_client, status, buttons):
    product = ProductFactory(seller=seller, status=status)
    response = seller_client.get(edit_url(product))
    assert [action["label"] for action in response.context["status_actions"]] == buttons
    body = response.content.decode()
    for label in buttons:
        assert f">{label}</button>" in body
    if status == ProductStatus.ON_SALE:
        assert "Shoppers will no longer see it." in body  # asked before taking it off


def test_the_edit_page_runs_the_same_queries_however_many_skus_and_photos(
    seller, seller_client, django_assert_num_queries
):
    small = ProductFactory(seller=seller)
    SKUFactory(product=small)
    with CaptureQueriesContext(connection) as queries:
        seller_client.get(edit_url(small))
    big = ProductFactory(seller=seller)
    SKUFactory.create_batch(6, product=big)
    ProductImageFactory.create_batch(8, product=big)
    with django_assert_num_queries(len(queries)):
        seller_client.get(edit_url(big))


# --- English --------------------------------------------------------------------------------------


def test_the_pages_turn_english_with_the_language_switch(product, seller_client):
    seller_client.post("/i18n/setlang/", {"language": "en", "next": "/seller/products/"})
    listing = seller_client.get("/seller/products/").content.decode()
    assert "<h1>My products</h1>" in listing
    assert ">On sale <span" in listing and ">Running low <span" in listing
    edit = seller_client.get(edit_url(product)).content.decode()
    assert "Prices and stock" in edit and "Upload photos" in edit
    assert "Price (yuan)" in edit


# --- Only her own: every seller URL with another seller's ids answers 404 -------------------------


def seller_url_patterns() -> list[tuple[str, list[str]]]:
    """Every named URL of the seller namespace with its keyword arguments, walked from the root."""
    found = []

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                # The catalogue's and the profile's pages; other apps' seller pages have their
                # own isolation tests (and tests/test_seller_isolation.py walks them all).
                and pattern.callback.__module__ in ("products.views", "alliance.views")
            ):
                found.append(
                    (f"{namespace}:{pattern.name}", list(pattern.pattern.regex.groupindex))
                )

    _prefix, resolver = get_resolver().namespace_dict["seller"]
    walk(resolver.url_patterns, "seller")
    return found


SELLER_URLS = seller_url_patterns()
SELLER_URLS_WITH_IDS = [(name, kwargs) for name, kwargs in SELLER_URLS if kwargs]


def seller_objects(seller: Member) -> dict[str, int]:
    """One of each object a seller URL can name, owned by this seller: kwarg → id."""
    product = ProductFactory(seller=seller, status=ProductStatus.ON_SALE)
    SKUFactory(product=product, stock=10)
    image = ProductImageFactory(product=product)
    return {"product_id": product.pk, "image_id": image.pk}


def every_post_field(ids: dict[str, int]) -> dict[str, object]:
    """A POST that would change something on any seller page if it were accepted."""
    data: dict[str, object] = {
        "status": ProductStatus.OFF_SHELF,
        "product-name": "被改了",
        "product-unit": "斤",
        "product-description": "被改了",
        "story": "被改了",
        "photos": jpeg(),
        "photo": jpeg("p.jpg"),
    }
    for sku in SKU.objects.all():
        data.update({f"sku-{sku.pk}-price": "0.01", f"sku-{sku.pk}-stock": "0",
                     f"sku-{sku.pk}-stock_seen": str(sku.stock)})  # fmt: skip
    return data


def test_the_walk_finds_the_seller_pages_of_the_catalogue():
    names = {name for name, _kwargs in SELLER_URLS_WITH_IDS}
    assert {
        "seller:product",
        "seller:product_status",
        "seller:product_photos",
        "seller:product_photo_remove",
    } <= names


@pytest.mark.parametrize(
    ("name", "kwargs"), SELLER_URLS_WITH_IDS, ids=[name for name, _ in SELLER_URLS_WITH_IDS]
)
def test_another_sellers_ids_answer_404_and_change_nothing(
    seller, other_seller, seller_client, name, kwargs
):
    mine = seller_objects(seller)
    theirs = seller_objects(other_seller)
    unknown = set(kwargs) - set(mine)
    assert not unknown, f"{name}: teach seller_objects() about {unknown}"
    before, files = catalogue_snapshot(), media_files()
    # Every mix: all ids another seller's, or some of them (her product, another's photo).
    for count in range(1, len(kwargs) + 1):
        for foreign in itertools.combinations(kwargs, count):
            ids = {key: theirs[key] if key in foreign else mine[key] for key in kwargs}
            url = reverse(name, kwargs=ids)
            assert seller_client.get(url).status_code == 404, url
            assert seller_client.post(url, every_post_field(ids)).status_code == 404, url
    assert catalogue_snapshot() == before
    assert media_files() == files


def own_url(name: str, kwargs: list[str], seller: Member) -> str:
    objects = seller_objects(seller)
    return reverse(name, kwargs={key: objects[key] for key in kwargs})


@pytest.mark.parametrize(("name", "kwargs"), SELLER_URLS, ids=[name for name, _ in SELLER_URLS])
def test_anonymous_visitors_are_sent_to_log_in(client, seller, name, kwargs):
    url = own_url(name, kwargs, seller)
    before = catalogue_snapshot()
    for response in (client.get(url), client.post(url, every_post_field({}))):
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    assert catalogue_snapshot() == before


@pytest.mark.parametrize(("name", "kwargs"), SELLER_URLS, ids=[name for name, _ in SELLER_URLS])
def test_staff_and_suspended_sellers_are_refused(seller, name, kwargs):
    url = own_url(name, kwargs, seller)
    suspended = SellerFactory(status=MemberStatus.SUSPENDED)
    before = catalogue_snapshot()
    for user in (StaffUserFactory(), UserFactory(), suspended.user):
        client = logged_in_client(user)
        assert client.get(url).status_code == 403
        assert client.post(url, every_post_field({})).status_code == 403
    assert catalogue_snapshot() == before


def test_a_seller_reaches_every_page_of_her_own(seller, seller_client):
    for name, kwargs in SELLER_URLS:
        url = own_url(name, kwargs, seller)
        assert seller_client.get(url).status_code in (200, 405), url


def test_prices_are_shown_in_yuan_with_two_decimals(seller, seller_client):
    SKUFactory(product=ProductFactory(seller=seller), price=Decimal("8"))
    assert "¥8.00" in seller_client.get("/seller/products/").content.decode()


def test_an_old_product_can_still_be_edited(seller, seller_client):
    product = ProductFactory(seller=seller, status=ProductStatus.DRAFT)
    Product.objects.filter(pk=product.pk).update(updated_at=timezone.now().replace(year=2020))
    response = seller_client.post(edit_url(product), edit_data(product, **{"product-unit": "斤"}))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.unit == "斤"
    assert product.updated_at.year == timezone.now().year
