"""The catalogue API at province scale, against a bare Django view served the same way.

Run by hand on PostgreSQL and Redis, never in the test suite (needs `apt-get install wrk`):

    .venv/bin/python benchmarks/catalog_api.py                # 100,000 products
    .venv/bin/python benchmarks/catalog_api.py --products 20000 --duration 10 --rounds 1

It creates the database fulian_bench on the PostgreSQL server of BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432), migrates it and loads N products with their SKUs, photo
rows (pointing at a few shared files), tags, categories, villages and sellers with COPY; uses the
Redis database of BENCH_REDIS_URL (default redis://127.0.0.1:6379/15, flushed first); starts
gunicorn (2 sync workers) on 127.0.0.1 with benchmarks.catalog_api_settings, the site's settings
plus a bare view at /bench/bare/; and measures with wrk at 50 connections, after a warm-up, in
interleaved rounds: the bare view, the product list's first page, a filtered page and a product's
detail. Then the same without the response cache (API_CACHE_SECONDS=0) for comparison. It prints
a table of requests/s and p95 latency, each as a ratio to the bare view of the same server, and
writes JSON to benchmarks/results/ (git-ignored). The database is dropped at the end
unless --keep-db.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
DATABASE = "fulian_bench"
DATABASE_URL = f"{POSTGRES_URL}/{DATABASE}"
PORT = 8765
RESULTS = ROOT / "benchmarks" / "results"

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("BENCH p50_us=%d p95_us=%d p99_us=%d requests=%d non2xx=%d errors=%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.requests,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
"""

# --- The data ---------------------------------------------------------------------------------

PRODUCE = ["草莓", "水蜜桃", "芋艿", "千层饼", "笋干", "杜鹃花", "盆景", "茶叶", "土鸡蛋", "蜂蜜"]
QUALIFIERS = ["尚田", "溪口", "锦屏", "萧王庙", "大堰", "松岙", "裘村", "莼湖", "西坞", "江口"]
STYLES = ["精品礼盒", "家庭装", "现摘现发", "农家自产", "手工", "高山", "有机", "年货"]
SPECS = ["1斤装", "2斤礼盒", "5斤装", "单盆", "三盆组合", "250g", "500g×2"]
SHARED_IMAGES = [
    (f"bench/full-{n}.jpg", f"bench/small-{n}.jpg", f"bench/medium-{n}.jpg") for n in range(3)
]


def psql_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def create_database() -> None:
    psql_admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql_admin(f"CREATE DATABASE {DATABASE}")


def setup_django() -> None:
    os.environ.update(server_environment(cache_seconds=300))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed_places_and_people(generator: random.Random) -> dict[str, list[int]]:
    """Federations, townships, villages, sellers (some suspended), enterprises, categories, tags."""
    from alliance.demo import credit_code
    from alliance.models import Enterprise, Federation, Member, MemberStatus, Township, Village
    from products.models import Category, Tag

    home = Federation.objects.create(name="奉化区妇联", region="浙江省宁波市奉化区", is_home=True)
    partner = Federation.objects.create(name="甘洛县妇联", region="四川省凉山州甘洛县")
    townships = Township.objects.bulk_create(
        Township(federation=home, name=f"{name}镇{n}") for n, name in enumerate(QUALIFIERS * 3)
    )
    villages = Village.objects.bulk_create(
        Village(township=townships[n % len(townships)], name=f"第{n}村") for n in range(600)
    )
    members = Member.objects.bulk_create(
        (
            Member(
                name=f"卖家{n}",
                mobile=f"139{n:08d}",
                federation=home,
                village=generator.choice(villages),
                is_seller=True,
                story="返乡创业，带着姐妹们一起直播卖货。",
                status=MemberStatus.SUSPENDED if n % 33 == 0 else MemberStatus.ACTIVE,
            )
            for n in range(4000)
        ),
        batch_size=2000,
    )
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(
            name=f"巧妇企业{n}",
            registration_number=credit_code("330283", n),
            owner=members[n],
            village=members[n].village,
        )
        for n in range(600)
    )
    tops = Category.objects.bulk_create(
        Category(name=f"{produce}类", position=n) for n, produce in enumerate(PRODUCE)
    )
    leaves = Category.objects.bulk_create(
        Category(name=f"{top.name}{n}", parent=top, position=n) for top in tops for n in range(8)
    )
    tags = Tag.objects.bulk_create(Tag(name=f"{style}{n}") for style in STYLES for n in range(8))
    return {
        "villages": [village.pk for village in villages],
        "members": [member.pk for member in members],
        "enterprise_owner": [enterprise.owner_id for enterprise in enterprises],
        "enterprises": [enterprise.pk for enterprise in enterprises],
        "leaves": [leaf.pk for leaf in leaves],
        "tops": [top.pk for top in tops],
        "tags": [tag.pk for tag in tags],
        "partner": [partner.pk],
    }


def product_rows(count: int, ids: dict[str, list[int]], generator: random.Random) -> Iterator:
    owner_enterprise = dict(zip(ids["enterprise_owner"], ids["enterprises"], strict=True))
    start = datetime(2024, 1, 1, tzinfo=UTC)
    statuses = ["on_sale"] * 92 + ["off_shelf"] * 5 + ["draft"] * 3
    for n in range(count):
        seller = generator.choice(ids["members"])
        is_partner = n % 37 == 0
        months = generator.choice([4095, 0b000000011110, 0b111000000001, 0b000111100000])
        created = start + timedelta(seconds=n * 600 + generator.randrange(600))
        name = (
            f"{generator.choice(QUALIFIERS)}{generator.choice(PRODUCE)} "
            f"{generator.choice(STYLES)} {n}"
        )
        yield (
            seller,
            owner_enterprise.get(seller),
            generator.choice(ids["leaves"]),
            name,
            "农家自产，现摘现发，产地直供。",
            generator.choice(ids["villages"]),
            generator.choice(["斤", "盒", "盆", "袋"]),
            generator.choice(statuses),
            months,
            is_partner,
            ids["partner"][0] if is_partner else None,
            created,
            created,
        )


def copy_rows(cursor: object, model: type, fields: list[str], rows: Iterator) -> int:
    columns = ", ".join(model._meta.get_field(name).column for name in fields)
    written = 0
    with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def seed_catalogue(count: int, ids: dict[str, list[int]], generator: random.Random) -> dict:
    """Products, SKUs, photo rows and tags with COPY; returns the row counts."""
    import psycopg

    from products.models import SKU, Product, ProductImage

    fields = [
        "seller", "enterprise", "category", "name", "description", "origin_village", "unit",
        "status", "season_months", "is_partner_county", "partner_federation", "created_at",
        "updated_at",
    ]  # fmt: skip
    counts = {}
    with psycopg.connect(DATABASE_URL) as connection, connection.cursor() as cursor:
        counts["products"] = copy_rows(cursor, Product, fields, product_rows(count, ids, generator))
        cursor.execute(f"SELECT id FROM {Product._meta.db_table} ORDER BY id")
        product_ids = [row[0] for row in cursor.fetchall()]
        counts["skus"] = copy_rows(
            cursor,
            SKU,
            [
                "product",
                "spec",
                "merchant_code",
                "price",
                "stock",
                "low_stock_threshold",
                "is_active",
                "position",
            ],
            sku_rows(product_ids, generator),
        )
        counts["images"] = copy_rows(
            cursor,
            ProductImage,
            [
                "product",
                "image",
                "thumbnail_small",
                "thumbnail_medium",
                "width",
                "height",
                "alt_text",
                "position",
                "created_at",
            ],
            image_rows(product_ids, generator),
        )
        through = Product.tags.through
        counts["product_tags"] = copy_rows(
            cursor, through, ["product", "tag"], tag_rows(product_ids, ids["tags"], generator)
        )
        connection.commit()
        connection.autocommit = True
        cursor.execute("ANALYZE")
    return counts


def existing_counts() -> dict[str, int]:
    from products.models import SKU, Product, ProductImage

    return {
        "products": Product.objects.count(),
        "skus": SKU.objects.count(),
        "images": ProductImage.objects.count(),
        "product_tags": Product.tags.through.objects.count(),
    }


def sku_rows(product_ids: list[int], generator: random.Random) -> Iterator:
    for product_id in product_ids:
        for position in range(generator.randint(1, 3)):
            price = Decimal(generator.randrange(990, 39900)) / 100
            active = position == 0 or generator.random() > 0.1
            stock = generator.choice([0, 5, 20, 100])
            yield (
                product_id,
                generator.choice(SPECS),
                f"B{product_id:07d}-{position}",
                price,
                stock,
                5,
                active,
                position,
            )


def image_rows(product_ids: list[int], generator: random.Random) -> Iterator:
    now = datetime.now(UTC)
    for product_id in product_ids:
        for position in range(generator.randint(1, 3)):
            full, small, medium = generator.choice(SHARED_IMAGES)
            yield (product_id, full, small, medium, 1600, 1200, "产品照片", position, now)


def tag_rows(product_ids: list[int], tag_ids: list[int], generator: random.Random) -> Iterator:
    for product_id in product_ids:
        for tag_id in generator.sample(tag_ids, generator.randint(0, 2)):
            yield (product_id, tag_id)


# --- Serving and measuring ---------------------------------------------------------------------


def server_environment(cache_seconds: int) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "benchmarks.catalog_api_settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        # One client address sends everything: a limit it never reaches, the counter still runs.
        "API_ANON_RATE": "1000000000/min",
        "API_CACHE_SECONDS": str(cache_seconds),
    }


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


@contextmanager
def gunicorn(cache_seconds: int, workers: int) -> Iterator[str]:
    env = {**os.environ, **server_environment(cache_seconds), "PYTHONPATH": str(ROOT)}
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi:application",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--bind", f"127.0.0.1:{PORT}",
        "--log-level", "warning",
        "--chdir", str(ROOT),
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_until_up(f"{base}/bench/bare/", deadline=time.monotonic() + 30)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_up(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url}")


def fetch_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
        return json.load(response)


def run_wrk(url: str, seconds: int, connections: int, script: Path) -> dict[str, float]:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script)]
    output = subprocess.run(
        [*command, "--timeout", "10s", url], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    figures = dict(re.findall(r"(\w+)=(\d+)", output.split("BENCH", 1)[1]))
    if int(figures["non2xx"]) or int(figures["errors"]):
        raise SystemExit(f"wrk saw failures for {url}:\n{output}")
    return {
        "requests_per_second": rate,
        "p50_ms": int(figures["p50_us"]) / 1000,
        "p95_ms": int(figures["p95_us"]) / 1000,
        "p99_ms": int(figures["p99_us"]) / 1000,
        "requests": int(figures["requests"]),
    }


def measure(targets: dict[str, str], args: argparse.Namespace, script: Path) -> dict[str, dict]:
    """Warm-up, then interleaved rounds; each target's median round."""
    for url in targets.values():
        run_wrk(url, args.warmup, args.connections, script)
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
    for number in range(args.rounds):
        for name, url in targets.items():
            result = run_wrk(url, args.duration, args.connections, script)
            rounds[name].append(result)
            print(
                f"  round {number + 1} {name:<22} {result['requests_per_second']:8.0f} req/s"
                f"  p95 {result['p95_ms']:6.1f} ms",
                flush=True,
            )
    results = {}
    for name, runs in rounds.items():
        median_rate = statistics.median(run["requests_per_second"] for run in runs)
        median_p95 = statistics.median(run["p95_ms"] for run in runs)
        results[name] = {
            "url": targets[name],
            "requests_per_second": round(median_rate, 1),
            "p95_ms": round(median_p95, 2),
            "rounds": runs,
        }
    bare = results["bare view"]
    for result in results.values():
        result["throughput_ratio"] = round(
            result["requests_per_second"] / max(bare["requests_per_second"], 0.001), 3
        )
        result["p95_ratio"] = round(result["p95_ms"] / max(bare["p95_ms"], 0.001), 3)
    return results


def pick_targets(base: str) -> dict[str, str]:
    from django.db.models import Count

    from products.models import Category, Product, ProductStatus

    top = (
        Category.objects.filter(parent__isnull=True)
        .annotate(product_total=Count("children__products"))
        .order_by("-product_total")
        .first()
    )
    on_sale = Product.objects.filter(status=ProductStatus.ON_SALE, seller__status="active")
    middle = on_sale.order_by("pk")[on_sale.count() // 2]
    return {
        "bare view": f"{base}/bench/bare/",
        "list, first page": f"{base}/api/v1/products/",
        "list, filtered page": (
            f"{base}/api/v1/products/?category={top.pk}&price_max=100&season=now&ordering=price"
        ),
        "detail": f"{base}/api/v1/products/{middle.pk}/",
    }


def check_targets(targets: dict[str, str]) -> dict[str, int]:
    """Each URL answers 200 with data; returns how many products each list page shows."""
    shown = {}
    for name, url in targets.items():
        body = fetch_json(url)
        if "results" in body:
            if not body["results"]:
                raise SystemExit(f"{name} shows no product: {url}")
            shown[name] = len(body["results"])
    return shown


# --- Report ------------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import django
    import psycopg

    with psycopg.connect(DATABASE_URL) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    import redis

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "redis": redis.Redis.from_url(REDIS_URL).info()["redis_version"],
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1],
    }


def print_table(title: str, results: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"{'':<22} {'req/s':>8} {'ratio':>6} {'p95 ms':>8} {'ratio':>6}")
    for name, result in results.items():
        print(
            f"{name:<22} {result['requests_per_second']:8.0f} {result['throughput_ratio']:6.2f}"
            f" {result['p95_ms']:8.1f} {result['p95_ratio']:6.2f}"
        )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per URL")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (median)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-uncached", action="store_true", help="skip the cache-off pass")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {DATABASE} afterwards")
    parser.add_argument(
        "--reuse-db", action="store_true", help=f"measure a kept {DATABASE} again, no loading"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_arguments()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    generator = random.Random(20221)  # the same data every run
    started = time.perf_counter()
    if not args.reuse_db:
        create_database()
    try:
        setup_django()
        if args.reuse_db:
            counts = existing_counts()
        else:
            ids = seed_places_and_people(generator)
            counts = seed_catalogue(args.products, ids, generator)
        seeded = time.perf_counter() - started
        print(f"loaded {counts} in {seeded:.0f} s", flush=True)
        report = run(args, counts, seeded)
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            psql_admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"catalog_api-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten to {path.relative_to(ROOT)}")


def run(args: argparse.Namespace, counts: dict, seeded: float) -> dict:
    report: dict[str, object] = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "data": counts,
        "load_seconds": round(seeded, 1),
        "settings": {
            "gunicorn_workers": args.workers,
            "worker_class": "sync",
            "connections": args.connections,
            "duration_seconds": args.duration,
            "warmup_seconds": args.warmup,
            "rounds": args.rounds,
        },
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script_file:
        script_file.write(WRK_SCRIPT)
    script = Path(script_file.name)
    passes = [("response cache on (the site's settings)", 300)]
    if not args.no_uncached:
        passes.append(("response cache off (API_CACHE_SECONDS=0), for comparison", 0))
    try:
        for title, cache_seconds in passes:
            flush_redis()
            print(f"\n{title}", flush=True)
            with gunicorn(cache_seconds, args.workers) as base:
                targets = pick_targets(base)
                report.setdefault("products_per_page", check_targets(targets))
                results = measure(targets, args, script)
            report["cached" if cache_seconds else "uncached"] = results
            print_table(title, results)
    finally:
        script.unlink()
    return report


if __name__ == "__main__":
    main()
