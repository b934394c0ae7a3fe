"""Nothing is sold or booked twice when people act at the same moment (threads, real
transactions: run on SQLite and on PostgreSQL)."""

import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from courtyards import selectors
from courtyards.models import BookingStatus, DesignVisitBooking, ItemStatus, VisitSlot
from courtyards.services import purchases, visits
from livestreams.models import Order
from livestreams.services.placement import Recipient

pytestmark = pytest.mark.django_db(transaction=True)


def race(count: int, act: Callable[[int], str]) -> list[str]:
    """Runs act(n) in `count` threads released at the same moment; their outcomes."""
    outcomes: list[str] = []
    barrier = threading.Barrier(count)

    def run(number: int) -> None:
        try:
            barrier.wait()
            outcomes.append(act(number))
        except Exception as error:  # recorded, so that the test shows what went wrong
            outcomes.append(f"error {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_two_people_buying_the_same_piece_at_once_get_one_order(piece):
    def buy(number: int) -> str:
        try:
            purchases.buy_item(
                item=piece,
                recipient=Recipient(f"游客{number}", f"1391234567{number}", address="金峨村"),
                client_key=f"web:buyer-{number}",
            )
        except purchases.SoldOutError as error:
            return str(error.code)
        return "ordered"

    assert sorted(race(2, buy)) == ["ordered", "sold_out"]
    assert Order.objects.count() == 1
    piece.refresh_from_db()
    assert piece.status == ItemStatus.SOLD and piece.sales.count() == 1


def test_eight_buyers_at_once_one_order(piece):
    def buy(number: int) -> str:
        try:
            purchases.buy_item(
                item=piece, recipient=Recipient(f"游客{number}", f"1380000000{number}", address="x")
            )
        except purchases.SoldOutError:
            return "sold out"
        return "ordered"

    assert sorted(race(8, buy)) == ["ordered"] + ["sold out"] * 7
    assert Order.objects.count() == 1


def test_a_double_tap_racing_itself_places_one_order(piece):
    def buy(number: int) -> str:
        purchase = purchases.buy_item(
            item=piece,
            recipient=Recipient("游客", "13912345678", address="x"),
            client_key="web:same",
        )
        return purchase.sale.order.platform_order_id

    outcomes = race(2, buy)
    assert len(set(outcomes)) == 1 and not outcomes[0].startswith("error"), outcomes
    assert Order.objects.count() == 1


def next_slot(designer, start: time) -> datetime:
    """The first bookable start at that time of day."""
    for slot in selectors.free_slots(designer.pk):
        if timezone.localtime(slot.starts_at).time() == start:
            return slot.starts_at
    raise AssertionError("no free slot")


def test_a_slot_is_never_overbooked_when_visitors_book_at_once(design, designer):
    starts_at = next_slot(designer, time(14))  # capacity 2

    def book(number: int) -> str:
        try:
            visits.book_visit(
                design=design,
                starts_at=starts_at,
                visitor=visits.Visitor(f"游客{number}", f"1390000000{number}", "奉化区", "60"),
            )
        except visits.SlotTakenError:
            return "taken"
        return "booked"

    assert sorted(race(6, book)) == ["booked", "booked"] + ["taken"] * 4
    slot = VisitSlot.objects.get(designer=designer, starts_at=starts_at)
    assert (slot.booked, slot.capacity) == (2, 2)
    assert DesignVisitBooking.objects.filter(slot=slot).count() == 2
    assert starts_at not in [free.starts_at for free in selectors.free_slots(designer.pk)]


def test_moving_bookings_into_the_last_place_at_once_overbooks_nothing(design, designer):
    morning = next_slot(designer, time(9))  # capacity 1
    afternoons = [next_slot(designer, time(14)) + timedelta(days=day) for day in (1, 2)]
    bookings = [
        visits.book_visit(
            design=design,
            starts_at=starts,
            visitor=visits.Visitor("游客", f"1390000001{number}", "奉化区", Decimal(50)),
        )[0]
        for number, starts in enumerate(afternoons)
    ]

    def move(number: int) -> str:
        try:
            visits.reschedule_booking(booking=bookings[number], starts_at=morning, actor=None)
        except ValidationError:
            return "taken"
        return "moved"

    assert sorted(race(2, move)) == ["moved", "taken"]
    assert VisitSlot.objects.get(designer=designer, starts_at=morning).booked == 1
    assert DesignVisitBooking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1
