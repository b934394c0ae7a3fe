"""Buying a piece from its QR code: through the order spine (livestreams.services.placement).

A one-of-a-kind piece is sold once: its row is locked (SELECT … FOR UPDATE; on SQLite the
IMMEDIATE transaction does the same) and moved available → sold in the transaction that places
the order, so of two people buying it at the same moment one gets the order and the other
`SoldOutError`. A piece sold from the catalogue has its SKU's stock reserved by the catalogue
service instead. The same client key returns the first purchase, whatever happened since.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courtyards.cache import courtyards_changed
from courtyards.models import CourtyardItem, CourtyardSale, ItemStatus
from courtyards.services.courtyards import _item_transition
from livestreams.models import Channel, OrderLine, PaymentMethod
from livestreams.services.placement import Item, Recipient, place_order


class SoldOutError(ValidationError):
    """The piece is sold (or reserved, or off display): nothing was ordered."""

    def __init__(self) -> None:
        super().__init__(_("Sold out. Someone bought this piece just before you."), code="sold_out")


class KeyReusedError(ValidationError):
    """The client key already placed an order for something else."""

    def __init__(self) -> None:
        super().__init__(
            _("This request key was already used for another purchase."), code="key_reused"
        )


class _ReplayedError(Exception):
    """Another request with the same key won the race: ours writes nothing."""


@dataclass(frozen=True)
class Purchase:
    sale: CourtyardSale
    created: bool


def pickup_address(item: CourtyardItem) -> str:
    """The address an order to pick up at the courtyard carries."""
    courtyard = item.courtyard
    return _("Pick up at %(courtyard)s, %(village)s") % {
        "courtyard": courtyard.name,
        "village": f"{courtyard.village.township.name}{courtyard.village.name}",
    }


def _replay(client_key: str, item: CourtyardItem) -> Purchase | None:
    if not client_key:
        return None
    sale = (
        CourtyardSale.objects.select_related("order", "item")
        .filter(order__channel=Channel.COURTYARD_QR, order__client_key=client_key)
        .first()
    )
    if sale is None:
        return None
    if sale.item_id != item.pk:
        raise KeyReusedError()
    return Purchase(sale=sale, created=False)


def buy_item(
    *,
    item: CourtyardItem,
    recipient: Recipient,
    quantity: int = 1,
    pickup: bool = False,
    payment_method: str = PaymentMethod.CASH_ON_DELIVERY,
    buyer_note: str = "",
    client_key: str = "",
) -> Purchase:
    """Orders a piece on the channel courtyard_qr; returns the sale and whether it is new.

    Raises SoldOutError when the piece is not for sale any more, ValidationError for the buyer's
    mistakes (recipient, quantity, payment) and catalogue stock that is not there; nothing is
    written then. A repeated client key returns the first purchase (KeyReusedError if it was for
    another piece).
    """
    client_key = client_key.strip()[:64]
    replayed = _replay(client_key, item)
    if replayed is not None:
        return replayed
    if pickup:
        recipient = replace(recipient, address=pickup_address(item))
    try:
        with transaction.atomic():
            sale = _buy(item, recipient, quantity, pickup, payment_method, buyer_note, client_key)
    except (SoldOutError, _ReplayedError):
        # The same key may have won just before us (a double tap): that purchase is the answer.
        replayed = _replay(client_key, item)
        if replayed is not None:
            return replayed
        raise SoldOutError() from None
    return Purchase(sale=sale, created=True)


def _buy(
    item: CourtyardItem,
    recipient: Recipient,
    quantity: int,
    pickup: bool,
    payment_method: str,
    buyer_note: str,
    client_key: str,
) -> CourtyardSale:
    locked = (
        CourtyardItem.objects.select_for_update(of=("self",))
        .select_related("courtyard", "sku")
        .get(pk=item.pk)
    )
    if locked.status != ItemStatus.AVAILABLE or not locked.courtyard.is_active:
        raise SoldOutError()
    if locked.is_one_of_a_kind and quantity != 1:
        raise ValidationError({"quantity": _("This piece is one of a kind.")}, code="quantity")
    order, created = place_order(
        channel=Channel.COURTYARD_QR,
        items=[_line_item(locked, quantity)],
        recipient=recipient,
        payment_method=payment_method,
        buyer_note=buyer_note,
        client_key=client_key,
    )
    if not created:
        raise _ReplayedError()
    if locked.is_one_of_a_kind:
        _item_transition(locked, ItemStatus.SOLD, actor=None, order=order, reason="QR")
    sale = CourtyardSale.objects.create(
        item=locked, order=order, quantity=quantity, is_pickup=pickup
    )
    courtyards_changed()
    return sale


def _line_item(item: CourtyardItem, quantity: int) -> Item:
    if item.sku is not None:
        return Item(sku=item.sku, quantity=quantity)
    return Item(
        quantity=1,
        title=item.name,
        spec=_("courtyard piece"),
        unit_price=Decimal(item.price),  # type: ignore[arg-type]
        seller=item.courtyard.owner,
        reference=item.reference,
    )


@transaction.atomic
def release_cancelled_sale(*, seller_order_id: int) -> int:
    """Puts one-of-a-kind pieces of a cancelled seller order back on sale; returns how many.

    Repeat calls change nothing. A seller order cancelled because it was given to another seller
    (its lines moved with it) releases nothing: the piece is still sold.
    """
    references = set(
        OrderLine.objects.filter(
            seller_order_id=seller_order_id,
            sku__isnull=True,
            merchant_code__startswith="courtyard-item-",
        ).values_list("merchant_code", flat=True)
    )
    if not references:
        return 0
    released = 0
    sales = CourtyardSale.objects.select_for_update().filter(
        order__seller_orders=seller_order_id, released_at__isnull=True, item__sku__isnull=True
    )
    for sale in sales:
        item = CourtyardItem.objects.select_for_update().get(pk=sale.item_id)
        if item.reference not in references:
            continue
        if item.status == ItemStatus.SOLD:
            _item_transition(
                item, ItemStatus.AVAILABLE, actor=None, order=sale.order, reason="order cancelled"
            )
        sale.released_at = timezone.now()
        sale.save(update_fields=["released_at"])
        released += 1
    return released
