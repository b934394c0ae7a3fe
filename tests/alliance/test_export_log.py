"""The export log: every staff download of a file with personal data is written down, once,
with its row count and SHA-256; the log cannot be changed (on PostgreSQL, not even in SQL)."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from alliance.exports import log_export
from alliance.models import ExportLog
from livestreams import urls_monitor
from livestreams.models import SellerOrder, SellerOrderStatus, ShipmentExport
from livestreams.services import fulfilment, shipments
from tests.factories import (
    StaffUserFactory,
)
from tests.livestreams.seller_orders import seller_order_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"

# Every GET endpoint of the monitor and shipping desk that answers with a file, by whether the
# file holds personal data. A new download endpoint fails the enumeration test below until it is
# put in one of the two.
PERSONAL_DATA_DOWNLOADS = {"forwarding_order_label_file", "shipping_exports_file"}
DOWNLOADS_WITHOUT_PERSONAL_DATA = {"shipping_labels_template_csv", "shipping_labels_template_xlsx"}


def forwarded(channel: str) -> SellerOrder:
    return seller_order_in(
        SellerOrderStatus.FORWARDED,
        channel,
        order_recipient_name="张小红",
        order_recipient_mobile="13912345678",
    )


@pytest.fixture
def files() -> dict[str, tuple[str, int]]:
    """A URL of each download endpoint, with the rows its file holds."""
    staff = StaffUserFactory()
    labelled = forwarded("douyin")
    fulfilment.attach_label(
        seller_order=labelled, courier="SF", tracking_number="SF1234567890123",
        label=SimpleUploadedFile("label.pdf", PDF), actor=staff,
    )  # fmt: skip
    for _ in range(3):
        seller_order = forwarded("taobao")
        fulfilment.ship(
            seller_order=seller_order, actor=seller_order.seller.user, courier="SF",
            tracking_number="SF1234567890124",
        )  # fmt: skip
    export = shipments.export_shipments(platform="taobao", actor=staff)
    return {
        "forwarding_order_label_file": (
            reverse("staff:forwarding_order_label_file", kwargs={"pk": labelled.pk}),
            1,
        ),
        "shipping_exports_file": (
            reverse("staff:shipping_exports_file", kwargs={"pk": export.pk}),
            3,
        ),
        "shipping_labels_template_csv": (reverse("staff:shipping_labels_template_csv"), 0),
        "shipping_labels_template_xlsx": (reverse("staff:shipping_labels_template_xlsx"), 0),
    }


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_every_download_endpoint_is_classified(files):
    patterns = {pattern.name for pattern in urls_monitor.staff_patterns}
    downloads = PERSONAL_DATA_DOWNLOADS | DOWNLOADS_WITHOUT_PERSONAL_DATA
    assert downloads <= patterns
    assert set(files) == downloads
    # Every other pattern is a page or an action: no attachment comes back from a GET of it.
    assert not [name for name in patterns - downloads if "file" in name or "template" in name]


def test_each_download_of_personal_data_writes_exactly_one_log_row(files, staff_client, staff_user):
    for name in sorted(PERSONAL_DATA_DOWNLOADS):
        url, rows = files[name]
        for attempt in (1, 2):
            before = set(ExportLog.objects.values_list("pk", flat=True))
            response = staff_client.get(url)
            assert response.status_code == 200, name
            assert response["Content-Disposition"].startswith("attachment;"), name
            assert "no-store" in response["Cache-Control"], name
            content = content_of(response)
            new = ExportLog.objects.exclude(pk__in=before)
            assert new.count() == 1, (name, attempt)
            entry = new.get()
            assert entry.actor == staff_user
            assert entry.rows == rows, name
            assert entry.sha256 == hashlib.sha256(content).hexdigest(), name
            assert entry.what


def test_downloads_without_personal_data_are_not_logged(files, staff_client):
    for name in sorted(DOWNLOADS_WITHOUT_PERSONAL_DATA):
        url, _rows = files[name]
        response = staff_client.get(url)
        assert response["Content-Disposition"].startswith("attachment;"), name
        content_of(response)
    assert ExportLog.objects.count() == 0


def test_refused_downloads_are_not_logged(files, client, seller_client):
    for name in sorted(PERSONAL_DATA_DOWNLOADS):
        url, _rows = files[name]
        assert client.get(url).status_code == 302
        assert seller_client.get(url).status_code == 403
    assert ExportLog.objects.count() == 0


def test_the_log_names_what_was_downloaded(files, staff_client):
    label_url = files["forwarding_order_label_file"][0]
    staff_client.get(label_url)
    staff_client.get(files["shipping_exports_file"][0])
    label, export = ExportLog.objects.order_by("pk")
    seller_order = SellerOrder.objects.get(pk=label_url.split("/")[3])
    assert seller_order.order.platform_order_id in label.what
    assert str(seller_order.pk) in label.what
    assert str(ShipmentExport.objects.get().pk) in export.what


def test_log_export_adds_a_row_each_time():
    staff = StaffUserFactory()
    first = log_export(actor=staff, what="report", rows=12, content=b"abc")
    second = log_export(actor=staff, what="report", rows=12, content=b"abc")
    assert first.pk != second.pk
    assert first.sha256 == hashlib.sha256(b"abc").hexdigest()
    assert ExportLog.objects.count() == 2


def test_a_login_with_logged_exports_cannot_be_deleted():
    from django.db.models import ProtectedError

    staff = StaffUserFactory()
    log_export(actor=staff, what="report", rows=1, content=b"x")
    with pytest.raises(ProtectedError):
        staff.delete()


def test_on_postgresql_the_database_refuses_to_change_or_remove_a_log_row():
    entry = log_export(actor=StaffUserFactory(), what="report", rows=3, content=b"x")
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            ExportLog.objects.filter(pk=entry.pk).update(rows=0)
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            ExportLog.objects.filter(pk=entry.pk).delete()
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            entry.what = "nothing"
            entry.save()
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM alliance_exportlog")
        entry.refresh_from_db()
        assert (entry.rows, entry.what) == (3, "report")
    else:
        # The embedded SQLite default has no triggers of ours: the service and the read-only
        # admin are the guard there.
        ExportLog.objects.filter(pk=entry.pk).update(rows=0)
        entry.refresh_from_db()
        assert entry.rows == 0
    assert ExportLog.objects.count() == 1


# --- The admin shows the log, read-only -----------------------------------------------------------


def test_staff_read_the_log_in_the_admin_and_cannot_change_it(staff_client):
    entry = log_export(actor=StaffUserFactory(), what="批量发货文件 7", rows=3, content=b"x")
    changelist = staff_client.get("/admin/alliance/exportlog/")
    assert changelist.status_code == 200
    assert "批量发货文件 7" in changelist.content.decode()
    page = staff_client.get(f"/admin/alliance/exportlog/{entry.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert staff_client.get("/admin/alliance/exportlog/add/").status_code == 403
    assert staff_client.get(f"/admin/alliance/exportlog/{entry.pk}/delete/").status_code == 403
    staff_client.post(f"/admin/alliance/exportlog/{entry.pk}/change/", {"what": "changed"})
    staff_client.post(
        "/admin/alliance/exportlog/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    entry.refresh_from_db()
    assert entry.what == "批量发货文件 7" and ExportLog.objects.count() == 1


def test_the_admin_log_runs_the_same_queries_for_one_row_and_many(
    staff_client, django_assert_num_queries
):
    from django.test.utils import CaptureQueriesContext

    staff = StaffUserFactory()
    log_export(actor=staff, what="one", rows=1, content=b"1")
    with CaptureQueriesContext(connection) as one:
        staff_client.get("/admin/alliance/exportlog/")
    for number in range(20):
        log_export(actor=StaffUserFactory(), what=f"file {number}", rows=1, content=b"2")
    with django_assert_num_queries(len(one.captured_queries)):
        staff_client.get("/admin/alliance/exportlog/")
