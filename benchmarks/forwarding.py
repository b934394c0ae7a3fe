"""Benchmark: forwarding seller orders through a real worker to a webhook on 127.0.0.1.

    .venv/bin/python benchmarks/forwarding.py [--orders 10000] [--offered 100] [--seconds 30]

Needs PostgreSQL (DATABASE_URL's server; it creates and drops `fulian_bench_forwarding`) and
redis-server (it starts a private one on a free port). In one run, with one worker at
concurrency 2 (prefetch 1, acks late — the production settings):
1. baseline: N no-op Celery tasks, from publish to the last one done: tasks/s;
2. throughput: N pending seller orders (of 200 sellers), one forwarding task each, to the
   webhook: orders/s, and the ratio to the no-op tasks/s (a run takes a seller's other new
   orders along in its digest, so a backlog coalesces; the messages sent are counted, and a
   seller order forwarded twice would show as a second event); then the rest of the queue
   (tasks whose orders went in an earlier digest) is worked off, and the rate of all tasks done
   is reported too;
3. latency, on the emptied queue: seller orders created and published one by one at a steady
   rate (--offered per second) for --seconds, dealt to the 200 sellers in turn; for each, the
   time from its commit to the webhook answering its WeCom message (its notification's
   sent_at): p50 and p99.
Prints a table and writes benchmarks/results/forwarding.json.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DATABASE = "fulian_bench_forwarding"
SELLERS = 200


def database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fulian")
    return base.rsplit("/", 1)[0] + "/" + DATABASE


def psql(sql: str) -> None:
    admin = database_url().rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qAtc", sql], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--offered", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=30)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    RESULTS.mkdir(parents=True, exist_ok=True)

    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE}")
    from tests.processes import RedisServer, wait_for

    redis_server = RedisServer()
    redis_server.start()
    receiver = ReceiverProcess()
    os.environ.update(
        DATABASE_URL=database_url(),
        REDIS_URL=redis_server.url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        CELERY_TASK_ALWAYS_EAGER="false",
        WECOM_WEBHOOK_ORIGINS=receiver.origin,
        WECOM_MESSAGES_PER_MINUTE="1000000",
        CELERY_EXTRA_IMPORTS="benchmarks.celery_noop",
        LOG_LEVEL="ERROR",
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    import django

    django.setup()
    worker = start_worker()
    try:
        report = run(options, receiver, redis_server, wait_for)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        receiver.close()
        redis_server.kill()
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    (RESULTS / "forwarding.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    for key, value in report.items():
        print(f"{key:34} {value}")


class ReceiverProcess:
    """The webhook on 127.0.0.1 in a process of its own (tests.fakes.FakeReceiver), so that
    answering the worker never waits for the load generator's interpreter lock."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", RECEIVER_SCRIPT], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        self.origin = self.process.stdout.readline().strip()

    def count(self) -> int:
        with urllib.request.urlopen(f"{self.origin}/count", timeout=10) as answer:  # noqa: S310
            return json.load(answer)["received"]

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


RECEIVER_SCRIPT = """
import signal, sys
from tests.fakes import FakeReceiver
receiver = FakeReceiver()
print(receiver.origin, flush=True)
signal.sigwait([signal.SIGTERM])
"""


def start_worker() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues",
         "forwarding,default", "--concurrency", "2", "--prefetch-multiplier", "1",
         "--without-gossip", "--without-mingle", "--loglevel", "ERROR"],
        cwd=ROOT,
        env=os.environ.copy(),
        start_new_session=True,
    )  # fmt: skip


def sellers():
    from alliance.models import Federation, Member

    home, _ = Federation.objects.get_or_create(
        name="奉化区妇联", defaults={"region": "奉化", "is_home": True}
    )
    return Member.objects.bulk_create(
        Member(
            name=f"卖家{n}",
            mobile=f"1350000{n:04d}",
            federation=home,
            is_seller=True,
            notify_by_wecom=True,
            wecom_webhook_url=f"{os.environ['WECOM_WEBHOOK_ORIGINS']}"
            f"/cgi-bin/webhook/send?key=robot{n}",
        )
        for n in range(SELLERS)
    )


def pending(members: list, count: int, start: int) -> list[tuple[int, int]]:
    """`count` new pending seller orders, dealt to the sellers in turn (the n-th order of the
    run to seller n mod 200, so a run of one-by-one orders is spread like real ones)."""
    from livestreams.models import Order, SellerOrder

    orders = Order.objects.bulk_create(
        Order(channel="douyin", platform_order_id=f"48{start + n:017d}", paid_amount=1)
        for n in range(count)
    )
    made = SellerOrder.objects.bulk_create(
        SellerOrder(order=order, seller=members[(start + i) % len(members)])
        for i, order in enumerate(orders)
    )
    return [(so.pk, so.seller_id) for so in made]


def pending_one(member, n: int) -> int:
    """One new pending seller order in one statement (an order and its seller order), so that
    generating the offered load takes little of the machine the worker is measured on."""
    from django.db import connection

    from livestreams.models import Order, SellerOrder

    order_columns, order_values = _insert_parts(
        Order(channel="douyin", platform_order_id=f"48{n:017d}", paid_amount=1)
    )
    seller_columns, seller_values = _insert_parts(SellerOrder(seller=member), skip=("order",))
    sql = (
        f"WITH made AS (INSERT INTO {Order._meta.db_table} ({', '.join(order_columns)}) "
        f"VALUES ({', '.join(['%s'] * len(order_values))}) RETURNING id) "
        f"INSERT INTO {SellerOrder._meta.db_table} ({', '.join(seller_columns)}, order_id) "
        f"SELECT {', '.join(['%s'] * len(seller_values))}, id FROM made RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*order_values, *seller_values])
        return cursor.fetchone()[0]


def _insert_parts(instance, skip: tuple[str, ...] = ()) -> tuple[list[str], list]:
    """The columns and values Django would insert for a new instance (defaults, auto_now)."""
    from django.db import connection

    fields = [f for f in instance._meta.concrete_fields if not f.primary_key and f.name not in skip]
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    return [connection.ops.quote_name(f.column) for f in fields], values


def publish_each(made: list[tuple[int, int]]) -> None:
    """One forwarding task per seller order, as a courtyard or mini-program order publishes."""
    from livestreams.forwarding_tasks import forward_seller_orders

    for pk, seller_id in made:
        forward_seller_orders.apply_async(args=(seller_id, [pk]))


def drained(client) -> bool:
    """Nothing waiting in the worker's queues and nothing delivered but unacknowledged."""
    return not (client.llen("forwarding") or client.llen("default") or client.hlen("unacked"))


def run(options: argparse.Namespace, receiver, redis_server, wait_for) -> dict:
    import redis

    from benchmarks.celery_noop import noop
    from livestreams.models import Notification, SellerOrder, SellerOrderEvent

    client = redis.Redis.from_url(redis_server.url)
    members = sellers()
    count = options.orders

    # 1. the baseline: no-op tasks
    started = time.perf_counter()
    for index in range(count):
        noop.apply_async(args=(index,))
    wait_for(lambda: int(client.get("bench:noop:done") or 0) >= count, timeout=900,
             what="no-op tasks", every=0.05)  # fmt: skip
    noop_rate = count / (time.perf_counter() - started)

    # 2. throughput: one forwarding task per seller order
    made = pending(members, count, start=0)
    ids = [pk for pk, _seller in made]
    started = time.perf_counter()
    publish_each(made)
    # Polled by the range of the new ids (one bulk insert): a 10,000-id IN list every 0.2 s
    # would take a good part of a core from the worker being measured.
    first, last = min(ids), max(ids)
    wait_for(
        lambda: (
            SellerOrder.objects.filter(pk__range=(first, last), status="forwarded").count() >= count
        ),
        timeout=1800,
        what="every seller order forwarded",
        every=0.2,
    )
    forward_rate = count / (time.perf_counter() - started)
    messages = receiver.count()
    moved = SellerOrderEvent.objects.filter(
        seller_order_id__gte=first, seller_order_id__lte=last, to_status="forwarded"
    )
    duplicates = moved.count() - count
    # The tasks whose orders went out in an earlier digest are still queued; the latency run
    # starts once the worker has worked through them (they find nothing and stop).
    wait_for(lambda: drained(client), timeout=900, what="the queue drained", every=0.05)
    drain_rate = count / (time.perf_counter() - started)

    # 3. latency at a steady offered rate
    # The time a seller order's WeCom message was answered by the webhook is its notification's
    # sent_at (a digest names at most ten orders in its text, so the text cannot tell).
    committed: dict[int, float] = {}
    total = options.offered * options.seconds
    began = time.perf_counter()
    for n in range(total):
        due = began + n / options.offered
        time.sleep(max(0.0, due - time.perf_counter()))
        member = members[n % len(members)]
        pk = pending_one(member, 1_000_000 + n)  # committed (autocommit) here
        committed[pk] = time.time()
        publish_each([(pk, member.pk)])
    offered_for = time.perf_counter() - began
    first, last = min(committed), max(committed)
    sent = Notification.objects.filter(
        seller_order_id__gte=first, seller_order_id__lte=last, channel="wecom", status="sent"
    )
    wait_for(lambda: sent.count() >= total, timeout=900, what="latency run delivered")
    latencies = sorted(
        at.timestamp() - committed[pk] for pk, at in sent.values_list("seller_order_id", "sent_at")
    )
    return {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, one worker at concurrency 2",
        "orders": count,
        "noop_tasks_per_second": round(noop_rate, 1),
        "forwarded_orders_per_second": round(forward_rate, 1),
        "ratio_forwarding_to_noop": round(forward_rate / noop_rate, 3),
        "forwarding_tasks_done_per_second": round(drain_rate, 1),
        "webhook_messages": messages,
        "seller_orders_forwarded_twice": duplicates,
        "offered_per_second": options.offered,
        # What the load generator reached (below the offer if it could not keep up).
        "achieved_offered_per_second": round(total / offered_for, 1),
        "latency_samples": len(latencies),
        "latency_p50_seconds": round(statistics.median(latencies), 3),
        "latency_p99_seconds": round(latencies[int(len(latencies) * 0.99) - 1], 3),
        "latency_max_seconds": round(latencies[-1], 3),
    }


if __name__ == "__main__":
    main()
