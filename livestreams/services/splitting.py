"""Splitting orders into seller orders (商家分单): one per (order, seller) with routable lines."""

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from alliance.models import User
from livestreams.models import (
    AfterSalesStatus,
    LineStatus,
    OrderLine,
    SellerOrder,
    SellerOrderStatus,
)
from livestreams.services import seller_orders

ROUTABLE_STATUSES = (LineStatus.PAID, LineStatus.SHIPPED, LineStatus.COMPLETED)
# Before the parcel leaves, a seller order whose lines were all cancelled is cancelled too.
CANCELLABLE = (
    SellerOrderStatus.PENDING,
    SellerOrderStatus.FORWARDED,
    SellerOrderStatus.ACKNOWLEDGED,
)


def is_routable(line: OrderLine) -> bool:
    """A line goes to a seller when it has one (a matched SKU's, or a courtyard piece's owner),
    is paid, not closed and not refunded."""
    return (
        line.seller_id is not None
        and line.status in ROUTABLE_STATUSES
        and line.after_sales_status != AfterSalesStatus.REFUNDED
    )


@transaction.atomic
def split_orders(*, order_ids: Iterable[int], actor: User | None = None) -> dict[str, int]:
    """Creates the missing seller orders of these orders and links their lines; idempotent.

    Seller orders whose lines are all no longer routable are cancelled if not yet shipped.
    Returns how many seller orders were created and cancelled.
    """
    order_ids = list(order_ids)
    lines = list(
        OrderLine.objects.filter(order_id__in=order_ids).only(
            "id",
            "order_id",
            "seller_id",
            "sku_id",
            "status",
            "after_sales_status",
            "seller_order_id",
        )
    )
    existing = {
        (so.order_id, so.seller_id): so for so in SellerOrder.objects.filter(order_id__in=order_ids)
    }
    wanted: dict[tuple[int, int], list[OrderLine]] = defaultdict(list)
    for line in lines:
        if is_routable(line):
            wanted[(line.order_id, line.seller_id)].append(line)
    created = _create_missing(wanted, existing)
    _link(wanted, existing)
    cancelled = _cancel_emptied(existing, wanted, actor)
    return {"seller_orders_created": created, "seller_orders_cancelled": cancelled}


def _create_missing(
    wanted: dict[tuple[int, int], list[OrderLine]], existing: dict[tuple[int, int], SellerOrder]
) -> int:
    new = [
        SellerOrder(order_id=order_id, seller_id=seller_id)
        for (order_id, seller_id) in wanted
        if (order_id, seller_id) not in existing
    ]
    if not new:
        return 0
    SellerOrder.objects.bulk_create(new, ignore_conflicts=True)
    keys = [(so.order_id, so.seller_id) for so in new]
    fresh = SellerOrder.objects.filter(
        order_id__in={k[0] for k in keys}, seller_id__in={k[1] for k in keys}
    )
    made = [so for so in fresh if (so.order_id, so.seller_id) not in existing]
    # A seller order is born pending (its created_at says when); events record its changes.
    for seller_order in made:
        existing[(seller_order.order_id, seller_order.seller_id)] = seller_order
    return len(made)


def _link(
    wanted: dict[tuple[int, int], list[OrderLine]], existing: dict[tuple[int, int], SellerOrder]
) -> None:
    changed = []
    for key, lines in wanted.items():
        seller_order_id = existing[key].pk
        for line in lines:
            if line.seller_order_id != seller_order_id:
                line.seller_order_id = seller_order_id
                changed.append(line)
    OrderLine.objects.bulk_update(changed, ["seller_order"], batch_size=1000)


def _cancel_emptied(
    existing: dict[tuple[int, int], SellerOrder],
    wanted: dict[tuple[int, int], list[OrderLine]],
    actor: User | None,
) -> int:
    cancelled = 0
    for key, seller_order in existing.items():
        if key not in wanted and seller_order.status in CANCELLABLE:
            seller_orders.transition(
                seller_order=seller_order,
                to_status=SellerOrderStatus.CANCELLED,
                actor=actor,
                reason="all lines cancelled or refunded",
            )
            cancelled += 1
    return cancelled
