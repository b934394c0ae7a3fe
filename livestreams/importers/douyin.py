"""抖店 (Douyin shop) order export: CSV, one row per sub-order (PLATFORM-FORMATS.md §1.1).

UTF-8 with BOM (GBK copies happen), ids wrapped as "\\t<id>", `-` for empty. Status and
after-sales status are per line. The paid amount of a line is 订单应付金额; the order's is
their sum. A refunded line (退款成功 / 已全额退款) counts its whole amount as refunded, since
the export does not say how much.
"""

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from livestreams.importers.base import (
    BadValue,
    Columns,
    Importer,
    Memo,
    ParsedLine,
    RowError,
    Table,
    clean,
    identifier,
    moment,
    money,
    optional,
    quantity,
)

LINE_STATUS = {
    "待支付": "unpaid",
    "待付款": "unpaid",
    "待发货": "paid",
    "备货中": "paid",
    "已发货": "shipped",
    "已完成": "completed",
    "已关闭": "closed",
}
AFTER_SALES = {
    "退款中": "open",
    "售后待处理": "open",
    "待退货": "open",
    "待收退货": "open",
    "退款成功": "refunded",
    "已全额退款": "refunded",
    "售后关闭": "none",
    "补寄成功": "none",
}

COLUMNS = {
    "order_id": ("主订单编号",),
    "line_key": ("子订单编号",),
    "title": ("选购商品",),
    "spec": ("商品规格",),
    "quantity": ("商品数量",),
    "product_id": ("商品ID",),
    "merchant_code": ("商家编码", "货号"),
    "unit_price": ("商品单价", "商品金额"),
    "line_total": ("订单应付金额",),
    "shipping_fee": ("运费",),
    "recipient_name": ("收件人",),
    "recipient_mobile": ("收件人手机号",),
    "province": ("省",),
    "city": ("市",),
    "district": ("区",),
    "street": ("街道",),
    "address": ("详细地址",),
    "buyer_note": ("买家留言",),
    "ordered_at": ("订单提交时间",),
    "paid_at": ("支付完成时间",),
    "status": ("订单状态",),
    "after_sales": ("售后状态",),
    "streamer_id": ("达人ID",),
    "streamer_name": ("达人昵称",),
    "traffic": ("流量体裁", "流量来源"),
    "shipped_at": ("发货时间",),
    "courier": ("快递信息",),
}


class DouyinImporter(Importer):
    platform = "douyin"
    label = "抖店"
    signature = ("主订单编号", "选购商品")
    required = (
        "主订单编号",
        "子订单编号",
        "选购商品",
        "商品数量",
        ("商家编码", "货号"),
        ("商品单价", "商品金额"),
        "订单应付金额",
        "订单状态",
    )

    def parse(self, tables: list[Table]) -> Iterator[ParsedLine | RowError]:
        table = tables[0]
        columns = Columns(table.header, table.name)
        # A missing optional column reads the empty cell appended to every row (index -1).
        at = {key: _or_last(columns.find(*titles)) for key, titles in COLUMNS.items()}
        read = _Reader(at, table.header)
        width = len(table.header)
        for number, cells in table.rows:
            short = len(cells) < width
            cells.append("")
            yield read(number, cells, short)


class _Reader:
    """Reads one file's rows: where each column is, and converters that remember the values of
    cells the file repeats (base.Memo)."""

    def __init__(self, at: dict[str, int], header: list[str]) -> None:
        self.at = at
        self.unit_price_title = header[at["unit_price"]]
        self.quantity = Memo(quantity, column="商品数量")
        self.unit_price = Memo(money, column=self.unit_price_title)
        self.line_total = Memo(money, column="订单应付金额")
        self.shipping = Memo(money, column="运费", required=False)
        self.ordered_at = Memo(moment, column="订单提交时间")
        self.paid_at = Memo(moment, column="支付完成时间")
        self.shipped_at = Memo(moment, column="发货时间")
        self.text = Memo(optional, size=16384)
        self.title = Memo(clean)

    def __call__(self, number: int, cells: list[Any], short: bool) -> ParsedLine | RowError:
        at = self.at
        order_id = clean(cells[at["order_id"]])
        current = "主订单编号"
        try:
            if short:
                raise BadValue(_("the row has fewer cells than the header"))
            order_id = identifier(cells[at["order_id"]], column=current)
            current = "子订单编号"
            line_key = identifier(cells[at["line_key"]], column=current)
            current = "商品数量"
            count = self.quantity(cells[at["quantity"]])
            current = self.unit_price_title
            unit_price = self.unit_price(cells[at["unit_price"]])
            current = "订单应付金额"
            line_total = self.line_total(cells[at["line_total"]])
            current = "运费"
            shipping = self.shipping(cells[at["shipping_fee"]])
            current = "订单提交时间"
            ordered_at = self.ordered_at(cells[at["ordered_at"]])
            current = "支付完成时间"
            paid_at = self.paid_at(cells[at["paid_at"]])
            current = "发货时间"
            shipped_at = self.shipped_at(cells[at["shipped_at"]])
            current = "订单状态"
            platform_status = self.text(cells[at["status"]])
            status = LINE_STATUS.get(platform_status)
            if status is None:
                raise BadValue(_("unknown 订单状态: %(value)s") % {"value": platform_status[:30]})
        except BadValue as error:
            return RowError(number, current, str(error), order_id)
        text = self.text
        after_raw = text(cells[at["after_sales"]])
        after = AFTER_SALES.get(after_raw, "none" if not after_raw else "open")
        streamer = text(cells[at["streamer_id"]]) or text(cells[at["streamer_name"]])
        street, detail = text(cells[at["street"]]), text(cells[at["address"]])
        address = f"{street} {detail}" if street and detail else street or detail
        courier, tracking = _courier(text(cells[at["courier"]]))
        return ParsedLine(
            row=number,
            order_id=order_id,
            line_key=line_key,
            title=self.title(cells[at["title"]])[:200],
            spec=text(cells[at["spec"]])[:200],
            quantity=count,
            unit_price=unit_price,
            line_total=line_total,
            product_id=text(cells[at["product_id"]])[:64],
            merchant_code=text(cells[at["merchant_code"]])[:64],
            refunded_amount=line_total if after == "refunded" else line_total * 0,
            platform_status=platform_status,
            status=status,
            platform_after_sales=after_raw[:50],
            after_sales=after,
            shipped_at=shipped_at,
            courier_name=courier,
            tracking_number=tracking,
            ordered_at=ordered_at,
            paid_at=paid_at,
            shipping_fee=shipping,
            buyer_note=text(cells[at["buyer_note"]]),
            recipient_name=text(cells[at["recipient_name"]])[:100],
            recipient_mobile=text(cells[at["recipient_mobile"]])[:40],
            province=text(cells[at["province"]])[:50],
            city=text(cells[at["city"]])[:50],
            district=text(cells[at["district"]])[:50],
            address=address[:300],
            streamer_account=streamer[:100],
            traffic_source=text(cells[at["traffic"]])[:50],
        )


def _or_last(position: int | None) -> int:
    return -1 if position is None else position


def _courier(text: str) -> tuple[str, str]:
    """快递信息 as `运单号-快递公司` (one source): split at the last dash."""
    if not text or "-" not in text:
        return "", text[:60]
    tracking, _sep, courier = text.rpartition("-")
    return courier[:50], tracking[:60]
