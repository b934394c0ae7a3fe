"""Catalogue admin: pages, query counts, status actions, photos, stock, xlsx import and export."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from alliance.roles import FEDERATION_STAFF_GROUP
from products import xlsx
from products.models import (
    ALL_MONTHS,
    Product,
    ProductImage,
    ProductStatus,
    ProductStatusChange,
    StockMovement,
    months_to_mask,
)
from tests.factories import (
    CategoryFactory,
    ChannelListingFactory,
    MemberFactory,
    PartnerFederationFactory,
    ProductFactory,
    ProductImageFactory,
    ProductStatusChangeFactory,
    SellerFactory,
    SKUFactory,
    StockMovementFactory,
    SubCategoryFactory,
    TagFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/products/product/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def full_product(**fields) -> Product:
    product = ProductFactory(**fields)
    product.tags.add(TagFactory())
    SKUFactory(product=product, price=Decimal("39.90"), stock=2)
    SKUFactory(product=product, price=Decimal("88.00"), stock=50)
    ProductImageFactory(product=product)
    return product


# --- Pages ---------------------------------------------------------------------------------------


MODELS = [
    "product",
    "sku",
    "channellisting",
    "category",
    "tag",
    "stockmovement",
    "productstatuschange",
]


@pytest.mark.parametrize("model", MODELS)
def test_every_catalogue_admin_list_opens_for_staff(staff_client, model):
    full_product()
    ChannelListingFactory()
    StockMovementFactory()
    ProductStatusChangeFactory()

    response = staff_client.get(f"/admin/products/{model}/")

    assert response.status_code == 200


@pytest.mark.parametrize("model", ["product", "sku", "channellisting", "category", "tag"])
def test_every_catalogue_admin_add_form_opens(staff_client, model):
    assert staff_client.get(f"/admin/products/{model}/add/").status_code == 200


def test_the_product_page_opens_with_skus_photos_and_status_history(staff_client):
    product = full_product()
    ProductStatusChangeFactory(product=product, reason="首次上架")

    body = staff_client.get(f"/admin/products/product/{product.pk}/change/").content.decode()

    assert "首次上架" in body
    assert product.skus.first().merchant_code in body
    assert product.images.get().thumbnail_small.url in body


def test_the_product_page_runs_the_same_queries_for_few_and_many_inline_rows(
    staff_client, django_assert_num_queries
):
    product = full_product()
    ProductStatusChangeFactory(product=product, actor=UserFactory())
    url = f"/admin/products/product/{product.pk}/change/"
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(url).status_code == 200
    SKUFactory.create_batch(10, product=product)
    ProductImageFactory.create_batch(5, product=product)
    ProductStatusChangeFactory.create_batch(10, product=product, actor=UserFactory())

    with django_assert_num_queries(len(queries)):
        staff_client.get(url)


def test_a_seller_cannot_open_the_catalogue_admin(seller_client):
    for url in [CHANGELIST, f"{CHANGELIST}import-xlsx/", f"{CHANGELIST}export-xlsx/"]:
        assert seller_client.get(url, follow=True).status_code == 403


def product_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CHANGELIST).status_code == 200
    return len(queries)


def test_the_product_list_runs_the_same_queries_for_one_row_and_a_full_page(
    staff_client, django_assert_num_queries
):
    full_product()
    one = product_list_queries(staff_client)
    for _ in range(120):
        full_product()  # each in a category of its own: the category filter grows too

    with django_assert_num_queries(one):
        response = staff_client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == 100
    # session, user, staff group, permissions ×2, the filters' choices (categories, townships,
    # federations, tags), count ×2, the page, her member profile (navigation)
    assert one == 13


def list_row(model: str) -> None:
    """One more row of a list, with fresh related rows (so a per-row query would show)."""
    {
        "sku": lambda: ChannelListingFactory(),
        "channellisting": lambda: ChannelListingFactory(),
        "category": lambda: SubCategoryFactory(),
        "tag": lambda: ProductFactory().tags.add(TagFactory()),
        "stockmovement": lambda: StockMovementFactory(actor=UserFactory()),
        "productstatuschange": lambda: ProductStatusChangeFactory(actor=UserFactory()),
    }[model]()


@pytest.mark.parametrize(
    "model", ["sku", "channellisting", "category", "tag", "stockmovement", "productstatuschange"]
)
def test_the_other_catalogue_lists_run_the_same_queries_for_one_row_and_many(
    staff_client, django_assert_num_queries, model
):
    list_row(model)
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(f"/admin/products/{model}/").status_code == 200
    for _ in range(30):
        list_row(model)

    with django_assert_num_queries(len(queries)):
        response = staff_client.get(f"/admin/products/{model}/")

    assert len(response.context["cl"].result_list) > 30


def test_the_product_list_shows_price_range_low_stock_and_partner_county(staff_client):
    full_product(name="奉化芋艿头")

    response = staff_client.get(CHANGELIST)

    result = response.context["cl"].result_list[0]
    assert (result.min_price, result.max_price) == (Decimal("39.90"), Decimal("88.00"))
    assert result.has_low_stock
    body = response.content.decode()
    assert "39.90–88.00" in body
    with translation.override("zh-hans"):
        assert gettext("low stock") in body


def test_the_product_list_searches_merchant_code_and_seller_and_filters_township(staff_client):
    village = VillageFactory(township__name="尚田街道")
    strawberry = ProductFactory(
        name="尚田草莓", seller=MemberFactory(name="宋小赞", village=village)
    )
    SKUFactory(product=strawberry, merchant_code="FH-CM-001")
    SKUFactory(product=strawberry, merchant_code="FH-CM-002")
    ProductFactory(name="溪口千层饼")

    def names(query: str) -> list[str]:
        response = staff_client.get(f"{CHANGELIST}?{query}")
        return [product.name for product in response.context["cl"].result_list]

    assert names("q=FH-CM") == ["尚田草莓"]
    assert names("q=小赞") == ["尚田草莓"]
    assert names(f"seller__village__township__id__exact={village.township_id}") == ["尚田草莓"]


def test_the_product_list_filters_partner_county_products(staff_client):
    partner = PartnerFederationFactory(name="甘洛县妇联")
    ProductFactory(name="甘洛苦荞茶", is_partner_county=True, partner_federation=partner)
    ProductFactory(name="奉化水蜜桃")

    response = staff_client.get(f"{CHANGELIST}?is_partner_county__exact=1")

    assert [p.name for p in response.context["cl"].result_list] == ["甘洛苦荞茶"]


# --- Status actions ------------------------------------------------------------------------------


def act(client, action: str, products: list[Product]):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [p.pk for p in products]}, follow=True
    )


@pytest.fixture
def english_client(staff_client):
    """The staff client with the site switched to English, for assertions on messages."""
    staff_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return staff_client


def test_putting_on_sale_goes_through_the_service_and_reports_each_refusal(
    english_client, staff_user
):
    ready = SKUFactory(product__status=ProductStatus.DRAFT).product
    empty = ProductFactory(name="没有规格的商品", status=ProductStatus.DRAFT)
    already = SKUFactory(product__status=ProductStatus.ON_SALE).product

    response = act(english_client, "put_on_sale", [ready, empty, already])

    ready.refresh_from_db()
    empty.refresh_from_db()
    assert ready.status == ProductStatus.ON_SALE
    assert empty.status == ProductStatus.DRAFT
    change = ProductStatusChange.objects.get()
    assert (change.product, change.actor, change.to_status) == (ready, staff_user, "on_sale")
    assert messages_of(response) == [
        "“没有规格的商品” was not changed: "
        "“没有规格的商品” has no active SKU, so it cannot go on sale.",
        "1 product is now on sale.",
        "1 product already was on sale.",
    ]


def test_taking_off_the_shelf_records_who_did_it(english_client, staff_user):
    products = [SKUFactory().product, SKUFactory().product]

    response = act(english_client, "take_off_shelf", products)

    assert set(Product.objects.values_list("status", flat=True)) == {ProductStatus.OFF_SHELF}
    assert ProductStatusChange.objects.filter(actor=staff_user, to_status="off_shelf").count() == 2
    assert messages_of(response) == ["2 products are now off shelf."]


def test_status_cannot_be_set_through_the_product_form(staff_client):
    product = ProductFactory(status=ProductStatus.DRAFT)

    response = staff_client.post(
        f"/admin/products/product/{product.pk}/change/",
        {**product_form(product), "status": ProductStatus.ON_SALE},
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


# --- The product form: months, photos ------------------------------------------------------------


def product_form(product: Product, images: list[dict] | None = None, skus=None) -> dict:
    """The change form's fields and its inlines' management data."""
    images = images or []
    skus = list(product.skus.all()) if skus is None else skus
    data = {
        "name": product.name,
        "seller": product.seller_id,
        "enterprise": "",
        "category": product.category_id,
        "description": product.description,
        "unit": product.unit,
        "origin_village": product.origin_village_id or "",
        "months": product.months_in_season,
        "partner_federation": "",
        "skus-TOTAL_FORMS": len(skus),
        "skus-INITIAL_FORMS": len(skus),
        "images-TOTAL_FORMS": len(images),
        "images-INITIAL_FORMS": 0,
        "status_changes-TOTAL_FORMS": 0,
        "status_changes-INITIAL_FORMS": 0,
    }
    for index, sku in enumerate(skus):
        data |= {
            f"skus-{index}-id": sku.pk,
            f"skus-{index}-product": product.pk,
            f"skus-{index}-spec": sku.spec,
            f"skus-{index}-merchant_code": sku.merchant_code,
            f"skus-{index}-price": sku.price,
            f"skus-{index}-low_stock_threshold": sku.low_stock_threshold,
            f"skus-{index}-is_active": "on" if sku.is_active else "",
        }
    for index, image in enumerate(images):
        data |= {f"images-{index}-{name}": value for name, value in image.items()}
    return data


def png_upload(name: str = "草莓.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGBA", (900, 600), (220, 40, 60, 255)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_photo_uploaded_in_the_admin_is_re_encoded_with_thumbnails(staff_client):
    product = ProductFactory()

    response = staff_client.post(
        f"/admin/products/product/{product.pk}/change/",
        product_form(
            product, images=[{"upload": png_upload(), "alt_text": "红颜草莓", "position": 0}]
        ),
    )

    assert response.status_code == 302
    image = ProductImage.objects.get(product=product)
    assert (image.width, image.height, image.alt_text) == (900, 600, "红颜草莓")
    assert image.image.name.endswith(".jpg")
    assert Image.open(image.image.path).format == "JPEG"
    assert max(Image.open(image.thumbnail_small.path).size) == 200


def test_a_refused_photo_is_a_form_error_not_a_server_error(english_client):
    product = ProductFactory()
    fake = SimpleUploadedFile("photo.jpg", b"<html>not a photo</html>", content_type="image/jpeg")

    response = english_client.post(
        f"/admin/products/product/{product.pk}/change/",
        product_form(product, images=[{"upload": fake, "alt_text": "", "position": 0}]),
    )

    assert response.status_code == 200
    assert "This is not a photo we can use." in response.content.decode()
    assert not ProductImage.objects.exists()


def test_removing_a_photo_in_the_admin_deletes_it(staff_client, django_capture_on_commit_callbacks):
    product = ProductFactory()
    image = ProductImageFactory(product=product)
    path = image.image.path
    data = product_form(product)
    data |= {
        "images-TOTAL_FORMS": 1,
        "images-INITIAL_FORMS": 1,
        "images-0-id": image.pk,
        "images-0-product": product.pk,
        "images-0-alt_text": "",
        "images-0-position": 0,
        "images-0-DELETE": "on",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/admin/products/product/{product.pk}/change/", data)

    assert response.status_code == 302
    assert not ProductImage.objects.exists()
    assert not image.image.storage.exists(path)


def test_months_in_season_are_ticked_boxes(staff_client):
    product = ProductFactory(season_months=ALL_MONTHS)
    data = product_form(product) | {"months": [12, 1, 2, 3, 4]}

    response = staff_client.post(f"/admin/products/product/{product.pk}/change/", data)

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.season_months == months_to_mask([12, 1, 2, 3, 4])


def test_a_product_added_in_the_admin_starts_as_a_draft_with_its_skus(staff_client):
    seller = MemberFactory(is_seller=True)
    category = SubCategoryFactory()
    data = {
        "name": "金峨杜鹃 小盆栽",
        "seller": seller.pk,
        "category": category.pk,
        "unit": "盆",
        "months": [3, 4, 5],
        "skus-TOTAL_FORMS": 1,
        "skus-INITIAL_FORMS": 0,
        "skus-0-spec": "带盆",
        "skus-0-merchant_code": "JE-DJ-1",
        "skus-0-price": "39.00",
        "skus-0-low_stock_threshold": 5,
        "skus-0-is_active": "on",
        "images-TOTAL_FORMS": 0,
        "images-INITIAL_FORMS": 0,
        "status_changes-TOTAL_FORMS": 0,
        "status_changes-INITIAL_FORMS": 0,
    }

    response = staff_client.post("/admin/products/product/add/", data)

    assert response.status_code == 302
    product = Product.objects.get(name="金峨杜鹃 小盆栽")
    assert product.status == ProductStatus.DRAFT
    assert product.season_months == months_to_mask([3, 4, 5])
    assert list(product.skus.values_list("merchant_code", "stock")) == [("JE-DJ-1", 0)]


def test_stock_cannot_be_set_through_the_sku_inline(staff_client):
    sku = SKUFactory(stock=20)
    data = product_form(sku.product) | {"skus-0-stock": 999, "skus-0-price": "45.00"}

    response = staff_client.post(f"/admin/products/product/{sku.product_id}/change/", data)

    assert response.status_code == 302
    sku.refresh_from_db()
    assert (sku.stock, sku.price) == (20, Decimal("45.00"))


# --- Stock ---------------------------------------------------------------------------------------


def test_adjusting_stock_records_the_difference_with_the_staff_member(staff_client, staff_user):
    sku = SKUFactory(stock=20)
    url = f"/admin/products/sku/{sku.pk}/adjust-stock/"
    assert staff_client.get(url).status_code == 200

    response = staff_client.post(url, {"new_stock": 12, "reference": "盘点"})

    assert response["Location"] == f"/admin/products/sku/{sku.pk}/change/"
    sku.refresh_from_db()
    assert sku.stock == 12
    movement = StockMovement.objects.get(sku=sku)
    assert (movement.delta, movement.actor, movement.reference) == (-8, staff_user, "盘点")


def test_a_negative_count_is_refused_beside_the_field(staff_client):
    sku = SKUFactory(stock=20)

    response = staff_client.post(f"/admin/products/sku/{sku.pk}/adjust-stock/", {"new_stock": -1})

    assert response.status_code == 200
    assert response.context["form"].errors["new_stock"]
    sku.refresh_from_db()
    assert sku.stock == 20
    assert not StockMovement.objects.exists()


def test_adjusting_stock_of_an_unknown_sku_is_404(staff_client):
    assert staff_client.get("/admin/products/sku/999999/adjust-stock/").status_code == 404


def test_the_sku_page_shows_stock_read_only_with_the_adjust_link(staff_client):
    sku = SKUFactory(stock=7)
    ChannelListingFactory(sku=sku)

    response = staff_client.get(f"/admin/products/sku/{sku.pk}/change/")

    body = response.content.decode()
    assert f"/admin/products/sku/{sku.pk}/adjust-stock/" in body
    assert 'name="stock"' not in body


@pytest.mark.parametrize("model", ["stockmovement", "productstatuschange"])
def test_the_audit_trails_cannot_be_written_in_the_admin(staff_client, model):
    row = StockMovementFactory() if model == "stockmovement" else ProductStatusChangeFactory()

    assert staff_client.get(f"/admin/products/{model}/add/").status_code == 403
    response = staff_client.post(f"/admin/products/{model}/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


# --- Categories and autocomplete -----------------------------------------------------------------


def test_the_product_category_autocomplete_offers_only_sub_categories(staff_client):
    fruit = CategoryFactory(name="鲜果")
    SubCategoryFactory(name="草莓", parent=fruit)

    response = staff_client.get(
        "/admin/autocomplete/",
        {"term": "", "app_label": "products", "model_name": "product", "field_name": "category"},
    )

    assert [row["text"] for row in response.json()["results"]] == ["鲜果 / 草莓"]


def test_the_category_page_lists_its_sub_categories(staff_client):
    fruit = CategoryFactory(name="鲜果")
    SubCategoryFactory(name="杨梅", parent=fruit)

    body = staff_client.get(f"/admin/products/category/{fruit.pk}/change/").content.decode()

    assert "杨梅" in body


def test_the_listing_sku_autocomplete_finds_by_merchant_code(staff_client):
    SKUFactory(merchant_code="FH-NR-001")
    SKUFactory(merchant_code="FH-QC-001")

    response = staff_client.get(
        "/admin/autocomplete/",
        {
            "term": "NR",
            "app_label": "products",
            "model_name": "channellisting",
            "field_name": "sku",
        },
    )

    assert len(response.json()["results"]) == 1


# --- xlsx ----------------------------------------------------------------------------------------


def workbook(rows: list[list[object]]) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    book.active.append(list(xlsx.COLUMNS))
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("catalogue.xlsx", buffer.getvalue())


@pytest.fixture
def seller_with_category(db):
    category = SubCategoryFactory(name="草莓", parent=CategoryFactory(name="鲜果"))
    return SellerFactory(mobile="13800000002"), category


def import_row(code: str, price: object) -> list[object]:
    cells = {
        xlsx.MERCHANT_CODE: code,
        xlsx.NAME: "尚田草莓",
        xlsx.SPEC: f"规格{code}",
        xlsx.PRICE: price,
        xlsx.SELLER: "13800000002",
        xlsx.CATEGORY: "鲜果/草莓",
    }
    return [cells.get(name) for name in xlsx.COLUMNS]


def test_the_changelist_links_to_import_and_export(staff_client):
    body = staff_client.get(CHANGELIST).content.decode()

    assert f"{CHANGELIST}import-xlsx/" in body
    assert f"{CHANGELIST}export-xlsx/" in body


def test_importing_a_good_file_lists_what_was_created(staff_client, seller_with_category):
    assert staff_client.get(f"{CHANGELIST}import-xlsx/").status_code == 200
    upload = workbook([import_row("FH-1", "88.00"), import_row("FH-2", 98)])

    response = staff_client.post(f"{CHANGELIST}import-xlsx/", {"file": upload})

    assert response.status_code == 200
    result = response.context["result"]
    assert result.created_products == ["尚田草莓"]
    assert result.created_skus == ["FH-1", "FH-2"]
    assert "FH-1、FH-2" in response.content.decode()
    assert Product.objects.get().skus.count() == 2


def test_importing_a_bad_file_lists_every_error_and_writes_nothing(
    english_client, seller_with_category
):
    upload = workbook([import_row("FH-1", "88.00"), import_row("FH-2", "abc")])

    response = english_client.post(f"{CHANGELIST}import-xlsx/", {"file": upload})

    assert response.status_code == 200
    body = response.content.decode()
    assert "nothing of it was written" in body
    assert "Write the price in yuan, like 88.00." in body
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(3, xlsx.PRICE)]
    assert not Product.objects.exists()


def test_importing_something_that_is_not_an_xlsx_says_so(english_client):
    upload = SimpleUploadedFile("orders.xlsx", b"just,some,text\n")

    response = english_client.post(f"{CHANGELIST}import-xlsx/", {"file": upload})

    assert response.status_code == 200
    assert "This is not an xlsx file." in response.content.decode()


def test_importing_without_a_file_is_a_form_error(staff_client):
    response = staff_client.post(f"{CHANGELIST}import-xlsx/", {})

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert response.context["result"] is None


def test_staff_without_the_right_to_add_products_cannot_import(staff_client, seller_with_category):
    group = Group.objects.get(name=FEDERATION_STAFF_GROUP)
    group.permissions.remove(
        *Permission.objects.filter(codename__in=["add_product", "change_product"])
    )

    assert "import-xlsx" not in staff_client.get(CHANGELIST).content.decode()
    response = staff_client.post(
        f"{CHANGELIST}import-xlsx/", {"file": workbook([import_row("FH-1", "88.00")])}
    )

    assert response.status_code == 403
    assert not Product.objects.exists()


def test_exporting_selected_products_downloads_their_skus(staff_client):
    chosen = SKUFactory(merchant_code="FH-CHOSEN").product
    SKUFactory(merchant_code="FH-OTHER")

    response = staff_client.post(
        CHANGELIST, {"action": "export_selected", "_selected_action": [chosen.pk]}
    )

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["FH-CHOSEN"]


def test_exporting_all_and_the_blank_file(staff_client):
    SKUFactory.create_batch(3)

    everything = staff_client.get(f"{CHANGELIST}export-xlsx/")
    blank = staff_client.get(f"{CHANGELIST}export-xlsx/?blank=1")

    def rows(response) -> list[tuple]:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        return list(sheet.iter_rows(values_only=True))

    assert len(rows(everything)) == 4
    assert rows(blank) == [tuple(xlsx.COLUMNS)]
