"""The scan page /q/<token> under gunicorn, against a bare Django view served the same way.

Run by hand on PostgreSQL and Redis, never in the test suite (needs `apt-get install wrk`):

    .venv/bin/python benchmarks/qr_page.py
    .venv/bin/python benchmarks/qr_page.py --rounds 5 --duration 10 --connections 32

It creates the database fulian_bench_qr on the PostgreSQL server of BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432) and builds its tables (`--syncdb`: from the models instead
of the migrations); loads a county's worth of courtyards with the ORM — 300 private courtyards
of 15 pieces each, 20 public courtyards with 5 designs each, two photo rows per piece and design
(pointing at shared files), 4,600 QR codes; uses the Redis database of BENCH_REDIS_URL (default
redis://127.0.0.1:6379/15, flushed first); starts gunicorn (2 workers × 8 threads, gthread) on
127.0.0.1 with benchmarks.qr_page_settings (the site's settings and middleware, plus the bare
view at /bench/bare/); and measures with wrk at 32 connections, after a warm-up, in interleaved
rounds: the bare view and the scan page, each request a random one of 1,000 codes (pieces and
designs, as at a village event), every code opened once before (the day's first visitors
render the pages the crowd then reads). Then the same with the page cache off (every scan
rendered).

The SQL statements per scan are counted in-process (Django's test client against the same
database): a cold scan renders, a warm one reads the cache; the buffered scan record adds one
INSERT per COURTYARD_SCAN_FLUSH_SIZE scans, shown amortized. It prints requests/s and p99 as
ratios to the bare view and writes JSON to benchmarks/results/ (git-ignored). The database is
dropped at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.catalog_api import (  # noqa: E402 (after the path)
    POSTGRES_URL,
    REDIS_URL,
    WRK_SCRIPT,
    psql_admin,
    run_wrk,
    wait_until_up,
)

DATABASE = "fulian_bench_qr"
DATABASE_URL = f"{POSTGRES_URL}/{DATABASE}"
PORT = 8766
RESULTS = ROOT / "benchmarks" / "results"
CODES_PER_RUN = 1000

PLANTS = [
    "杜鹃老桩",
    "西洋杜鹃",
    "毛鹃",
    "夏鹃",
    "五针松",
    "罗汉松",
    "紫薇",
    "金桂",
    "茶梅",
    "山茶",
    "月季",
]
STYLES = ["new_chinese", "pastoral", "japanese", "modern"]


def machine() -> dict[str, object]:
    import platform

    import django
    import psycopg
    import redis

    lines = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    cpu = names[0] if names else "unknown"
    with psycopg.connect(DATABASE_URL) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "redis": redis.Redis.from_url(REDIS_URL).info()["redis_version"],
        "wrk": wrk,
    }


def server_environment(cache_seconds: int, syncdb: bool) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "benchmarks.qr_page_settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "BENCH_QR_PAGE_CACHE": str(cache_seconds),
        "BENCH_SYNCDB": "1" if syncdb else "0",
    }


def setup_django(syncdb: bool) -> None:
    os.environ.update(server_environment(600, syncdb))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, run_syncdb=syncdb)


def seed(generator: random.Random) -> dict[str, int]:
    """Villages, owners, designers, courtyards, pieces, designs, photo rows and codes."""
    from alliance.models import Federation, Member, Township, Village
    from courtyards.models import Courtyard, CourtyardDesign, CourtyardItem, Photo, QrCode

    home = Federation.objects.create(name="奉化区妇联", region="浙江省宁波市奉化区", is_home=True)
    township = Township.objects.create(federation=home, name="西坞街道")
    villages = Village.objects.bulk_create(
        Village(township=township, name=f"第{n}村") for n in range(30)
    )
    owners = Member.objects.bulk_create(
        Member(name=f"庭院主人{n}", mobile=f"1385{n:07d}", federation=home,
               village=villages[n % 30], is_courtyard_owner=True)
        for n in range(320)
    )  # fmt: skip
    designers = Member.objects.bulk_create(
        Member(name=f"设计师{n}", mobile=f"1386{n:07d}", federation=home, village=villages[0],
               is_designer=True)
        for n in range(6)
    )  # fmt: skip
    courtyards = Courtyard.objects.bulk_create(
        Courtyard(owner=owner, village=owner.village, name=f"{owner.name}的庭院",
                  story="自家小院里摆满了杜鹃和盆景，每一盆都挂着自己的二维码。",
                  kind="public" if n >= 300 else "showroom")
        for n, owner in enumerate(owners)
    )  # fmt: skip
    items = CourtyardItem.objects.bulk_create(
        CourtyardItem(courtyard=courtyard, name=f"{generator.choice(PLANTS)} {n}号",
                      description="三十年老桩，春天开满粉白双色花。", position=n,
                      price=Decimal(generator.randrange(98, 3000)))
        for courtyard in courtyards[:300]
        for n in range(15)
    )  # fmt: skip
    designs = CourtyardDesign.objects.bulk_create(
        CourtyardDesign(courtyard=courtyard, designer=generator.choice(designers),
                        name=f"庭院样板 {n}", style=STYLES[n % 4], position=n,
                        description="白墙黛瓦配竹影，一方小池。", materials="青石板、竹篱",
                        price_min_per_sqm=Decimal(500), price_max_per_sqm=Decimal(1200))
        for courtyard in courtyards[300:]
        for n in range(5)
    )  # fmt: skip
    photo = {"image": "bench/full.jpg", "thumbnail_small": "bench/small.jpg",
             "thumbnail_medium": "bench/medium.jpg", "width": 1600, "height": 1200}  # fmt: skip
    Photo.objects.bulk_create(
        [Photo(courtyard_id=item.courtyard_id, item=item, position=p, **photo)
         for item in items for p in range(2)]
        + [Photo(courtyard_id=design.courtyard_id, design=design, position=p, **photo)
           for design in designs for p in range(2)],
        batch_size=2000,
    )  # fmt: skip
    QrCode.objects.bulk_create(
        [QrCode(courtyard_id=item.courtyard_id, item=item) for item in items]
        + [QrCode(courtyard_id=design.courtyard_id, design=design) for design in designs],
        batch_size=2000,
    )
    return {
        "courtyards": len(courtyards),
        "pieces": len(items),
        "designs": len(designs),
        "photos": Photo.objects.count(),
        "codes": QrCode.objects.count(),
    }


def sample_tokens(generator: random.Random) -> list[str]:
    from courtyards.models import QrCode

    tokens = list(QrCode.objects.values_list("token", flat=True))
    return generator.sample(tokens, min(CODES_PER_RUN, len(tokens)))


def statements_per_scan(tokens: list[str]) -> dict[str, float]:
    """SQL statements of cold and warm scans, the buffered scan record's INSERTs amortized."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from courtyards import conf, scans

    setup_test_environment()
    client = Client()
    sample = tokens[:200]
    counts = {}
    for name in ("cold", "warm"):
        with CaptureQueriesContext(connection) as context:
            for token in sample:
                assert client.get(f"/q/{token}", HTTP_HOST="127.0.0.1").status_code == 200
        counts[name] = len(context)
    scans.flush()
    size = conf.get("COURTYARD_SCAN_FLUSH_SIZE")
    return {
        "cold": round(counts["cold"] / len(sample), 3),
        "warm": round(counts["warm"] / len(sample), 3),
        "flush_size": size,
        "scan_record_amortized": round(1 / size, 3),
    }


@contextmanager
def gunicorn(cache_seconds: int, syncdb: bool, workers: int, threads: int) -> Iterator[str]:
    env = {**os.environ, **server_environment(cache_seconds, syncdb), "PYTHONPATH": str(ROOT)}
    command = [
        str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application",
        "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
        "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning", "--chdir", str(ROOT),
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_until_up(f"{base}/bench/bare/", deadline=time.monotonic() + 30)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def scripts(tokens: list[str], folder: Path) -> dict[str, Path]:
    """wrk scripts: the bare view, and scans of random codes."""
    bare = folder / "bare.lua"
    bare.write_text(WRK_SCRIPT, encoding="utf-8")
    paths = ",".join(f'"/q/{token}"' for token in tokens)
    scan = folder / "scan.lua"
    scan.write_text(
        f"local paths = {{{paths}}}\nmath.randomseed(20221)\n"
        "request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n"
        + WRK_SCRIPT,
        encoding="utf-8",
    )
    return {"bare view": bare, "scan page": scan}


def prewarm(base: str, tokens: list[str]) -> float:
    """Opens every code once, as the first visitors of the day would; returns the seconds."""
    started = time.perf_counter()
    for token in tokens:
        with urllib.request.urlopen(f"{base}/q/{token}", timeout=30) as response:  # noqa: S310
            if response.status != 200:
                raise SystemExit(f"/q/{token} answered {response.status}")
    return time.perf_counter() - started


def measure(base: str, lua: dict[str, Path], args: argparse.Namespace) -> dict[str, dict]:
    targets = {"bare view": f"{base}/bench/bare/", "scan page": f"{base}/q/"}
    for name, url in targets.items():
        run_wrk(url, args.warmup, args.connections, lua[name])
    rounds: dict[str, list[dict]] = {name: [] for name in targets}
    for number in range(args.rounds):
        for name, url in targets.items():
            result = run_wrk(url, args.duration, args.connections, lua[name])
            rounds[name].append(result)
            print(f"  round {number + 1} {name:<10} {result['requests_per_second']:8.0f} req/s"
                  f"  p99 {result['p99_ms']:6.1f} ms", flush=True)  # fmt: skip
    results = {}
    for name, runs in rounds.items():
        results[name] = {
            "requests_per_second": round(
                statistics.median(r["requests_per_second"] for r in runs), 1
            ),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
            "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
            "rounds": runs,
        }
    bare = results["bare view"]
    for result in results.values():
        result["throughput_ratio"] = round(
            result["requests_per_second"] / bare["requests_per_second"], 3
        )
        result["p99_ratio"] = round(result["p99_ms"] / bare["p99_ms"], 3)
    return results


def print_table(title: str, results: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"{'':<12} {'req/s':>8} {'ratio':>6} {'p99 ms':>8} {'ratio':>6}")
    for name, result in results.items():
        print(f"{name:<12} {result['requests_per_second']:8.0f} {result['throughput_ratio']:6.2f}"
              f" {result['p99_ms']:8.1f} {result['p99_ratio']:6.2f}")  # fmt: skip


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per URL")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--syncdb", action="store_true", help="tables from the models")
    parser.add_argument("--no-uncached", action="store_true", help="skip the cache-off pass")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {DATABASE} afterwards")
    return parser.parse_args()


def main() -> None:
    args = parse_arguments()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    generator = random.Random(20221)
    psql_admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql_admin(f"CREATE DATABASE {DATABASE}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        started = time.perf_counter()
        setup_django(args.syncdb)
        counts = seed(generator)
        print(f"loaded {counts} in {time.perf_counter() - started:.0f} s", flush=True)
        tokens = sample_tokens(generator)
        statements = statements_per_scan(tokens)
        print(f"SQL statements per scan: {statements}", flush=True)
        redis.Redis.from_url(REDIS_URL).flushdb()  # the server renders its own pages
        report = {"machine": machine(), "data": counts, "statements_per_scan": statements,
                  "settings": vars(args)}  # fmt: skip
        with tempfile.TemporaryDirectory() as folder:
            lua = scripts(tokens, Path(folder))
            with gunicorn(600, args.syncdb, args.workers, args.threads) as base:
                report["first_scans_seconds"] = round(prewarm(base, tokens), 1)
                report["cached"] = measure(base, lua, args)
            print_table("Page cache on (the site's setting)", report["cached"])
            if not args.no_uncached:
                with gunicorn(0, args.syncdb, args.workers, args.threads) as base:
                    report["uncached"] = measure(base, lua, args)
                print_table("Page cache off (every scan rendered)", report["uncached"])
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            psql_admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"qr_page-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
