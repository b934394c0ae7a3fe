"""What the courtyards do when the order spine moves: a cancelled order frees its piece."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from courtyards.services.purchases import release_cancelled_sale
from livestreams.models import Channel, SellerOrderEvent, SellerOrderStatus


@receiver(post_save, sender=SellerOrderEvent, dispatch_uid="courtyards-release-cancelled-sale")
def release_piece_of_cancelled_order(
    sender: type, instance: SellerOrderEvent, created: bool, **kwargs: Any
) -> None:
    """A one-of-a-kind piece whose order is cancelled (before it shipped) is for sale again,
    in the same transaction as the cancellation."""
    if not created or instance.to_status != SellerOrderStatus.CANCELLED:
        return
    if instance.seller_order.order.channel != Channel.COURTYARD_QR:
        return
    release_cancelled_sale(seller_order_id=instance.seller_order_id)
