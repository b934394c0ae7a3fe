"""Design visits: the booking form with the designer's free times, the reference on screen and
by SMS, the designer told, and her confirming, moving or cancelling with the visitor told."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from courtyards import selectors
from courtyards.models import (
    BookingNotification,
    BookingStatus,
    DesignVisitBooking,
    VisitSlot,
)
from courtyards.services import notifications, visits
from tests.conftest import logged_in_client
from tests.courtyards.conftest import token_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)  # a Tuesday morning
VISITOR = {
    "name": "王小红",
    "mobile": "13912345678",
    "address": "奉化区岳林街道中山路88号",
    "area": "60",
    "note": "院子朝南",
}


@pytest.fixture(autouse=True)
def _fixed_time():
    with time_machine.travel(NOW, tick=True):
        yield


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def english_client(**kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies["django_language"] = "en"
    return client


def book_form(client: Client, token: str) -> dict[str, str]:
    html = client.get(f"/q/{token}/book").content.decode()
    return {"client_key": re.search(r'name="client_key" value="([^"]+)"', html).group(1)}


def book(design, starts_at: datetime, mobile: str = "13912345678") -> DesignVisitBooking:
    visitor = visits.Visitor("王小红", mobile, "奉化区中山路88号", Decimal("60"))
    return visits.book_visit(design=design, starts_at=starts_at, visitor=visitor)[0]


def test_free_times_start_after_the_lead_time_and_skip_days_off(designer):
    visits.add_day_off(designer=designer, day=date(2026, 12, 3))
    slots = selectors.free_slots(designer.pk)
    starts = [slot.starts_at for slot in slots]
    assert starts[:3] == [
        at(date(2026, 12, 2), 9),
        at(date(2026, 12, 2), 14),
        at(date(2026, 12, 4), 9),
    ]
    assert at(date(2026, 12, 1), 14) not in starts  # within twelve hours
    assert max(starts) <= at(date(2026, 12, 22), 14)  # three weeks ahead at most
    assert [slot.left for slot in slots[:2]] == [1, 2]


def test_a_visitor_books_from_the_form_and_gets_her_reference_on_screen_and_by_sms(
    design, designer, receiver, django_capture_on_commit_callbacks
):
    client = english_client()
    token = token_of(design)
    page = client.get(f"/q/{token}/book?area=60")
    html = page.content.decode()
    assert page.status_code == 200 and 'value="2026-12-02T09:00"' in html and 'value="60"' in html
    data = {**VISITOR, "slot": "2026-12-02T09:00", **book_form(client, token)}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/q/{token}/book", data)
    assert response.status_code == 302
    booking = DesignVisitBooking.objects.get()
    assert booking.status == BookingStatus.REQUESTED and booking.designer == designer
    assert (booking.estimate_min, booking.estimate_max) == (
        Decimal("48000.00"),
        Decimal("72000.00"),
    )
    visit = client.get(response["Location"]).content.decode()
    assert booking.reference in visit and "139****5678" in visit and "13912345678" not in visit
    (sms,) = receiver.received
    assert sms.path == "/sms" and sms.body["mobile"] == "13912345678"
    assert booking.reference in sms.body["text"]
    assert sms.headers["Idempotency-Key"] == sms.body["id"]


def test_the_designer_and_staff_are_told_without_the_visitors_details(
    design, designer, receiver, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_ALERT_EMAILS = ["desk@example.com"]
    designer.sms_mobile, designer.notify_by_sms = "13800000019", True
    designer.save()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(design, at(date(2026, 12, 2), 9))
    to_designer = [r for r in receiver.received if r.body["mobile"] == "13800000019"]
    assert len(to_designer) == 1 and booking.reference in to_designer[0].body["text"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["desk@example.com"]
    told = [r.body["text"] for r in to_designer] + [mail.outbox[0].body]
    assert not any("13912345678" in text or "中山路" in text or "王小红" in text for text in told)


def test_the_designer_confirms_moves_and_cancels_and_the_visitor_is_told_each_time(
    design, designer, receiver, django_capture_on_commit_callbacks
):
    booking = book(design, at(date(2026, 12, 2), 9))
    client = logged_in_client(designer.user)
    client.cookies["django_language"] = "en"
    base = f"/seller/bookings/{booking.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{base}/confirm/").status_code == 302
        assert (
            client.post(
                f"{base}/move/", {"slot": "2026-12-04T14:00", "reason": "周三有雨"}
            ).status_code
            == 302
        )
        refused = client.post(f"{base}/cancel/", {"reason": ""})
        assert (
            refused.status_code == 400
            and "Say why, so the visitor knows." in refused.content.decode()
        )
        assert client.post(f"{base}/cancel/", {"reason": "设计师生病"}).status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    texts = [r.body["text"] for r in receiver.received if r.body["mobile"] == "13912345678"]
    sent = BookingNotification.objects.filter(audience="visitor", status="sent").order_by("pk")
    assert texts == [notification.text for notification in sent]
    assert [notification.event.kind for notification in sent] == [
        "confirmed",
        "rescheduled",
        "cancelled",
    ]
    assert booking.reference in texts[0] and "14:00" in texts[1] and "设计师生病" in texts[2]
    old = VisitSlot.objects.get(starts_at=at(date(2026, 12, 2), 9))
    new = VisitSlot.objects.get(starts_at=at(date(2026, 12, 4), 14))
    assert (old.booked, new.booked) == (0, 0)  # moved out of one, cancelled out of the other
    kinds = list(booking.events.values_list("kind", flat=True))
    assert kinds == ["booked", "confirmed", "rescheduled", "cancelled"]
    page = english_client().get(f"/q/visit/{booking.access_token}").content.decode()
    assert "Your visit is cancelled" in page and "设计师生病" in page


def test_a_visit_is_marked_visited_only_after_it_started(design, designer):
    booking = book(design, at(date(2026, 12, 2), 9))
    visits.confirm_booking(booking=booking, actor=designer.user)
    with pytest.raises(ValidationError, match="has not happened yet"):
        visits.mark_visited(booking=booking, actor=designer.user)
    with time_machine.travel(at(date(2026, 12, 2), 10)):
        visits.mark_visited(booking=booking, actor=designer.user)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DONE


def test_a_taken_time_is_refused_and_the_form_offers_the_others(design, designer):
    book(design, at(date(2026, 12, 2), 9))
    client = english_client()
    token = token_of(design)
    data = {**VISITOR, "slot": "2026-12-02T09:00", **book_form(client, token)}
    response = client.post(f"/q/{token}/book", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This time has just been taken. Please choose another." in html
    assert 'value="2026-12-02T09:00"' not in html and 'value="2026-12-02T14:00"' in html
    assert DesignVisitBooking.objects.count() == 1


@pytest.mark.parametrize(
    "starts_at",
    [
        at(date(2026, 12, 1), 14),  # within the lead time
        at(date(2026, 11, 30), 9),  # past
        at(date(2026, 12, 2), 10),  # not one of her times
        at(date(2027, 3, 2), 9),  # beyond three weeks
    ],
)
def test_a_time_she_does_not_offer_cannot_be_booked(design, starts_at):
    with pytest.raises(visits.SlotTakenError):
        book(design, starts_at)
    assert not VisitSlot.objects.filter(booked__gt=0).exists()


def test_a_day_off_with_standing_bookings_is_refused(design, designer):
    book(design, at(date(2026, 12, 2), 9))
    with pytest.raises(ValidationError, match="You have 1 visit"):
        visits.add_day_off(designer=designer, day=date(2026, 12, 2))
    with pytest.raises(ValidationError, match="today or a later date"):
        visits.add_day_off(designer=designer, day=date(2026, 11, 2))


def test_the_booking_form_checks_its_fields(design):
    client = english_client()
    token = token_of(design)
    data = {
        "name": "",
        "mobile": "1234",
        "address": "",
        "area": "0.2",
        "slot": "",
        **book_form(client, token),
    }
    response = client.post(f"/q/{token}/book", data)
    assert response.status_code == 400
    html = response.content.decode()
    messages = [
        "Enter your name.",
        "Enter a mainland mobile number",
        "Choose a time for the visit.",
    ]
    messages += ["Enter the address of the courtyard", "The area is between 1 and 10,000 m²."]
    for message in messages:
        assert message in html, message


def test_the_booking_form_has_csrf_honeypot_and_limits(settings, design):
    token = token_of(design)
    assert Client(enforce_csrf_checks=True).post(f"/q/{token}/book", VISITOR).status_code == 403
    client = english_client()
    robot = {**VISITOR, "slot": "2026-12-02T09:00", "website": "x", **book_form(client, token)}
    assert client.post(f"/q/{token}/book", robot).status_code == 400
    settings.COURTYARD_POSTS_PER_MOBILE = 1
    first = {**VISITOR, "slot": "2026-12-02T09:00", **book_form(client, token)}
    second = {**VISITOR, "slot": "2026-12-02T14:00", **book_form(client, token)}
    assert client.post(f"/q/{token}/book", first).status_code == 302
    limited = client.post(f"/q/{token}/book", second)
    assert limited.status_code == 429
    assert "Too many requests for this mobile number" in limited.content.decode()
    assert DesignVisitBooking.objects.count() == 1


def test_messages_are_sent_once_even_when_delivered_twice(design, receiver):
    booking = book(design, at(date(2026, 12, 2), 9))
    event = booking.events.get()
    notifications.deliver(event_id=event.pk)
    notifications.deliver(event_id=event.pk)
    assert len(receiver.received) == 1
    assert BookingNotification.objects.get(event=event).status == "sent"


def test_a_gateway_that_fails_is_tried_again_and_a_refusal_is_recorded(design, receiver):
    receiver.fail_times, receiver.fail_status = 1, 503
    booking = book(design, at(date(2026, 12, 2), 9))
    event = booking.events.get()
    first = notifications.deliver(event_id=event.pk)
    assert (first.sent, first.waiting) == (0, 1)
    second = notifications.deliver(event_id=event.pk)
    assert second.sent == 1 and len(receiver.received) == 1
    receiver.fail_times, receiver.failed, receiver.fail_status = 1, 0, 400
    cancelled = visits.cancel_booking(booking=booking, actor=None, reason="不需要了")
    outcome = notifications.deliver(event_id=cancelled.events.last().pk)
    assert outcome.failed == 1
    failed = BookingNotification.objects.get(event=cancelled.events.last())
    assert (failed.status, failed.last_error) == ("failed", "HTTP 400")


def test_the_sweep_publishes_what_a_lost_message_left(design, receiver):
    book(design, at(date(2026, 12, 2), 9))
    assert notifications.sweep() == 0  # too recent: the task of the commit will send it
    with time_machine.travel(NOW + timedelta(minutes=5)):
        assert notifications.sweep() == 1
    assert len(receiver.received) == 1


def test_the_same_key_books_once(design):
    visitor = visits.Visitor("王小红", "13912345678", "奉化区", "60")
    first, created = visits.book_visit(
        design=design, starts_at=at(date(2026, 12, 2), 14), visitor=visitor, client_key="k"
    )
    again, created_again = visits.book_visit(
        design=design, starts_at=at(date(2026, 12, 2), 14), visitor=visitor, client_key="k"
    )
    assert created and not created_again and first.pk == again.pk
    assert VisitSlot.objects.get().booked == 1


def test_visitors_details_are_removed_after_the_retention_period(design, settings):
    settings.RECIPIENT_RETENTION_DAYS = 90
    booking = book(design, at(date(2026, 12, 2), 9))
    assert visits.anonymise_old_bookings(now=at(date(2027, 2, 28), 12)) == 0  # within 90 days
    assert visits.anonymise_old_bookings(now=at(date(2027, 3, 3), 12)) == 1
    booking.refresh_from_db()
    assert (booking.visitor_name, booking.visitor_mobile, booking.visitor_address) == ("", "", "")
    assert booking.reference and booking.area_sqm == Decimal("60.0")  # the figures keep counting
    assert visits.anonymise_old_bookings(now=at(date(2027, 3, 3), 12)) == 0
