"""The livestream base's staff pages (imports, unmatched lines, an order, the sessions week) and
the streamer's sessions on the seller dashboard: permissions, forms, flows and query counts."""

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from alliance.models import ExportLog
from livestreams.models import (
    Attribution,
    Channel,
    ImportStatus,
    LiveSession,
    LiveSessionStatus,
    Order,
    OrderImport,
    OrderLine,
    OrderStatus,
)
from livestreams.services.import_runs import progress_key
from products.models import ChannelListing, ProductStatus
from tests.conftest import logged_in_client
from tests.factories import (
    LiveSessionFactory,
    MemberFactory,
    OrderFactory,
    OrderImportFactory,
    OrderLineFactory,
    ProductFactory,
    SellerFactory,
    SellerOrderFactory,
    SKUFactory,
    StaffUserFactory,
    StudioFactory,
)
from tests.livestreams.conftest import DATA, EXPECTED

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, tzinfo=SHANGHAI)  # week 2026-W48


@pytest.fixture
def in_english(staff_client, english) -> None:
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def english_errors(form) -> dict[str, list[str]]:
    with translation.override("en"):
        return {field: [str(error) for error in errors] for field, errors in form.errors.items()}


def shown_messages(response) -> list[str]:
    with translation.override("en"):
        return [str(message) for message in get_messages(response.wsgi_request)]


def sample(path: str, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.rsplit("/", 1)[-1], (DATA / path).read_bytes())


def upload(client, *paths: str, platform: str = "auto"):
    data = {"file": sample(paths[0]), "platform": platform}
    if len(paths) > 1:
        data["companion_file"] = sample(paths[1])
    return client.post(reverse("staff:imports"), data)


def preview_of(response) -> OrderImport:
    assert response.status_code == 302, response.content[:500]
    return OrderImport.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))


def unmatched_line(**extra) -> OrderLine:
    values = {
        "sku": None,
        "seller": None,
        "merchant_code": "X-1",
        "platform_product_id": "3500000000000000001",
        "spec": "5斤装",
        "title": "没人认识的芋艿",
        "unit_price": Decimal("49.90"),
        "line_total": Decimal("49.90"),
    }
    return OrderLineFactory(**{**values, **extra})


# --- Who may open what ----------------------------------------------------------------------------


@pytest.fixture
def objects(db) -> dict[str, int]:
    order_import = OrderImportFactory()
    line = unmatched_line()
    session = LiveSessionFactory()
    return {
        "import": order_import.pk,
        "line": line.pk,
        "order": line.order_id,
        "session": session.pk,
    }


STAFF_PAGES = [
    ("staff:imports", None),
    ("staff:import", "import"),
    ("staff:import_progress", "import"),
    ("staff:import_file", "import"),
    ("staff:unmatched", None),
    ("staff:unmatched_group", "line"),
    ("staff:order", "order"),
    ("staff:sessions", None),
    ("staff:session_new", None),
    ("staff:session", "session"),
]


def staff_url(objects: dict[str, int], name: str, key: str | None) -> str:
    if key is None:
        return reverse(name)
    kwarg = "line_id" if key == "line" else "pk"
    return reverse(name, kwargs={kwarg: objects[key]})


@pytest.mark.parametrize(("name", "key"), STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, objects, name, key):
    url = staff_url(objects, name, key)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "key"), STAFF_PAGES)
def test_sellers_are_refused_the_staff_pages(seller_client, objects, name, key):
    assert seller_client.get(staff_url(objects, name, key)).status_code == 403


@pytest.mark.parametrize(("name", "key"), STAFF_PAGES)
def test_staff_open_every_page(staff_client, objects, name, key):
    assert staff_client.get(staff_url(objects, name, key)).status_code == 200


@pytest.mark.parametrize(
    "name", ["staff:import_confirm", "staff:order_attribution", "staff:session_status"]
)
def test_sellers_cannot_post_to_the_staff_actions(seller_client, objects, name):
    key = {"staff:import_confirm": "import", "staff:order_attribution": "order"}.get(
        name, "session"
    )
    url = reverse(name, kwargs={"pk": objects[key]})
    assert seller_client.post(url, {}).status_code == 403


# --- Import: upload, preview, confirm, result -----------------------------------------------------


def test_an_upload_shows_a_preview_and_writes_no_order(staff_client, sample_catalogue):
    preview = preview_of(upload(staff_client, "douyin/douyin_orders_20220907.csv"))
    facts = EXPECTED["files"]["douyin/douyin_orders_20220907.csv"]

    assert preview.is_dry_run and preview.status == ImportStatus.COMPLETED
    assert preview.platform == "douyin"
    assert preview.counts["orders_created"] == facts["orders"]
    assert preview.counts["lines_created"] == facts["lines"]
    assert preview.counts["unmatched_lines"] == 0
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    page = staff_client.get(reverse("staff:import", kwargs={"pk": preview.pk}))
    assert page.status_code == 200
    assert page.templates[0].name == "staff/imports/preview.html"
    assert reverse("staff:import_confirm", kwargs={"pk": preview.pk}) in page.content.decode()


def test_confirming_imports_the_stored_file_as_a_new_import(
    staff_client, sample_catalogue, django_capture_on_commit_callbacks
):
    preview = preview_of(upload(staff_client, "douyin/douyin_orders_20220907.csv"))

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = staff_client.post(reverse("staff:import_confirm", kwargs={"pk": preview.pk}))

    order_import = OrderImport.objects.get(is_dry_run=False)
    assert response["Location"] == reverse("staff:import", kwargs={"pk": order_import.pk})
    assert order_import.file.name == preview.file.name  # the same stored file, no second upload
    assert order_import.sha256 == preview.sha256
    assert order_import.status == ImportStatus.COMPLETED
    assert order_import.counts["orders_created"] == preview.counts["orders_created"]
    assert Order.objects.count() == preview.counts["orders_created"]
    assert OrderImport.objects.count() == 2
    assert len(queued) >= 1  # the import was queued once the confirmation committed
    page = staff_client.get(response["Location"])
    assert page.templates[0].name == "staff/imports/result.html"
    assert page.context["progress"]["finished"]


def test_confirming_twice_imports_once(
    staff_client, sample_catalogue, django_capture_on_commit_callbacks
):
    preview = preview_of(upload(staff_client, "douyin/douyin_orders_20220907.csv"))
    url = reverse("staff:import_confirm", kwargs={"pk": preview.pk})

    with django_capture_on_commit_callbacks(execute=True):
        first = staff_client.post(url)
    with django_capture_on_commit_callbacks(execute=True) as again:
        second = staff_client.post(url)

    assert first["Location"] == second["Location"]
    assert again == []  # nothing queued the second time
    assert OrderImport.objects.filter(is_dry_run=False).count() == 1
    assert Order.objects.count() == preview.counts["orders_created"]
    page = staff_client.get(reverse("staff:import", kwargs={"pk": preview.pk}))
    assert page.context["confirmed"].pk == OrderImport.objects.get(is_dry_run=False).pk


@pytest.mark.usefixtures("in_english")
def test_a_stored_file_changed_since_the_preview_is_not_imported(staff_client, sample_catalogue):
    preview = preview_of(upload(staff_client, "douyin/douyin_orders_20220907.csv"))
    with open(preview.file.path, "ab") as stored:
        stored.write(b"\n")

    response = staff_client.post(reverse("staff:import_confirm", kwargs={"pk": preview.pk}))

    assert response["Location"] == reverse("staff:import", kwargs={"pk": preview.pk})
    assert shown_messages(response) == [
        "The stored file changed since the preview; upload it again."
    ]
    assert not OrderImport.objects.filter(is_dry_run=False).exists()
    assert not Order.objects.exists()


@pytest.mark.usefixtures("in_english")
@pytest.mark.parametrize(
    ("path", "platform", "reason"),
    [
        ("bad/header_only.csv", "auto", "There are no orders in the file"),
        ("bad/random_bytes.csv", "auto", "not text"),
        ("bad/douyin_truncated.csv", "auto", "cut off"),
        ("bad/douyin_missing_column.csv", "auto", "子订单编号"),
        ("douyin/douyin_orders_20220907.csv", "channels", "视频号"),
    ],
)
def test_a_refused_file_shows_its_reason_and_cannot_be_confirmed(
    staff_client, sample_catalogue, path, platform, reason
):
    preview = preview_of(upload(staff_client, path, platform=platform))

    page = staff_client.get(reverse("staff:import", kwargs={"pk": preview.pk}))

    assert preview.status == ImportStatus.REFUSED
    assert reason in preview.refusal
    assert escape(preview.refusal) in page.content.decode()
    assert reverse("staff:import_confirm", kwargs={"pk": preview.pk}) not in page.content.decode()
    response = staff_client.post(reverse("staff:import_confirm", kwargs={"pk": preview.pk}))
    assert shown_messages(response) == [
        "This file was not imported in the preview, so it cannot be confirmed."
    ]
    assert not Order.objects.exists()
    assert not OrderImport.objects.filter(is_dry_run=False).exists()


@pytest.mark.usefixtures("in_english")
def test_the_preview_lists_the_rows_it_will_skip(staff_client, sample_catalogue):
    preview = preview_of(upload(staff_client, "bad/douyin_bad_price_and_quantity.csv"))

    page = staff_client.get(reverse("staff:import", kwargs={"pk": preview.pk}))

    assert preview.counts["skipped_rows"] == 2
    assert [(e["row"], e["column"]) for e in page.context["errors"]] == [
        (4, "商品单价"),
        (7, "商品数量"),
    ]
    assert "abc" in page.content.decode()


def test_taobao_s_legacy_pair_is_uploaded_as_two_files(
    staff_client, sample_catalogue, django_capture_on_commit_callbacks
):
    response = upload(
        staff_client,
        "taobao/ExportOrderDetailList201903151640.csv",
        "taobao/ExportOrderList201903151640.csv",
    )

    preview = preview_of(response)
    assert preview.status == ImportStatus.COMPLETED
    assert preview.platform == "taobao" and preview.companion_file
    assert preview.counts["lines_created"] == 25
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("staff:import_confirm", kwargs={"pk": preview.pk}))
    assert Order.objects.filter(channel="taobao").count() == 15


@pytest.mark.usefixtures("in_english")
def test_the_upload_form_says_what_is_wrong(staff_client, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    url = reverse("staff:imports")

    missing = staff_client.post(url, {"platform": "auto"})
    empty = staff_client.post(
        url, {"file": SimpleUploadedFile("empty.csv", b""), "platform": "auto"}
    )
    wrong_type = staff_client.post(
        url, {"file": SimpleUploadedFile("orders.txt", b"a,b\n1,2\n"), "platform": "auto"}
    )
    too_big = staff_client.post(
        url, {"file": SimpleUploadedFile("big.csv", b"x" * (1024 * 1024 + 1)), "platform": "x"}
    )

    assert missing.status_code == wrong_type.status_code == too_big.status_code == 400
    assert english_errors(missing.context["form"]) == {
        "file": ["Choose the export file to import."]
    }
    assert english_errors(empty.context["form"]) == {"file": ["The submitted file is empty."]}
    assert english_errors(wrong_type.context["form"]) == {
        "file": ["orders.txt is not a .csv or .xlsx file: export the orders again as one of them."]
    }
    assert english_errors(too_big.context["form"]) == {
        "file": ["big.csv is 1.0 MB, more than the 1 MB an import accepts."],
        "platform": ["Select a valid choice. x is not one of the available choices."],
    }
    assert not OrderImport.objects.exists()


def test_the_history_lists_imports_with_a_constant_number_of_queries(
    staff_client, django_assert_num_queries
):
    staff = StaffUserFactory()
    OrderImportFactory(uploaded_by=staff, status=ImportStatus.COMPLETED, counts={"rows": 3})
    url = reverse("staff:imports")
    # session, user, staff group, member (navigation), count, page, unmatched (none here)
    with django_assert_num_queries(6):
        assert len(staff_client.get(url).context["page"].object_list) == 1
    for _ in range(24):
        OrderImportFactory(uploaded_by=StaffUserFactory(), counts={"rows": 1})
    with django_assert_num_queries(6):
        assert len(staff_client.get(url).context["page"].object_list) == 20


def test_the_history_shows_imports_and_previews_apart(staff_client):
    real = OrderImportFactory(file_names="real.csv")
    preview = OrderImportFactory(file_names="preview.csv", is_dry_run=True)
    url = reverse("staff:imports")

    assert list(staff_client.get(url).context["page"].object_list) == [real]
    assert list(staff_client.get(url, {"show": "previews"}).context["page"].object_list) == [
        preview
    ]


def test_the_history_has_an_empty_state(staff_client):
    response = staff_client.get(reverse("staff:imports"))
    assert response.status_code == 200
    assert 'class="empty"' in response.content.decode()


def test_the_result_page_lists_every_error_a_page_at_a_time(staff_client):
    errors = [{"row": n, "column": "商品单价", "message": f"bad {n}"} for n in range(2, 122)]
    order_import = OrderImportFactory(
        status=ImportStatus.COMPLETED,
        counts={"skipped_rows": 120, "errors_total": 120},
        errors=errors,
    )
    url = reverse("staff:import", kwargs={"pk": order_import.pk})

    first = staff_client.get(url).context["page"]
    last = staff_client.get(url, {"page": 3}).context["page"]

    assert [e["row"] for e in first.object_list] == list(range(2, 52))
    assert [e["row"] for e in last.object_list] == list(range(102, 122))


def test_the_progress_endpoint_reports_rows_from_the_cache_while_running(staff_client):
    order_import = OrderImportFactory(status=ImportStatus.RUNNING, rows_total=5000)
    cache.set(progress_key(order_import.pk), 2000)
    url = reverse("staff:import_progress", kwargs={"pk": order_import.pk})

    running = staff_client.get(url).json()
    OrderImport.objects.filter(pk=order_import.pk).update(
        status=ImportStatus.COMPLETED, rows_done=5000
    )
    finished = staff_client.get(url).json()

    assert running["rows_done"] == 2000 and running["rows_total"] == 5000
    assert running["percent"] == 40 and running["finished"] is False
    assert running["status"] == "running"
    assert running["url"] == reverse("staff:import", kwargs={"pk": order_import.pk})
    assert finished["rows_done"] == 5000 and finished["finished"] is True
    assert finished["percent"] == 100


def test_a_running_import_s_page_follows_it_with_the_static_script(staff_client):
    order_import = OrderImportFactory(status=ImportStatus.RUNNING, rows_total=10)
    page = staff_client.get(reverse("staff:import", kwargs={"pk": order_import.pk}))
    content = page.content.decode()
    assert "js/import-progress.js" in content
    assert reverse("staff:import_progress", kwargs={"pk": order_import.pk}) in content
    assert "<script>" not in content


def test_the_stored_file_downloads_as_an_attachment_and_the_download_is_logged(
    staff_client, staff_user
):
    content = "主订单编号,选购商品\n1,芋艿\n".encode()
    order_import = OrderImportFactory(
        file=ContentFile(content, name="douyin_orders.csv"), rows_total=1
    )

    response = staff_client.get(reverse("staff:import_file", kwargs={"pk": order_import.pk}))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "douyin_orders.csv" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == content
    entry = ExportLog.objects.get()
    assert entry.actor == staff_user and entry.sha256 == hashlib.sha256(content).hexdigest()
    assert str(order_import.pk) in entry.what


def test_an_import_without_a_second_file_has_nothing_to_download_there(staff_client):
    order_import = OrderImportFactory()
    url = reverse("staff:import_companion_file", kwargs={"pk": order_import.pk})
    assert staff_client.get(url).status_code == 404
    assert not ExportLog.objects.exists()


# --- The unmatched queue --------------------------------------------------------------------------


def test_waiting_lines_are_grouped_by_what_identifies_them(staff_client):
    for _ in range(3):
        unmatched_line()
    unmatched_line(merchant_code="X-2", spec="10斤装")
    OrderLineFactory()  # matched: not in the queue

    groups = list(staff_client.get(reverse("staff:unmatched")).context["page"].object_list)

    assert [(g["merchant_code"], g["lines"]) for g in groups] == [("X-1", 3), ("X-2", 1)]
    assert groups[0]["channel_label"] == Channel.DOUYIN.label


def test_the_queue_has_an_empty_state(staff_client):
    response = staff_client.get(reverse("staff:unmatched"))
    assert list(response.context["page"].object_list) == []
    assert "empty-state" in response.content.decode()


def test_the_queue_runs_the_same_queries_for_one_group_and_forty(
    staff_client, django_assert_num_queries
):
    unmatched_line()
    url = reverse("staff:unmatched")
    # session, user, staff group, member (navigation), count of groups, the page of groups
    with django_assert_num_queries(6):
        assert len(staff_client.get(url).context["page"].object_list) == 1
    for number in range(39):
        unmatched_line(merchant_code=f"Y-{number}")
    with django_assert_num_queries(6):
        assert len(staff_client.get(url).context["page"].object_list) == 30


def test_staff_find_the_sku_by_code_or_name_among_active_skus(staff_client):
    line = unmatched_line()
    taro = ProductFactory(name="萧王庙红芋艿")
    wanted = SKUFactory(product=taro, merchant_code="FH-YN-009")
    SKUFactory(product=taro, merchant_code="FH-YN-010", is_active=False)
    url = reverse("staff:unmatched_group", kwargs={"line_id": line.pk})

    by_name = staff_client.get(url, {"q": "红芋艿"}).context["skus"]
    by_code = staff_client.get(url, {"q": "yn-009"}).context["skus"]
    nothing = staff_client.get(url, {"q": "草莓"}).context["skus"]

    assert by_name == [wanted] and by_code == [wanted] and nothing == []


@pytest.mark.usefixtures("in_english")
def test_mapping_a_group_matches_every_line_like_it_and_remembers_it(staff_client):
    lines = [unmatched_line() for _ in range(3)]
    other = unmatched_line(merchant_code="X-2")
    sku = SKUFactory(merchant_code="FH-YN-009")

    response = staff_client.post(
        reverse("staff:unmatched_group", kwargs={"line_id": lines[1].pk}),
        {"line": lines[1].pk, "sku": sku.pk},
    )

    assert response["Location"] == reverse("staff:unmatched")
    assert shown_messages(response) == [
        f"3 lines are now matched to FH-YN-009 {sku.product.name} {sku.spec}."
    ]
    for line in lines:
        line.refresh_from_db()
        assert line.sku == sku and line.seller == sku.product.seller
    other.refresh_from_db()
    assert other.sku is None
    assert ChannelListing.objects.filter(
        platform="douyin", platform_product_id="3500000000000000001", sku=sku
    ).exists()


@pytest.mark.usefixtures("in_english")
def test_the_mapping_form_refuses_a_missing_or_inactive_sku(staff_client):
    line = unmatched_line()
    inactive = SKUFactory(is_active=False)
    url = reverse("staff:unmatched_group", kwargs={"line_id": line.pk})

    missing = staff_client.post(url, {"line": line.pk})
    refused = staff_client.post(url, {"line": line.pk, "sku": inactive.pk})

    assert missing.status_code == refused.status_code == 400
    assert english_errors(missing.context["map_form"]) == {
        "sku": ["Choose the SKU these lines are."]
    }
    assert english_errors(refused.context["map_form"]) == {
        "sku": ["That SKU is not active any more; choose another."]
    }
    line.refresh_from_db()
    assert line.sku is None


@pytest.mark.usefixtures("in_english")
def test_a_group_matched_meanwhile_sends_staff_back_to_the_queue(staff_client):
    line = OrderLineFactory()  # already matched
    response = staff_client.get(reverse("staff:unmatched_group", kwargs={"line_id": line.pk}))
    assert response["Location"] == reverse("staff:unmatched")
    assert shown_messages(response) == ["These lines are no longer waiting for a SKU."]


# --- One order and its attribution ----------------------------------------------------------------


def paid_order(**extra) -> Order:
    values = {
        "paid_at": MONDAY + timedelta(hours=20),
        "recipient_name": "王小红",
        "recipient_mobile": "13800002807",
        "recipient_address": "示例路 1 号",
    }
    return OrderFactory(**{**values, **extra})


def test_the_order_page_shows_lines_seller_orders_and_the_recipient_in_full(staff_client):
    order = paid_order()
    line = OrderLineFactory(order=order)
    SellerOrderFactory(order=order, seller=line.seller)
    unmatched_line(order=order)

    response = staff_client.get(reverse("staff:order", kwargs={"pk": order.pk}))

    content = response.content.decode()
    assert len(response.context["lines"]) == 2 and len(response.context["seller_orders"]) == 1
    assert "王小红" in content and "13800002807" in content
    assert line.sku.merchant_code in content


def test_the_order_page_runs_the_same_queries_for_one_line_and_many(
    staff_client, django_assert_num_queries
):
    order = paid_order()
    OrderLineFactory(order=order)
    LiveSessionFactory(planned_start=MONDAY + timedelta(hours=19))
    url = reverse("staff:order", kwargs={"pk": order.pk})
    # session, user, staff group, member (navigation), order, lines, seller orders, sessions
    with django_assert_num_queries(8):
        staff_client.get(url)
    for _ in range(10):
        line = OrderLineFactory(order=order)
        SellerOrderFactory(order=order, seller=line.seller)
        LiveSessionFactory(planned_start=MONDAY + timedelta(hours=19))
    with django_assert_num_queries(8):
        assert len(staff_client.get(url).context["lines"]) == 11


def test_the_attribution_form_offers_sessions_of_the_platform_around_the_payment(staff_client):
    order = paid_order()
    near = LiveSessionFactory(planned_start=MONDAY + timedelta(hours=19))
    LiveSessionFactory(planned_start=MONDAY + timedelta(hours=19), platform="channels")
    LiveSessionFactory(planned_start=MONDAY + timedelta(days=3))
    cancelled = LiveSessionFactory(planned_start=MONDAY + timedelta(hours=18))
    LiveSession.objects.filter(pk=cancelled.pk).update(status=LiveSessionStatus.CANCELLED)

    form = staff_client.get(reverse("staff:order", kwargs={"pk": order.pk})).context["form"]

    assert list(form.fields["session"].queryset) == [near]


@pytest.mark.usefixtures("in_english")
def test_staff_correct_an_attribution_and_can_take_it_away(staff_client):
    order = paid_order()
    session = LiveSessionFactory(planned_start=MONDAY + timedelta(hours=19))
    url = reverse("staff:order_attribution", kwargs={"pk": order.pk})

    first = staff_client.post(url, {"session": session.pk})
    order.refresh_from_db()
    assert (order.live_session, order.attribution) == (session, Attribution.MANUAL)
    assert shown_messages(first) == [f"The order now counts for “{session.title}”."]

    second = staff_client.post(url, {"session": ""})
    order.refresh_from_db()
    assert (order.live_session, order.attribution) == (None, Attribution.MANUAL)
    assert shown_messages(second)[-1] == "The order now counts for its channel only."


@pytest.mark.usefixtures("in_english")
def test_a_session_of_another_platform_or_day_is_refused(staff_client):
    order = paid_order()
    elsewhere = LiveSessionFactory(planned_start=MONDAY + timedelta(hours=19), platform="taobao")

    response = staff_client.post(
        reverse("staff:order_attribution", kwargs={"pk": order.pk}), {"session": elsewhere.pk}
    )

    assert response.status_code == 400
    assert english_errors(response.context["form"]) == {
        "session": ["Choose one of the sessions of this platform around its payment."]
    }
    order.refresh_from_db()
    assert order.live_session is None and order.attribution == Attribution.NONE


# --- The sessions week ----------------------------------------------------------------------------


def test_the_week_shows_each_session_in_its_studio_and_day(staff_client):
    first, second = StudioFactory(number=1), StudioFactory(number=2)
    tuesday = LiveSessionFactory(studio=second, planned_start=MONDAY + timedelta(days=1, hours=19))
    LiveSessionFactory(studio=first, planned_start=MONDAY + timedelta(days=7, hours=19))

    response = staff_client.get(reverse("staff:sessions"), {"week": "2026-W48"})

    rows = response.context["rows"]
    assert [row["studio"] for row in rows] == [first, second]
    assert rows[1]["days"][1] == (tuesday.planned_start.date(), [tuesday])
    assert response.context["session_count"] == 1
    assert response.context["previous_week"] == "2026-W47"
    assert response.context["next_week"] == "2026-W49"


def test_a_session_just_after_midnight_is_on_its_own_day_in_shanghai(staff_client):
    studio = StudioFactory(number=1)
    late = LiveSessionFactory(studio=studio, planned_start=MONDAY + timedelta(days=2, minutes=30))

    rows = staff_client.get(reverse("staff:sessions"), {"week": "2026-W48"}).context["rows"]

    assert rows[0]["days"][2][1] == [late]


@pytest.mark.usefixtures("in_english")
def test_a_week_that_is_not_one_shows_this_week_and_says_so(staff_client):
    response = staff_client.get(reverse("staff:sessions"), {"week": "2026-W99"})
    today = timezone.localdate()
    assert response.context["week"] == f"{today.isocalendar()[0]}-W{today.isocalendar()[1]:02d}"
    assert "That is not a week like 2026-W48; here is this week." in response.content.decode()


def test_the_week_runs_the_same_queries_for_one_session_and_forty(
    staff_client, django_assert_num_queries
):
    studios = [StudioFactory(number=n) for n in range(1, 14)]
    LiveSessionFactory(studio=studios[0], planned_start=MONDAY + timedelta(hours=6))
    url = reverse("staff:sessions")
    # session, user, staff group, member (navigation), sessions, studios
    with django_assert_num_queries(6):
        staff_client.get(url, {"week": "2026-W48"})
    for number in range(39):
        start = MONDAY + timedelta(days=number % 7, hours=9 + 2 * (number // 13))
        LiveSessionFactory(studio=studios[number % 13], planned_start=start)
    with django_assert_num_queries(6):
        assert staff_client.get(url, {"week": "2026-W48"}).context["session_count"] == 40


def booking_data(studio, streamer, start: datetime, hours: int = 2, **extra) -> dict:
    return {
        "title": "巧妇好物直播",
        "studio": studio.pk,
        "streamer": streamer.pk if streamer else "",
        "platform": "douyin",
        "platform_account": "3069174582263041",
        "planned_start": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "planned_end": timezone.localtime(start + timedelta(hours=hours)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        **extra,
    }


def test_staff_plan_a_session_with_its_featured_products(staff_client):
    studio = StudioFactory(number=3)
    streamer = MemberFactory(is_streamer=True)
    products = [ProductFactory(), ProductFactory()]
    data = booking_data(studio, streamer, MONDAY + timedelta(hours=19))

    response = staff_client.post(
        reverse("staff:session_new"), {**data, "featured_products": [p.pk for p in products]}
    )

    session = LiveSession.objects.get()
    assert response["Location"] == f"{reverse('staff:sessions')}?week=2026-W48"
    assert (session.studio, session.streamer, session.status) == (studio, streamer, "planned")
    assert session.planned_start == MONDAY + timedelta(hours=19)
    assert set(session.featured_products.all()) == set(products)


def test_a_cell_of_the_week_prefills_the_studio_and_the_evening(staff_client):
    studio = StudioFactory(number=4)
    form = staff_client.get(
        reverse("staff:session_new"), {"studio": studio.pk, "day": "2026-11-25"}
    ).context["form"]
    assert form.initial["studio"] == studio.pk
    assert form.initial["planned_start"] == datetime(2026, 11, 25, 19, tzinfo=SHANGHAI)


@pytest.mark.usefixtures("in_english")
def test_a_studio_already_booked_then_is_refused_next_to_the_studio(staff_client):
    studio = StudioFactory()
    existing = LiveSessionFactory(studio=studio, planned_start=MONDAY + timedelta(hours=19))
    data = booking_data(studio, MemberFactory(is_streamer=True), MONDAY + timedelta(hours=20))

    response = staff_client.post(reverse("staff:session_new"), data)

    assert response.status_code == 400
    assert english_errors(response.context["form"]) == {
        "studio": [f"Studio {studio} is booked then for “{existing.title}”."]
    }
    assert LiveSession.objects.count() == 1


@pytest.mark.usefixtures("in_english")
def test_a_streamer_already_streaming_then_is_refused_next_to_the_streamer(staff_client):
    streamer = MemberFactory(is_streamer=True, name="宋小赞")
    existing = LiveSessionFactory(streamer=streamer, planned_start=MONDAY + timedelta(hours=19))
    data = booking_data(StudioFactory(), streamer, MONDAY + timedelta(hours=20))

    response = staff_client.post(reverse("staff:session_new"), data)

    assert english_errors(response.context["form"]) == {
        "streamer": [f"宋小赞 is streaming then in “{existing.title}”."]
    }


FORM_CASES = [
    ({"title": ""}, {"title": ["Give the session a title."]}),
    ({"studio": ""}, {"studio": ["Choose a studio."]}),
    ({"streamer": ""}, {"streamer": ["Choose the streamer: a member, or a member of staff."]}),
    (
        {"planned_start": "tomorrow"},
        {"planned_start": ["Enter a date and time, e.g. 2026-11-23 19:30."]},
    ),
    (
        {"planned_end": "2026-11-23T18:00"},
        {"planned_end": ["The end must come after the start."]},
    ),
    (
        {"planned_end": "2026-11-25T19:00"},
        {"planned_end": ["A session lasts at most 24 hours."]},
    ),
    (
        {"platform": "pinduoduo"},
        {"platform": ["Select a valid choice. pinduoduo is not one of the available choices."]},
    ),
]


@pytest.mark.usefixtures("in_english")
@pytest.mark.parametrize(("change", "errors"), FORM_CASES)
def test_the_session_form_says_what_is_wrong(staff_client, change, errors):
    data = booking_data(
        StudioFactory(), MemberFactory(is_streamer=True), MONDAY + timedelta(hours=19)
    )

    response = staff_client.post(reverse("staff:session_new"), {**data, **change})

    assert response.status_code == 400
    assert english_errors(response.context["form"]) == errors
    assert not LiveSession.objects.exists()


@pytest.mark.usefixtures("in_english")
def test_a_member_and_a_member_of_staff_cannot_both_stream_one_session(staff_client):
    data = booking_data(StudioFactory(), MemberFactory(is_streamer=True), MONDAY)
    response = staff_client.post(
        reverse("staff:session_new"), {**data, "staff_streamer": StaffUserFactory().pk}
    )
    assert english_errors(response.context["form"]) == {
        "staff_streamer": ["Choose a member or a member of staff, not both."]
    }


def test_a_member_who_does_not_stream_is_not_offered(staff_client):
    MemberFactory(is_streamer=False, name="不直播的人")
    streamer = MemberFactory(is_streamer=True)
    form = staff_client.get(reverse("staff:session_new")).context["form"]
    assert list(form.fields["streamer"].queryset) == [streamer]


def test_staff_re_time_a_session_through_the_same_check(staff_client):
    session = LiveSessionFactory(planned_start=MONDAY + timedelta(hours=19))
    data = booking_data(session.studio, session.streamer, MONDAY + timedelta(hours=15))

    response = staff_client.post(reverse("staff:session", kwargs={"pk": session.pk}), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.planned_start == MONDAY + timedelta(hours=15)


def test_editing_keeps_a_featured_product_taken_off_the_shelf_since(staff_client):
    session = LiveSessionFactory(planned_start=MONDAY + timedelta(hours=19))
    gone = ProductFactory(status=ProductStatus.OFF_SHELF)
    session.featured_products.add(gone)
    data = booking_data(session.studio, session.streamer, MONDAY + timedelta(hours=19))

    response = staff_client.post(
        reverse("staff:session", kwargs={"pk": session.pk}),
        {**data, "title": "改了标题", "featured_products": [gone.pk]},
    )

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title == "改了标题"
    assert list(session.featured_products.all()) == [gone]
    new_form = staff_client.get(reverse("staff:session_new")).context["form"]
    assert gone not in new_form.fields["featured_products"].queryset


@pytest.mark.usefixtures("in_english")
def test_staff_take_a_session_live_and_end_it(staff_client):
    session = LiveSessionFactory(planned_start=MONDAY)
    url = reverse("staff:session_status", kwargs={"pk": session.pk})

    live = staff_client.post(url, {"to_status": "live"})
    session.refresh_from_db()
    assert session.status == "live" and session.actual_start is not None
    assert shown_messages(live) == [f"“{session.title}” is now live."]

    staff_client.post(url, {"to_status": "ended"})
    session.refresh_from_db()
    assert session.status == "ended" and session.actual_end >= session.actual_start


@pytest.mark.usefixtures("in_english")
def test_a_move_a_session_cannot_make_is_refused(staff_client):
    session = LiveSessionFactory(planned_start=MONDAY)
    url = reverse("staff:session_status", kwargs={"pk": session.pk})

    response = staff_client.post(url, {"to_status": "ended"})
    nonsense = staff_client.post(url, {"to_status": "exploded"})

    assert shown_messages(response) == ["A session cannot go from “planned” to “ended”."]
    assert shown_messages(nonsense)[-1] == "Choose what happens to the session."
    session.refresh_from_db()
    assert session.status == "planned"


def test_the_session_page_offers_the_moves_its_status_allows(staff_client):
    session = LiveSessionFactory(planned_start=MONDAY)
    url = reverse("staff:session", kwargs={"pk": session.pk})
    assert staff_client.get(url).context["actions"] == ["live", "cancelled"]
    LiveSession.objects.filter(pk=session.pk).update(status=LiveSessionStatus.ENDED)
    assert staff_client.get(url).context["actions"] == []


# --- The streamer's sessions ----------------------------------------------------------------------


@pytest.fixture
def streamer(db):
    return SellerFactory(is_streamer=True, name="宋小赞")


@pytest.fixture
def streamer_client(streamer):
    return logged_in_client(streamer.user)


def test_a_streamer_sees_her_upcoming_and_past_sessions_with_what_they_sold(
    streamer_client, streamer
):
    now = timezone.now()
    upcoming = LiveSessionFactory(streamer=streamer, planned_start=now + timedelta(days=1))
    past = LiveSessionFactory(streamer=streamer, planned_start=now - timedelta(days=2))
    LiveSessionFactory(planned_start=now + timedelta(days=1))  # another streamer's
    OrderFactory(live_session=past, paid_amount=Decimal("99.00"))
    OrderFactory(live_session=past, paid_amount=Decimal("50.50"))
    OrderFactory(live_session=past, paid_amount=Decimal("30.00"), status=OrderStatus.CANCELLED)

    coming = streamer_client.get(reverse("seller:sessions"))
    gone = streamer_client.get(reverse("seller:sessions"), {"show": "past"})

    assert list(coming.context["page"].object_list) == [upcoming]
    [row] = gone.context["page"].object_list
    assert row == past and row.order_count == 2 and row.gmv == Decimal("149.50")
    assert "149.50" in gone.content.decode()


def test_a_streamer_cannot_open_another_streamer_s_session(streamer_client, streamer):
    mine = LiveSessionFactory(streamer=streamer)
    theirs = LiveSessionFactory()
    assert streamer_client.get(reverse("seller:session", kwargs={"pk": mine.pk})).status_code == 200
    response = streamer_client.get(reverse("seller:session", kwargs={"pk": theirs.pk}))
    assert response.status_code == 404


def test_a_session_s_page_shows_what_it_sold_and_featured(streamer_client, streamer):
    session = LiveSessionFactory(
        streamer=streamer, planned_start=timezone.now() - timedelta(days=1)
    )
    product = ProductFactory(name="奉化水蜜桃")
    session.featured_products.add(product)
    order = OrderFactory(live_session=session, paid_amount=Decimal("138.00"))
    OrderLineFactory(order=order, title="奉化水蜜桃", spec="8只装", quantity=2)

    response = streamer_client.get(reverse("seller:session", kwargs={"pk": session.pk}))

    assert response.context["featured"] == [product]
    assert [(s["title"], s["quantity"]) for s in response.context["sold"]] == [("奉化水蜜桃", 2)]
    assert response.context["session"].gmv == Decimal("138.00")


def test_a_member_who_does_not_stream_gets_a_friendly_page(seller_client):
    response = seller_client.get(reverse("seller:sessions"))
    assert response.status_code == 200
    assert "page" not in response.context
    assert "empty-state" in response.content.decode()


def test_a_stranger_is_sent_to_log_in_and_staff_without_membership_are_refused(
    client, staff_client
):
    assert client.get(reverse("seller:sessions"))["Location"].startswith(reverse("login"))
    assert staff_client.get(reverse("seller:sessions")).status_code == 403


def test_her_sessions_run_the_same_queries_for_one_and_many(
    streamer_client, streamer, django_assert_num_queries
):
    earlier = timezone.now() - timedelta(days=30)
    session = LiveSessionFactory(streamer=streamer, planned_start=earlier)
    OrderFactory(live_session=session)
    url = reverse("seller:sessions")
    # session, user, member, count, page of sessions with their sales
    with django_assert_num_queries(5):
        streamer_client.get(url, {"show": "past"})
    for day in range(1, 15):
        session = LiveSessionFactory(streamer=streamer, planned_start=earlier + timedelta(days=day))
        OrderFactory(live_session=session)
    with django_assert_num_queries(5):
        assert len(streamer_client.get(url, {"show": "past"}).context["page"].object_list) == 10


def test_the_dashboard_card_is_there_for_streamers_only(streamer_client, streamer, seller_client):
    LiveSessionFactory(streamer=streamer, planned_start=timezone.now() + timedelta(hours=3))
    assert "my-sessions-card" in streamer_client.get(reverse("seller:home")).content.decode()
    assert "my-sessions-card" not in seller_client.get(reverse("seller:home")).content.decode()


def test_the_staff_desk_links_to_the_queue_with_its_count(staff_client):
    unmatched_line()
    unmatched_line()
    content = staff_client.get(reverse("staff:home")).content.decode()
    assert reverse("staff:imports") in content and reverse("staff:sessions") in content
    assert '<span class="unmatched-count">2</span>' in content
