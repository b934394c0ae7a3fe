"""alliance/sql.py: the helpers the hot paths write their SQL with, on both databases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliance import sql
from alliance.models import Member
from livestreams.models import Notification, SellerOrderEvent
from tests.factories import MemberFactory, SellerOrderFactory

pytestmark = pytest.mark.django_db


def test_placeholders_make_an_in_list_and_an_empty_one_matches_nothing():
    members = MemberFactory.create_batch(3)
    ids = [members[0].pk, members[2].pk]
    assert sql.placeholders(ids) == "%s, %s"
    with connection.cursor() as cursor:
        table = Member._meta.db_table
        cursor.execute(f"SELECT id FROM {table} WHERE id IN ({sql.placeholders(ids)})", ids)
        assert sorted(row[0] for row in cursor.fetchall()) == sorted(ids)
        cursor.execute(f"SELECT id FROM {table} WHERE id IN ({sql.placeholders([])})")
        assert cursor.fetchall() == []


def test_the_locking_clause_is_there_only_where_the_database_locks_rows():
    if connection.vendor == "postgresql":
        assert sql.for_update() == " FOR UPDATE"
        assert sql.for_update(skip_locked=True) == " FOR UPDATE SKIP LOCKED"
    else:  # SQLite locks the whole file for a writer: no clause, and the SELECT still runs
        assert sql.for_update() == sql.for_update(skip_locked=True) == ""
    member = MemberFactory()
    with connection.cursor() as cursor:
        lock = sql.for_update(skip_locked=True)
        cursor.execute(f"SELECT id FROM {Member._meta.db_table} WHERE id = %s{lock}", [member.pk])
        assert cursor.fetchall() == [(member.pk,)]


def test_insert_rows_splits_at_the_parameter_limit_and_can_skip_conflicts(monkeypatch):
    seller_order = SellerOrderFactory()
    at = sql.db_datetime(timezone.now())
    columns = ["seller_order_id", "from_status", "to_status", "reason", "created_at"]
    rows = [(seller_order.pk, "pending", "forwarded", f"r{n}", at) for n in range(7)]
    monkeypatch.setattr(sql, "MAX_PARAMETERS", 3 * len(columns))  # three rows a statement
    with CaptureQueriesContext(connection) as queries:
        sql.insert_rows(SellerOrderEvent._meta.db_table, columns, rows)
    assert len(queries.captured_queries) == 3
    events = SellerOrderEvent.objects.filter(seller_order=seller_order)
    assert sorted(events.values_list("reason", flat=True)) == [f"r{n}" for n in range(7)]
    assert {e.created_at for e in events} == {events[0].created_at}
    assert events[0].created_at.tzinfo is not None

    # A unique key already there: skipped with the suffix, the rest inserted.
    Notification.objects.create(
        seller_order=seller_order, channel="dashboard", kind="new_order", idempotency_key="k1"
    )
    columns = ["seller_order_id", "channel", "kind", "reference", "idempotency_key", "status",
               "attempts", "last_error", "text", "created_at"]  # fmt: skip
    sql.insert_rows(
        Notification._meta.db_table,
        columns,
        [
            (seller_order.pk, "dashboard", "new_order", "", "k1", "pending", 0, "", "", at),
            (seller_order.pk, "wecom", "new_order", "", "k2", "pending", 0, "", "", at),
        ],
        suffix="ON CONFLICT DO NOTHING",
    )
    assert sorted(
        Notification.objects.filter(seller_order=seller_order).values_list(
            "idempotency_key", "channel"
        )
    ) == [("k1", "dashboard"), ("k2", "wecom")]
