"""Seller orders in a given state, for the staff monitor's and shipping desk's tests."""

from livestreams.models import SellerOrder, SellerOrderStatus
from tests.factories import OrderFactory, OrderLineFactory, SellerFactory, SellerOrderFactory


def seller_order_in(
    status: str = SellerOrderStatus.FORWARDED, channel: str = "douyin", **fields: object
) -> SellerOrder:
    """A seller order of one line, in this status, of a seller who can log in.

    Fields named order_<field> go to its order (order_recipient_name="张小红").
    """
    seller = SellerFactory()
    order_fields = {key[6:]: fields.pop(key) for key in list(fields) if key.startswith("order_")}
    seller_order = SellerOrderFactory(
        order=OrderFactory(channel=channel, **order_fields),
        seller=seller,
        status=status,
        **fields,
    )
    OrderLineFactory(
        order=seller_order.order,
        channel=channel,
        seller_order=seller_order,
        sku__product__seller=seller,
        seller=seller,
    )
    return seller_order
