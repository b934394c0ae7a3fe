"""Forwarding survives killed workers, a Redis restart and a Redis outage (RELIABILITY.md §7).

These start real processes: a private Redis, Celery workers and beat (the sweep) running the
production code against the test database, and a webhook on 127.0.0.1. They are slow.
"""

import re
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from alliance.models import Federation, Member
from livestreams.models import Order, SellerOrder, SellerOrderEvent, SellerOrderStatus
from livestreams.services import forwarding
from tests.reliability.conftest import publishing_to, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ORDER_ID = re.compile(r"(49\d{17})")


def make_pending(receiver, sellers: int, per_seller: int) -> list[int]:
    """Sellers with a WeCom robot each, and their pending seller orders (bulk, quickly)."""
    home, _ = Federation.objects.get_or_create(
        name="奉化区妇联", defaults={"region": "奉化", "is_home": True}
    )
    members = Member.objects.bulk_create(
        Member(
            name=f"卖家{n}",
            mobile=f"1360000{n:04d}",
            federation=home,
            is_seller=True,
            notify_by_wecom=True,
            wecom_webhook_url=receiver.webhook_url(f"robot-{n}"),
        )
        for n in range(sellers)
    )
    orders = Order.objects.bulk_create(
        Order(channel="douyin", platform_order_id=f"49{n:017d}", paid_amount=1)
        for n in range(sellers * per_seller)
    )
    seller_orders = SellerOrder.objects.bulk_create(
        SellerOrder(order=order, seller=members[index % sellers])
        for index, order in enumerate(orders)
    )
    return [so.pk for so in seller_orders]


def forwarded_count() -> int:
    return SellerOrder.objects.filter(status=SellerOrderStatus.FORWARDED).count()


def received_order_ids(receiver) -> Counter:
    counts: Counter = Counter()
    for message in list(receiver.received):
        counts.update(ORDER_ID.findall(message.body["text"]["content"]))
    return counts


def assert_all_forwarded_once(ids: list[int]) -> None:
    assert SellerOrder.objects.filter(pk__in=ids).exclude(status="forwarded").count() == 0
    transitions = Counter(
        SellerOrderEvent.objects.filter(seller_order_id__in=ids, to_status="forwarded").values_list(
            "seller_order_id", flat=True
        )
    )
    assert set(transitions) == set(ids)
    assert max(transitions.values()) == 1, "a seller order changed state twice"


def test_killing_the_worker_three_times_loses_nothing_and_moves_nothing_twice(
    stack, private_redis, receiver
):
    receiver.delay = 0.05
    ids = make_pending(receiver, sellers=100, per_seller=10)
    total = len(ids)
    stack("beat")
    worker = stack("worker")
    with publishing_to(private_redis.url):
        forwarding.publish(ids)
    kills = 0
    for fraction in (0.2, 0.45, 0.7):
        wait_for(
            lambda f=fraction: forwarded_count() >= f * total,
            timeout=240,
            what=f"{fraction:.0%} forwarded before kill {kills + 1}",
        )
        worker.kill()
        kills += 1
        worker = stack("worker")
    wait_for(lambda: forwarded_count() == total, timeout=300, what="every seller order forwarded")
    assert_all_forwarded_once(ids)
    seen = received_order_ids(receiver)
    expected = set(Order.objects.values_list("platform_order_id", flat=True))
    assert set(seen) == expected, "a seller's webhook never heard of an order"
    duplicates = sum(count - 1 for count in seen.values())
    print(f"kills={kills} orders={total} duplicate deliveries={duplicates}")
    # At least once; at most once more per kill (one digest in flight per pool child).
    assert max(seen.values()) <= 1 + kills


def test_a_redis_restart_without_persistence_loses_nothing(stack, private_redis, receiver):
    receiver.delay = 0.05
    ids = make_pending(receiver, sellers=60, per_seller=5)
    stack("beat")
    stack("worker")
    with publishing_to(private_redis.url):
        forwarding.publish(ids)
    wait_for(lambda: forwarded_count() >= 20, timeout=120, what="forwarding under way")
    private_redis.kill()  # every queued message is gone
    private_redis.start()
    wait_for(lambda: forwarded_count() == len(ids), timeout=300, what="the sweep forwards the rest")
    assert_all_forwarded_once(ids)


def test_an_import_commits_while_redis_is_down_and_forwards_once_it_is_back(
    stack, private_redis, receiver, sample_catalogue
):
    from livestreams.services.imports import import_files
    from tests.livestreams.conftest import open_files

    private_redis.kill()
    outcome: dict = {}

    def run_import() -> None:
        files = open_files(["douyin/douyin_orders_20220907.csv"])
        try:
            with publishing_to(private_redis.url):
                outcome["result"] = import_files(files)
        finally:
            for _name, handle in files:
                handle.close()
            connection.close()

    started = time.monotonic()
    worker_thread = threading.Thread(target=run_import)
    worker_thread.start()
    worker_thread.join(timeout=120)
    assert not worker_thread.is_alive(), "the import hung while Redis was down"
    print(f"import with Redis down took {time.monotonic() - started:.1f}s")
    result = outcome["result"]
    assert result.seller_orders_created > 0
    pending = list(SellerOrder.objects.filter(status="pending").values_list("pk", flat=True))
    assert len(pending) == result.seller_orders_created  # committed, waiting
    private_redis.start()
    stack("beat")
    stack("worker")
    wait_for(
        lambda: not SellerOrder.objects.filter(status="pending").exists(),
        timeout=180,
        what="the sweep forwards the import's seller orders",
    )
    assert_all_forwarded_once(pending)


def test_a_webhook_failing_then_recovering_is_retried_and_a_400_is_flagged(
    stack, private_redis, receiver, settings
):
    ids = make_pending(receiver, sellers=2, per_seller=1)
    receiver.fail_times = 2  # the first two requests answer 500
    stack("worker")
    with publishing_to(private_redis.url):
        forwarding.publish(ids[:1])
    wait_for(lambda: forwarded_count() == 1, timeout=120, what="the retried delivery")
    assert receiver.failed == 2 and len(receiver.received) == 1

    receiver.fail_times, receiver.failed, receiver.fail_status = 1, 0, 400
    with publishing_to(private_redis.url):
        forwarding.publish(ids[1:])
    wait_for(
        lambda: SellerOrder.objects.filter(pk=ids[1]).exclude(problem="").exists(),
        timeout=120,
        what="the 400 flagged for staff",
    )
    flagged = SellerOrder.objects.get(pk=ids[1])
    assert flagged.status == "pending" and "400" in flagged.problem
    # Failed for good: nothing will pick this notification up again until staff retry.
    assert list(
        flagged.notifications.filter(channel="wecom").values_list("status", "attempts")
    ) == [("failed", 1)]
    assert receiver.failed == 1


def worker_connections() -> set[int]:
    """Server process ids of the other sessions on the test database (the worker's children)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return {row[0] for row in cursor.fetchall()}


def test_a_worker_keeps_its_database_connection_and_replaces_one_the_server_dropped(
    stack, private_redis, receiver
):
    ids = make_pending(receiver, sellers=8, per_seller=1)
    stack("worker")  # no beat: only the tasks themselves can forward

    def forward_one(pk: int) -> None:
        with publishing_to(private_redis.url):
            forwarding.publish([pk])
        wait_for(
            lambda: SellerOrder.objects.filter(pk=pk, status=SellerOrderStatus.FORWARDED).exists(),
            timeout=60,
            what=f"seller order {pk} forwarded",
        )

    forward_one(ids[0])
    forward_one(ids[1])
    if connection.vendor == "postgresql":
        # Celery would close it after every task; a kept connection is still there, idle.
        kept = worker_connections()
        forward_one(ids[2])
        forward_one(ids[3])
        assert kept and kept & worker_connections(), "the worker opened a connection per task"
        with connection.cursor() as cursor:  # as a server restart would
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) pid", [list(kept)]
            )
        wait_for(lambda: not kept & worker_connections(), timeout=10, what="connections dropped")
    for pk in ids[2:] if connection.vendor != "postgresql" else ids[4:]:
        forward_one(pk)  # on a dropped connection: checked before the task, replaced
    assert_all_forwarded_once(ids)
