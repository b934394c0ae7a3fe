"""Benchmark: importing a large Douyin export, against PostgreSQL COPY of the same file.

    .venv/bin/python benchmarks/import_orders.py [--lines 100000] [--scale-check]

Needs the PostgreSQL server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/…);
it creates and drops its own database `fulian_bench_import`. In one run it:
1. generates a 抖店 CSV of N lines (about 0.6 N orders, 1–3 lines each, UTF-8 with BOM, ids as
   "\\t<id>", 65 columns) over a catalogue of 400 SKUs;
2. baseline: `COPY` of the same file into a bare table of 65 text columns (what PostgreSQL itself
   can load), timed;
3. the import (parse, match, upsert orders and lines, split into seller orders, attribute) in a
   separate process, timed, with its peak memory (ru_maxrss);
4. with --scale-check, the import of a file 10× smaller, to show memory does not grow with it;
and prints lines/s, the ratio import/COPY and peak memory, and writes JSON to benchmarks/results/.
"""

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DATABASE = "fulian_bench_import"
SKUS = 400

HEADER_TEXT = (
    "主订单编号,子订单编号,选购商品,商品规格,商品数量,商品ID,商家编码,商品单价,订单应付金额,运费,"
    "优惠总金额,平台优惠,商家优惠,达人优惠,商家改价,支付优惠,红包抵扣,支付方式,手续费,收件人,"
    "收件人手机号,省,市,区,街道,详细地址,是否修改过地址,买家留言,订单提交时间,旗帜颜色,"
    "商家备注,订单完成时间,支付完成时间,APP渠道,流量来源,订单状态,承诺发货时间,订单类型,鲁班落地页ID,达人ID,"
    "达人昵称,所属门店ID,售后状态,取消原因,预约发货时间,仓库ID,仓库名称,是否安心购,广告渠道,流量类型,"
    "流量体裁,流量渠道,发货主体,发货主体明细,发货时间,降价类优惠,平台实际承担优惠金额,商家实际承担优惠金额,"
    "达人实际承担优惠金额,预计送达时间,是否平台仓自流转,车型,预约送达时间,建议发货时间（起）,建议发货时间（止）"
)
HEADER = HEADER_TEXT.split(",")


def database_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fulian")
    return base.rsplit("/", 1)[0] + "/" + name


def generate(path: Path, lines: int, seed: int = 20261129) -> int:
    """Writes a Douyin export of about `lines` lines; returns the number written."""
    generator = random.Random(seed)
    start = datetime(2022, 9, 1, 19, 0, 0)
    written = 0
    order_number = 4_960_000_000_000_000_000
    statuses = ["待发货"] * 7 + ["已发货"] * 2 + ["已关闭"]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        while written < lines:
            order_number += generator.randint(1, 50)
            count = min(generator.choice((1, 1, 1, 2, 2, 3)), lines - written)
            paid = start + timedelta(seconds=written * 3)
            for index in range(count):
                sku = generator.randrange(SKUS)
                quantity = generator.randint(1, 3)
                price = 20 + sku % 80
                row = dict.fromkeys(HEADER, "-")
                row.update(
                    {
                        "主订单编号": f"\t{order_number}",
                        "子订单编号": f"\t5{order_number % 10**17:017d}{index}",
                        "选购商品": f"\t奉化特产 第{sku}号",
                        "商品规格": f"\t规格{sku}",
                        "商品数量": str(quantity),
                        "商品ID": f"\t35{sku:017d}",
                        "商家编码": f"\tBENCH-{sku:04d}",
                        "商品单价": f"{price}.00",
                        "订单应付金额": f"{price * quantity}.00",
                        "运费": "0.00",
                        "优惠总金额": "0.00",
                        "收件人": "王**",
                        "收件人手机号": "1********35",
                        "省": "浙江省",
                        "市": "宁波市",
                        "区": "奉化区",
                        "街道": "锦屏街道",
                        "详细地址": "****",
                        "买家留言": "",
                        "订单提交时间": paid.strftime("%Y-%m-%d %H:%M:%S"),
                        "支付完成时间": (paid + timedelta(seconds=20)).strftime(
                            "%Y-%m-%d %H:%M:%S"
                        ),
                        "订单状态": generator.choice(statuses),
                        "售后状态": "-",
                        "取消原因": "",
                        "流量体裁": "直播",
                        "达人ID": "\t3069174582263041",
                    }
                )
                writer.writerow([row[name] for name in HEADER])
                written += 1
    return written


def psql(*args: str, database: str = "postgres") -> str:
    url = database_url(database)
    return subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def create_database() -> None:
    psql("-c", f"DROP DATABASE IF EXISTS {DATABASE}")
    flush_broker()
    psql("-c", f"CREATE DATABASE {DATABASE}")


def copy_baseline(path: Path) -> float:
    """Seconds for PostgreSQL to COPY the file into a bare table of text columns."""
    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    psql(
        "-c",
        f"DROP TABLE IF EXISTS bare; CREATE UNLOGGED TABLE bare ({columns})",
        database=DATABASE,
    )
    started = time.perf_counter()
    psql(
        "-c",
        f"\\copy bare FROM '{path}' WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')",
        database=DATABASE,
    )
    elapsed = time.perf_counter() - started
    psql("-c", "DROP TABLE bare", database=DATABASE)
    return elapsed


# The import publishes its seller orders to this Redis database, which no worker reads: as in
# production, forwarding is the workers' job after the import's commit (benchmarks/forwarding.py
# measures it). It is flushed before and after each import.
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")


def django_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(DATABASE),
        "REDIS_URL": BROKER,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
    }


def flush_broker() -> None:
    import redis

    redis.Redis.from_url(BROKER).flushdb()


def prepare_schema() -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=django_env(), check=True
    )
    subprocess.run(
        [sys.executable, __file__, "--catalogue"], cwd=ROOT, env=django_env(), check=True
    )


def make_catalogue() -> None:
    """Runs inside Django: the sellers and SKUs the generated file refers to."""
    import django

    django.setup()
    from decimal import Decimal

    from alliance.models import Federation, Member
    from products.models import SKU, Category, Product, ProductStatus

    home, _ = Federation.objects.get_or_create(
        name="奉化区妇联", defaults={"region": "奉化", "is_home": True}
    )
    top, _ = Category.objects.get_or_create(name="基准", parent=None)
    leaf, _ = Category.objects.get_or_create(name="基准子类", parent=top)
    sellers = [
        Member.objects.get_or_create(
            mobile=f"1370000{n:04d}",
            defaults={"name": f"卖家{n}", "federation": home, "is_seller": True},
        )[0]
        for n in range(40)
    ]
    for n in range(SKUS):
        product, _ = Product.objects.get_or_create(
            name=f"奉化特产 第{n}号",
            defaults={"seller": sellers[n % 40], "category": leaf, "status": ProductStatus.ON_SALE},
        )
        SKU.objects.get_or_create(
            merchant_code=f"BENCH-{n:04d}",
            defaults={"product": product, "spec": f"规格{n}", "price": Decimal(20 + n % 80)},
        )


def run_import(path: Path) -> dict:
    """Runs the import in a fresh process; returns its seconds, peak memory and counts."""
    flush_broker()
    completed = subprocess.run(
        [sys.executable, __file__, "--import-file", str(path)],
        cwd=ROOT,
        env=django_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def import_file(path: str) -> None:
    """Runs inside Django: imports the file and prints seconds, peak RSS and the counts."""
    import django

    django.setup()
    from livestreams.services.imports import import_files

    started = time.perf_counter()
    with open(path, "rb") as handle:
        result = import_files([(Path(path).name, handle)])
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb, **result.counts()}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--scale-check", action="store_true")
    parser.add_argument("--catalogue", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--import-file", help=argparse.SUPPRESS)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if options.catalogue:
        return make_catalogue()
    if options.import_file:
        return import_file(options.import_file)

    RESULTS.mkdir(parents=True, exist_ok=True)
    big = RESULTS / f"douyin_{options.lines}.csv"
    lines = generate(big, options.lines)
    create_database()
    prepare_schema()
    copy_seconds = copy_baseline(big)
    imported = run_import(big)
    report = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores",
        "lines": lines,
        "file_mb": round(big.stat().st_size / 1e6, 1),
        "copy_seconds": round(copy_seconds, 3),
        "copy_lines_per_second": round(lines / copy_seconds),
        "import_seconds": round(imported["seconds"], 3),
        "import_lines_per_second": round(lines / imported["seconds"]),
        "ratio_import_to_copy": round(copy_seconds / imported["seconds"], 3),
        "import_peak_mb": round(imported["peak_mb"], 1),
        "orders_created": imported["orders_created"],
        "lines_created": imported["lines_created"],
        "seller_orders_created": imported["seller_orders_created"],
        "unmatched_lines": imported["unmatched_lines"],
    }
    reimport = run_import(big)
    report["reimport_seconds"] = round(reimport["seconds"], 3)
    report["reimport_changes"] = reimport["orders_created"] + reimport["lines_updated"]
    if options.scale_check:
        small = RESULTS / f"douyin_{options.lines // 10}.csv"
        small_lines = generate(small, options.lines // 10, seed=7)
        create_database()
        prepare_schema()
        report["small_lines"] = small_lines
        report["small_import_peak_mb"] = round(run_import(small)["peak_mb"], 1)
    (RESULTS / "import_orders.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    for key, value in report.items():
        print(f"{key:28} {value}")
    psql("-c", f"DROP DATABASE IF EXISTS {DATABASE}")
    flush_broker()


if __name__ == "__main__":
    main()
