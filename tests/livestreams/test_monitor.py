"""The staff forwarding monitor and a seller order's page: tabs, actions, labels, permissions."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from livestreams import urls_monitor
from livestreams.models import (
    DeliveryAttempt,
    Notification,
    SellerOrder,
    SellerOrderEvent,
    SellerOrderStatus,
)
from livestreams.services import fulfilment, shipments
from tests.factories import (
    MemberFactory,
    OrderLineFactory,
    SellerFactory,
    SellerOrderEventFactory,
    SellerOrderFactory,
    StaffUserFactory,
)
from tests.livestreams.seller_orders import seller_order_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PDF = b"%PDF-1.4\n% a label\n"
S = SellerOrderStatus


@pytest.fixture(autouse=True)
def _staff_read_english(staff_client, settings) -> None:
    """Pages in English for assertions on messages (Chinese is the default)."""
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def failed(**fields) -> SellerOrder:
    """Forwarding gave up after every retry: the WeCom robot kept answering 503."""
    seller_order = seller_order_in(
        S.PENDING,
        problem="Forwarding failed after every retry: HTTP 503",
        problem_at=timezone.now() - timedelta(minutes=30),
        forward_attempts=6,
        **fields,
    )
    notification = Notification.objects.create(
        seller_order=seller_order,
        channel="wecom",
        kind="new_order",
        idempotency_key=f"so{seller_order.pk}:wecom:new_order:",
        attempts=6,
        last_error="HTTP 503 robot busy",
    )
    DeliveryAttempt.objects.create(
        notification=notification, outcome="retry", detail="HTTP 503 robot busy"
    )
    return seller_order


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def errors_of(form, field: str) -> list[str]:
    """A bound form's errors, in English (the request switched the language back on its way out)."""
    with translation.override("en"):
        return [str(error) for error in form.errors[field]]


def texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- Permissions, for every URL of the monitor and the shipping desk ------------------------------


def every_url() -> dict[str, tuple[str, str]]:
    """Each URL name with (method, a real URL): GET pages and downloads, POST actions."""
    seller_order = seller_order_in(S.PENDING)
    fulfilment.attach_label(
        seller_order=seller_order,
        courier="SF",
        tracking_number="SF1234567890123",
        label=SimpleUploadedFile("l.pdf", PDF),
        actor=StaffUserFactory(),
    )
    shipped = seller_order_in(S.FORWARDED, channel="taobao")
    fulfilment.ship(
        seller_order=shipped, actor=shipped.seller.user, courier="SF",
        tracking_number="SF1234567890124",
    )  # fmt: skip
    export = shipments.export_shipments(platform="taobao", actor=StaffUserFactory())
    pk = {"pk": seller_order.pk}
    return {
        "forwarding": ("get", reverse("staff:forwarding")),
        "forwarding_retry": ("post", reverse("staff:forwarding_retry")),
        "forwarding_order": ("get", reverse("staff:forwarding_order", kwargs=pk)),
        "forwarding_order_retry": ("post", reverse("staff:forwarding_order_retry", kwargs=pk)),
        "forwarding_order_reassign": (
            "post",
            reverse("staff:forwarding_order_reassign", kwargs=pk),
        ),
        "forwarding_order_cancel": ("post", reverse("staff:forwarding_order_cancel", kwargs=pk)),
        "forwarding_order_label": ("post", reverse("staff:forwarding_order_label", kwargs=pk)),
        "forwarding_order_label_file": (
            "get",
            reverse("staff:forwarding_order_label_file", kwargs=pk),
        ),
        "shipping_labels": ("get", reverse("staff:shipping_labels")),
        "shipping_labels_template_csv": ("get", reverse("staff:shipping_labels_template_csv")),
        "shipping_labels_template_xlsx": ("get", reverse("staff:shipping_labels_template_xlsx")),
        "shipping_exports": ("get", reverse("staff:shipping_exports")),
        "shipping_exports_make": (
            "post",
            reverse("staff:shipping_exports_make", kwargs={"platform": "douyin"}),
        ),
        "shipping_exports_file": (
            "get",
            reverse("staff:shipping_exports_file", kwargs={"pk": export.pk}),
        ),
    }


def test_the_permission_table_names_every_url_of_the_monitor():
    assert set(every_url()) == {pattern.name for pattern in urls_monitor.staff_patterns}


def test_anonymous_visitors_are_sent_to_log_in_everywhere(client):
    for name, (method, url) in every_url().items():
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/?next="), name


def test_a_seller_gets_403_everywhere_and_changes_nothing(seller_client):
    urls = every_url()
    events = SellerOrderEvent.objects.count()
    for name, (method, url) in urls.items():
        assert getattr(seller_client, method)(url).status_code == 403, name
    assert SellerOrderEvent.objects.count() == events


def test_staff_open_every_page_and_download(staff_client):
    for name, (method, url) in every_url().items():
        if method == "get":
            assert staff_client.get(url).status_code == 200, name


def test_actions_answer_only_posts(staff_client):
    for name, (method, url) in every_url().items():
        if method == "post":
            assert staff_client.get(url).status_code == 405, name


def test_actions_need_the_csrf_token(staff_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user, backend="alliance.auth.MobileOrUsernameBackend")
    for name, (method, url) in every_url().items():
        if method == "post":
            assert client.post(url).status_code == 403, name


# --- The tabs ------------------------------------------------------------------------------------


def test_each_tab_lists_its_seller_orders_with_counts(staff_client, settings):
    settings.REMIND_UNACKNOWLEDGED_AFTER_MINUTES = 60
    now = timezone.now()
    pending = seller_order_in(S.PENDING)
    broken = failed()
    late = seller_order_in(S.FORWARDED, forwarded_at=now - timedelta(minutes=61))
    seller_order_in(S.FORWARDED, forwarded_at=now - timedelta(minutes=59))  # not yet late
    overdue = seller_order_in(S.ACKNOWLEDGED, escalated_at=now - timedelta(hours=1))
    seller_order_in(S.SHIPPED, escalated_at=now - timedelta(hours=2))  # shipped after all
    seller_order_in(S.CANCELLED, problem="gone")  # closed: on no tab
    expected = {"pending": pending, "failed": broken, "unacknowledged": late, "overdue": overdue}
    for tab, seller_order in expected.items():
        response = staff_client.get(f"/staff/forwarding/?tab={tab}")
        assert [row.pk for row in response.context["rows"]] == [seller_order.pk], tab
        counts = {item.key: count for item, count in response.context["tabs"]}
        assert counts == {"pending": 1, "failed": 1, "unacknowledged": 1, "overdue": 1}


def test_the_failed_tab_shows_the_problem_the_tries_and_the_delivery_errors(staff_client):
    broken = failed()
    body = staff_client.get("/staff/forwarding/?tab=failed").content.decode()
    assert "Forwarding failed after every retry: HTTP 503" in body
    assert "HTTP 503 robot busy" in body
    assert f'value="{broken.pk}"' in body
    row = staff_client.get("/staff/forwarding/?tab=failed").context["rows"][0]
    assert row.forward_attempts == 6 and len(row.last_attempts) == 1


def test_the_failed_tab_shows_only_the_last_three_attempts(staff_client):
    broken = failed()
    notification = broken.notifications.get()
    for number in range(5):
        DeliveryAttempt.objects.create(
            notification=notification, outcome="retry", detail=f"HTTP 503 try {number}"
        )
    row = staff_client.get("/staff/forwarding/?tab=failed").context["rows"][0]
    assert [attempt.detail for attempt in row.last_attempts] == [
        "HTTP 503 try 4",
        "HTTP 503 try 3",
        "HTTP 503 try 2",
    ]


def test_the_pending_tab_says_how_long_each_has_waited(staff_client):
    seller_order = seller_order_in(S.PENDING)
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        created_at=timezone.now() - timedelta(minutes=42)
    )
    assert "42\xa0minutes" in staff_client.get("/staff/forwarding/?tab=pending").content.decode()


def test_an_empty_tab_says_so_and_an_unknown_tab_shows_the_failed_one(staff_client):
    response = staff_client.get("/staff/forwarding/?tab=nonsense")
    assert response.context["tab"].key == "failed"
    assert "no seller order needs a look" in response.content.decode()


def test_the_monitor_is_paginated(staff_client):
    for _ in range(51):
        seller_order_in(S.PENDING)
    first = staff_client.get("/staff/forwarding/?tab=pending")
    second = staff_client.get("/staff/forwarding/?tab=pending&page=2")
    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 1
    assert "tab=pending&amp;page=2" in first.content.decode()


@pytest.mark.parametrize("tab", ["pending", "failed", "unacknowledged", "overdue"])
def test_each_tab_runs_the_same_queries_for_one_row_and_thirty(
    staff_client, django_assert_num_queries, tab
):
    def make() -> None:
        if tab == "pending":
            seller_order_in(S.PENDING)
        elif tab == "failed":
            failed()
        elif tab == "unacknowledged":
            seller_order_in(S.FORWARDED, forwarded_at=timezone.now() - timedelta(days=1))
        else:
            seller_order_in(S.FORWARDED, escalated_at=timezone.now())

    make()
    url = f"/staff/forwarding/?tab={tab}"
    staff_client.get(url)  # warm the session
    # session, user, staff group, her member record (navigation), tab counts, rows
    # (+ the latest delivery attempts on the failed tab)
    one = 7 if tab == "failed" else 6
    with django_assert_num_queries(one):
        assert len(staff_client.get(url).context["rows"]) == 1
    for _ in range(29):
        make()
    with django_assert_num_queries(one):
        assert len(staff_client.get(url).context["rows"]) == 30


# --- Retry ---------------------------------------------------------------------------------------


def test_staff_retry_the_ticked_failed_seller_orders(
    staff_client, django_capture_on_commit_callbacks
):
    first, second = failed(), failed()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/staff/forwarding/retry/",
            {"seller_order": [first.pk, second.pk], "tab": "failed"},
            follow=True,
        )
    assert response.redirect_chain[-1][0] == "/staff/forwarding/?tab=failed"
    assert "2 seller orders sent to forwarding again." in texts(response)
    for seller_order in (first, second):
        seller_order.refresh_from_db()
        assert (seller_order.status, seller_order.problem) == (S.FORWARDED, "")


def test_retrying_one_that_moved_on_meanwhile_says_so(staff_client):
    waiting = failed()
    moved_on = seller_order_in(S.FORWARDED)
    response = staff_client.post(
        "/staff/forwarding/retry/", {"seller_order": [waiting.pk, moved_on.pk]}, follow=True
    )
    assert texts(response) == [
        "1 seller order sent to forwarding again.",
        "1 of the ticked seller orders were no longer waiting and were left alone.",
    ]
    response = staff_client.post(
        "/staff/forwarding/retry/", {"seller_order": [moved_on.pk]}, follow=True
    )
    assert texts(response) == [
        "Nothing to retry: these seller orders are no longer waiting to be forwarded."
    ]


def test_retrying_nothing_ticked_or_garbage_is_refused(staff_client):
    response = staff_client.post("/staff/forwarding/retry/", {"tab": "failed"}, follow=True)
    assert texts(response) == ["Tick at least one seller order."]
    response = staff_client.post("/staff/forwarding/retry/", {"seller_order": "x"}, follow=True)
    assert texts(response) == ["Tick seller orders from the list."]
    too_many = {"seller_order": [str(n) for n in range(1, 502)]}
    response = staff_client.post("/staff/forwarding/retry/", too_many, follow=True)
    assert texts(response) == ["Retry at most 500 seller orders at a time."]


def test_staff_retry_one_from_its_page(staff_client, django_capture_on_commit_callbacks):
    broken = failed()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/staff/forwarding/{broken.pk}/retry/", follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/forwarding/{broken.pk}/"
    assert "1 seller order sent to forwarding again." in texts(response)
    broken.refresh_from_db()
    assert broken.status == S.FORWARDED


# --- Reassign and cancel -------------------------------------------------------------------------


def test_staff_give_a_seller_order_to_another_seller(staff_client, staff_user):
    seller_order = seller_order_in(S.FORWARDED)
    other = SellerFactory(name="胡巧英")
    response = staff_client.post(
        f"/staff/forwarding/{seller_order.pk}/reassign/",
        {"to_seller": other.pk, "reason": "她那边缺货"},
        follow=True,
    )
    target = SellerOrder.objects.get(order=seller_order.order, seller=other)
    assert response.redirect_chain[-1][0] == f"/staff/forwarding/{target.pk}/"
    assert "The order now goes to 胡巧英; she is being told." in texts(response)
    seller_order.refresh_from_db()
    assert seller_order.status == S.CANCELLED
    event = seller_order.events.get()
    assert event.actor == staff_user and "她那边缺货" in event.reason
    assert target.lines.count() == 1


def test_reassigning_needs_a_reason_and_an_active_seller(staff_client):
    seller_order = seller_order_in(S.FORWARDED)
    other = SellerFactory()
    suspended = MemberFactory(is_seller=True, status="suspended")
    url = f"/staff/forwarding/{seller_order.pk}/reassign/"
    response = staff_client.post(url, {"to_seller": other.pk, "reason": " "})
    assert errors_of(response.context["reassign_form"], "reason") == ["This field is required."]
    response = staff_client.post(url, {"to_seller": suspended.pk, "reason": "x"})
    assert "to_seller" in response.context["reassign_form"].errors
    choices = [
        choice for choice, _label in response.context["reassign_form"].fields["to_seller"].choices
    ]
    assert suspended.pk not in [getattr(c, "value", c) for c in choices]
    seller_order.refresh_from_db()
    assert seller_order.status == S.FORWARDED


def test_reassigning_a_shipped_order_shows_the_services_refusal(staff_client):
    seller_order = seller_order_in(S.SHIPPED)
    other = SellerFactory()
    response = staff_client.post(
        f"/staff/forwarding/{seller_order.pk}/reassign/", {"to_seller": other.pk, "reason": "x"}
    )
    assert response.status_code == 200
    assert "Only an order not yet shipped can be given to another seller." in (
        response.content.decode()
    )
    assert not SellerOrder.objects.filter(seller=other).exists()


def test_reassigning_to_a_seller_already_busy_with_the_order_is_refused(staff_client):
    seller_order = seller_order_in(S.FORWARDED)
    busy = SellerFactory()
    SellerOrderFactory(order=seller_order.order, seller=busy, status=S.ACKNOWLEDGED)
    response = staff_client.post(
        f"/staff/forwarding/{seller_order.pk}/reassign/", {"to_seller": busy.pk, "reason": "x"}
    )
    assert "She already has a part of this order in progress." in response.content.decode()
    seller_order.refresh_from_db()
    assert seller_order.status == S.FORWARDED


def test_staff_cancel_with_a_reason(staff_client, staff_user):
    seller_order = seller_order_in(S.ACKNOWLEDGED)
    url = f"/staff/forwarding/{seller_order.pk}/cancel/"
    response = staff_client.post(url, {"reason": ""})
    assert errors_of(response.context["cancel_form"], "reason") == ["This field is required."]
    response = staff_client.post(url, {"reason": "买家电话取消"}, follow=True)
    assert "The seller order is cancelled." in texts(response)
    seller_order.refresh_from_db()
    assert seller_order.status == S.CANCELLED
    assert seller_order.events.get().reason == "买家电话取消"


def test_cancelling_a_shipped_order_shows_the_services_refusal(staff_client):
    seller_order = seller_order_in(S.SHIPPED)
    response = staff_client.post(f"/staff/forwarding/{seller_order.pk}/cancel/", {"reason": "x"})
    assert "cannot go from “shipped” to “cancelled”" in response.content.decode()
    seller_order.refresh_from_db()
    assert seller_order.status == S.SHIPPED


def test_an_unknown_seller_order_is_404(staff_client):
    assert staff_client.get("/staff/forwarding/999999/").status_code == 404
    assert staff_client.post("/staff/forwarding/999999/cancel/", {"reason": "x"}).status_code == 404


# --- A seller order's page -----------------------------------------------------------------------


def test_the_page_shows_everything_staff_need_and_is_not_stored(staff_client):
    seller_order = seller_order_in(
        S.PENDING,
        order_recipient_name="张小红",
        order_recipient_mobile="13912345678",
        order_recipient_address="萧王庙街道青云村12号",
        problem="SMS refused the message: HTTP 401",
        problem_at=timezone.now(),
    )
    SellerOrderEventFactory(seller_order=seller_order, from_status="", to_status="pending",
                            reason="imported")  # fmt: skip
    notification = Notification.objects.create(
        seller_order=seller_order, channel="sms", kind="new_order", idempotency_key="k1",
        status="failed", last_error="HTTP 401",
    )  # fmt: skip
    DeliveryAttempt.objects.create(notification=notification, outcome="failed", detail="HTTP 401")
    response = staff_client.get(f"/staff/forwarding/{seller_order.pk}/")
    body = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    for text in [
        "张小红",
        "13912345678",
        "萧王庙街道青云村12号",
        seller_order.seller.name,
        seller_order.lines.get().title,
        "SMS refused the message: HTTP 401",
        "imported",
        "HTTP 401",
        "Attach the label",
        "Retry forwarding",
        "Reassign",
    ]:
        assert text in body, text


def test_the_page_runs_the_same_queries_however_long_its_history(
    staff_client, django_assert_num_queries
):
    seller_order = seller_order_in(S.FORWARDED)
    staff = StaffUserFactory()

    def add_history(number: int) -> None:
        SellerOrderEventFactory(seller_order=seller_order, actor=staff, to_status="forwarded")
        notification = Notification.objects.create(
            seller_order=seller_order, channel="dashboard", kind="reminder",
            reference=str(number), idempotency_key=f"k{number}",
        )  # fmt: skip
        DeliveryAttempt.objects.create(notification=notification, outcome="sent")
        SellerOrderFactory(order=seller_order.order, seller=SellerFactory())

    add_history(0)
    url = f"/staff/forwarding/{seller_order.pk}/"
    staff_client.get(url)
    # session, user, staff group, her member record (navigation), seller order, lines, events,
    # notifications, attempts, other parts of the order, sellers to reassign to
    with django_assert_num_queries(11):
        staff_client.get(url)
    for number in range(1, 7):
        seller = seller_order.seller
        OrderLineFactory(
            order=seller_order.order, seller_order=seller_order, seller=seller,
            sku__product__seller=seller,
        )  # fmt: skip
        add_history(number)
    with django_assert_num_queries(11):
        response = staff_client.get(url)
    assert len(response.context["lines"]) == 7 and len(response.context["others"]) == 7


def test_an_own_channel_order_has_no_label_form(staff_client):
    seller_order = seller_order_in(S.FORWARDED, channel="miniprogram")
    response = staff_client.get(f"/staff/forwarding/{seller_order.pk}/")
    assert response.context["label_form"] is None
    assert "ships it with her own courier" in response.content.decode()


# --- Labels, one by one ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [("label.pdf", PDF), ("label.png", png_bytes()), ("label.jpg", jpeg_bytes())],
)
def test_staff_attach_a_label_as_pdf_png_or_jpeg(staff_client, name, content):
    seller_order = seller_order_in(S.FORWARDED)
    response = staff_client.post(
        f"/staff/forwarding/{seller_order.pk}/label/",
        {"courier": "SF", "tracking_number": "sf 1234 5678 90123",
         "label": SimpleUploadedFile(name, content)},
        follow=True,
    )  # fmt: skip
    assert "The label is attached; the seller sees it in her desk." in texts(response)
    seller_order.refresh_from_db()
    assert (seller_order.courier, seller_order.tracking_number) == ("SF", "SF1234567890123")
    assert seller_order.label.read() == content
    assert seller_order.status == S.FORWARDED  # she still hands it over herself


def test_a_label_without_a_file_keeps_courier_and_number(staff_client):
    seller_order = seller_order_in(S.ACKNOWLEDGED)
    staff_client.post(
        f"/staff/forwarding/{seller_order.pk}/label/",
        {"courier": "JT", "tracking_number": "JT1234567890123"},
    )
    seller_order.refresh_from_db()
    assert (seller_order.courier, seller_order.tracking_number, seller_order.label.name) == (
        "JT",
        "JT1234567890123",
        "",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"courier": "", "tracking_number": "SF1234567890123"}, "courier",
         "This field is required."),
        ({"courier": "XX", "tracking_number": "SF1234567890123"}, "courier",
         "Select a valid choice. XX is not one of the available choices."),
        ({"courier": "YTO", "tracking_number": "SF1234567890123"}, "tracking_number",
         "This does not look like a 圆通速递 tracking number (for example YT1234567890123)."),
        ({"courier": "SF", "tracking_number": "SF1234567890123",
          "label": SimpleUploadedFile("label.pdf", b"<html>not a label</html>")}, "label",
         "A label must be a PDF, PNG or JPEG file."),
        ({"courier": "SF", "tracking_number": "SF1234567890123",
          "label": SimpleUploadedFile("label.pdf", PDF + b"0" * (5 * 1024 * 1024))}, "label",
         "A label file is at most 5 MB."),
    ],
)  # fmt: skip
def test_a_wrong_label_is_refused_next_to_its_field(staff_client, data, field, message):
    seller_order = seller_order_in(S.FORWARDED)
    response = staff_client.post(f"/staff/forwarding/{seller_order.pk}/label/", data)
    assert response.status_code == 200
    assert errors_of(response.context["label_form"], field) == [message]
    seller_order.refresh_from_db()
    assert (seller_order.tracking_number, seller_order.label.name) == ("", "")


@pytest.mark.parametrize(
    ("status", "channel", "message"),
    [
        (S.SHIPPED, "douyin", "This parcel has already been shipped."),
        (S.CANCELLED, "douyin", "This seller order was cancelled."),
        (S.FORWARDED, "courtyard_qr", "The seller ships orders of our own channels herself."),
    ],
)
def test_a_label_for_a_closed_or_own_channel_order_is_refused(
    staff_client, status, channel, message
):
    seller_order = seller_order_in(status, channel=channel)
    response = staff_client.post(
        f"/staff/forwarding/{seller_order.pk}/label/",
        {"courier": "SF", "tracking_number": "SF1234567890123"},
        follow=True,
    )
    assert texts(response) == [message]
    seller_order.refresh_from_db()
    assert seller_order.tracking_number == ""


def test_the_label_can_be_replaced_before_it_ships(staff_client):
    seller_order = seller_order_in(S.FORWARDED)
    url = f"/staff/forwarding/{seller_order.pk}/label/"
    staff_client.post(url, {"courier": "SF", "tracking_number": "SF1234567890123",
                            "label": SimpleUploadedFile("a.pdf", PDF)})  # fmt: skip
    staff_client.post(url, {"courier": "YTO", "tracking_number": "YT1234567890123",
                            "label": SimpleUploadedFile("b.png", png_bytes())})  # fmt: skip
    seller_order.refresh_from_db()
    assert seller_order.tracking_number == "YT1234567890123"
    assert seller_order.label.name.endswith(".png")
    assert (
        "Replace the label"
        in staff_client.get(f"/staff/forwarding/{seller_order.pk}/").content.decode()
    )
