"""Import semantics: later exports, refused files, bad rows, dry runs, the unmatched queue."""

import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from livestreams.importers import FileRefused
from livestreams.models import (
    LineStatus,
    NotificationKind,
    Order,
    OrderImport,
    OrderLine,
    OrderLineChange,
    SellerOrder,
    SellerOrderStatus,
)
from livestreams.services import forwarding
from livestreams.services.imports import import_files
from livestreams.services.matching import map_unmatched
from livestreams.services.seller_orders import transition_many
from tests.livestreams.conftest import DATA, EXPECTED, open_files

pytestmark = pytest.mark.django_db


def run(*paths: str, **options):
    files = open_files(list(paths))
    try:
        return import_files(files, **options)
    finally:
        for _name, handle in files:
            handle.close()


def nothing_written() -> bool:
    return not (
        Order.objects.exists() or OrderLine.objects.exists() or SellerOrder.objects.exists()
    )


STATUS = {"待发货": "paid", "已发货": "shipped", "已完成": "completed", "已关闭": "closed"}


def test_a_later_export_updates_statuses_and_records_each_change(sample_catalogue):
    run("douyin/douyin_orders_20220907.csv")
    result = run("douyin/douyin_orders_20220913.csv")
    expected = EXPECTED["douyin_second_export"]
    assert result.orders_created == len(expected["new_orders"])
    assert result.lines_updated == len(expected["changed_lines"])
    for change in expected["changed_lines"]:
        line = OrderLine.objects.get(channel="douyin", line_key=change["sub_order"])
        assert line.status == STATUS[change["second"]["订单状态"]]
        if change["first"]["订单状态"] != change["second"]["订单状态"]:
            recorded = OrderLineChange.objects.get(line=line, field="status")
            assert (recorded.from_value, recorded.to_value) == (
                STATUS[change["first"]["订单状态"]],
                STATUS[change["second"]["订单状态"]],
            )
            assert recorded.order_import is None  # not a recorded import in this test
    # Orders only in the first export are kept as they were.
    for order_id in expected["orders_only_in_first"]:
        assert Order.objects.filter(channel="douyin", platform_order_id=order_id).exists()
    # Importing the first export again never moves a line back.
    run("douyin/douyin_orders_20220907.csv")
    for change in expected["changed_lines"]:
        line = OrderLine.objects.get(channel="douyin", line_key=change["sub_order"])
        assert line.status == STATUS[change["second"]["订单状态"]]


def test_a_line_refunded_later_cancels_its_seller_order_when_nothing_else_is_left(sample_catalogue):
    run("douyin/douyin_orders_20220907.csv")
    line = OrderLine.objects.get(channel="douyin", line_key="4951858887308926650")
    seller_order = line.seller_order
    assert seller_order.status == SellerOrderStatus.PENDING
    run("douyin/douyin_orders_20220913.csv")
    line.refresh_from_db()
    assert line.status == LineStatus.CLOSED and line.after_sales_status == "refunded"
    seller_order.refresh_from_db()
    others = seller_order.lines.exclude(pk=line.pk).exclude(status=LineStatus.CLOSED)
    if not others.exists():
        assert seller_order.status == SellerOrderStatus.CANCELLED
        assert seller_order.events.last().reason == "all lines cancelled or refunded"


def test_sellers_are_told_of_lines_that_changed_after_forwarding_and_only_then(
    sample_catalogue, monkeypatch, django_capture_on_commit_callbacks
):
    told = []
    monkeypatch.setattr(
        forwarding, "publish_notices", lambda ids, kind, reference: told.append((kind, ids))
    )
    monkeypatch.setattr(forwarding, "publish_by_seller", lambda by_seller: 0)
    run("douyin/douyin_orders_20220907.csv")
    pending = list(SellerOrder.objects.values_list("pk", flat=True))
    transition_many(
        seller_order_ids=pending,
        from_status=SellerOrderStatus.PENDING,
        to_status=SellerOrderStatus.FORWARDED,
        actor=None,
    )
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        run("douyin/douyin_orders_20220913.csv")
    changed = set(
        SellerOrder.objects.filter(
            lines__changes__created_at__gte=before,
            status__in=(SellerOrderStatus.FORWARDED, SellerOrderStatus.ACKNOWLEDGED),
        ).values_list("pk", flat=True)
    )
    assert changed, "the second export changes lines of forwarded seller orders"
    assert [(kind, set(ids)) for kind, ids in told] == [(NotificationKind.CHANGED, changed)]
    told.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = run("douyin/douyin_orders_20220913.csv")
    assert again.lines_updated == 0 and told == []


def test_the_gbk_file_without_bom_imports_with_correct_chinese(sample_catalogue):
    result = run("bad/douyin_gbk_no_bom.csv")
    assert (result.rows, result.orders_created, result.lines_created) == (7, 4, 7)
    titles = set(OrderLine.objects.values_list("title", flat=True))
    assert all(any("\u4e00" <= char <= "\u9fff" for char in title) for title in titles)
    assert not any("�" in title for title in titles)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("bad/empty.csv", "empty"),
        ("bad/header_only.csv", "no orders"),
        ("bad/douyin_missing_column.csv", "子订单编号"),
        ("bad/douyin_truncated.csv", "cut off"),
        ("bad/renamed_text.xlsx", "zip"),
        ("bad/random_bytes.csv", "not text"),
    ],
)
def test_files_that_cannot_be_read_as_a_whole_are_refused_and_write_nothing(
    sample_catalogue, english, path, reason
):
    with pytest.raises(FileRefused) as refusal:
        run(path)
    assert reason.lower() in str(refusal.value).lower() or reason in str(refusal.value)
    assert nothing_written()


def test_a_file_of_another_platform_forced_is_refused_naming_the_columns(sample_catalogue, english):
    with pytest.raises(FileRefused) as refusal:
        run("douyin/douyin_orders_20220907.csv", platform="channels")
    assert "订单号" in str(refusal.value)
    with pytest.raises(FileRefused):
        run("channels/channels_orders_20230109.xlsx", platform="douyin")
    assert nothing_written()


def test_fifty_megabytes_of_junk_are_refused_quickly(tmp_path, english):
    junk = tmp_path / "export.csv"
    generator = random.Random(20261129)
    with junk.open("wb") as handle:
        for _ in range(50):
            handle.write(generator.randbytes(1024 * 1024))
    with junk.open("rb") as handle, pytest.raises(FileRefused):
        import_files([("export.csv", handle)])
    assert nothing_written()


def test_a_bad_price_or_quantity_skips_its_order_and_is_reported(sample_catalogue, english):
    result = run("bad/douyin_bad_price_and_quantity.csv")
    assert (result.rows, result.lines_created, result.orders_created) == (8, 6, 5)
    assert result.skipped_rows == 2
    assert [(e["row"], e["column"]) for e in result.errors] == [(4, "商品单价"), (7, "商品数量")]
    assert "abc" in result.errors[0]["message"] and "-2" in result.errors[1]["message"]


def test_never_half_an_order(sample_catalogue, tmp_path, english):
    """A bad second line of a two-line order skips the first line too."""
    text = (DATA / "douyin/douyin_orders_20220907.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    header, rows = lines[0], lines[1:]
    order_of = {}
    for index, row in enumerate(rows):
        order_of.setdefault(row.split(",")[0], []).append(index)
    two_line_order = next(indexes for indexes in order_of.values() if len(indexes) == 2)
    broken = rows[two_line_order[1]].split(",")
    broken[4] = "zero"  # 商品数量
    rows[two_line_order[1]] = ",".join(broken)
    path = tmp_path / "douyin.csv"
    path.write_text("\ufeff" + "\n".join([header, *rows]) + "\n", encoding="utf-8")
    with path.open("rb") as handle:
        result = import_files([("douyin.csv", handle)])
    order_id = broken[0].strip('"\t')
    assert not Order.objects.filter(platform_order_id=order_id).exists()
    assert result.skipped_rows == 2
    assert {e["row"] for e in result.errors} == {two_line_order[0] + 2, two_line_order[1] + 2}
    assert (
        result.orders_created
        == EXPECTED["files"]["douyin/douyin_orders_20220907.csv"]["orders"] - 1
    )


def test_a_dry_run_reports_and_writes_nothing(sample_catalogue):
    result = run("douyin/douyin_orders_20220907.csv", dry_run=True)
    assert result.orders_created == 26 and result.dry_run
    assert nothing_written()


# --- The unmatched queue -------------------------------------------------------------------------


def test_unmatched_lines_wait_and_one_mapping_matches_them_all(sample_catalogue):
    strawberry = sample_catalogue["FH-JN-001"]
    strawberry.merchant_code = "OUR-OWN-CODE"  # the export's code no longer finds it
    strawberry.save()
    strawberry.listings.all().delete()
    result = run("douyin/douyin_orders_20220907.csv")
    waiting = OrderLine.objects.filter(sku__isnull=True)
    assert result.unmatched_lines == waiting.count() > 0
    assert set(waiting.values_list("merchant_code", flat=True)) == {"FH-JN-001"}
    assert not SellerOrder.objects.filter(lines__in=waiting).exists()

    outcome = map_unmatched(line=waiting.first(), sku=strawberry, actor=None)
    assert outcome["lines_matched"] == result.unmatched_lines
    assert not OrderLine.objects.filter(sku__isnull=True).exists()
    assert strawberry.listings.filter(platform="douyin", platform_sku_id="FH-JN-001").exists()
    for line in OrderLine.objects.filter(sku=strawberry).exclude(status__in=["closed", "unpaid"]):
        assert line.seller_order.seller_id == strawberry.product.seller_id
    # The next export's lines with the same ids are matched by the remembered listing.
    later = run("douyin/douyin_orders_20220913.csv")
    assert later.unmatched_lines == 0


# --- The command-line contract -------------------------------------------------------------------


def command(*args: str) -> tuple[int, dict]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_orders", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue().strip().splitlines()[-1])


REQUIRED_KEYS = {
    "platform", "rows", "orders_created", "orders_updated", "lines_created", "lines_updated",
    "unmatched_lines", "skipped_rows", "errors",
}  # fmt: skip


def test_the_command_imports_and_prints_one_json_line(sample_catalogue):
    code, data = command(str(DATA / "douyin/douyin_orders_20220907.csv"))
    assert code == 0
    assert set(data) >= REQUIRED_KEYS
    assert (data["platform"], data["rows"], data["orders_created"]) == ("douyin", 42, 26)
    recorded = OrderImport.objects.get(pk=data["import_id"])
    assert recorded.status == "completed" and recorded.counts["lines_created"] == 42
    assert len(recorded.sha256) == 64 and recorded.file.name


def test_the_command_imports_the_legacy_pair_together(sample_catalogue):
    code, data = command(
        str(DATA / "taobao/ExportOrderList201903151640.csv"),
        str(DATA / "taobao/ExportOrderDetailList201903151640.csv"),
        "--platform",
        "taobao",
    )
    assert code == 0 and data["lines_created"] == 25


def test_the_command_exits_0_with_skipped_rows_and_lists_them(sample_catalogue):
    code, data = command(str(DATA / "bad/douyin_bad_price_and_quantity.csv"))
    assert code == 0
    assert data["skipped_rows"] == 2
    assert {tuple(sorted(e)) for e in data["errors"]} == {("column", "message", "row")}


def test_the_command_exits_1_when_the_file_is_refused(sample_catalogue):
    code, data = command(str(DATA / "bad/douyin_truncated.csv"))
    assert code == 1
    assert set(data) >= REQUIRED_KEYS and data["refused"] is True
    assert OrderImport.objects.get().status == "refused"
    assert nothing_written()


def test_the_command_dry_run_writes_no_orders(sample_catalogue):
    code, data = command(str(DATA / "douyin/douyin_orders_20220907.csv"), "--dry-run")
    assert code == 0 and data["orders_created"] == 26 and data["dry_run"] is True
    assert nothing_written()


@pytest.mark.parametrize(
    "args",
    [["/no/such/file.csv"], ["a.csv", "b.csv", "c.csv"], ["--platform", "jd", "x.csv"], []],
)
def test_the_command_exits_2_on_a_usage_error(args, tmp_path):
    """Run as scripts run it: a separate process, real exit status."""
    for name in ("a.csv", "b.csv", "c.csv", "x.csv"):
        (tmp_path / name).write_text("x")
    root = Path(__file__).resolve().parents[2]
    completed = subprocess.run(
        [sys.executable, str(root / "manage.py"), "import_orders", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"},
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
