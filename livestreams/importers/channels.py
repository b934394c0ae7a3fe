"""微信视频号小店 / 微信小店 order export: xlsx, one row per product line (FORMATS §3.1).

There is no sub-order id: a line's key is derived as
`<订单号>:<商品编码(平台)>:<SKU编码(自定义)>:<商品属性>` plus `#n` for the n-th identical line
of the order. The first 40 columns are order-level and repeat on every row of the order: the
order's paid amount and freight are taken once (from its first row), never summed. 订单状态 is
per order; 商品发货 and 商品售后 are per line.
"""

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from livestreams.importers.base import (
    BadValue,
    Columns,
    Importer,
    ParsedLine,
    RowError,
    Table,
    cell,
    clean,
    identifier,
    moment,
    money,
    optional,
    quantity,
)
from livestreams.importers.taobao import derived_key

ORDER_STATUS = {
    "待付款": "unpaid",
    "待发货": "paid",
    "部分发货": "paid",
    "待收货": "shipped",
    "已完成": "completed",
    "已取消": "closed",
}
AFTER_SALES = {
    "无": "none",
    "用户取消申请": "none",
    "退款中": "open",
    "售后中": "open",
    "待商家处理": "open",
    "退款成功": "refunded",
    "售后完成": "refunded",
}

COLUMNS = {
    "order_id": ("订单号",),
    "ordered_at": ("订单下单时间", "下单时间"),
    "shipped_at": ("订单发货时间",),
    "status": ("订单状态",),
    "name": ("收件人姓名",),
    "address": ("收件人地址",),
    "province": ("省",),
    "city": ("市",),
    "district": ("区",),
    "mobile": ("收件人手机",),
    "note": ("买家备注",),
    "paid": ("订单实际支付金额",),
    "freight": ("订单运费",),
    "paid_at": ("支付时间",),
    "courier": ("物流公司",),
    "tracking": ("快递单号",),
    "selling_mode": ("带货方式",),
    "streamer": ("带货账号昵称", "带货人昵称"),
    "title": ("商品名称",),
    "product_id": ("商品编码(平台)",),
    "listing_code": ("商品编码(自定义)",),
    "sku_code": ("SKU编码(自定义)",),
    "spec": ("商品属性",),
    "unit_price": ("商品价格(单件)", "商品价格"),
    "line_total": ("商品实际价格(总共)",),
    "quantity": ("商品数量",),
    "line_shipping": ("商品发货",),
    "after_sales": ("商品售后",),
    "refunded": ("商品已退款金额",),
}


class ChannelsImporter(Importer):
    platform = "channels"
    label = "视频号小店"
    signature = ("订单号", "商品名称", "商品数量")
    required = (
        "订单号",
        "订单状态",
        "订单实际支付金额",
        "商品名称",
        "商品编码(平台)",
        ("商品价格(单件)", "商品价格"),
        "商品数量",
    )

    def parse(self, tables: list[Table]) -> Iterator[ParsedLine | RowError]:
        table = tables[0]
        columns = Columns(table.header, table.name)
        at = {key: columns.find(*titles) for key, titles in COLUMNS.items()}
        seen: dict[str, int] = {}
        for number, cells in table.rows:
            yield self._line(number, cells, at, seen)

    def _line(
        self, number: int, cells: list[Any], at: dict[str, int | None], seen: dict[str, int]
    ) -> ParsedLine | RowError:
        order_id = clean(cell(cells, at["order_id"]))
        current = "订单号"
        try:
            order_id = identifier(cell(cells, at["order_id"]), column=current)
            current = "商品数量"
            count = quantity(cell(cells, at["quantity"]), column=current)
            current = "商品价格(单件)"
            unit_price = money(cell(cells, at["unit_price"]), column=current)
            current = "商品实际价格(总共)"
            line_total = (
                money(cell(cells, at["line_total"]), column=current)
                if at["line_total"] is not None
                else unit_price * count
            )
            current = "订单实际支付金额"
            paid = money(cell(cells, at["paid"]), column=current, required=False)
            current = "订单运费"
            freight = money(cell(cells, at["freight"]), column=current, required=False)
            current = "商品已退款金额"
            refunded = money(cell(cells, at["refunded"]), column=current, required=False)
            current = "订单下单时间"
            ordered_at = moment(cell(cells, at["ordered_at"]), column=current)
            current = "支付时间"
            paid_at = moment(cell(cells, at["paid_at"]), column=current)
            current = "订单发货时间"
            shipped_at = moment(cell(cells, at["shipped_at"]), column=current)
            current = "订单状态"
            order_platform_status = optional(cell(cells, at["status"]))
            order_status = ORDER_STATUS.get(order_platform_status)
            if order_status is None:
                raise BadValue(
                    _("unknown 订单状态: %(value)s") % {"value": order_platform_status[:30]}
                )
        except BadValue as error:
            return RowError(number, current, str(error), order_id)
        shipping = optional(cell(cells, at["line_shipping"]))
        status = order_status
        if order_status == "paid" and shipping == "已发货":
            status = "shipped"
        after_raw = optional(cell(cells, at["after_sales"]))
        product_id = optional(cell(cells, at["product_id"]))[:64]
        sku_code = optional(cell(cells, at["sku_code"]))[:64]
        spec = optional(cell(cells, at["spec"]))[:200]
        base_key = f"{order_id}:{product_id}:{sku_code}:{spec}"
        seen[base_key] = seen.get(base_key, 0) + 1
        mode = optional(cell(cells, at["selling_mode"]))
        return ParsedLine(
            row=number,
            order_id=order_id,
            line_key=derived_key(base_key, seen[base_key]),
            title=clean(cell(cells, at["title"]))[:200],
            spec=spec,
            quantity=count,
            unit_price=unit_price,
            line_total=line_total,
            product_id=product_id,
            merchant_code=sku_code,
            listing_code=optional(cell(cells, at["listing_code"]))[:64],
            refunded_amount=refunded,
            platform_status=order_platform_status,
            status=status,
            platform_after_sales=after_raw[:50],
            after_sales=AFTER_SALES.get(after_raw, "none" if not after_raw else "open"),
            shipped_at=shipped_at if status == "shipped" else None,
            courier_name=optional(cell(cells, at["courier"]))[:50] if shipping == "已发货" else "",
            tracking_number=optional(cell(cells, at["tracking"]))[:60]
            if shipping == "已发货"
            else "",
            order_status=order_status,
            order_platform_status=order_platform_status,
            ordered_at=ordered_at,
            paid_at=paid_at,
            order_paid_amount=paid,
            shipping_fee=freight,
            buyer_note=optional(cell(cells, at["note"])),
            recipient_name=optional(cell(cells, at["name"]))[:100],
            recipient_mobile=optional(cell(cells, at["mobile"]))[:40],
            province=optional(cell(cells, at["province"]))[:50],
            city=optional(cell(cells, at["city"]))[:50],
            district=optional(cell(cells, at["district"]))[:50],
            address=optional(cell(cells, at["address"]))[:300],
            streamer_account=optional(cell(cells, at["streamer"]))[:100] if mode == "直播" else "",
            traffic_source=mode[:50],
        )
