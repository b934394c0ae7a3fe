"""Livestream admin: every page opens, lists cost the same queries at any length, sessions are
booked through the booking service (an overlap is a form error), the rest is read-only."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from livestreams.models import ImportStatus, LiveSession, LiveSessionStatus
from tests.factories import (
    LiveSessionFactory,
    MemberFactory,
    OrderFactory,
    OrderImportFactory,
    OrderLineChangeFactory,
    OrderLineFactory,
    ProductFactory,
    SellerOrderEventFactory,
    SellerOrderFactory,
    StaffUserFactory,
    StudioFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_english(staff_client, english) -> None:
    """The admin in English (the language switch's cookie), for assertions on its messages."""
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


SHANGHAI = ZoneInfo("Asia/Shanghai")
EVENING = datetime(2026, 11, 23, 19, 0, tzinfo=SHANGHAI)


def messages_of(response) -> list[str]:
    with translation.override("en"):
        return [str(message) for message in get_messages(response.wsgi_request)]


def admin_errors(response) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    with translation.override("en"):
        return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def a_line_with_history():
    line = OrderLineFactory()
    seller_order = SellerOrderFactory(order=line.order, seller=line.seller)
    SellerOrderEventFactory(seller_order=seller_order, actor=StaffUserFactory())
    OrderLineChangeFactory(line=line, actor=StaffUserFactory())
    return line, seller_order


MODELS = [
    "studio",
    "livesession",
    "order",
    "orderline",
    "sellerorder",
    "orderimport",
    "orderlinechange",
]


@pytest.mark.parametrize("model", MODELS)
def test_every_list_and_page_opens(staff_client, model):
    line, seller_order = a_line_with_history()
    order_import = OrderImportFactory(
        status=ImportStatus.COMPLETED,
        counts={"rows": 2, "orders_created": 1},
        errors=[{"row": 3, "column": "商品单价", "message": "not an amount"}],
    )
    objects = {
        "studio": StudioFactory(),
        "livesession": LiveSessionFactory(),
        "order": line.order,
        "orderline": line,
        "sellerorder": seller_order,
        "orderimport": order_import,
        "orderlinechange": line.changes.get(),
    }
    changelist = reverse(f"admin:livestreams_{model}_changelist")
    change = reverse(f"admin:livestreams_{model}_change", args=[objects[model].pk])

    assert staff_client.get(changelist).status_code == 200
    assert staff_client.get(changelist, {"q": "x"}).status_code == 200
    assert staff_client.get(change).status_code == 200


@pytest.mark.parametrize(
    "model", ["order", "orderline", "sellerorder", "orderimport", "orderlinechange"]
)
def test_what_the_services_write_cannot_be_added_changed_or_deleted_here(staff_client, model):
    line, seller_order = a_line_with_history()
    objects = {
        "order": line.order,
        "orderline": line,
        "sellerorder": seller_order,
        "orderimport": OrderImportFactory(),
        "orderlinechange": line.changes.get(),
    }
    pk = objects[model].pk
    page = staff_client.get(reverse(f"admin:livestreams_{model}_change", args=[pk]))

    assert staff_client.get(reverse(f"admin:livestreams_{model}_add")).status_code == 403
    assert 'name="_save"' not in page.content.decode()
    assert (
        staff_client.get(reverse(f"admin:livestreams_{model}_delete", args=[pk])).status_code == 403
    )


LISTS = {
    "livesession": lambda n: LiveSessionFactory(
        planned_start=EVENING + timedelta(days=n), staff_streamer=StaffUserFactory()
    ),
    "order": lambda n: OrderFactory(
        live_session=LiveSessionFactory(planned_start=EVENING + timedelta(days=n))
    ),
    "orderline": lambda n: OrderLineFactory(),
    "sellerorder": lambda n: SellerOrderFactory(),
    "orderimport": lambda n: OrderImportFactory(uploaded_by=StaffUserFactory()),
    "orderlinechange": lambda n: OrderLineChangeFactory(actor=StaffUserFactory()),
}


# session, user, staff group, permissions, counts, the page's rows, and the filters' choices
@pytest.mark.parametrize(
    ("model", "queries"),
    [
        ("livesession", 13),
        ("order", 11),
        ("orderline", 9),
        ("sellerorder", 11),
        ("orderimport", 11),
        ("orderlinechange", 12),
    ],
)
def test_each_list_runs_the_same_queries_for_one_row_and_many(
    staff_client, django_assert_num_queries, model, queries
):
    LISTS[model](0)
    url = reverse(f"admin:livestreams_{model}_changelist")
    with django_assert_num_queries(queries):
        assert staff_client.get(url).context["cl"].result_count == 1
    for n in range(1, 12):
        LISTS[model](n)
    with django_assert_num_queries(queries):
        assert staff_client.get(url).context["cl"].result_count == 12


def session_form(studio, streamer, start: datetime, hours: int = 2, **extra) -> dict:
    end = start + timedelta(hours=hours)
    return {
        "title": "巧妇好物直播",
        "studio": studio.pk,
        "streamer": streamer.pk,
        "staff_streamer": "",
        "platform": "douyin",
        "platform_account": "3069174582263041",
        "planned_start_0": start.strftime("%Y-%m-%d"),
        "planned_start_1": start.strftime("%H:%M:%S"),
        "planned_end_0": end.strftime("%Y-%m-%d"),
        "planned_end_1": end.strftime("%H:%M:%S"),
        "campaign": "",
        "notes": "",
        **extra,
    }


def test_a_session_added_in_the_admin_is_booked_with_its_products(staff_client):
    studio, streamer, product = StudioFactory(), MemberFactory(is_streamer=True), ProductFactory()
    data = session_form(studio, streamer, EVENING, featured_products=[product.pk])

    response = staff_client.post(reverse("admin:livestreams_livesession_add"), data)

    assert response.status_code == 302, admin_errors(response)
    session = LiveSession.objects.get()
    assert session.planned_start == EVENING and session.status == LiveSessionStatus.PLANNED
    assert list(session.featured_products.all()) == [product]


@pytest.mark.usefixtures("in_english")
def test_an_overlap_is_a_form_error_in_the_admin_not_a_crash(staff_client):
    studio = StudioFactory()
    streamer = MemberFactory(is_streamer=True, name="毛美儿")
    existing = LiveSessionFactory(studio=studio, planned_start=EVENING)
    busy = LiveSessionFactory(streamer=streamer, planned_start=EVENING)

    same_studio = staff_client.post(
        reverse("admin:livestreams_livesession_add"),
        session_form(studio, MemberFactory(is_streamer=True), EVENING + timedelta(hours=1)),
    )
    same_streamer = staff_client.post(
        reverse("admin:livestreams_livesession_add"),
        session_form(StudioFactory(), streamer, EVENING + timedelta(hours=1)),
    )

    assert same_studio.status_code == same_streamer.status_code == 200
    assert admin_errors(same_studio) == {
        "studio": [f"Studio {studio} is booked then for “{existing.title}”."]
    }
    assert admin_errors(same_streamer) == {
        "streamer": [f"毛美儿 is streaming then in “{busy.title}”."]
    }
    assert LiveSession.objects.count() == 2


def test_re_timing_a_session_in_the_admin_goes_through_the_same_check(staff_client):
    studio = StudioFactory()
    session = LiveSessionFactory(studio=studio, planned_start=EVENING)
    LiveSessionFactory(studio=studio, planned_start=EVENING + timedelta(hours=3))
    url = reverse("admin:livestreams_livesession_change", args=[session.pk])

    clash = staff_client.post(
        url, session_form(studio, session.streamer, EVENING + timedelta(hours=2))
    )
    moved = staff_client.post(
        url, session_form(studio, session.streamer, EVENING - timedelta(hours=3))
    )

    assert "studio" in admin_errors(clash)
    assert moved.status_code == 302
    session.refresh_from_db()
    assert session.planned_start == EVENING - timedelta(hours=3)


@pytest.mark.usefixtures("in_english")
def test_the_status_actions_go_through_the_service_and_say_what_they_refused(staff_client):
    planned = LiveSessionFactory(planned_start=EVENING)
    ended = LiveSessionFactory(planned_start=EVENING + timedelta(days=1))
    LiveSession.objects.filter(pk=ended.pk).update(status=LiveSessionStatus.ENDED)

    response = staff_client.post(
        reverse("admin:livestreams_livesession_changelist"),
        {"action": "set_live", "_selected_action": [planned.pk, ended.pk]},
    )

    planned.refresh_from_db()
    assert planned.status == LiveSessionStatus.LIVE and planned.actual_start is not None
    assert messages_of(response) == [
        "1 session changed.",
        f"{ended.title}: A session cannot go from “ended” to “live”.",
    ]


def test_sessions_are_cancelled_not_deleted(staff_client):
    session = LiveSessionFactory()
    url = reverse("admin:livestreams_livesession_delete", args=[session.pk])
    assert staff_client.get(url).status_code == 403


def test_the_status_is_not_a_field_of_the_session_form(staff_client):
    session = LiveSessionFactory()
    form = (
        staff_client.get(reverse("admin:livestreams_livesession_change", args=[session.pk]))
        .context["adminform"]
        .form
    )
    assert "status" not in form.fields and "actual_start" not in form.fields


def test_an_import_s_page_shows_its_counts_errors_and_staff_download_links(staff_client):
    order_import = OrderImportFactory(
        status=ImportStatus.COMPLETED,
        counts={"rows": 42, "orders_created": 26, "unmatched_lines": 3, "skipped_rows": 1},
        errors=[{"row": 7, "column": "商品数量", "message": "商品数量 must be at least 1: -2"}],
    )

    content = staff_client.get(
        reverse("admin:livestreams_orderimport_change", args=[order_import.pk])
    ).content.decode()

    assert reverse("staff:import_file", kwargs={"pk": order_import.pk}) in content
    assert "/media/" not in content  # the stored file leaves only through the logged download
    assert "商品数量 must be at least 1: -2" in content
    assert "<td>42</td>" in content and "<td>26</td>" in content


def test_an_unmatched_line_links_to_its_mapping_page(staff_client):
    line = OrderLineFactory(
        sku=None,
        seller=None,
        title="芋艿",
        spec="5斤",
        unit_price=1,
        line_total=1,
        merchant_code="X",
    )
    content = staff_client.get(
        reverse("admin:livestreams_orderline_changelist"), {"matched": "no"}
    ).content.decode()
    assert reverse("staff:unmatched_group", kwargs={"line_id": line.pk}) in content


def test_the_order_list_filters_by_session(staff_client):
    session = LiveSessionFactory()
    attributed = OrderFactory(live_session=session)
    OrderFactory()
    url = reverse("admin:livestreams_order_changelist")

    by_session = staff_client.get(url, {"live_session__id__exact": session.pk}).context["cl"]
    with_one = staff_client.get(url, {"attributed": "yes"}).context["cl"]

    assert list(by_session.result_list) == [attributed] == list(with_one.result_list)


def test_a_studio_is_added_and_edited_freely(staff_client):
    response = staff_client.post(
        reverse("admin:livestreams_studio_add"),
        {"number": 14, "name": "新直播间", "equipment": "补光灯", "notes": "", "is_active": "on"},
    )
    assert response.status_code == 302
