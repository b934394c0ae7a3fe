"""Staff import a platform's export in a browser (upload, preview, confirm, result), plan a session
on the week and on a phone; a streamer on a phone sees her sessions."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from livestreams.models import ImportStatus, LiveSession, Order, OrderImport
from tests.e2e.test_faces import log_in, small_targets
from tests.factories import (
    LiveSessionFactory,
    MemberFactory,
    OrderFactory,
    OrderLineFactory,
    SellerFactory,
    StaffUserFactory,
    StudioFactory,
)
from tests.livestreams.conftest import DATA, EXPECTED, sample_catalogue  # noqa: F401 (fixture)
from tests.reliability.conftest import private_redis, publishing_to, stack  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAMPLE = "douyin/douyin_orders_20220907.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def count_of(page, name: str) -> int:
    return int(page.locator(f"[data-count={name}]").first.inner_text())


def test_staff_upload_an_export_see_the_preview_confirm_and_see_the_result(
    live_server,
    desktop_page,
    sample_catalogue,  # noqa: F811
):
    StaffUserFactory(username="wulunsu")
    facts = EXPECTED["files"][SAMPLE]
    page = desktop_page.page
    log_in(page, live_server, "wulunsu")
    page.click("main >> a[href='/staff/imports/']")
    assert page.locator("section.import-history .empty").count() == 1
    desktop_page.screenshot("staff-imports-empty-desktop")

    page.set_input_files("input[name=file]", str(DATA / SAMPLE))
    page.click("form.upload-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("section.preview").count() == 1
    assert count_of(page, "orders_created") == facts["orders"]
    assert count_of(page, "lines_created") == facts["lines"]
    assert count_of(page, "unmatched_lines") == 0
    assert "抖" in page.locator(".platform").inner_text()
    assert not Order.objects.exists()  # a preview writes nothing
    desktop_page.screenshot("staff-import-preview-desktop")

    page.click("section.confirm button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("section.result").count() == 1
    assert count_of(page, "orders_created") == facts["orders"]
    assert Order.objects.count() == facts["orders"]
    order_import = OrderImport.objects.get(is_dry_run=False)
    assert order_import.status == ImportStatus.COMPLETED
    desktop_page.screenshot("staff-import-result-desktop")

    page.click("a.crumbs, .crumbs a")
    page.wait_for_load_state()
    assert page.locator("tr.import-row").count() == 1
    desktop_page.screenshot("staff-imports-history-desktop")
    assert desktop_page.console_errors == []


def test_a_refused_file_shows_why_in_the_browser(live_server, desktop_page):
    StaffUserFactory(username="wulunsu")
    page = desktop_page.page
    log_in(page, live_server, "wulunsu")
    page.goto(f"{live_server.url}/staff/imports/")
    page.set_input_files("input[name=file]", str(DATA / "bad/douyin_truncated.csv"))
    page.click("form.upload-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("section.refused .refusal").inner_text().startswith("douyin_truncated.csv")
    assert page.locator("section.confirm").count() == 0
    desktop_page.screenshot("staff-import-refused-desktop")
    assert desktop_page.console_errors == []


def test_staff_map_a_waiting_line_and_correct_an_order_s_session(live_server, desktop_page):
    StaffUserFactory(username="wulunsu")
    paid = datetime(2026, 11, 23, 20, 10, tzinfo=SHANGHAI)
    session = LiveSessionFactory(
        title="七彩巧妇好物直播 · 宋小赞", planned_start=paid - timedelta(hours=1)
    )
    order = OrderFactory(paid_at=paid, recipient_name="王小红", recipient_mobile="13800002807")
    OrderLineFactory(
        order=order, sku=None, seller=None, merchant_code="FH-YN-X", title="萧王庙红芋艿 5斤",
        spec="5斤装", unit_price=Decimal("49.90"), line_total=Decimal("49.90"),
    )  # fmt: skip
    from tests.factories import ProductFactory, SKUFactory

    sku = SKUFactory(product=ProductFactory(name="萧王庙红芋艿"), merchant_code="FH-YN-001")
    page = desktop_page.page
    log_in(page, live_server, "wulunsu")

    page.goto(f"{live_server.url}/staff/orders/unmatched/")
    assert page.locator("tr.unmatched-group").count() == 1
    desktop_page.screenshot("staff-unmatched-desktop")
    page.click("tr.unmatched-group a.button")
    page.fill("input[name=q]", "红芋艿")
    page.click("form.search-form button")
    page.wait_for_load_state()
    desktop_page.screenshot("staff-unmatched-map-desktop")
    page.click("li.sku-result button")
    page.wait_for_load_state()
    assert page.locator(".message-success").count() == 1
    assert page.locator("tr.unmatched-group").count() == 0
    assert order.lines.get().sku == sku

    page.goto(f"{live_server.url}/staff/orders/{order.pk}/")
    page.select_option("select[name=session]", str(session.pk))
    page.click("section.attribution button[type=submit]")
    page.wait_for_load_state()
    assert session.title in page.locator(".current-session").inner_text()
    desktop_page.screenshot("staff-order-desktop")
    assert desktop_page.console_errors == []


def test_staff_plan_the_week_on_a_desk_and_book_a_session_on_a_phone(
    live_server, desktop_page, phone_page
):
    StaffUserFactory(username="wulunsu")
    studios = [StudioFactory(number=n, name=f"{n}号直播间") for n in range(1, 14)]
    streamers = [MemberFactory(name=name, is_streamer=True) for name in ("宋小赞", "毛美儿")]
    monday = timezone.localtime(timezone.now()).date()
    monday -= timedelta(days=monday.weekday())
    for day in range(7):
        start = datetime.combine(monday + timedelta(days=day), datetime.min.time(), SHANGHAI)
        LiveSessionFactory(
            title="七彩巧妇好物直播", studio=studios[0], streamer=streamers[day % 2],
            platform="douyin", planned_start=start + timedelta(hours=19),
        )  # fmt: skip
        LiveSessionFactory(
            title="巧妇视频号 家乡味道", studio=studios[1], streamer=streamers[(day + 1) % 2],
            platform="channels", planned_start=start + timedelta(hours=20),
        )  # fmt: skip
    page = desktop_page.page
    log_in(page, live_server, "wulunsu")
    page.goto(f"{live_server.url}/staff/sessions/")
    assert page.locator("table.week a.session").count() == 14
    desktop_page.screenshot("staff-sessions-week-desktop")

    phone = phone_page.page
    log_in(phone, live_server, "wulunsu")
    phone.goto(f"{live_server.url}/staff/sessions/new/?studio={studios[0].pk}&day={monday}")
    assert fits(phone, 375)
    phone.fill("input[name=title]", "宋小赞 加场直播")
    phone.select_option("select[name=streamer]", str(streamers[0].pk))
    phone.select_option("select[name=platform]", "douyin")
    phone.click("form.session-form button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator(".field.has-error .error").count() >= 1  # studio 1 is taken at 19:00
    assert fits(phone, 375)
    phone_page.screenshot("staff-session-form-error-375")
    phone.select_option("select[name=studio]", str(studios[5].pk))
    phone.click("form.session-form button[type=submit]")
    phone.wait_for_load_state()
    assert LiveSession.objects.filter(title="宋小赞 加场直播").count() == 0  # she is busy then
    phone.fill("input[name=planned_start]", f"{monday}T14:00")
    phone.fill("input[name=planned_end]", f"{monday}T16:00")
    phone.click("form.session-form button[type=submit]")
    phone.wait_for_load_state()
    assert LiveSession.objects.filter(title="宋小赞 加场直播", studio=studios[5]).count() == 1
    assert desktop_page.console_errors == []
    # The refused bookings answered 400 (a form with errors); nothing else went wrong.
    assert [e for e in phone_page.console_errors if "status of 400" not in e] == []


def test_a_streamer_sees_her_sessions_on_a_phone(live_server, phone_page):
    streamer = SellerFactory(name="宋小赞", mobile="13800000002", is_streamer=True)
    now = timezone.now()
    LiveSessionFactory(
        title="七彩巧妇好物直播 · 宋小赞", streamer=streamer, planned_start=now + timedelta(days=1),
        platform_account="3069174582263041",
    )  # fmt: skip
    past = LiveSessionFactory(
        title="奉化农家好货 淘宝直播", streamer=streamer, planned_start=now - timedelta(days=2),
        platform="taobao",
    )  # fmt: skip
    LiveSession.objects.filter(pk=past.pk).update(
        status="ended", actual_start=past.planned_start, actual_end=past.planned_end
    )
    for amount in ("88.00", "129.90"):
        order = OrderFactory(live_session=past, channel="taobao", paid_amount=Decimal(amount))
        OrderLineFactory(order=order, title="奉化水蜜桃 锦屏山现摘", spec="8只装")
    LiveSessionFactory(title="别人的直播")
    page = phone_page.page

    log_in(page, live_server, "13800000002")
    assert page.locator(".my-sessions-card").count() == 1
    page.click(".my-sessions-card a.button")
    page.wait_for_load_state()
    assert page.locator("li.session-card").count() == 1
    assert "别人的直播" not in page.content()
    assert fits(page, 375) and small_targets(page) == []
    phone_page.screenshot("seller-sessions-375")

    page.click("nav.status-filter a.chip:not(.current)")
    page.wait_for_load_state()
    assert page.locator(".gmv").first.inner_text() == "¥217.90"
    assert page.locator(".order-count").first.inner_text() == "2"
    assert fits(page, 375) and small_targets(page) == []
    phone_page.screenshot("seller-sessions-past-375")

    page.click("a.session-main")
    page.wait_for_load_state()
    assert "奉化水蜜桃" in page.locator("ul.sold").inner_text()
    assert fits(page, 375) and small_targets(page) == []
    phone_page.screenshot("seller-session-375")
    assert phone_page.console_errors == []


def test_staff_see_sessions_and_an_import_in_the_admin(live_server, desktop_page):
    StaffUserFactory(username="wulunsu")
    studio = StudioFactory(number=1, name="巾帼主播大厅")
    start = datetime(2026, 11, 23, 19, tzinfo=SHANGHAI)
    for day in range(3):
        LiveSessionFactory(studio=studio, planned_start=start + timedelta(days=day))
    from tests.factories import OrderImportFactory

    order_import = OrderImportFactory(
        status=ImportStatus.COMPLETED,
        counts={"rows": 42, "orders_created": 26, "lines_created": 42, "skipped_rows": 2},
        errors=[{"row": 4, "column": "商品单价", "message": "商品单价 is not an amount: abc"}],
    )
    page = desktop_page.page
    log_in(page, live_server, "wulunsu")

    page.goto(f"{live_server.url}/admin/livestreams/livesession/")
    assert page.locator("#result_list tbody tr").count() == 3
    desktop_page.screenshot("admin-sessions-desktop")
    page.goto(f"{live_server.url}/admin/livestreams/livesession/add/")
    page.fill("input[name=title]", "撞车的直播")
    page.select_option("select[name=studio]", str(studio.pk))
    page.select_option("select[name=platform]", "douyin")
    page.fill("input[name=planned_start_0]", "2026-11-23")
    page.fill("input[name=planned_start_1]", "20:00:00")
    page.fill("input[name=planned_end_0]", "2026-11-23")
    page.fill("input[name=planned_end_1]", "22:00:00")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 1  # no streamer yet
    page.click(".field-staff_streamer .select2-selection")
    page.fill(".select2-search__field", "wulunsu")
    page.click(".select2-results__option >> text=wulunsu")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert page.locator(".field-studio .errorlist").count() == 1  # the studio is taken then
    assert LiveSession.objects.count() == 3
    desktop_page.screenshot("admin-session-overlap-desktop")
    page.goto(f"{live_server.url}/admin/livestreams/orderimport/{order_import.pk}/change/")
    assert "商品单价 is not an amount: abc" in page.content()
    desktop_page.screenshot("admin-import-desktop")
    assert desktop_page.console_errors == []


def big_douyin_export(path, copies: int) -> None:
    """The sample export with its orders repeated under new ids: a file that takes a while."""
    import csv

    with (DATA / SAMPLE).open(encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source))
    header, body = rows[0], rows[1:]
    ids = [header.index("主订单编号"), header.index("子订单编号")]
    with path.open("w", encoding="utf-8-sig", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(header)
        for copy in range(1, copies + 1):
            for row in body:
                row = list(row)
                for column in ids:
                    row[column] = "\t" + str(int(row[column].strip()) + copy * 10**7)
                writer.writerow(row)


@pytest.mark.slow
@pytest.mark.usefixtures("sample_catalogue")
def test_the_result_page_follows_an_import_a_real_worker_runs(
    live_server, desktop_page, settings, tmp_path, request, monkeypatch
):
    """No eager tasks here: a Celery worker imports while the page polls the progress endpoint."""
    # The worker reads the stored export where this test keeps private files.
    monkeypatch.setenv("PRIVATE_MEDIA_ROOT", str(settings.PRIVATE_MEDIA_ROOT))
    start_process = request.getfixturevalue("stack")
    redis_server = request.getfixturevalue("private_redis")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "fulian",  # as the worker's settings name it
        }
    }
    export = tmp_path / "douyin_orders_big.csv"
    big_douyin_export(export, copies=300)
    StaffUserFactory(username="wulunsu")
    start_process("worker")
    page = desktop_page.page
    log_in(page, live_server, "wulunsu")
    page.goto(f"{live_server.url}/staff/imports/")
    page.set_input_files("input[name=file]", str(export))
    page.click("form.upload-form button[type=submit]")
    page.wait_for_load_state()
    assert count_of(page, "rows") == 42 * 300

    with publishing_to(redis_server.url):
        page.click("section.confirm button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("section.import-progress progress").count() == 1
        desktop_page.screenshot("staff-import-progress-desktop")
        page.wait_for_selector("section.result", timeout=180_000)

    order_import = OrderImport.objects.get(is_dry_run=False)
    assert order_import.status == ImportStatus.COMPLETED
    assert count_of(page, "orders_created") == 26 * 300 == Order.objects.count()
    from django.core.cache import cache

    from livestreams.services.import_runs import progress_key

    assert cache.get(progress_key(order_import.pk)) == 12000  # written by the worker
    desktop_page.screenshot("staff-import-finished-desktop")
    assert desktop_page.console_errors == []
