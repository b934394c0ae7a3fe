"""Live sessions: no studio or streamer booked twice at once, also when two bookings race."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from livestreams.models import Attribution, LiveSession, LiveSessionStatus
from livestreams.services import sessions
from livestreams.services.attribution import attribute_orders, set_attribution
from tests.factories import (
    LiveSessionFactory,
    MemberFactory,
    OrderFactory,
    StaffUserFactory,
    StudioFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOON = timezone.make_aware(timezone.datetime(2022, 9, 5, 12, 0))


def booking(studio, streamer, start, hours=2, **extra) -> LiveSession:
    return LiveSession(
        title="直播",
        studio=studio,
        streamer=streamer,
        platform="douyin",
        planned_start=start,
        planned_end=start + timedelta(hours=hours),
        **extra,
    )


def test_a_studio_cannot_hold_two_overlapping_sessions():
    studio = StudioFactory()
    sessions.save_session(session=booking(studio, MemberFactory(is_streamer=True), NOON))
    with pytest.raises(ValidationError) as error:
        sessions.save_session(
            session=booking(studio, MemberFactory(is_streamer=True), NOON + timedelta(hours=1))
        )
    assert "studio" in error.value.message_dict


def test_a_streamer_cannot_be_in_two_studios_at_once():
    streamer = MemberFactory(is_streamer=True)
    sessions.save_session(session=booking(StudioFactory(), streamer, NOON))
    with pytest.raises(ValidationError) as error:
        sessions.save_session(session=booking(StudioFactory(), streamer, NOON + timedelta(hours=1)))
    assert "streamer" in error.value.message_dict


def test_back_to_back_sessions_and_cancelled_ones_do_not_clash():
    studio = StudioFactory()
    streamer = MemberFactory(is_streamer=True)
    first = sessions.save_session(session=booking(studio, streamer, NOON))
    sessions.save_session(session=booking(studio, streamer, NOON + timedelta(hours=2)))
    sessions.set_session_status(session=first, to_status=LiveSessionStatus.CANCELLED, actor=None)
    sessions.save_session(session=booking(studio, MemberFactory(is_streamer=True), NOON))


def test_only_streamers_stream_and_a_session_ends_after_it_starts():
    with pytest.raises(ValidationError):
        sessions.save_session(
            session=booking(StudioFactory(), MemberFactory(is_streamer=False), NOON)
        )
    with pytest.raises(ValidationError):
        sessions.save_session(
            session=booking(StudioFactory(), MemberFactory(is_streamer=True), NOON, hours=0)
        )


def test_a_staff_member_can_stream_instead_of_a_member():
    session = booking(StudioFactory(), None, NOON, staff_streamer=StaffUserFactory())
    sessions.save_session(session=session)
    assert session.pk


def test_a_session_needs_a_streamer_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveSessionFactory(streamer=None, staff_streamer=None)


def test_on_postgresql_the_database_refuses_an_overlap_that_bypasses_the_service():
    session = LiveSessionFactory(planned_start=NOON)
    overlapping = {"studio": session.studio, "planned_start": NOON + timedelta(minutes=30)}
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            LiveSessionFactory(**overlapping)
        with pytest.raises(IntegrityError), transaction.atomic():
            LiveSessionFactory(streamer=session.streamer, planned_start=NOON + timedelta(hours=1))
    else:
        # The embedded SQLite default has no exclusion constraints: the service is the guard.
        LiveSessionFactory(**overlapping)
        assert LiveSession.objects.filter(studio=session.studio).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_bookings_racing_for_one_studio_give_exactly_one_session():
    studio = StudioFactory()
    streamers = [MemberFactory(is_streamer=True) for _ in range(6)]
    barrier = threading.Barrier(6)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(streamer) -> None:
        try:
            barrier.wait()
            sessions.save_session(session=booking(studio, streamer, NOON))
            outcome = "booked"
        except ValidationError:
            outcome = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=book, args=(s,)) for s in streamers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["booked"] + ["refused"] * 5
    assert LiveSession.objects.filter(studio=studio).count() == 1


def test_going_live_and_ending_record_the_actual_times():
    session = LiveSessionFactory(planned_start=NOON)
    sessions.set_session_status(
        session=session,
        to_status=LiveSessionStatus.LIVE,
        actor=None,
        at=NOON + timedelta(minutes=5),
    )
    ended = sessions.set_session_status(
        session=session, to_status=LiveSessionStatus.ENDED, actor=None, at=NOON + timedelta(hours=3)
    )
    assert (ended.actual_start, ended.actual_end) == (
        NOON + timedelta(minutes=5),
        NOON + timedelta(hours=3),
    )
    with pytest.raises(ValidationError, match="cannot go from"):
        sessions.set_session_status(session=session, to_status=LiveSessionStatus.LIVE, actor=None)


# --- Attribution ---------------------------------------------------------------------------------


def test_an_order_naming_the_streamer_account_goes_to_her_session():
    named = LiveSessionFactory(planned_start=NOON, platform_account="3069174582263041")
    LiveSessionFactory(planned_start=NOON)  # another room on air at the same time
    order = OrderFactory(paid_at=NOON + timedelta(minutes=40), streamer_account="3069174582263041")
    assert attribute_orders(order_ids=[order.pk]) == 1
    order.refresh_from_db()
    assert (order.live_session, order.attribution) == (named, Attribution.EXPORT)


def test_without_an_account_the_only_session_on_air_gets_the_order():
    session = LiveSessionFactory(planned_start=NOON)
    inside = OrderFactory(paid_at=NOON + timedelta(hours=2, minutes=20))  # within the grace
    outside = OrderFactory(paid_at=NOON + timedelta(hours=4))
    other_platform = OrderFactory(channel="taobao", paid_at=NOON + timedelta(minutes=5))
    attribute_orders(order_ids=[inside.pk, outside.pk, other_platform.pk])
    for order in (inside, outside, other_platform):
        order.refresh_from_db()
    assert (inside.live_session, inside.attribution) == (session, Attribution.TIME_WINDOW)
    assert outside.live_session is None and other_platform.live_session is None


def test_two_sessions_on_air_leave_an_order_without_an_account_to_its_channel():
    LiveSessionFactory(planned_start=NOON)
    LiveSessionFactory(planned_start=NOON)
    order = OrderFactory(paid_at=NOON + timedelta(minutes=30))
    attribute_orders(order_ids=[order.pk])
    order.refresh_from_db()
    assert order.live_session is None and order.attribution == Attribution.NONE


def test_staff_correct_an_attribution_and_imports_keep_it():
    wrong = LiveSessionFactory(planned_start=NOON)
    right = LiveSessionFactory(planned_start=NOON + timedelta(hours=5))
    order = OrderFactory(paid_at=NOON + timedelta(minutes=30))
    attribute_orders(order_ids=[order.pk])
    set_attribution(order=order, session=right, actor=StaffUserFactory())
    attribute_orders(order_ids=[order.pk])
    order.refresh_from_db()
    assert (order.live_session, order.attribution) == (right, Attribution.MANUAL)
    assert wrong.orders.count() == 0
    taobao_session = LiveSessionFactory(platform="taobao")
    with pytest.raises(ValidationError):
        set_attribution(order=order, session=taobao_session, actor=None)
