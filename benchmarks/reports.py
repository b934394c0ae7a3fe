"""Benchmark: the monthly report and one seller's statement over 1,000,000 order lines, against
the same aggregates written as single raw SQL queries, in the same run.

    .venv/bin/python benchmarks/reports.py [--lines 1000000] [--repeat 5]

Needs the PostgreSQL server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/…); it
creates and drops its own database `fulian_bench_reports`. In one run it:
1. migrates, then writes a catalogue (40 sellers in 8 villages, 400 SKUs) and the order lines
   with generate_series — 2 lines per order over 12 months (2025-01 to 2025-12), every channel,
   a few per cent refunded, most parcels delivered — then ANALYZE;
2. times the monthly report page's figures (alliance.reports.tables.overview for 2025-06: the
   totals, by month, by channel and partner county — the one selector's queries) and, aggregate
   by aggregate, the same figures as hand-written SQL; the report page itself over HTTP (Django
   test client, rendering included) for scale;
3. times one seller's statement aggregate (livestreams.services.settlement.settleable_by_channel)
   and the same as one raw SQL query; and making the statement (which also writes its settled
   lines with INSERT … SELECT) for scale;
and prints the medians and the ratios, and writes JSON to benchmarks/results/.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DATABASE = "fulian_bench_reports"
SELLERS = 40
SKUS = 400


def database_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fulian")
    return base.rsplit("/", 1)[0] + "/" + name


def psql(*args: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", database_url(database), "-v", "ON_ERROR_STOP=1", "-qAt", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def setup_django() -> None:
    os.environ["DATABASE_URL"] = database_url(DATABASE)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- The data -----------------------------------------------------------------------------------


def make_catalogue() -> None:
    from decimal import Decimal

    from alliance.models import Federation, Member, Township, Village
    from products.models import SKU, Category, Product, ProductStatus

    home, _ = Federation.objects.get_or_create(
        name="奉化区妇联", defaults={"region": "奉化", "is_home": True}
    )
    villages = []
    for n in range(8):
        township, _ = Township.objects.get_or_create(federation=home, name=f"镇{n % 4}")
        villages.append(Village.objects.get_or_create(township=township, name=f"村{n}")[0])
    top, _ = Category.objects.get_or_create(name="基准", parent=None)
    leaves = [Category.objects.get_or_create(name=f"子类{n}", parent=top)[0] for n in range(6)]
    sellers = [
        Member.objects.get_or_create(
            mobile=f"1370000{n:04d}",
            defaults={"name": f"卖家{n}", "federation": home, "is_seller": True,
                      "village": villages[n % 8]},
        )[0]
        for n in range(SELLERS)
    ]  # fmt: skip
    for n in range(SKUS):
        product, _ = Product.objects.get_or_create(
            name=f"奉化特产 第{n}号",
            defaults={"seller": sellers[n % SELLERS], "category": leaves[n % 6],
                      "status": ProductStatus.ON_SALE},
        )  # fmt: skip
        SKU.objects.get_or_create(
            merchant_code=f"BENCH-{n:04d}",
            defaults={"product": product, "spec": f"规格{n}", "price": Decimal(20 + n % 80)},
        )


ORDERS_SQL = """
INSERT INTO livestreams_order (channel, platform_order_id, attribution, streamer_account,
    traffic_source, buyer_note, recipient_name, recipient_mobile, recipient_province,
    recipient_city, recipient_district, recipient_address, paid_amount, shipping_fee, ordered_at,
    paid_at, platform_status, status, payment_method, client_key, created_at, updated_at)
SELECT (ARRAY['douyin','douyin','channels','taobao','miniprogram'])[1 + i %% 5], 'B' || i, 'none',
       '', '', '', '', '', '', '', '', '', 0, 0,
       timestamptz '2025-01-01 00:00+08' + (i::float / %(orders)s) * interval '365 days',
       timestamptz '2025-01-01 00:00+08' + (i::float / %(orders)s) * interval '365 days',
       '', 'completed', 'platform', '', now(), now()
FROM generate_series(1, %(orders)s) AS i
"""
SELLER_ORDERS_SQL = """
WITH sellers AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM alliance_member)
INSERT INTO livestreams_sellerorder (order_id, seller_id, status, forward_attempts, problem,
    courier, tracking_number, label, forwarded_at, acknowledged_at, shipped_at, delivered_at,
    created_at, updated_at)
SELECT o.id, sellers.id,
       CASE WHEN o.id %% 7 = 0 THEN 'shipped' ELSE 'delivered' END, 0, '', '', '', '',
       o.paid_at, o.paid_at, o.paid_at + interval '1 day',
       CASE WHEN o.id %% 7 = 0 THEN NULL ELSE o.paid_at + interval '3 days' END, now(), now()
FROM livestreams_order o
JOIN sellers ON sellers.n = o.id %% %(sellers)s
"""
LINES_SQL = """
WITH skus AS (
    SELECT s.id, s.price, p.seller_id, row_number() OVER (PARTITION BY p.seller_id ORDER BY s.id)
           - 1 AS n
    FROM products_sku s JOIN products_product p ON p.id = s.product_id
)
INSERT INTO livestreams_orderline (order_id, channel, line_key, sku_id, seller_id,
    seller_order_id, platform_product_id, merchant_code, title, spec, quantity, unit_price,
    line_total, refunded_amount, platform_status, status, platform_after_sales,
    after_sales_status, courier_name, tracking_number, created_at, updated_at)
SELECT o.id, o.channel, 'B' || o.id || '-' || k, sku.id, so.seller_id, so.id, '', '', '奉化特产',
       '', 1 + (o.id + k) %% 3, sku.price, sku.price * (1 + (o.id + k) %% 3),
       CASE WHEN (o.id + k) %% 33 = 0 THEN sku.price * (1 + (o.id + k) %% 3)
            WHEN (o.id + k) %% 41 = 0 THEN round(sku.price * 0.3, 2) ELSE 0 END,
       '', CASE WHEN (o.id + k) %% 33 = 0 OR (o.id + k) %% 57 = 0 THEN 'closed'
                ELSE 'completed' END,
       '', CASE WHEN (o.id + k) %% 33 = 0 OR (o.id + k) %% 41 = 0 THEN 'refunded'
                ELSE 'none' END,
       '', '', now(), now()
FROM livestreams_order o
JOIN livestreams_sellerorder so ON so.order_id = o.id
CROSS JOIN generate_series(0, 1) AS k
JOIN skus sku ON sku.seller_id = so.seller_id AND sku.n = (o.id + k) %% 10
"""


def make_orders(lines: int) -> None:
    from django.db import connection

    orders = lines // 2
    with connection.cursor() as cursor:
        cursor.execute(ORDERS_SQL, {"orders": orders})
        cursor.execute(SELLER_ORDERS_SQL, {"sellers": SELLERS})
        cursor.execute(LINES_SQL, {})
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM livestreams_orderline")
        print(f"order lines: {cursor.fetchone()[0]:,}", flush=True)


# --- The raw SQL the selectors are measured against ---------------------------------------------

SOLD = """l.seller_id IS NOT NULL AND o.paid_at IS NOT NULL
  AND (l.status IN ('paid', 'shipped', 'completed')
       OR (l.status = 'closed' AND (l.after_sales_status = 'refunded' OR l.refunded_amount > 0)))"""
MEASURES = """SUM(l.line_total), SUM(LEAST(l.refunded_amount, l.line_total)),
  SUM(l.line_total - LEAST(l.refunded_amount, l.line_total)), SUM(l.quantity), COUNT(*),
  COUNT(DISTINCT l.order_id), COUNT(DISTINCT l.seller_id)"""
FROM_SOLD = f"""FROM livestreams_orderline l JOIN livestreams_order o ON o.id = l.order_id
WHERE {SOLD} AND o.paid_at >= %(low)s AND o.paid_at < %(high)s"""
RAW_REPORT = {
    "totals": f"SELECT {MEASURES} {FROM_SOLD}",
    "by month": f"""SELECT date_trunc('month', o.paid_at AT TIME ZONE 'Asia/Shanghai') AS m,
        {MEASURES} {FROM_SOLD} GROUP BY m ORDER BY m""",
    "by channel": f"SELECT l.channel, {MEASURES} {FROM_SOLD} GROUP BY l.channel ORDER BY 4 DESC",
    "partner county": f"""SELECT p.partner_federation_id, f.name, {MEASURES}
        FROM livestreams_orderline l JOIN livestreams_order o ON o.id = l.order_id
        LEFT JOIN products_sku s ON s.id = l.sku_id
        LEFT JOIN products_product p ON p.id = s.product_id
        LEFT JOIN alliance_federation f ON f.id = p.partner_federation_id
        WHERE {SOLD} AND o.paid_at >= %(low)s AND o.paid_at < %(high)s
        GROUP BY p.partner_federation_id, f.name ORDER BY 5 DESC""",
}
RAW_STATEMENT = f"""SELECT l.channel, SUM(l.line_total),
    SUM(LEAST(l.refunded_amount, l.line_total)), COUNT(*)
FROM livestreams_orderline l
JOIN livestreams_order o ON o.id = l.order_id
JOIN livestreams_sellerorder so ON so.id = l.seller_order_id
LEFT JOIN livestreams_settledline s ON s.line_id = l.id
WHERE {SOLD} AND l.seller_id = %(seller)s AND s.id IS NULL
  AND ((so.status = 'delivered' AND so.delivered_at < %(before)s)
       OR (so.status = 'shipped' AND so.shipped_at < %(before)s - interval '15 days'))
GROUP BY l.channel ORDER BY l.channel"""


def median_seconds(action: Any, repeat: int) -> float:
    action()  # warm: caches, plans, connection
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def raw(sql: str, params: dict) -> Any:
    from django.db import connection

    def run() -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


# --- The measurements ---------------------------------------------------------------------------


def measure_report(repeat: int) -> dict[str, Any]:
    from alliance.reports import selectors, tables
    from alliance.reports.selectors import Period

    period = Period(date(2025, 6, 1), date(2025, 6, 30))
    low, high = period.bounds()
    params = {"low": low, "high": high}
    selector = {
        "totals": lambda: selectors.sales_totals(period),
        "by month": lambda: selectors.sales_by("month", period),
        "by channel": lambda: selectors.sales_by("channel", period),
        "partner county": lambda: selectors.sales_by("partner", period),
    }
    rows = {}
    for name, action in selector.items():
        ours = median_seconds(action, repeat)
        baseline = median_seconds(raw(RAW_REPORT[name], params), repeat)
        rows[name] = {"selector_s": ours, "raw_sql_s": baseline, "ratio": ours / baseline}
        print(f"  {name:15} selector {ours * 1000:8.1f} ms   raw SQL {baseline * 1000:8.1f} ms"
              f"   ratio {ours / baseline:5.2f}", flush=True)  # fmt: skip
    view = median_seconds(lambda: tables.overview(period), repeat)
    raw_sum = sum(row["raw_sql_s"] for row in rows.values())
    return {"aggregates": rows, "overview_s": view, "raw_sql_sum_s": raw_sum,
            "ratio": view / raw_sum, "page_s": _page_seconds(period, repeat)}  # fmt: skip


def _page_seconds(period: Any, repeat: int) -> float:
    from django.test import Client

    from alliance.models import User

    user, _ = User.objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user, backend="alliance.auth.MobileOrUsernameBackend")
    url = f"/staff/reports/?start={period.start}&end={period.end}"

    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    return median_seconds(get, repeat)


def measure_statement(repeat: int) -> dict[str, Any]:
    from django.db import transaction

    from alliance.models import Member
    from alliance.reports.selectors import Period
    from livestreams.services import settlement

    seller = Member.objects.order_by("pk").first()
    period = Period(date(2025, 12, 1), date(2025, 12, 31))
    _low, before = period.bounds()
    ours = median_seconds(lambda: settlement.settleable_by_channel(seller, before=before), repeat)
    baseline = median_seconds(raw(RAW_STATEMENT, {"seller": seller.pk, "before": before}), repeat)
    print(f"  statement       selector {ours * 1000:8.1f} ms   raw SQL {baseline * 1000:8.1f} ms"
          f"   ratio {ours / baseline:5.2f}", flush=True)  # fmt: skip

    def make() -> None:
        with transaction.atomic():
            statement = settlement.make_statement(seller=seller, period=period, actor=None)
            assert statement is not None and statement.lines_count > 0
            transaction.set_rollback(True)

    return {
        "selector_s": ours,
        "raw_sql_s": baseline,
        "ratio": ours / baseline,
        "make_statement_s": median_seconds(make, repeat),
        "seller_lines": settlement.settleable_lines(seller, before=before).count(),
    }


def run(lines: int, repeat: int) -> dict[str, Any]:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    make_catalogue()
    make_orders(lines)
    built = time.perf_counter() - started
    print(f"data built in {built:.0f} s", flush=True)
    report = measure_report(repeat)
    statement = measure_statement(repeat)
    return {"lines": lines, "repeat": repeat, "build_s": built, "report": report,
            "statement": statement, "load": os.getloadavg(),
            "at": datetime.now().isoformat(timespec="seconds")}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    options = parser.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    psql("-c", f"DROP DATABASE IF EXISTS {DATABASE}")
    psql("-c", f"CREATE DATABASE {DATABASE}")
    try:
        setup_django()
        result = run(options.lines, options.repeat)
        from django.db import connections

        connections.close_all()
    finally:
        if not options.keep:
            psql("-c", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    report, statement = result["report"], result["statement"]
    print(
        f"\nmonthly report figures: {report['overview_s'] * 1000:.0f} ms against "
        f"{report['raw_sql_sum_s'] * 1000:.0f} ms of raw SQL (ratio {report['ratio']:.2f}); "
        f"the page over HTTP {report['page_s'] * 1000:.0f} ms\n"
        f"one seller's statement: {statement['selector_s'] * 1000:.0f} ms against "
        f"{statement['raw_sql_s'] * 1000:.0f} ms (ratio {statement['ratio']:.2f}); making it "
        f"({statement['seller_lines']:,} lines) {statement['make_statement_s'] * 1000:.0f} ms"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"reports-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
