"""Staff shipping desk: labels from a CSV/XLSX file, and the batch-shipment files per platform."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from livestreams.models import SellerOrder, SellerOrderStatus, ShipmentExport
from livestreams.services import fulfilment, shipments
from tests.factories import (
    OrderLineFactory,
    SellerFactory,
    SellerOrderFactory,
    StaffUserFactory,
)
from tests.livestreams.seller_orders import seller_order_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = ["订单号", "子订单号", "快递公司", "快递单号"]


@pytest.fixture(autouse=True)
def _staff_read_english(staff_client, settings) -> None:
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def forwarded(channel: str = "douyin") -> SellerOrder:
    return seller_order_in(SellerOrderStatus.FORWARDED, channel)


def shipped(channel: str = "taobao") -> SellerOrder:
    seller_order = forwarded(channel)
    return fulfilment.ship(
        seller_order=seller_order,
        actor=seller_order.seller.user,
        courier="ZTO",
        tracking_number="731234567890",
    )


def csv_upload(rows: list[list[str]], name: str = "labels.csv", encoding: str = "utf-8-sig"):
    text = "\r\n".join(",".join(row) for row in [HEADER, *rows]) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_upload(rows: list[list[object]], header: list[str] = HEADER, name: str = "labels.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def form_errors(response) -> list[str]:
    with translation.override("en"):
        return [str(error) for error in response.context["form"].errors.get("file", [])]


def texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Labels from a file --------------------------------------------------------------------------


def test_staff_attach_labels_from_a_csv(staff_client):
    first, second = forwarded(), forwarded("taobao")
    upload = csv_upload([
        [first.order.platform_order_id, "", "顺丰速运", "SF1234567890123"],
        [second.order.platform_order_id, second.lines.get().line_key, "yto", "YT1234567890123"],
    ])  # fmt: skip
    response = staff_client.post("/staff/shipping/labels/", {"file": upload}, follow=True)
    assert texts(response) == ["2 labels attached."]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.courier, first.tracking_number) == ("SF", "SF1234567890123")
    assert (second.courier, second.tracking_number) == ("YTO", "YT1234567890123")


def test_staff_attach_labels_from_an_xlsx_with_numbers_as_text_or_not(staff_client):
    seller_order = forwarded()
    upload = xlsx_upload([[seller_order.order.platform_order_id, None, "JT", "JT1234567890123"]])
    response = staff_client.post("/staff/shipping/labels/", {"file": upload}, follow=True)
    assert texts(response) == ["1 label attached."]
    seller_order.refresh_from_db()
    assert seller_order.tracking_number == "JT1234567890123"


def test_a_gbk_csv_with_the_platforms_column_names_is_read(staff_client):
    seller_order = forwarded()
    text = (
        "订单编号,物流公司,运单号\r\n"
        + f"{seller_order.order.platform_order_id},中通快递,731234567890\r\n"
    )
    upload = SimpleUploadedFile("标签.csv", text.encode("gb18030"))
    response = staff_client.post("/staff/shipping/labels/", {"file": upload}, follow=True)
    assert texts(response) == ["1 label attached."]
    seller_order.refresh_from_db()
    assert (seller_order.courier, seller_order.tracking_number) == ("ZTO", "731234567890")


def test_every_bad_row_is_reported_with_its_row_number_and_nothing_is_written(staff_client):
    good = forwarded()
    shipped_already = shipped("douyin")
    own_channel = forwarded("miniprogram")
    upload = csv_upload([
        [good.order.platform_order_id, "", "SF", "SF1234567890123"],
        ["", "", "", ""],  # a blank row is skipped, and the numbers stay the file's
        ["4999999999999999999", "", "SF", "SF1234567890124"],
        [good.order.platform_order_id, "", "SF", "12345"],
        [shipped_already.order.platform_order_id, "", "SF", "SF1234567890125"],
        [own_channel.order.platform_order_id, "", "SF", "SF1234567890126"],
        [good.order.platform_order_id, "", "UPS", "1Z999"],
    ])  # fmt: skip
    response = staff_client.post("/staff/shipping/labels/", {"file": upload})
    errors = response.context["row_errors"]
    assert [error["row"] for error in errors] == [4, 5, 6, 7, 8]
    assert errors[0]["order_id"] == "4999999999999999999"
    assert "No open seller order 4999999999999999999" in errors[0]["message"]
    assert "does not look like a 顺丰速运 tracking number" in errors[1]["message"]
    assert errors[2]["message"] == "This parcel has already been shipped."
    assert errors[3]["message"] == "The seller ships orders of our own channels herself."
    assert errors[4]["message"] == "Choose a courier from the list."
    body = response.content.decode()
    assert "5 rows are wrong; nothing was written." in body
    good.refresh_from_db()
    assert good.tracking_number == ""


def test_an_order_with_several_sellers_needs_its_sub_order_id(staff_client):
    seller_order = forwarded()
    other = SellerFactory()
    second = SellerOrderFactory(order=seller_order.order, seller=other, status="forwarded")
    line = OrderLineFactory(
        order=seller_order.order, seller_order=second, seller=other, sku__product__seller=other
    )
    order_id = seller_order.order.platform_order_id
    response = staff_client.post(
        "/staff/shipping/labels/", {"file": csv_upload([[order_id, "", "SF", "SF1234567890123"]])}
    )
    assert "give the sub-order id" in response.context["row_errors"][0]["message"]
    upload = csv_upload([[order_id, line.line_key, "SF", "SF1234567890123"]])
    response = staff_client.post("/staff/shipping/labels/", {"file": upload}, follow=True)
    assert texts(response) == ["1 label attached."]
    second.refresh_from_db()
    assert second.tracking_number == "SF1234567890123"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("labels.txt", b"a,b"), "Upload a CSV or XLSX file."),
        (SimpleUploadedFile("labels.pdf", b"%PDF-1.4"), "Upload a CSV or XLSX file."),
        (SimpleUploadedFile("labels.csv", b"\x00\x01\x02binary"), "Upload a CSV or XLSX file."),
        (SimpleUploadedFile("labels.xlsx", b"order,courier"), "This is not an XLSX file."),
        (SimpleUploadedFile("labels.xlsx", b"PK\x03\x04broken"), "The XLSX file is damaged."),
        (SimpleUploadedFile("labels.csv", b""), "The submitted file is empty."),
        (SimpleUploadedFile("labels.csv", b"  \r\n"), "The file is empty."),
        (SimpleUploadedFile("labels.csv", "订单号,快递公司\r\n1,SF\r\n".encode()),
         "The file lacks the column(s) 快递单号; start from the template."),
        (SimpleUploadedFile("labels.csv", "订单号,快递公司,快递单号\r\n".encode()),
         "The file has no rows under its header."),
        (SimpleUploadedFile("labels.csv", b"\xff\xfe\xfa\xfb" * 10),
         "Save the CSV as UTF-8 or GBK text."),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_label_list_is_refused(staff_client, upload, message):
    response = staff_client.post("/staff/shipping/labels/", {"file": upload})
    assert form_errors(response) == [message]
    assert response.context["row_errors"] == []


def test_a_file_over_2_mb_is_refused(staff_client):
    row = "4950000000000000001,,SF,SF1234567890123\r\n"
    upload = SimpleUploadedFile(
        "labels.csv", (",".join(HEADER) + "\r\n" + row * 60_000).encode("utf-8")
    )
    assert upload.size > 2 * 1024 * 1024
    response = staff_client.post("/staff/shipping/labels/", {"file": upload})
    assert form_errors(response) == ["A label file is at most 2 MB."]


def test_a_file_of_more_than_2000_rows_is_refused(staff_client):
    rows = [[f"49500000000{n:08d}", "", "SF", f"SF{n:013d}"] for n in range(2001)]
    response = staff_client.post("/staff/shipping/labels/", {"file": csv_upload(rows)})
    assert form_errors(response) == ["The file has more than 2000 rows; split it."]


def test_an_xlsx_that_unpacks_to_too_much_is_refused(staff_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * (21 * 1024 * 1024))
    upload = SimpleUploadedFile("labels.xlsx", buffer.getvalue())
    assert upload.size < 2 * 1024 * 1024
    response = staff_client.post("/staff/shipping/labels/", {"file": upload})
    assert form_errors(response) == ["The XLSX file unpacks to too much data."]


def test_the_templates_have_the_columns_and_fill_in_round_trip(staff_client):
    csv_response = staff_client.get("/staff/shipping/labels/template.csv")
    assert csv_response["Content-Disposition"].startswith("attachment;")
    assert b"".join(csv_response.streaming_content).decode("utf-8-sig").strip() == ",".join(HEADER)
    xlsx_response = staff_client.get("/staff/shipping/labels/template.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content)))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert [row[0] for row in workbook["快递公司"].iter_rows(min_row=2, values_only=True)][:2] == [
        "SF",
        "YTO",
    ]
    seller_order = forwarded()
    sheet.append([seller_order.order.platform_order_id, None, "SF", "SF1234567890123"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("filled.xlsx", buffer.getvalue())
    response = staff_client.post("/staff/shipping/labels/", {"file": upload}, follow=True)
    assert texts(response) == ["1 label attached."]


def test_the_labels_page_lists_the_couriers_and_their_examples(staff_client):
    body = staff_client.get("/staff/shipping/labels/").content.decode()
    assert "DPK123456789012" in body and "极兔速递" in body


# --- Batch-shipment files ------------------------------------------------------------------------


def test_the_page_counts_parcels_waiting_per_platform(staff_client):
    shipped("taobao")
    shipped("taobao")
    shipped("douyin")
    forwarded("channels")  # not shipped yet
    response = staff_client.get("/staff/shipping/exports/")
    waiting = {platform["code"]: platform["waiting"] for platform in response.context["platforms"]}
    assert waiting == {"douyin": 1, "taobao": 2, "channels": 0}


def test_staff_make_a_batch_shipment_file_and_download_it(staff_client, staff_user):
    parcels = [shipped("taobao"), shipped("taobao")]
    response = staff_client.post("/staff/shipping/exports/make/taobao/", follow=True)
    assert texts(response) == [
        "Batch-shipment file made with 2 parcels. Download it below and upload it to the platform."
    ]
    export = ShipmentExport.objects.get()
    assert (export.platform, export.rows, export.created_by) == ("taobao", 2, staff_user)
    assert response.context["page"].object_list[0] == export
    download = staff_client.get(f"/staff/shipping/exports/{export.pk}/file/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download["Cache-Control"]
    rows = list(
        load_workbook(io.BytesIO(b"".join(download.streaming_content)))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert {row[0] for row in rows[1:]} == {p.order.platform_order_id for p in parcels}
    assert shipments.waiting_for_upload("taobao").count() == 0


def test_making_a_file_with_nothing_waiting_says_so(staff_client):
    shipped("douyin")
    response = staff_client.post("/staff/shipping/exports/make/taobao/", follow=True)
    assert texts(response) == ["No shipped parcel is waiting to go back to this platform."]
    response = staff_client.post("/staff/shipping/exports/make/miniprogram/", follow=True)
    assert texts(response) == ["Batch-shipment files are for Douyin, Taobao and WeChat Channels."]
    assert ShipmentExport.objects.count() == 0


def test_the_history_filters_by_platform_and_pages(staff_client):
    staff = StaffUserFactory()
    for _ in range(31):
        shipped("douyin")
        shipments.export_shipments(platform="douyin", actor=staff)
    shipped("channels")
    shipments.export_shipments(platform="channels", actor=staff)
    first = staff_client.get("/staff/shipping/exports/")
    assert len(first.context["page"].object_list) == 30
    assert first.context["page"].paginator.count == 32
    only = staff_client.get("/staff/shipping/exports/?platform=channels")
    assert [e.platform for e in only.context["page"].object_list] == ["channels"]
    second = staff_client.get("/staff/shipping/exports/?platform=douyin&page=2")
    assert len(second.context["page"].object_list) == 1
    assert "platform=douyin&amp;page=1" in second.content.decode()


def test_the_history_is_empty_at_first(staff_client):
    body = staff_client.get("/staff/shipping/exports/").content.decode()
    assert "No batch-shipment file has been made yet." in body


def test_the_page_runs_the_same_queries_for_one_file_and_thirty(
    staff_client, django_assert_num_queries
):
    staff = StaffUserFactory()

    def make() -> None:
        shipped("taobao")
        shipments.export_shipments(platform="taobao", actor=staff)

    make()
    staff_client.get("/staff/shipping/exports/")
    # session, user, staff group, her member record (navigation), waiting per platform (3),
    # count of files, a page of files
    with django_assert_num_queries(9):
        staff_client.get("/staff/shipping/exports/")
    for _ in range(29):
        make()
    with django_assert_num_queries(9):
        response = staff_client.get("/staff/shipping/exports/")
    assert len(response.context["page"].object_list) == 30


def test_an_unknown_file_is_404(staff_client):
    assert staff_client.get("/staff/shipping/exports/999/file/").status_code == 404


# --- The staff home ------------------------------------------------------------------------------


def test_the_staff_home_links_the_desks_with_their_counts(staff_client):
    shipped("douyin")
    forwarded()
    SellerOrderFactory(problem="HTTP 400", status="pending")
    body = staff_client.get("/staff/").content.decode()
    assert "Forwarding monitor · 1 failed, 0 overdue" in body
    assert 'href="/staff/shipping/exports/"' in body and "1 parcel waiting" in body
    assert 'href="/staff/shipping/labels/"' in body
