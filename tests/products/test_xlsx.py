"""Catalogue spreadsheets: atomic, idempotent import with row-level errors; safe export."""

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from products import xlsx
from products.models import (
    SKU,
    Product,
    ProductStatus,
    ProductStatusChange,
    StockMovement,
    Tag,
    months_to_mask,
)
from products.xlsx import reading
from tests.factories import (
    CategoryFactory,
    EnterpriseFactory,
    MemberFactory,
    PartnerFederationFactory,
    ProductFactory,
    SKUFactory,
    StaffUserFactory,
    SubCategoryFactory,
    TagFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

BAD_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "bad"
HEADER = list(xlsx.COLUMNS)


def workbook_bytes(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER if header is None else header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "catalogue.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def row(**cells: object) -> list[object]:
    """A data row in HEADER order from {column name: value}."""
    return [cells.get(name) for name in HEADER]


@pytest.fixture
def world(db):
    """A seller with an enterprise, a seller without, a category tree, a village, a partner."""
    fruit = CategoryFactory(name="鲜果")
    strawberry = SubCategoryFactory(name="草莓", parent=fruit)
    peach = SubCategoryFactory(name="水蜜桃", parent=fruit)
    village = VillageFactory(name="鸣雁村", township__name="尚田街道")
    owner = MemberFactory(mobile="13800000002", name="宋小赞", village=village)
    enterprise = EnterpriseFactory(name="尚田小莓园", owner=owner, village=village)
    seller = MemberFactory(mobile="13800000011", name="王桃英")
    partner = PartnerFederationFactory(name="甘洛县妇联")
    return {
        "strawberry": strawberry,
        "peach": peach,
        "village": village,
        "owner": owner,
        "enterprise": enterprise,
        "seller": seller,
        "partner": partner,
        "staff": StaffUserFactory(),
    }


def good_rows() -> list[list[object]]:
    strawberry = {
        xlsx.NAME: "奉化尚田草莓 红颜章姬",
        xlsx.SELLER: "尚田小莓园",
        xlsx.CATEGORY: "鲜果/草莓",
        xlsx.UNIT: "盒",
        xlsx.STATUS: "在售",
        xlsx.SEASON: "12,1,2,3,4",
        xlsx.TAGS: "小阿莓，应季鲜品",
        xlsx.ORIGIN: "尚田街道/鸣雁村",
        xlsx.DESCRIPTION: "当天现摘。\n顺丰冷链。",
    }
    return [
        row(
            **strawberry,
            **{xlsx.MERCHANT_CODE: "FH-CM-001", xlsx.SPEC: "红颜 2斤礼盒", xlsx.PRICE: 88},
            **{xlsx.STOCK: 40, xlsx.LOW_STOCK: 5, xlsx.ACTIVE: "是"},
        ),
        row(
            **strawberry,
            **{xlsx.MERCHANT_CODE: "FH-CM-002", xlsx.SPEC: "章姬 3斤家庭装", xlsx.PRICE: "98.00"},
            **{xlsx.STOCK: 12},
        ),
        row(
            **{xlsx.MERCHANT_CODE: "FH-MT-001", xlsx.NAME: "奉化水蜜桃", xlsx.SPEC: "12只礼盒"},
            **{xlsx.PRICE: 99.5, xlsx.SELLER: "138 0000 0011", xlsx.CATEGORY: "鲜果/水蜜桃"},
            **{xlsx.SEASON: "全年", xlsx.PARTNER: "甘洛县妇联"},
        ),
    ]


def run_import(rows: list[list[object]], actor=None) -> xlsx.ImportResult:
    return xlsx.import_catalogue(upload=upload(workbook_bytes(rows)), actor=actor)


def catalogue_state() -> list[tuple]:
    """Every row an import may write, with its timestamps, to prove nothing changed."""
    return [
        *Product.objects.order_by("pk").values_list(
            "pk", "name", "status", "season_months", "updated_at", "unit", "description"
        ),
        *SKU.objects.order_by("pk").values_list("pk", "merchant_code", "price", "stock", "spec"),
        *StockMovement.objects.order_by("pk").values_list("pk", "delta"),
        *ProductStatusChange.objects.order_by("pk").values_list("pk", "to_status"),
        *Tag.objects.order_by("pk").values_list("pk", "name"),
    ]


# --- A good file ----------------------------------------------------------------------------------


def test_a_good_file_creates_products_and_skus(world):
    result = run_import(good_rows(), actor=world["staff"])

    assert result.is_ok, result.errors
    assert sorted(result.created_products) == ["奉化尚田草莓 红颜章姬", "奉化水蜜桃"]
    assert sorted(result.created_skus) == ["FH-CM-001", "FH-CM-002", "FH-MT-001"]
    strawberry = Product.objects.get(name="奉化尚田草莓 红颜章姬")
    assert strawberry.seller == world["owner"]
    assert strawberry.enterprise == world["enterprise"]
    assert strawberry.category == world["strawberry"]
    assert strawberry.status == ProductStatus.ON_SALE
    assert strawberry.season_months == months_to_mask([12, 1, 2, 3, 4])
    assert strawberry.origin_village == world["village"]
    assert strawberry.description == "当天现摘。\n顺丰冷链。"
    assert sorted(strawberry.tags.values_list("name", flat=True)) == ["小阿莓", "应季鲜品"]
    assert list(strawberry.skus.values_list("merchant_code", "price", "stock")) == [
        ("FH-CM-001", Decimal("88.00"), 40),
        ("FH-CM-002", Decimal("98.00"), 12),
    ]
    change = strawberry.status_changes.get()
    assert (change.to_status, change.actor) == (ProductStatus.ON_SALE, world["staff"])
    assert StockMovement.objects.filter(actor=world["staff"]).count() == 2
    peach = Product.objects.get(name="奉化水蜜桃")
    assert (peach.seller, peach.enterprise) == (world["seller"], None)
    assert peach.status == ProductStatus.DRAFT
    assert (peach.is_partner_county, peach.partner_federation) == (True, world["partner"])
    assert peach.skus.get().price == Decimal("99.50")


def test_reimporting_the_same_file_changes_nothing(world):
    content = workbook_bytes(good_rows())
    xlsx.import_catalogue(upload=upload(content), actor=world["staff"])
    before = catalogue_state()

    result = xlsx.import_catalogue(upload=upload(content), actor=world["staff"])

    assert result.is_ok
    assert not result.changed_anything
    assert (result.unchanged_products, result.unchanged_skus) == (2, 3)
    assert catalogue_state() == before


def test_an_import_updates_what_differs_by_merchant_code_and_seller_and_name(world):
    run_import(good_rows())
    rows = good_rows()
    rows[0][HEADER.index(xlsx.PRICE)] = "79.00"
    rows[0][HEADER.index(xlsx.STOCK)] = 35

    result = run_import(rows, actor=world["staff"])

    assert result.is_ok
    assert result.updated_products == ["奉化尚田草莓 红颜章姬"]
    assert result.updated_skus == ["FH-CM-001"]
    assert result.created_products == result.created_skus == []
    sku = SKU.objects.get(merchant_code="FH-CM-001")
    assert (sku.price, sku.stock) == (Decimal("79.00"), 35)
    movement = sku.stock_movements.first()
    assert (movement.delta, movement.actor) == (-5, world["staff"])
    assert movement.reference == "xlsx import"
    assert Product.objects.count() == 2


def test_empty_optional_cells_leave_existing_values_alone(world):
    run_import(good_rows())
    rows = [
        row(
            **{xlsx.MERCHANT_CODE: "FH-CM-001", xlsx.NAME: "奉化尚田草莓 红颜章姬"},
            **{xlsx.SPEC: "红颜 2斤礼盒", xlsx.PRICE: 88, xlsx.SELLER: "尚田小莓园"},
            **{xlsx.CATEGORY: "鲜果/草莓"},
        )
    ]

    result = run_import(rows)

    assert result.is_ok and not result.changed_anything
    product = Product.objects.get(name="奉化尚田草莓 红颜章姬")
    assert product.unit == "盒"
    assert product.tags.count() == 2


# --- Bad rows -------------------------------------------------------------------------------------


BAD_CELLS = [
    (xlsx.PRICE, "abc", "Write the price in yuan, like 88.00."),
    (xlsx.PRICE, "-1", "Write the price in yuan, like 88.00."),
    (xlsx.PRICE, "1.234", "A price has at most two decimal places (fen)."),
    (xlsx.PRICE, None, "This column is required."),
    (xlsx.STOCK, "-2", "Write a whole number of 0 or more."),
    (xlsx.STOCK, 1.5, "Write a whole number of 0 or more."),
    (xlsx.LOW_STOCK, "很多", "Write a whole number of 0 or more."),
    (xlsx.ACTIVE, "也许", "Write 是 or 否."),
    (xlsx.STATUS, "卖完了", "Write 草稿, 在售 or 已下架."),
    (xlsx.SEASON, "13", "Write months 1–12 separated by commas, like 3,4,5, or 全年."),
    (xlsx.SEASON, "春天", "Write months 1–12 separated by commas, like 3,4,5, or 全年."),
    (xlsx.CATEGORY, "草莓", "Write the category as top/sub, like 鲜果/草莓."),
    (
        xlsx.CATEGORY,
        "鲜果/榴莲",
        "There is no sub-category “鲜果/榴莲”. Create it in the admin first.",
    ),
    (xlsx.SELLER, "13999999999", "No member has this mobile number."),
    (xlsx.SELLER, "不存在的企业", "Write the seller's mobile or an enterprise name."),
    (xlsx.ORIGIN, "尚田街道/没有这个村", "No such village."),
    (xlsx.ORIGIN, "鸣雁村", "Write the origin as township/village, like 溪口镇/岩头村."),
    (xlsx.PARTNER, "火星妇联", "No partner federation of that name."),
    (xlsx.NAME, None, "This column is required."),
    (xlsx.NAME, "名" * 121, "At most 120 characters (this one has 121)."),
    (xlsx.SPEC, "两行\n规格", "A line break is not allowed here."),
    (xlsx.DESCRIPTION, "长" * 2001, "The cell is longer than 2000 characters."),
    (xlsx.TAGS, "标" * 31, "A tag has at most 30 characters."),
    (xlsx.MERCHANT_CODE, None, "This column is required."),
]


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("column", "value", "message"), BAD_CELLS)
def test_a_bad_cell_is_reported_by_row_and_column_and_nothing_is_written(
    world, column, value, message
):
    rows = good_rows()
    rows[2][HEADER.index(column)] = value

    result = run_import(rows)

    assert result.errors == [xlsx.RowError(4, column, message)]
    assert Product.objects.count() == SKU.objects.count() == Tag.objects.count() == 0


@pytest.mark.usefixtures("english")
def test_a_seller_without_the_seller_role_is_refused(world):
    MemberFactory(mobile="13800000099", is_seller=False)
    rows = good_rows()
    rows[2][HEADER.index(xlsx.SELLER)] = "13800000099"

    result = run_import(rows)

    assert result.errors == [
        xlsx.RowError(4, xlsx.SELLER, "This member does not have the seller role.")
    ]


@pytest.mark.usefixtures("english")
def test_a_merchant_code_twice_in_the_file_is_reported_on_the_second_row(world):
    rows = good_rows()
    rows[1][HEADER.index(xlsx.MERCHANT_CODE)] = "FH-CM-001"

    result = run_import(rows)

    assert result.errors == [
        xlsx.RowError(3, xlsx.MERCHANT_CODE, "The same merchant code is on row 2.")
    ]
    assert Product.objects.count() == 0


@pytest.mark.usefixtures("english")
def test_rows_of_one_product_must_agree_on_the_product_columns(world):
    rows = good_rows()
    rows[1][HEADER.index(xlsx.UNIT)] = "箱"

    result = run_import(rows)

    assert result.errors == [xlsx.RowError(3, xlsx.UNIT, "Differs from row 2 of the same product.")]


@pytest.mark.usefixtures("english")
def test_a_merchant_code_of_another_product_is_refused(world):
    SKUFactory(merchant_code="FH-MT-001", product__name="别人的桃子")

    result = run_import(good_rows())

    assert result.errors == [
        xlsx.RowError(
            4, xlsx.MERCHANT_CODE, "This merchant code belongs to another product (“别人的桃子”)."
        )
    ]
    assert Product.objects.count() == 1


@pytest.mark.usefixtures("english")
def test_every_bad_row_is_reported_at_once(world):
    rows = good_rows()
    rows[0][HEADER.index(xlsx.PRICE)] = "abc"
    rows[1][HEADER.index(xlsx.STATUS)] = "卖完了"
    rows[2][HEADER.index(xlsx.SELLER)] = "13999999999"

    result = run_import(rows)

    assert [(error.row, error.column) for error in result.errors] == [
        (2, xlsx.PRICE),
        (3, xlsx.STATUS),
        (4, xlsx.SELLER),
    ]
    assert Product.objects.count() == 0


@pytest.mark.usefixtures("english")
def test_a_refusal_while_writing_rolls_back_the_rows_already_written(world):
    """The strawberry is written first; the peach cannot go on sale without an active SKU."""
    rows = good_rows()
    rows[2][HEADER.index(xlsx.STATUS)] = "在售"
    rows[2][HEADER.index(xlsx.ACTIVE)] = "否"
    before = catalogue_state()

    result = run_import(rows, actor=world["staff"])

    assert result.errors == [
        xlsx.RowError(4, xlsx.STATUS, "“奉化水蜜桃” has no active SKU, so it cannot go on sale.")
    ]
    assert catalogue_state() == before == []


@pytest.mark.usefixtures("english")
def test_a_refused_status_change_of_an_existing_product_writes_nothing(world):
    run_import(good_rows())
    rows = good_rows()
    rows[0][HEADER.index(xlsx.STATUS)] = rows[1][HEADER.index(xlsx.STATUS)] = "草稿"
    rows[2][HEADER.index(xlsx.PRICE)] = "120.00"
    before = catalogue_state()

    result = run_import(rows)

    assert result.errors == [
        xlsx.RowError(2, xlsx.STATUS, "A product cannot go from on sale to draft.")
    ]
    assert catalogue_state() == before


# --- Bad headers and bad files -------------------------------------------------------------------


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([c for c in HEADER if c != xlsx.PRICE], "Missing required columns: 价格."),
        ([*HEADER, "备注"], "Unknown column “备注”."),
        ([*HEADER, xlsx.UNIT], "The column “单位” appears twice."),
    ],
)
def test_a_bad_header_is_reported_on_row_one(world, header, message):
    content = workbook_bytes([["FH-1"] * len(header)], header=header)

    result = xlsx.import_catalogue(upload=upload(content), actor=None)

    assert result.errors == [xlsx.RowError(1, "", message)]


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


NOT_XLSX = "This is not an xlsx file. Save the sheet as .xlsx and retry."
DAMAGED = "The xlsx file is damaged and cannot be read."


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        ("商家编码,商品名称\nFH-1,草莓\n".encode(), NOT_XLSX),
        (png_bytes(), NOT_XLSX),
        (b"<html><table><tr><td>1</td></tr></table></html>", NOT_XLSX),
        (zip_bytes({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<t/>"}), NOT_XLSX),
        (workbook_bytes([])[:600], DAMAGED),
        (zip_bytes({"[Content_Types].xml": b"<t/>", "xl/workbook.xml": b"<not-xml"}), DAMAGED),
        (workbook_bytes([]), "The file has no data rows under the column names."),
    ],
    ids=["empty", "csv", "png", "html", "docx-like", "truncated", "broken-xml", "header-only"],
)
def test_a_file_that_is_not_a_readable_xlsx_is_refused_whole(world, content, message):
    result = xlsx.import_catalogue(upload=upload(content), actor=None)

    assert result.errors == [xlsx.RowError(0, "", message)]
    assert Product.objects.count() == 0


@pytest.mark.usefixtures("english")
def test_the_sample_text_file_named_xlsx_is_refused(world):
    content = (BAD_SAMPLES / "renamed_text.xlsx").read_bytes()

    result = xlsx.import_catalogue(upload=upload(content), actor=None)

    assert result.errors == [xlsx.RowError(0, "", NOT_XLSX)]


@pytest.fixture
def openpyxl_must_not_open(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused")

    monkeypatch.setattr(reading.openpyxl, "load_workbook", refuse)


@pytest.mark.usefixtures("english", "openpyxl_must_not_open")
def test_a_zip_bomb_is_refused_before_it_is_opened(world):
    bomb = zip_bytes(
        {
            "[Content_Types].xml": b"<t/>",
            "xl/workbook.xml": b"<w/>",
            "xl/worksheets/sheet1.xml": b"\0" * (60 * 1024 * 1024),
        }
    )
    assert len(bomb) < 200 * 1024

    result = xlsx.import_catalogue(upload=upload(bomb), actor=None)

    assert result.errors == [
        xlsx.RowError(0, "", "The xlsx file unpacks to more than 50 MB; it cannot be a catalogue.")
    ]


@pytest.mark.usefixtures("english", "openpyxl_must_not_open")
def test_a_zip_of_too_many_parts_is_refused_before_it_is_opened(world):
    parts = {f"xl/media/{n}.bin": b"x" for n in range(xlsx.MAX_ZIP_MEMBERS)}
    content = zip_bytes({"[Content_Types].xml": b"<t/>", "xl/workbook.xml": b"<w/>", **parts})

    result = xlsx.import_catalogue(upload=upload(content), actor=None)

    assert result.errors == [
        xlsx.RowError(0, "", "The xlsx file holds too many parts to be a catalogue.")
    ]


@pytest.mark.usefixtures("english")
def test_a_file_over_the_size_limit_is_refused(world):
    content = b"PK\x03\x04" + b"\0" * xlsx.MAX_FILE_BYTES

    result = xlsx.import_catalogue(upload=upload(content), actor=None)

    assert result.errors == [xlsx.RowError(0, "", "The file is larger than 5 MB.")]


@pytest.mark.usefixtures("english")
def test_a_file_over_the_row_limit_is_refused(world, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 2)

    result = run_import(good_rows())

    assert result.errors == [
        xlsx.RowError(0, "", "The file has more than 2 rows; split it into smaller files.")
    ]
    assert Product.objects.count() == 0


def test_a_billion_laughs_sheet_is_refused(world):
    content = workbook_bytes(good_rows())
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/worksheets/sheet1.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )

    result = xlsx.import_catalogue(upload=upload(zip_bytes(members)), actor=None)

    assert [(error.row, error.column) for error in result.errors] == [(0, "")]
    assert Product.objects.count() == 0


# --- Export ---------------------------------------------------------------------------------------


def read_back(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def test_export_then_import_is_a_round_trip_that_changes_nothing(world):
    strawberry = ProductFactory(
        seller=world["owner"],
        enterprise=world["enterprise"],
        category=world["strawberry"],
        name="-特价- 尚田草莓",
        description="=第一行\n@第二行",
        season_months=months_to_mask([12, 1, 2]),
        status=ProductStatus.OFF_SHELF,
        is_partner_county=True,
        partner_federation=world["partner"],
    )
    strawberry.tags.set([TagFactory(name="小阿莓"), TagFactory(name="+应季")])
    SKUFactory(product=strawberry, merchant_code="FH-CM-001", price=Decimal("88.00"), stock=4)
    SKUFactory(product=strawberry, merchant_code="FH-CM-002", is_active=False, stock=0)
    peach = ProductFactory(seller=world["seller"], category=world["peach"], origin_village=None)
    SKUFactory(product=peach, merchant_code="FH-MT-001", price=Decimal("0.00"))
    before = catalogue_state()

    content = xlsx.export_catalogue(Product.objects.all())
    result = xlsx.import_catalogue(upload=upload(content), actor=None)

    assert result.is_ok, result.errors
    assert not result.changed_anything
    assert (result.unchanged_products, result.unchanged_skus) == (2, 3)
    assert catalogue_state() == before
    rows = read_back(content)
    assert rows[0] == tuple(HEADER)
    by_code = {r[0]: dict(zip(HEADER, r, strict=True)) for r in rows[1:]}
    assert by_code["FH-CM-001"][xlsx.SELLER] == "尚田小莓园"
    assert by_code["FH-MT-001"][xlsx.SELLER] == world["seller"].mobile
    assert by_code["FH-CM-001"][xlsx.SEASON] == "1,2,12"
    assert by_code["FH-CM-001"][xlsx.STATUS] == "已下架"
    assert by_code["FH-CM-002"][xlsx.ACTIVE] == "否"
    assert by_code["FH-MT-001"][xlsx.PRICE] == 0


def test_export_escapes_text_a_spreadsheet_could_run_as_a_formula(world):
    product = ProductFactory(
        seller=world["seller"],
        category=world["peach"],
        name='=HYPERLINK("http://evil.example","点我")',
        description="@SUM(1+1)",
        unit="+1",
    )
    SKUFactory(product=product, merchant_code="-1+1", spec="\t=1+1")

    rows = read_back(xlsx.export_catalogue(Product.objects.all()))

    cells = [cell for r in rows for cell in r if isinstance(cell, str)]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r", "\0"))]
    data = dict(zip(HEADER, rows[1], strict=True))
    assert data[xlsx.NAME] == '\'=HYPERLINK("http://evil.example","点我")'
    assert data[xlsx.DESCRIPTION] == "'@SUM(1+1)"
    assert data[xlsx.MERCHANT_CODE] == "'-1+1"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.export_catalogue(Product.objects.all())))
    assert all(cell.data_type != "f" for r in sheet.worksheets[0].iter_rows() for cell in r)


def test_escaped_text_imports_as_the_original(world):
    product = ProductFactory(seller=world["seller"], category=world["peach"], name="=1+1 蜜桃")
    SKUFactory(product=product, merchant_code="-FH-1")

    content = xlsx.export_catalogue(Product.objects.all())
    result = xlsx.import_catalogue(upload=upload(content), actor=None)

    assert result.is_ok and not result.changed_anything
    assert Product.objects.get().name == "=1+1 蜜桃"


def test_export_of_a_selection_holds_only_its_skus(world):
    chosen = SKUFactory(product__category=world["peach"]).product
    SKUFactory(product__category=world["peach"])

    rows = read_back(xlsx.export_catalogue(Product.objects.filter(pk=chosen.pk)))

    assert [r[0] for r in rows[1:]] == list(chosen.skus.values_list("merchant_code", flat=True))


def test_export_runs_a_constant_number_of_queries(world, django_assert_num_queries):
    def make(count: int) -> None:
        for _ in range(count):
            product = ProductFactory(seller=world["seller"], category=world["peach"])
            product.tags.add(TagFactory())
            SKUFactory.create_batch(2, product=product)

    make(1)
    with django_assert_num_queries(2):
        xlsx.export_catalogue(Product.objects.all())
    make(20)
    with django_assert_num_queries(2):
        xlsx.export_catalogue(Product.objects.all())
