"""Every sample export in ../shared/data imports with the figures its README states."""

from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum

from livestreams.models import AfterSalesStatus, Order, OrderLine, SellerOrder
from livestreams.services.imports import import_files
from livestreams.services.splitting import is_routable
from tests.livestreams.conftest import EXPECTED, SAMPLES, open_files

pytestmark = pytest.mark.django_db

CLOSED = {"已关闭", "交易关闭", "已取消"}
# Money figures of ../shared/data/README.md ("Money (yuan)").
MONEY = {
    "douyin/douyin_orders_20220907.csv": {"lines": "4316.70", "lines_not_closed": "4048.70"},
    "douyin/douyin_orders_20220913.csv": {"lines": "4783.80", "lines_not_closed": "4321.20"},
    "taobao/ExportOrderDetailList201903151640.csv": {"paid": "2403.40", "refunded": "147.00"},
    "taobao/qianniu_baobei_20230720.xlsx": {"paid": "1924.30", "refunded": "174.80"},
    "channels/channels_orders_20230109.xlsx": {
        "paid": "2226.60",
        "shipping": "15.00",
        "lines": "2387.60",
        "refunded": "143.00",
    },
}


def import_sample(key: str):
    files = open_files(SAMPLES[key])
    try:
        return import_files(files)
    finally:
        for _name, handle in files:
            handle.close()


def figures(channel: str) -> dict:
    lines = list(OrderLine.objects.filter(channel=channel).select_related("seller"))
    sellers_per_order = defaultdict(set)
    for line in lines:
        sellers_per_order[line.order_id].add(line.seller_id)
    per_seller = Counter(line.seller.enterprises.get().name for line in lines)
    sizes = Counter(len(s) for s in sellers_per_order.values())
    return {
        "orders": Order.objects.filter(channel=channel).count(),
        "lines": len(lines),
        "closed lines": sum(line.platform_status in CLOSED for line in lines),
        "after-sales open": sum(line.after_sales_status == AfterSalesStatus.OPEN for line in lines),
        "refunded lines": sum(
            line.after_sales_status == AfterSalesStatus.REFUNDED for line in lines
        ),
        "orders with 2 sellers": sizes[2],
        "orders with 3 sellers": sizes[3],
        "order × seller pairs": sum(len(s) for s in sellers_per_order.values()),
        "lines per seller": dict(sorted(per_seller.items())),
    }


@pytest.mark.parametrize("key", list(SAMPLES))
def test_each_sample_imports_with_the_figures_of_its_readme(sample_catalogue, key):
    expected = EXPECTED["files"][key]
    result = import_sample(key)
    assert result.rows == expected["data rows"]
    assert result.skipped_rows == 0 and result.errors == []
    assert result.unmatched_lines == 0
    assert result.orders_created == expected["orders"]
    assert result.lines_created == expected["lines"]
    wanted = {name: value for name, value in expected.items() if name != "data rows"}
    assert figures(result.platform) == wanted


@pytest.mark.parametrize("key", list(SAMPLES))
def test_each_samples_money_adds_up(sample_catalogue, key):
    channel = import_sample(key).platform
    lines = OrderLine.objects.filter(channel=channel)
    orders = Order.objects.filter(channel=channel)
    money = MONEY[key]

    def total(queryset, name):
        return queryset.aggregate(total=Sum(name))["total"]

    if "lines" in money:
        assert total(lines, "line_total") == Decimal(money["lines"])
    if "lines_not_closed" in money:
        assert total(lines.exclude(platform_status="已关闭"), "line_total") == Decimal(
            money["lines_not_closed"]
        )
    if "paid" in money:
        assert total(orders, "paid_amount") == Decimal(money["paid"])
    if "refunded" in money:
        assert total(lines, "refunded_amount") == Decimal(money["refunded"])
    if "shipping" in money:
        assert total(orders, "shipping_fee") == Decimal(money["shipping"])


@pytest.mark.parametrize("key", list(SAMPLES))
def test_each_routable_line_is_in_exactly_one_seller_order_of_its_seller(sample_catalogue, key):
    import_sample(key)
    for line in OrderLine.objects.select_related("seller_order"):
        if is_routable(line):
            assert line.seller_order is not None
            assert line.seller_order.seller_id == line.seller_id
            assert line.seller_order.order_id == line.order_id
    routable_pairs = {
        (line.order_id, line.seller_id) for line in OrderLine.objects.all() if is_routable(line)
    }
    assert set(SellerOrder.objects.values_list("order_id", "seller_id")) == routable_pairs


@pytest.mark.parametrize("key", list(SAMPLES))
def test_importing_a_sample_twice_changes_nothing(sample_catalogue, key):
    import_sample(key)
    snapshot = (
        list(Order.objects.order_by("pk").values()),
        list(OrderLine.objects.order_by("pk").values()),
        list(SellerOrder.objects.order_by("pk").values()),
    )
    again = import_sample(key)
    assert (
        again.orders_created,
        again.orders_updated,
        again.lines_created,
        again.lines_updated,
    ) == (
        0,
        0,
        0,
        0,
    )
    assert again.orders_unchanged == EXPECTED["files"][key]["orders"]
    assert snapshot == (
        list(Order.objects.order_by("pk").values()),
        list(OrderLine.objects.order_by("pk").values()),
        list(SellerOrder.objects.order_by("pk").values()),
    )


def test_recipients_are_kept_exactly_as_the_platform_gives_them(sample_catalogue):
    import_sample("channels/channels_orders_20230109.xlsx")
    masked = Order.objects.get(platform_order_id="3730784648665010117")
    assert (masked.recipient_name, masked.recipient_mobile) == ("马**", "188****5992")
    assert masked.recipient_province == "浙江省"
    import_sample("taobao/ExportOrderDetailList201903151640.csv")
    legacy = Order.objects.get(channel="taobao", platform_order_id="295145019500409952")
    assert legacy.recipient_mobile == "13800000005"  # the leading apostrophe is gone
    assert legacy.recipient_province == "浙江省" and legacy.recipient_city == "宁波市"
    assert "(" not in legacy.recipient_address


def test_ids_stay_strings_and_times_are_shanghai_time(sample_catalogue):
    import_sample("taobao/qianniu_baobei_20230720.xlsx")
    line = OrderLine.objects.get(line_key="3443205846934089458")
    assert line.platform_product_id == "624301889914"  # a number cell, no ".0"
    order = Order.objects.filter(paid_at__isnull=False).first()
    assert str(order.paid_at.tzinfo) in {"UTC", "Asia/Shanghai"}
    import_sample("douyin/douyin_orders_20220907.csv")
    douyin = Order.objects.get(platform_order_id="4951239235989929762")
    assert (
        douyin.ordered_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        == "2022-09-06 20:44:05"
    )


def test_lines_without_sub_order_ids_get_stable_keys(sample_catalogue):
    import_sample("channels/channels_orders_20230109.xlsx")
    shoes = OrderLine.objects.filter(
        order__platform_order_id="3714968167892062631", merchant_code="FH-BX-001"
    ).order_by("line_key")
    assert shoes.count() == 2
    assert {line.spec for line in shoes} == {"尺码:37;颜色:黑色", "尺码:38;颜色:黑色"}
    keys_before = set(OrderLine.objects.values_list("line_key", flat=True))
    import_sample("channels/channels_orders_20230109.xlsx")
    assert set(OrderLine.objects.values_list("line_key", flat=True)) == keys_before


def test_an_order_level_amount_is_counted_once(sample_catalogue):
    import_sample("channels/channels_orders_20230109.xlsx")
    order = Order.objects.get(platform_order_id="3732238323209456509")
    assert order.shipping_fee == Decimal("15.00")
    assert order.lines.count() == 2
