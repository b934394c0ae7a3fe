"""After-sales tickets: opening (by staff and from an import), the transition map and its
events, notes and the seller's answers, resolving with refunds that flow into the figures, the
desk pages with constant queries, and a seller who sees only the tickets on her own orders."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from alliance.reports.selectors import Period, sales_totals
from livestreams.models import (
    AfterSalesStatus,
    AfterSalesTicket,
    LineStatus,
    Notification,
    NotificationChannel,
    NotificationKind,
    OrderLine,
    OrderLineChange,
    SellerOrderStatus,
    TicketEvent,
    TicketKind,
    TicketLine,
    TicketNote,
    TicketSource,
    TicketStatus,
)
from livestreams.services import aftersales
from livestreams.services.imports import import_files
from tests.conftest import logged_in_client
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    SellerFactory,
    SellerOrderFactory,
)
from tests.livestreams.conftest import open_files

pytestmark = pytest.mark.django_db

T = TicketStatus


def parcel(seller, *, lines: int = 1, price: str = "80.00", status=SellerOrderStatus.FORWARDED):
    """A seller order of hers (paid today) with its lines at this price."""
    order = OrderFactory(paid_amount=Decimal(price) * lines)
    seller_order = SellerOrderFactory(order=order, seller=seller, status=status)
    for _ in range(lines):
        OrderLineFactory(
            order=order,
            seller_order=seller_order,
            seller=seller,
            sku__product__seller=seller,
            sku__price=Decimal(price),
        )
    return seller_order


def ticket_on(seller_order, staff, kind=TicketKind.REFUND_ONLY, **extra) -> AfterSalesTicket:
    return aftersales.open_ticket(
        kind=kind,
        subject="买家说草莓压坏了",
        lines=list(seller_order.lines.all()),
        description="收到时有三颗压坏",
        actor=staff,
        **extra,
    )


# --- Opening ------------------------------------------------------------------------------------


def test_staff_open_a_ticket_on_lines_and_the_seller_is_told(
    seller, staff_user, django_capture_on_commit_callbacks
):
    seller_order = parcel(seller, lines=2)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_on(seller_order, staff_user)
    assert ticket.status == T.OPEN
    assert ticket.seller == seller and ticket.seller_order == seller_order
    assert ticket.order == seller_order.order
    assert ticket.ticket_lines.filter(is_open=True).count() == 2
    assert list(ticket.events.values_list("from_status", "to_status")) == [("", T.OPEN)]
    assert ticket.due_at > timezone.now() + timedelta(hours=23)
    notice = Notification.objects.get(seller_order=seller_order, kind=NotificationKind.AFTER_SALES)
    assert notice.channel == NotificationChannel.DASHBOARD
    assert notice.reference == f"t{ticket.pk}-open"


def test_a_line_has_at_most_one_open_ticket(seller, staff_user, english):
    seller_order = parcel(seller)
    first = ticket_on(seller_order, staff_user)
    with pytest.raises(ValidationError) as error:
        ticket_on(seller_order, staff_user, kind=TicketKind.COMPLAINT)
    assert f"#{first.pk}" in str(error.value)
    assert AfterSalesTicket.objects.count() == 1


def test_the_database_refuses_a_second_open_ticket_on_a_line(seller, staff_user):
    from django.db import IntegrityError, transaction

    seller_order = parcel(seller)
    ticket = ticket_on(seller_order, staff_user)
    other = AfterSalesTicket.objects.create(
        kind=TicketKind.ENQUIRY, subject="x", due_at=timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketLine.objects.create(ticket=other, line=ticket.ticket_lines.get().line)


@pytest.mark.parametrize(
    ("kind", "subject", "with_lines", "field"),
    [
        (TicketKind.REFUND_ONLY, "退款", False, "lines"),
        (TicketKind.EXCHANGE, "换货", False, "lines"),
        ("gift", "礼品", True, "kind"),
        (TicketKind.COMPLAINT, "   ", True, "subject"),
    ],
)
def test_opening_refuses_what_is_missing(seller, staff_user, kind, subject, with_lines, field):
    seller_order = parcel(seller)
    lines = list(seller_order.lines.all()) if with_lines else []
    with pytest.raises(ValidationError) as error:
        aftersales.open_ticket(kind=kind, subject=subject, lines=lines, actor=staff_user)
    assert field in error.value.message_dict
    assert not AfterSalesTicket.objects.exists()


def test_lines_of_two_sellers_need_two_tickets(seller, other_seller, staff_user, english):
    mine, theirs = parcel(seller), parcel(other_seller)
    lines = [*mine.lines.all(), *theirs.lines.all()]
    with pytest.raises(ValidationError) as error:
        aftersales.open_ticket(
            kind=TicketKind.RETURN_REFUND, subject="退货", lines=lines, actor=staff_user
        )
    assert "one ticket for each" in str(error.value)


def test_an_enquiry_without_an_order_is_staff_only(staff_user):
    ticket = aftersales.open_ticket(
        kind=TicketKind.ENQUIRY, subject="草莓什么时候上市？", actor=staff_user
    )
    assert ticket.seller is None and ticket.order is None
    with pytest.raises(ValidationError):
        aftersales.add_staff_note(ticket=ticket, actor=staff_user, text="回复", is_internal=False)


# --- The transition map -------------------------------------------------------------------------


def test_every_change_writes_an_event_and_follows_the_map(seller, staff_user):
    ticket = ticket_on(parcel(seller), staff_user, kind=TicketKind.COMPLAINT)
    aftersales.take(ticket=ticket, actor=staff_user)
    aftersales.resolve(ticket=ticket, actor=staff_user, resolution="道歉并补发优惠券")
    aftersales.close(ticket=ticket, actor=staff_user)
    ticket.refresh_from_db()
    assert ticket.owner == staff_user
    assert list(ticket.events.values_list("from_status", "to_status")) == [
        ("", T.OPEN),
        (T.OPEN, T.IN_PROGRESS),
        (T.IN_PROGRESS, T.RESOLVED),
        (T.RESOLVED, T.CLOSED),
    ]
    with pytest.raises(ValidationError):
        aftersales.reopen(ticket=ticket, actor=staff_user, reason="again")
    assert not TicketLine.objects.filter(ticket=ticket, is_open=True).exists()


def test_the_same_status_is_a_no_op_and_a_jump_not_in_the_map_is_refused(seller, staff_user):
    ticket = ticket_on(parcel(seller), staff_user, kind=TicketKind.COMPLAINT)
    aftersales.transition(ticket=ticket, to_status=T.OPEN, actor=staff_user)
    assert ticket.events.count() == 1
    aftersales.close(ticket=ticket, actor=staff_user)
    with pytest.raises(ValidationError) as error:
        aftersales.transition(ticket=ticket, to_status=T.IN_PROGRESS, actor=staff_user)
    assert error.value.code == "invalid_transition"


def test_reopening_needs_a_reason_and_the_line_free(seller, staff_user):
    seller_order = parcel(seller)
    ticket = ticket_on(seller_order, staff_user, kind=TicketKind.COMPLAINT)
    aftersales.decline(ticket=ticket, actor=staff_user, reason="照片显示完好")
    with pytest.raises(ValidationError):
        aftersales.reopen(ticket=ticket, actor=staff_user, reason=" ")
    newer = ticket_on(seller_order, staff_user, kind=TicketKind.ENQUIRY)
    with pytest.raises(ValidationError) as error:
        aftersales.reopen(ticket=ticket, actor=staff_user, reason="买家又来电")
    assert error.value.code == "line_has_ticket"
    aftersales.close(ticket=newer, actor=staff_user)
    aftersales.reopen(ticket=ticket, actor=staff_user, reason="买家又来电")
    assert TicketLine.objects.get(ticket=ticket).is_open


# --- Resolving with a refund --------------------------------------------------------------------


def test_resolving_a_refund_records_it_on_the_line_and_in_every_figure(seller, staff_user):
    seller_order = parcel(seller, lines=2, price="80.00")
    first, second = seller_order.lines.order_by("pk")
    today = timezone.localdate()
    period = Period(today, today)
    before = sales_totals(period)
    ticket = ticket_on(seller_order, staff_user)
    aftersales.resolve(
        ticket=ticket,
        actor=staff_user,
        resolution="部分退款",
        refunds={first.pk: Decimal("30.00"), second.pk: Decimal("0")},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.refunded_amount == Decimal("30.00")
    assert first.after_sales_status == AfterSalesStatus.REFUNDED
    assert second.refunded_amount == 0 and second.after_sales_status == AfterSalesStatus.NONE
    ticket.refresh_from_db()
    assert ticket.status == T.RESOLVED and ticket.refund_total == Decimal("30.00")
    assert TicketLine.objects.get(ticket=ticket, line=first).refund_amount == Decimal("30.00")
    changes = OrderLineChange.objects.filter(line=first).values_list("field", "to_value")
    assert set(changes) == {("refunded_amount", "30.00"), ("after_sales_status", "refunded")}
    after = sales_totals(period)
    assert after["gross"] == before["gross"] == Decimal("160.00")
    assert after["refunds"] == Decimal("30.00")
    assert after["net"] == Decimal("130.00")


@pytest.mark.parametrize(
    ("amount", "code"),
    [("80.01", "too_much"), ("-1.00", "bad_amount"), ("1.001", "bad_amount")],
)
def test_a_refund_is_never_more_than_is_left_nor_negative(seller, staff_user, amount, code):
    seller_order = parcel(seller, price="80.00")
    line = seller_order.lines.get()
    ticket = ticket_on(seller_order, staff_user)
    with pytest.raises(ValidationError) as error:
        aftersales.resolve(
            ticket=ticket, actor=staff_user, resolution="退款", refunds={line.pk: Decimal(amount)}
        )
    assert error.value.code == code
    line.refresh_from_db()
    assert line.refunded_amount == 0
    assert AfterSalesTicket.objects.get().status == T.OPEN


def test_a_refund_ticket_needs_an_amount_and_others_take_none(seller, staff_user):
    seller_order = parcel(seller)
    line = seller_order.lines.get()
    refund = ticket_on(seller_order, staff_user)
    with pytest.raises(ValidationError) as error:
        aftersales.resolve(ticket=refund, actor=staff_user, resolution="退款")
    assert error.value.code == "no_refund"
    with pytest.raises(ValidationError) as error:
        aftersales.resolve(ticket=refund, actor=staff_user, resolution=" ")
    aftersales.close(ticket=refund, actor=staff_user)
    exchange = ticket_on(seller_order, staff_user, kind=TicketKind.EXCHANGE)
    with pytest.raises(ValidationError) as error:
        aftersales.resolve(
            ticket=exchange, actor=staff_user, resolution="换", refunds={line.pk: Decimal("5")}
        )
    assert error.value.code == "not_refund"


def test_a_full_refund_before_shipping_cancels_the_sellers_part(seller, staff_user):
    seller_order = parcel(seller, price="50.00")
    line = seller_order.lines.get()
    ticket = ticket_on(seller_order, staff_user)
    aftersales.resolve(
        ticket=ticket, actor=staff_user, resolution="全额退款", refunds={line.pk: Decimal("50.00")}
    )
    seller_order.refresh_from_db()
    assert seller_order.status == SellerOrderStatus.CANCELLED


def test_a_refund_on_top_of_an_earlier_one_adds_up_to_the_line_total_at_most(seller, staff_user):
    seller_order = parcel(seller, price="50.00")
    line = seller_order.lines.get()
    ticket = ticket_on(seller_order, staff_user)
    aftersales.resolve(
        ticket=ticket, actor=staff_user, resolution="先退20", refunds={line.pk: Decimal("20.00")}
    )
    aftersales.reopen(ticket=ticket, actor=staff_user, reason="又坏了")
    with pytest.raises(ValidationError):
        aftersales.resolve(
            ticket=ticket, actor=staff_user, resolution="再退", refunds={line.pk: Decimal("30.01")}
        )
    aftersales.resolve(
        ticket=ticket, actor=staff_user, resolution="再退30", refunds={line.pk: Decimal("30.00")}
    )
    line.refresh_from_db()
    ticket.refresh_from_db()
    assert line.refunded_amount == Decimal("50.00") == ticket.refund_total


# --- Notes and the seller's answers -------------------------------------------------------------


def test_asking_the_seller_waits_for_her_and_her_answer_hands_it_back(
    seller, staff_user, django_capture_on_commit_callbacks
):
    seller_order = parcel(seller)
    ticket = ticket_on(seller_order, staff_user)
    aftersales.take(ticket=ticket, actor=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        aftersales.add_staff_note(
            ticket=ticket,
            actor=staff_user,
            text="请问发货时是否有冰袋？",
            is_internal=False,
            ask_seller=True,
        )
    ticket.refresh_from_db()
    assert ticket.status == T.WAITING_SELLER
    notice = Notification.objects.get(kind=NotificationKind.AFTER_SALES)
    assert notice.reference == f"t{ticket.pk}-n{ticket.notes.get().pk}"
    aftersales.seller_reply(ticket=ticket, member=seller, text="有的，放了两个冰袋。")
    ticket.refresh_from_db()
    assert ticket.status == T.IN_PROGRESS
    assert ticket.events.last().reason == gettext("the seller answered")
    assert list(ticket.notes.values_list("author_role", flat=True)) == ["staff", "seller"]


def test_a_note_must_say_something_and_an_internal_note_cannot_ask_the_seller(seller, staff_user):
    ticket = ticket_on(parcel(seller), staff_user)
    with pytest.raises(ValidationError):
        aftersales.add_staff_note(ticket=ticket, actor=staff_user, text="  ", is_internal=True)
    with pytest.raises(ValidationError):
        aftersales.add_staff_note(
            ticket=ticket, actor=staff_user, text="x" * 2001, is_internal=True
        )
    with pytest.raises(ValidationError):
        aftersales.add_staff_note(
            ticket=ticket, actor=staff_user, text="问", is_internal=True, ask_seller=True
        )
    assert not TicketNote.objects.exists()


def test_a_seller_cannot_answer_another_sellers_ticket_or_a_closed_one(
    seller, other_seller, staff_user
):
    ticket = ticket_on(parcel(seller), staff_user)
    with pytest.raises(ValidationError):
        aftersales.seller_reply(ticket=ticket, member=other_seller, text="不是我的")
    aftersales.close(ticket=ticket, actor=staff_user)
    with pytest.raises(ValidationError):
        aftersales.seller_reply(ticket=ticket, member=seller, text="晚了")


# --- From an import -----------------------------------------------------------------------------


def _import(path: str) -> None:
    files = open_files([path])
    try:
        import_files(files, loader="orm")
    finally:
        for _name, handle in files:
            handle.close()


REFUNDING_LINE = "4951858887308926650"  # 退款中 in the first export, 退款成功 in the second


def test_a_line_entering_after_sales_in_an_import_opens_one_ticket_once(sample_catalogue):
    _import("douyin/douyin_orders_20220907.csv")
    ticket = AfterSalesTicket.objects.get()
    assert ticket.source == TicketSource.IMPORT
    assert ticket.kind == TicketKind.REFUND_ONLY
    assert list(ticket.ticket_lines.values_list("line__line_key", flat=True)) == [REFUNDING_LINE]
    assert "退款中" in ticket.description
    assert ticket.seller is not None
    _import("douyin/douyin_orders_20220907.csv")
    assert AfterSalesTicket.objects.count() == 1


def test_the_platform_refunding_the_line_resolves_its_ticket_with_the_platforms_amount(
    sample_catalogue,
):
    _import("douyin/douyin_orders_20220907.csv")
    _import("douyin/douyin_orders_20220913.csv")
    line = OrderLine.objects.get(line_key=REFUNDING_LINE)
    ticket = AfterSalesTicket.objects.get(ticket_lines__line=line)
    assert ticket.status == T.RESOLVED
    assert line.status == LineStatus.CLOSED
    assert line.after_sales_status == AfterSalesStatus.REFUNDED
    assert line.refunded_amount == line.line_total
    assert ticket.refund_total == 0  # recorded by the import, not added a second time
    assert not TicketLine.objects.filter(line=line, is_open=True).exists()
    assert TicketEvent.objects.filter(ticket=ticket, to_status=T.RESOLVED, actor=None).exists()
    # The second export has another line newly in after-sales: it gets its own ticket.
    assert AfterSalesTicket.objects.filter(status=T.OPEN).count() == 1


# --- The desk (staff) ---------------------------------------------------------------------------


def test_the_desk_runs_the_same_queries_for_one_ticket_and_for_many(staff_client, staff_user):
    seller = SellerFactory()
    ticket_on(parcel(seller), staff_user)
    url = reverse("staff:aftersales")
    staff_client.get(url)  # warm the session and the staff-group lookup
    with CaptureQueriesContext(connection) as one:
        assert staff_client.get(url).status_code == 200
    for _ in range(12):
        ticket_on(parcel(SellerFactory()), staff_user)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url, {"q": "", "kind": ""})
    assert response.status_code == 200
    assert len(many) == len(one)
    assert response.content.decode().count("买家说草莓压坏了") == 13


def test_desk_tabs_and_filters(staff_client, staff_user):
    seller = SellerFactory(name="林夏女")
    mine = ticket_on(parcel(seller), staff_user, owner=staff_user)
    late = ticket_on(parcel(SellerFactory()), staff_user, kind=TicketKind.COMPLAINT)
    AfterSalesTicket.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    url = reverse("staff:aftersales")
    overdue = staff_client.get(url, {"tab": "overdue"}).content.decode()
    assert f"#{late.pk}<" in overdue and f"#{mine.pk}<" not in overdue
    by_seller = staff_client.get(url, {"q": "林夏女"}).content.decode()
    assert f"#{mine.pk}<" in by_seller and f"#{late.pk}<" not in by_seller
    complaints = staff_client.get(url, {"kind": "complaint"}).content.decode()
    assert f"#{late.pk}<" in complaints and f"#{mine.pk}<" not in complaints
    by_order = staff_client.get(url, {"q": mine.order.platform_order_id}).content.decode()
    assert f"#{mine.pk}<" in by_order


def test_staff_open_a_ticket_from_the_page(staff_client, staff_user):
    seller_order = parcel(SellerFactory(), lines=2)
    line = seller_order.lines.first()
    url = reverse("staff:aftersales_new")
    page = staff_client.get(url, {"order": seller_order.order.platform_order_id})
    assert page.status_code == 200 and line.title in page.content.decode()
    response = staff_client.post(
        url,
        {
            "order": seller_order.order.platform_order_id,
            "kind": TicketKind.RETURN_REFUND,
            "lines": [line.pk],
            "subject": "退货退款",
            "description": "尺码不对",
        },
    )
    ticket = AfterSalesTicket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:aftersales_ticket", args=[ticket.pk])
    assert ticket.owner == staff_user
    assert list(ticket.ticket_lines.values_list("line_id", flat=True)) == [line.pk]


def test_the_open_page_shows_errors_next_to_the_fields(staff_client):
    seller_order = parcel(SellerFactory())
    response = staff_client.post(
        reverse("staff:aftersales_new"),
        {"order": seller_order.order.platform_order_id, "kind": "refund_only", "subject": ""},
    )
    assert response.status_code == 400
    assert response.content.decode().count("has-error") == 1  # the subject
    response = staff_client.post(
        reverse("staff:aftersales_new"),
        {"order": seller_order.order.platform_order_id, "kind": "refund_only", "subject": "退"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert '<fieldset class="field has-error">' in body  # the lines: none ticked
    assert not AfterSalesTicket.objects.exists()


def test_the_ticket_page_and_its_actions(staff_client, staff_user):
    seller_order = parcel(SellerFactory(), price="60.00")
    line = seller_order.lines.get()
    ticket = ticket_on(seller_order, staff_user)
    url = reverse("staff:aftersales_ticket", args=[ticket.pk])
    staff_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(url).status_code == 200
    assert len(queries) <= 12
    staff_client.post(reverse("staff:aftersales_take", args=[ticket.pk]))
    staff_client.post(
        reverse("staff:aftersales_note", args=[ticket.pk]),
        {"text": "内部：联系物流核实", "is_internal": "on"},
    )
    bad = staff_client.post(
        reverse("staff:aftersales_resolve", args=[ticket.pk]),
        {"resolution": "退款", f"refund_{line.pk}": "61.00"},
    )
    assert bad.status_code == 400
    staff_client.post(
        reverse("staff:aftersales_resolve", args=[ticket.pk]),
        {"resolution": "退款 60 元", f"refund_{line.pk}": "60.00"},
    )
    ticket.refresh_from_db()
    line.refresh_from_db()
    assert ticket.status == T.RESOLVED and line.refunded_amount == Decimal("60.00")
    assert ticket.notes.get().is_internal


def test_staff_pages_are_for_staff_only(seller_client, client):
    url = reverse("staff:aftersales")
    assert seller_client.get(url).status_code == 403
    assert client.get(url).status_code == 302


# --- The seller's side --------------------------------------------------------------------------


def test_she_sees_her_tickets_without_internal_notes_and_answers(seller, staff_user):
    ticket = ticket_on(parcel(seller), staff_user)
    aftersales.add_staff_note(ticket=ticket, actor=staff_user, text="内部备注XYZ", is_internal=True)
    aftersales.add_staff_note(
        ticket=ticket, actor=staff_user, text="请确认发货重量", is_internal=False, ask_seller=True
    )
    client = logged_in_client(seller.user)
    listing = client.get(reverse("seller:aftersales")).content.decode()
    assert reverse("seller:aftersales_ticket", args=[ticket.pk]) in listing
    page = client.get(reverse("seller:aftersales_ticket", args=[ticket.pk])).content.decode()
    assert "请确认发货重量" in page and "内部备注XYZ" not in page
    response = client.post(reverse("seller:aftersales_reply", args=[ticket.pk]), {"text": "两斤整"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == T.IN_PROGRESS
    empty = client.post(reverse("seller:aftersales_reply", args=[ticket.pk]), {"text": " "})
    assert empty.status_code == 400


def test_her_list_runs_the_same_queries_for_one_ticket_and_many(seller, staff_user):
    client = logged_in_client(seller.user)
    ticket_on(parcel(seller), staff_user)
    url = reverse("seller:aftersales")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(8):
        ticket_on(parcel(seller), staff_user)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(one)
    assert response.content.decode().count('class="link-row"') == 9


def test_another_sellers_ticket_is_not_found_on_every_seller_url(seller, staff_user):
    """Every after-sales URL of the seller face, enumerated, answers 404 to another seller's
    ticket, by GET and by POST, and changes nothing."""
    from django.urls import get_resolver

    theirs = ticket_on(parcel(SellerFactory()), staff_user)
    client = logged_in_client(seller.user)
    _prefix, resolver = get_resolver().namespace_dict["seller"]
    names = [
        p.name
        for p in resolver.url_patterns
        if getattr(p, "name", "") and "ticket_id" in p.pattern.regex.groupindex
    ]
    assert {"aftersales_ticket", "aftersales_reply"} <= set(names)
    before = list(TicketNote.objects.values_list("pk", flat=True))
    for name in names:
        url = reverse(f"seller:{name}", kwargs={"ticket_id": theirs.pk})
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"text": "偷看"}).status_code == 404, url
    assert list(TicketNote.objects.values_list("pk", flat=True)) == before
    theirs.refresh_from_db()
    assert theirs.status == T.OPEN
