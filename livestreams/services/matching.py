"""Finding the SKU of an order line, and the unmatched queue.

A line is matched by its merchant code (商家编码 / SKU编码(自定义): the same on every
platform), else by a channel listing of its platform (product id + platform SKU id, where the
SKU id is what the export shows for the SKU: its merchant code or spec), else by a listing of
the product id alone. A line that matches nothing waits; staff map it once, the mapping is
kept as a channel listing, and every waiting line with the same ids is matched.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from alliance.models import User
from livestreams.models import OrderLine
from livestreams.services.splitting import split_orders
from products.models import SKU, ChannelListing
from products.services import create_listing


@dataclass(frozen=True, slots=True)
class Match:
    sku_id: int
    seller_id: int


class SkuMatcher:
    """Matches many lines of one channel with two queries per batch, whatever their number.

    `learn` loads what it has not been asked about before, so a file can be matched as it is
    read, a batch of lines at a time; what it remembers grows with the file's distinct codes and
    product ids (a catalogue's worth), not with its lines.
    """

    def __init__(
        self, channel: str, codes: Iterable[str] = (), product_ids: Iterable[str] = ()
    ) -> None:
        self.channel = channel
        self.by_code: dict[str, Match] = {}
        self.by_listing: dict[tuple[str, str], Match] = {}
        self._asked_codes: set[str] = set()
        self._asked_products: set[str] = set()
        self.learn(codes, product_ids)

    def learn(self, codes: Iterable[str], product_ids: Iterable[str]) -> None:
        """Loads the SKUs of these merchant codes and the listings of these product ids."""
        codes = {code for code in codes if code} - self._asked_codes
        product_ids = {pid for pid in product_ids if pid} - self._asked_products
        if codes:
            self._asked_codes |= codes
            self.by_code.update(
                (row["merchant_code"], Match(row["id"], row["product__seller_id"]))
                for row in SKU.objects.filter(merchant_code__in=codes).values(
                    "id", "merchant_code", "product__seller_id"
                )
            )
        if product_ids:
            self._asked_products |= product_ids
            self.by_listing.update(
                (
                    (row["platform_product_id"], row["platform_sku_id"]),
                    Match(row["sku_id"], row["sku__product__seller_id"]),
                )
                for row in ChannelListing.objects.filter(
                    platform=self.channel, platform_product_id__in=product_ids
                ).values(
                    "platform_product_id", "platform_sku_id", "sku_id", "sku__product__seller_id"
                )
            )

    def match(self, *, merchant_code: str, product_id: str, spec: str) -> Match | None:
        if merchant_code and merchant_code in self.by_code:
            return self.by_code[merchant_code]
        if product_id:
            for sku_key in (merchant_code, spec, ""):
                found = self.by_listing.get((product_id, sku_key))
                if found is not None:
                    return found
        return None


def unmatched_lines() -> QuerySet[OrderLine]:
    """Lines waiting for a SKU, oldest first (closed lines too: they count in reports)."""
    return (
        OrderLine.objects.filter(sku__isnull=True)
        .select_related("order")
        .order_by("created_at", "pk")
    )


@transaction.atomic
def map_unmatched(*, line: OrderLine, sku: SKU, actor: User | None) -> dict[str, int]:
    """Maps a waiting line's platform ids to a SKU for good and matches every line like it.

    The mapping becomes a channel listing (platform, product id, the merchant code or spec the
    export shows); repeat calls change nothing. Returns how many lines were matched.
    """
    if line.sku_id is not None:
        raise ValidationError(_("This line is already matched."), code="already_matched")
    if not line.platform_product_id and not line.merchant_code:
        raise ValidationError(
            _("The line carries neither a product id nor a merchant code to remember."),
            code="nothing_to_map",
        )
    sku_key = line.merchant_code or line.spec
    if line.platform_product_id:
        create_listing(
            sku=sku,
            platform=line.channel,
            platform_product_id=line.platform_product_id,
            platform_sku_id=sku_key[:64],
        )
    same = Q(channel=line.channel, sku__isnull=True)
    if line.platform_product_id:
        same &= Q(platform_product_id=line.platform_product_id)
    same &= Q(merchant_code=line.merchant_code) if line.merchant_code else Q(spec=line.spec)
    waiting = list(OrderLine.objects.select_for_update().filter(same).values_list("pk", "order_id"))
    OrderLine.objects.filter(pk__in=[pk for pk, _order in waiting]).update(
        sku=sku, seller_id=sku.product.seller_id
    )
    split_orders(order_ids={order for _pk, order in waiting}, actor=actor)
    return {"lines_matched": len(waiting)}
