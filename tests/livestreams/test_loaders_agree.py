"""The plain loader and PostgreSQL's set-based loader leave exactly the same database."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from livestreams.models import Order, OrderLine, OrderLineChange, SellerOrder, SellerOrderEvent
from livestreams.services import bulk
from livestreams.services.imports import import_files
from tests.factories import LiveSessionFactory
from tests.livestreams.conftest import SAMPLES, open_files

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

SEQUENCES = [
    *[[paths] for paths in SAMPLES.values()],
    [["douyin/douyin_orders_20220907.csv"], ["douyin/douyin_orders_20220913.csv"]],
    [["douyin/douyin_orders_20220913.csv"], ["douyin/douyin_orders_20220907.csv"]],
    [["bad/douyin_bad_price_and_quantity.csv"]],
    [["bad/douyin_gbk_no_bom.csv"], ["bad/douyin_gbk_no_bom.csv"]],
]


def snapshot() -> dict:
    """The imported data by natural keys (ids and timestamps differ between runs)."""
    orders = {
        (o["channel"], o["platform_order_id"]): o
        for o in Order.objects.values(
            "channel", "platform_order_id", "paid_amount", "shipping_fee", "ordered_at",
            "paid_at", "platform_status", "status", "buyer_note", "recipient_name",
            "recipient_mobile", "recipient_province", "recipient_city", "recipient_district",
            "recipient_address", "streamer_account", "traffic_source", "attribution",
            "live_session__title",
        )
    }  # fmt: skip
    lines = {
        (line["channel"], line["line_key"]): line
        for line in OrderLine.objects.values(
            "channel", "line_key", "order__platform_order_id", "sku__merchant_code", "seller_id",
            "seller_order__seller_id", "platform_product_id", "merchant_code", "title", "spec",
            "quantity", "unit_price", "line_total", "refunded_amount", "platform_status",
            "status", "platform_after_sales", "after_sales_status", "shipped_at", "courier_name",
            "tracking_number",
        )
    }  # fmt: skip
    seller_orders = sorted(
        SellerOrder.objects.values_list("order__platform_order_id", "seller_id", "status")
    )
    events = sorted(
        SellerOrderEvent.objects.values_list(
            "seller_order__order__platform_order_id", "from_status", "to_status", "reason"
        )
    )
    changes = sorted(
        OrderLineChange.objects.values_list("line__line_key", "field", "from_value", "to_value")
    )
    return {
        "orders": orders,
        "lines": lines,
        "seller_orders": seller_orders,
        "events": events,
        "changes": changes,
    }


def run_sequence(sequence: list[list[str]], loader: str) -> tuple[list[dict], dict]:
    results = []
    with transaction.atomic():
        for paths in sequence:
            files = open_files(paths)
            try:
                result = import_files(files, loader=loader)
                results.append({**result.as_json(), "seen": sorted(result.after_sales_seen)})
            finally:
                for _name, handle in files:
                    handle.close()
        state = snapshot()
        transaction.set_rollback(True)
    return results, state


@pytest.mark.parametrize("sequence", SEQUENCES, ids=lambda s: " then ".join(p[-1] for p in s))
def test_both_loaders_give_the_same_result_and_the_same_rows(sample_catalogue, sequence):
    # A session on air for the Douyin samples' live orders, so attribution is compared too.
    LiveSessionFactory(
        title="抖音专场",
        platform="douyin",
        platform_account="3069174582263041",
        planned_start=datetime(2022, 9, 5, 19, tzinfo=SHANGHAI),
        planned_end=datetime(2022, 9, 6, 23, tzinfo=SHANGHAI),
    )
    orm_results, orm_state = run_sequence(sequence, "orm")
    assert orm_state["orders"], "the sequence imported nothing"
    if "douyin_orders_20220907.csv" in sequence[0][0]:
        assert any(order["live_session__title"] for order in orm_state["orders"].values())
        assert orm_state["seller_orders"] and orm_state["lines"]
    if connection.vendor == "postgresql":
        bulk_results, bulk_state = run_sequence(sequence, "bulk")
        assert bulk_results == orm_results
        assert bulk_state == orm_state
        with override_settings(IMPORT_CHUNK_ROWS=3):  # in chunks of a few orders
            bulk_results, bulk_state = run_sequence(sequence, "bulk")
        assert bulk_results == orm_results
        assert bulk_state == orm_state
    else:
        with pytest.raises(ValueError, match="PostgreSQL"):
            import_files(open_files(sequence[0]), loader="bulk")


def analyzes(paths: list[str], loader: str) -> list[str]:
    """The ANALYZE statements of an import of these files."""
    files = open_files(paths)
    try:
        with CaptureQueriesContext(connection) as queries:
            import_files(files, loader=loader)
    finally:
        for _name, handle in files:
            handle.close()
    statements = [q["sql"] for q in queries.captured_queries]
    return [
        part.strip() for sql in statements for part in sql.split(";") if "ANALYZE livest" in part
    ]


def test_an_import_is_large_when_it_is_a_tenth_of_a_table_and_not_tiny():
    never_analyzed = {"livestreams_order": -1.0, "livestreams_orderline": -1.0}
    assert bulk.stale_tables(never_analyzed, 1999) == []  # below ANALYZE_MIN_ROWS
    assert bulk.stale_tables(never_analyzed, 2000) == ["livestreams_order", "livestreams_orderline"]
    grown = {"livestreams_order": 600_000.0, "livestreams_orderline": 1_000_000.0}
    assert bulk.stale_tables(grown, 80_000) == ["livestreams_order"]  # 13 % and 8 %
    assert bulk.stale_tables(grown, 50_000) == []


def test_a_large_import_refreshes_the_planners_statistics_and_a_small_one_does_not(
    sample_catalogue, monkeypatch
):
    sample = ["douyin/douyin_orders_20220907.csv"]
    monkeypatch.setattr(bulk, "ANALYZE_MIN_ROWS", 1)  # the sample counts as large
    # The plain loader (SQLite's) writes row by row and leaves statistics to the database.
    assert analyzes(sample, "orm") == []
    if connection.vendor == "postgresql":
        monkeypatch.setattr(bulk, "ANALYZE_MIN_ROWS", 2000)
        assert analyzes(sample, "bulk") == [], "the sample is far below ANALYZE_MIN_ROWS"
        # Counted as large: its rows are more than a tenth of tables never analyzed.
        monkeypatch.setattr(bulk, "ANALYZE_MIN_ROWS", 1)
        assert analyzes(sample, "bulk") == [
            "ANALYZE livestreams_order (id, channel, paid_at, attribution, status), "
            "livestreams_orderline (order_id, seller_id, seller_order_id, sku_id, status, "
            "after_sales_status), livestreams_sellerorder (order_id, seller_id, status)"
        ]
        # Now the statistics count these rows: an import a thousandth of them is small.
        monkeypatch.setattr(bulk, "ANALYZE_SHARE", 1000)
        assert analyzes(sample, "bulk") == []
