"""Orders placed on our own channels (the mini-program, a courtyard QR code): the same spine.

An order placed here is an Order with lines like an imported one, split into seller orders and
forwarded the same way; stock of catalogue SKUs is reserved through the catalogue's stock
service. The recipient's details are ours in full (the seller ships with her own courier).
A client sends a key with the request: the same key again returns the same order, so a retried
request never places a second one. There is no online payment yet: the order is recorded as
payable on delivery or by transfer, behind a small provider interface (payments.py).
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import Member
from alliance.validators import normalize_mobile, validate_mobile
from livestreams.models import Channel, LineStatus, Order, OrderLine, OrderStatus, PaymentMethod
from livestreams.services import forwarding
from livestreams.services.splitting import split_orders
from products import services as stock
from products.models import SKU, ProductStatus

OWN = (Channel.MINIPROGRAM, Channel.COURTYARD_QR)
PREFIX = {Channel.MINIPROGRAM: "MP", Channel.COURTYARD_QR: "QR"}
MAX_QUANTITY = 99


@dataclass(frozen=True)
class Item:
    """One thing bought: a catalogue SKU, or a piece with its own price (a courtyard plant)."""

    quantity: int
    sku: SKU | None = None
    title: str = ""
    spec: str = ""
    unit_price: Decimal | None = None
    seller: Member | None = None
    reference: str = ""  # what the caller sells outside the catalogue (e.g. a courtyard piece)


@dataclass(frozen=True)
class Recipient:
    name: str
    mobile: str
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""


def _check_recipient(recipient: Recipient) -> Recipient:
    errors = {}
    if not recipient.name.strip():
        errors["name"] = _("Enter the recipient's name.")
    mobile = normalize_mobile(recipient.mobile)
    try:
        validate_mobile(mobile)
    except ValidationError as error:
        errors["mobile"] = error.messages[0]
    if not recipient.address.strip():
        errors["address"] = _("Enter the address (or choose to pick up at the courtyard).")
    if errors:
        raise ValidationError(errors)
    return Recipient(
        name=recipient.name.strip()[:100],
        mobile=mobile,
        province=recipient.province.strip()[:50],
        city=recipient.city.strip()[:50],
        district=recipient.district.strip()[:50],
        address=recipient.address.strip()[:300],
    )


def place_order(
    *,
    channel: str,
    items: list[Item],
    recipient: Recipient,
    payment_method: str = PaymentMethod.CASH_ON_DELIVERY,
    buyer_note: str = "",
    client_key: str = "",
) -> tuple[Order, bool]:
    """Places an order and returns (order, created); the same client key returns the first one.

    Refuses (ValidationError) an empty order, quantities out of range, a SKU not on sale, stock
    that is not there; nothing is written then.
    """
    if channel not in OWN:
        raise ValueError("orders are placed here only on our own channels")
    if payment_method not in (PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.BANK_TRANSFER):
        raise ValidationError({"payment_method": _("Choose cash on delivery or bank transfer.")})
    client_key = client_key.strip()[:64]
    if client_key:
        existing = Order.objects.filter(channel=channel, client_key=client_key).first()
        if existing is not None:
            return existing, False
    recipient = _check_recipient(recipient)
    if not items:
        raise ValidationError(_("The order is empty."))
    try:
        with transaction.atomic():
            order = _create(channel, items, recipient, payment_method, buyer_note, client_key)
    except IntegrityError:
        # The same client key placed an order at the same moment: that one counts.
        existing = Order.objects.filter(channel=channel, client_key=client_key).first()
        if client_key and existing is not None:
            return existing, False
        raise
    return order, True


def _create(
    channel: str,
    items: list[Item],
    recipient: Recipient,
    payment_method: str,
    buyer_note: str,
    client_key: str,
) -> Order:
    now = timezone.now()
    order = Order.objects.create(
        channel=channel,
        platform_order_id=f"{PREFIX[channel]}{now:%Y%m%d}{secrets.randbelow(10**10):010d}",
        client_key=client_key,
        payment_method=payment_method,
        buyer_note=buyer_note.strip()[:500],
        recipient_name=recipient.name,
        recipient_mobile=recipient.mobile,
        recipient_province=recipient.province,
        recipient_city=recipient.city,
        recipient_district=recipient.district,
        recipient_address=recipient.address,
        ordered_at=now,
        paid_at=now,  # payable on delivery / by transfer: the shipping clock starts now
        status=OrderStatus.PAID,
    )
    total = Decimal("0.00")
    for position, item in enumerate(items, start=1):
        line = _line(order, position, item)
        total += line.line_total
    Order.objects.filter(pk=order.pk).update(paid_amount=total)
    order.paid_amount = total
    split_orders(order_ids=[order.pk])
    forwarding.publish_after_commit(list(order.seller_orders.values_list("pk", flat=True)))
    return order


def _line(order: Order, position: int, item: Item) -> OrderLine:
    if not 1 <= item.quantity <= MAX_QUANTITY:
        raise ValidationError(
            _("A quantity is between 1 and %(max)d.") % {"max": MAX_QUANTITY}, code="quantity"
        )
    if item.sku is not None:
        sku = SKU.objects.select_related("product").get(pk=item.sku.pk)
        if not sku.is_active or sku.product.status != ProductStatus.ON_SALE:
            raise ValidationError(
                _("“%(name)s” is not on sale.") % {"name": sku.product.name}, code="not_on_sale"
            )
        try:
            stock.reserve_stock(
                sku_id=sku.pk, quantity=item.quantity, reference=order.platform_order_id
            )
        except stock.InsufficientStockError as error:
            raise ValidationError(
                _("Only a few of “%(name)s” are left; fewer than you asked for.")
                % {"name": f"{sku.product.name} {sku.spec}"},
                code="sold_out",
            ) from error
        seller_id, title, spec, price = sku.product.seller_id, sku.product.name, sku.spec, sku.price
        code = sku.merchant_code
    else:
        if item.seller is None or item.unit_price is None or not item.title:
            raise ValueError("a piece outside the catalogue needs a seller, a title and a price")
        seller_id, title, spec, price = item.seller.pk, item.title, item.spec, item.unit_price
        code = item.reference
    return OrderLine.objects.create(
        order=order,
        channel=order.channel,
        line_key=f"{order.platform_order_id}-{position}",
        sku=item.sku,
        seller_id=seller_id,
        merchant_code=code[:64],
        title=title[:200],
        spec=spec[:200],
        quantity=item.quantity,
        unit_price=price,
        line_total=price * item.quantity,
        status=LineStatus.PAID,
    )
