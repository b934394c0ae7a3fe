"""淘宝 / 天猫 order exports (PLATFORM-FORMATS.md §2).

Two generations:
- the current 千牛 宝贝报表 (xlsx): one row per 子订单编号, status and refund per line;
- the legacy pair ExportOrderList + ExportOrderDetailList (GBK CSV, ids as ="…", phones with a
  leading apostrophe, header names with trailing spaces, an extra trailing comma on detail
  rows), imported together. The detail file has no sub-order id: a line's key is derived as
  `<订单编号>:<商家编码>:<商品属性>` plus `#n` for the n-th identical line of the order. The order
  file gives recipient, amounts, times and 退款金额; a refund is put on the order's closed lines.
"""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from livestreams.importers.base import (
    BadValue,
    Columns,
    FileRefused,
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

LINE_STATUS = {
    "等待买家付款": "unpaid",
    "买家已付款，等待卖家发货": "paid",
    "买家已付款,等待卖家发货": "paid",
    "卖家已发货，等待买家确认": "shipped",
    "卖家已发货,等待买家确认": "shipped",
    "买家已签收": "shipped",
    "交易成功": "completed",
    "交易关闭": "closed",
    "交易被淘宝关闭": "closed",
    "没有创建支付宝交易": "closed",
}
REFUND = {
    "没有申请退款": "none",
    "退款关闭": "none",
    "卖家拒绝退款": "none",
    "买家已经申请退款，等待卖家同意": "open",
    "卖家已经同意退款，等待买家退货": "open",
    "买家已经退货，等待卖家确认收货": "open",
    "退款成功": "refunded",
}


def _status(value: object, column: str) -> tuple[str, str]:
    raw = optional(value)
    status = LINE_STATUS.get(raw)
    if status is None:
        raise BadValue(_("unknown %(column)s: %(value)s") % {"column": column, "value": raw[:30]})
    return raw, status


def _spec(value: object) -> str:
    """商品属性 `规格：五香 250g` → `规格：五香 250g` (kept whole: it is what the buyer chose)."""
    return optional(value)[:200]


# --- 千牛 宝贝报表 (xlsx) -------------------------------------------------------------------------

QIANNIU = {
    "line_key": ("子订单编号",),
    "order_id": ("主订单编号",),
    "title": ("商品标题",),
    "unit_price": ("商品价格",),
    "quantity": ("购买数量",),
    "spec": ("商品属性",),
    "status": ("订单状态",),
    "merchant_code": ("商家编码",),
    "outer_code": ("外部系统编号",),
    "due": ("买家应付货款",),
    "paid": ("买家实付金额",),
    "refund_status": ("退款状态",),
    "refund": ("退款金额",),
    "ordered_at": ("订单创建时间",),
    "paid_at": ("订单付款时间",),
    "product_id": ("商品ID",),
    "buyer_note": ("主订单买家留言",),
    "shipped_at": ("发货时间",),
    "tracking": ("物流单号",),
    "courier": ("物流公司",),
}


class QianniuImporter(Importer):
    platform = "taobao"
    label = "淘宝/天猫（千牛）"
    signature = ("子订单编号", "主订单编号", "商品标题", "购买数量")
    required = (
        "子订单编号",
        "主订单编号",
        "商品标题",
        "商品价格",
        "购买数量",
        "订单状态",
        "商家编码",
    )

    def parse(self, tables: list[Table]) -> Iterator[ParsedLine | RowError]:
        table = tables[0]
        columns = Columns(table.header, table.name)
        at = {key: columns.find(*titles) for key, titles in QIANNIU.items()}
        for number, cells in table.rows:
            yield self._line(number, cells, at)

    def _line(
        self, number: int, cells: list[Any], at: dict[str, int | None]
    ) -> ParsedLine | RowError:
        order_id = clean(cell(cells, at["order_id"]))
        current = "主订单编号"
        try:
            order_id = identifier(cell(cells, at["order_id"]), column=current)
            current = "子订单编号"
            line_key = identifier(cell(cells, at["line_key"]), column=current)
            current = "购买数量"
            count = quantity(cell(cells, at["quantity"]), column=current)
            current = "商品价格"
            unit_price = money(cell(cells, at["unit_price"]), column=current)
            current = "买家实付金额"
            paid = money(cell(cells, at["paid"]), column=current, required=False)
            current = "买家应付货款"
            due = money(cell(cells, at["due"]), column=current, required=False)
            current = "退款金额"
            refund = money(cell(cells, at["refund"]), column=current, required=False)
            current = "订单创建时间"
            ordered_at = moment(cell(cells, at["ordered_at"]), column=current)
            current = "订单付款时间"
            paid_at = moment(cell(cells, at["paid_at"]), column=current)
            current = "发货时间"
            shipped_at = moment(cell(cells, at["shipped_at"]), column=current)
            current = "订单状态"
            platform_status, status = _status(cell(cells, at["status"]), current)
        except BadValue as error:
            return RowError(number, current, str(error), order_id)
        refund_raw = optional(cell(cells, at["refund_status"]))
        code = optional(cell(cells, at["merchant_code"])) or optional(cell(cells, at["outer_code"]))
        return ParsedLine(
            row=number,
            order_id=order_id,
            line_key=line_key,
            title=clean(cell(cells, at["title"]))[:200],
            spec=_spec(cell(cells, at["spec"])),
            quantity=count,
            unit_price=unit_price,
            # An unpaid line has paid nothing yet; what it will cost is 买家应付货款.
            line_total=paid if paid_at else due,
            product_id=optional(cell(cells, at["product_id"]))[:64],
            merchant_code=code[:64],
            refunded_amount=refund,
            platform_status=platform_status,
            status=status,
            platform_after_sales=refund_raw[:50],
            after_sales=REFUND.get(refund_raw, "none" if not refund_raw else "open"),
            shipped_at=shipped_at,
            courier_name=optional(cell(cells, at["courier"]))[:50],
            tracking_number=optional(cell(cells, at["tracking"]))[:60],
            ordered_at=ordered_at,
            paid_at=paid_at,
            buyer_note=optional(cell(cells, at["buyer_note"])),
        )


# --- the legacy pair (CSV) ------------------------------------------------------------------------

ORDER_FILE = {
    "order_id": ("订单编号",),
    "paid": ("买家实际支付金额",),
    "postage": ("买家应付邮费",),
    "status": ("订单状态",),
    "note": ("买家留言",),
    "name": ("收货人姓名",),
    "address": ("收货地址",),
    "phone": ("联系手机",),
    "telephone": ("联系电话",),
    "ordered_at": ("订单创建时间",),
    "paid_at": ("订单付款时间",),
    "tracking": ("物流单号",),
    "courier": ("物流公司",),
    "close_reason": ("订单关闭原因",),
    "refund": ("退款金额",),
}
DETAIL_FILE = {
    "order_id": ("订单编号",),
    "title": ("标题",),
    "unit_price": ("价格",),
    "quantity": ("购买数量",),
    "outer_code": ("外部系统编号",),
    "spec": ("商品属性", "规格名称"),
    "status": ("订单状态",),
    "merchant_code": ("商家编码",),
}


class TaobaoLegacyImporter(Importer):
    platform = "taobao"
    label = "淘宝（ExportOrderList + ExportOrderDetailList）"
    files_needed = 2
    order_signature = ("订单编号", "买家实际支付金额", "收货人姓名")
    detail_signature = ("订单编号", "标题", "价格", "购买数量")

    def _split(self, tables: list[Table]) -> tuple[Table, Table] | None:
        orders = [t for t in tables if Columns(t.header, t.name).has(*self.order_signature[1:2])]
        details = [t for t in tables if Columns(t.header, t.name).has("标题")]
        if (
            len(tables) == 2
            and len(orders) == 1
            and len(details) == 1
            and orders[0] is not details[0]
        ):
            return orders[0], details[0]
        return None

    def recognises(self, tables: list[Table]) -> bool:
        pair = self._split(tables)
        if pair is None:
            return False
        order_columns = Columns(pair[0].header, pair[0].name)
        detail_columns = Columns(pair[1].header, pair[1].name)
        return all(order_columns.has(t) for t in self.order_signature) and all(
            detail_columns.has(t) for t in self.detail_signature
        )

    def check(self, tables: list[Table]) -> None:
        pair = self._split(tables)
        if pair is None:
            raise FileRefused(
                _("The legacy Taobao export is a pair: ExportOrderList and ExportOrderDetailList.")
            )
        for table, required in (
            (pair[0], ["订单编号", "买家实际支付金额", "订单状态", "订单付款时间"]),
            (pair[1], ["订单编号", "标题", "价格", "购买数量", "订单状态"]),
        ):
            missing = Columns(table.header, table.name).missing(list(required))
            if missing:
                raise FileRefused(
                    _("%(name)s is missing column(s) %(columns)s.")
                    % {"name": table.name, "columns": "、".join(missing)}
                )

    def parse(self, tables: list[Table]) -> Iterator[ParsedLine | RowError]:
        order_table, detail_table = self._split(tables)  # type: ignore[misc]
        orders, order_errors = self._orders(order_table)
        yield from order_errors
        columns = Columns(detail_table.header, detail_table.name)
        at = {key: columns.find(*titles) for key, titles in DETAIL_FILE.items()}
        seen: dict[str, int] = {}
        lines: dict[str, list[ParsedLine]] = {}
        for number, cells in detail_table.rows:
            parsed = self._detail(number, cells, at, orders, seen)
            if isinstance(parsed, RowError):
                yield parsed
            else:
                lines.setdefault(parsed.order_id, []).append(parsed)
        for order_id, order_lines in lines.items():
            _spread_refund(order_lines, orders.get(order_id, {}).get("refund", Decimal("0")))
            yield from order_lines

    def _orders(self, table: Table) -> tuple[dict[str, dict[str, Any]], list[RowError]]:
        """The order file is small (one row per order): read it whole, keyed by 订单编号."""
        columns = Columns(table.header, table.name)
        at = {key: columns.find(*titles) for key, titles in ORDER_FILE.items()}
        orders: dict[str, dict[str, Any]] = {}
        errors = []
        for number, cells in table.rows:
            order_id = clean(cell(cells, at["order_id"]))
            current = "订单编号"
            try:
                order_id = identifier(cell(cells, at["order_id"]), column=current)
                current = "买家实际支付金额"
                paid = money(cell(cells, at["paid"]), column=current)
                current = "买家应付邮费"
                postage = money(cell(cells, at["postage"]), column=current, required=False)
                current = "退款金额"
                refund = money(cell(cells, at["refund"]), column=current, required=False)
                current = "订单创建时间"
                ordered_at = moment(cell(cells, at["ordered_at"]), column=current)
                current = "订单付款时间"
                paid_at = moment(cell(cells, at["paid_at"]), column=current)
                current = "订单状态"
                platform_status, _status_value = _status(cell(cells, at["status"]), current)
            except BadValue as error:
                errors.append(RowError(number, f"{table.name}: {current}", str(error), order_id))
                continue
            orders[order_id] = {
                "paid": paid,
                "postage": postage,
                "refund": refund,
                "ordered_at": ordered_at,
                "paid_at": paid_at,
                "platform_status": platform_status,
                "note": optional(cell(cells, at["note"])),
                "name": optional(cell(cells, at["name"]))[:100],
                "phone": (
                    optional(cell(cells, at["phone"])) or optional(cell(cells, at["telephone"]))
                )[:40],
                "address": optional(cell(cells, at["address"])),
                "tracking": optional(cell(cells, at["tracking"]))[:60],
                "courier": optional(cell(cells, at["courier"]))[:50],
                "row": number,
            }
        return orders, errors

    def _detail(
        self,
        number: int,
        cells: list[Any],
        at: dict[str, int | None],
        orders: dict[str, dict[str, Any]],
        seen: dict[str, int],
    ) -> ParsedLine | RowError:
        order_id = clean(cell(cells, at["order_id"]))
        current = "订单编号"
        try:
            order_id = identifier(cell(cells, at["order_id"]), column=current)
            if order_id not in orders:
                raise BadValue(_("the order is not in the ExportOrderList file"))
            current = "购买数量"
            count = quantity(cell(cells, at["quantity"]), column=current)
            current = "价格"
            unit_price = money(cell(cells, at["unit_price"]), column=current)
            current = "订单状态"
            platform_status, status = _status(cell(cells, at["status"]), current)
        except BadValue as error:
            return RowError(number, current, str(error), order_id)
        order = orders[order_id]
        code = optional(cell(cells, at["merchant_code"])) or optional(cell(cells, at["outer_code"]))
        spec = _spec(cell(cells, at["spec"]))
        base_key = f"{order_id}:{code}:{spec}"
        seen[base_key] = seen.get(base_key, 0) + 1
        occurrence = seen[base_key]
        province, city, district, address = _address(order["address"])
        return ParsedLine(
            row=number,
            order_id=order_id,
            line_key=derived_key(base_key, occurrence),
            title=clean(cell(cells, at["title"]))[:200],
            spec=spec,
            quantity=count,
            unit_price=unit_price,
            line_total=unit_price * count,
            merchant_code=code[:64],
            platform_status=platform_status,
            status=status,
            shipped_at=None,
            courier_name=order["courier"],
            tracking_number=order["tracking"],
            order_platform_status=order["platform_status"],
            ordered_at=order["ordered_at"],
            paid_at=order["paid_at"],
            order_paid_amount=order["paid"],
            shipping_fee=order["postage"],
            buyer_note=order["note"],
            recipient_name=order["name"],
            recipient_mobile=order["phone"],
            province=province,
            city=city,
            district=district,
            address=address,
        )


def _spread_refund(lines: list[ParsedLine], refund: Decimal) -> None:
    """Puts an order's 退款金额 on its closed lines (a refunded line closes), in file order."""
    left = refund
    for line in lines:
        if line.status == "closed" and left > 0 and line.paid_at is not None:
            share = min(left, line.line_total)
            line.refunded_amount = share
            line.after_sales = "refunded"
            line.platform_after_sales = "退款"
            left -= share


def _address(text: str) -> tuple[str, str, str, str]:
    """`省 市 区 街道…(邮编)` → province, city, district, the rest (postcode dropped)."""
    if text.endswith(")") and "(" in text:
        text = text[: text.rfind("(")]
    parts = text.split(" ", 3)
    while len(parts) < 4:
        parts.append("")
    return parts[0][:50], parts[1][:50], parts[2][:50], parts[3][:300]


def derived_key(base: str, occurrence: int) -> str:
    """A stable line key for platforms without sub-order ids; long keys are hashed."""
    key = base if occurrence == 1 else f"{base}#{occurrence}"
    if len(key) <= 200:
        return key
    import hashlib

    return f"{base[:100]}~{hashlib.sha256(key.encode()).hexdigest()[:32]}"
