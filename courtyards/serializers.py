"""The mini-program's JSON for the courtyards and for orders placed through the API.

What a code points to carries no personal data: the owner's name and village, never a phone.
An order or a booking comes back with the recipient's or visitor's details masked. Prices are
yuan as decimal strings ("168.00").
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from alliance.validators import normalize_mobile, validate_mobile
from courtyards.models import DesignStyle, ItemStatus
from livestreams.models import PaymentMethod
from livestreams.services.placement import MAX_QUANTITY
from products.serializers import VillageSerializer

PAYMENT_CHOICES = [PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.BANK_TRANSFER]


class MobileField(serializers.CharField):
    """A mainland mobile, 11 digits starting with 1 (spaces, dashes and +86 are dropped)."""

    def to_internal_value(self, data: Any) -> str:
        mobile = normalize_mobile(super().to_internal_value(data))
        try:
            validate_mobile(mobile)
        except Exception as error:
            raise serializers.ValidationError(error.messages[0]) from None  # type: ignore[attr-defined]
        return mobile


# --- What a code points to ------------------------------------------------------------------------


class PhotoSerializer(serializers.Serializer):
    small = serializers.URLField(help_text=_("At most 200 px a side."))
    medium = serializers.URLField(help_text=_("At most 600 px a side."))
    full = serializers.URLField(help_text=_("At most 2048 px a side."))
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class CourtyardSerializer(serializers.Serializer):
    name = serializers.CharField()
    is_public = serializers.BooleanField(help_text=_("A village's public courtyard."))
    owner = serializers.CharField(help_text=_("The owner's name (never her phone)."))
    village = VillageSerializer()
    url = serializers.URLField(help_text=_("The courtyard's page."))


class ItemSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    status = serializers.ChoiceField(choices=ItemStatus.choices)
    is_one_of_a_kind = serializers.BooleanField()
    for_sale = serializers.BooleanField(help_text=_("Whether it can be ordered now."))
    photos = PhotoSerializer(many=True)


class YuanRangeSerializer(serializers.Serializer):
    min = serializers.DecimalField(max_digits=12, decimal_places=2)
    max = serializers.DecimalField(max_digits=12, decimal_places=2)


class DesignSerializer(serializers.Serializer):
    name = serializers.CharField()
    style = serializers.ChoiceField(choices=DesignStyle.choices)
    style_label = serializers.CharField()
    description = serializers.CharField()
    materials = serializers.CharField()
    price_per_sqm = YuanRangeSerializer(help_text=_("Yuan per square metre, from and to."))
    designer = serializers.CharField(help_text=_("The designer's name."))
    photos = PhotoSerializer(many=True)


class NeighbourSerializer(serializers.Serializer):
    token = serializers.CharField()
    name = serializers.CharField()
    label = serializers.CharField(help_text=_("Its price, or a design's style."))
    status = serializers.CharField(
        allow_null=True, help_text=_("A piece's status; null for a design.")
    )
    thumbnail = serializers.URLField(allow_null=True)


class CodeSerializer(serializers.Serializer):
    token = serializers.CharField()
    kind = serializers.ChoiceField(choices=[("item", "item"), ("design", "design")])
    url = serializers.URLField(help_text=_("The page the code opens in a browser."))
    courtyard = CourtyardSerializer()
    item = ItemSerializer(allow_null=True, help_text=_("For a piece; null for a design."))
    design = DesignSerializer(allow_null=True, help_text=_("For a design; null for a piece."))
    others = NeighbourSerializer(
        many=True, help_text=_("The courtyard's other pieces or designs (12 at most).")
    )


class SlotSerializer(serializers.Serializer):
    slot = serializers.CharField(
        help_text=_("Send this to book it: the local start, 2026-12-05T09:00.")
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    places_left = serializers.IntegerField()


class SlotListSerializer(serializers.Serializer):
    designer = serializers.CharField()
    slots = SlotSerializer(
        many=True, help_text=_("The free times of the next three weeks, soonest first.")
    )


# --- Requests -------------------------------------------------------------------------------------


class RecipientSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    mobile = MobileField(max_length=20)
    province = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    district = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    address = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="",
        help_text=_("Street and house number; may be empty when the piece is picked up."),
    )  # fmt: skip


class PlantOrderRequestSerializer(serializers.Serializer):
    recipient = RecipientSerializer()
    pickup = serializers.BooleanField(default=False, help_text=_("Picked up at the courtyard."))
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    payment_method = serializers.ChoiceField(
        choices=PAYMENT_CHOICES, default=PaymentMethod.CASH_ON_DELIVERY
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data["pickup"] and not data["recipient"]["address"].strip():
            raise serializers.ValidationError(
                {
                    "recipient": {
                        "address": [
                            _("Enter the delivery address, or tick pick-up at the courtyard.")
                        ]
                    }
                }
            )
        return data


class CatalogueLineSerializer(serializers.Serializer):
    sku = serializers.IntegerField(
        min_value=1, help_text=_("A SKU id from /api/v1/products/{id}/.")
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CatalogueOrderRequestSerializer(serializers.Serializer):
    items = CatalogueLineSerializer(many=True, min_length=1, max_length=20)
    recipient = RecipientSerializer()
    payment_method = serializers.ChoiceField(
        choices=PAYMENT_CHOICES, default=PaymentMethod.CASH_ON_DELIVERY
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate_items(self, items: list[dict[str, int]]) -> list[dict[str, int]]:
        if len({line["sku"] for line in items}) != len(items):
            raise serializers.ValidationError(_("Name each SKU once, with its quantity."))
        return items

    def validate_recipient(self, recipient: dict[str, str]) -> dict[str, str]:
        if not recipient["address"].strip():
            raise serializers.ValidationError({"address": [_("Enter the delivery address.")]})
        return recipient


class BookingRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    mobile = MobileField(max_length=20)
    address = serializers.CharField(max_length=200, help_text=_("Of the courtyard to design."))
    area_sqm = serializers.DecimalField(
        max_digits=7, decimal_places=1, min_value=1, max_value=10000
    )
    slot = serializers.CharField(
        max_length=16, help_text=_("A slot from …/slots/, e.g. 2026-12-05T09:00.")
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# --- Answers --------------------------------------------------------------------------------------


class OrderLineSerializer(serializers.Serializer):
    title = serializers.CharField()
    spec = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)


class PaymentSerializer(serializers.Serializer):
    method = serializers.CharField(help_text=_("cash_on_delivery or bank_transfer."))
    label = serializers.CharField()
    instructions = serializers.CharField(help_text=_("What the buyer is told to do to pay."))


class MaskedRecipientSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("Masked: 王**."))
    mobile = serializers.CharField(help_text=_("Masked: 139****5678."))


class OrderSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    channel = serializers.CharField()
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    payment = PaymentSerializer()
    lines = OrderLineSerializer(many=True)
    recipient = MaskedRecipientSerializer()
    pickup = serializers.BooleanField()
    receipt_url = serializers.URLField(
        allow_null=True, help_text=_("The buyer's page; null for catalogue orders.")
    )


class BookingSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text=_("Told to the visitor by SMS too."))
    status = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    design = serializers.CharField()
    designer = serializers.CharField()
    area_sqm = serializers.DecimalField(max_digits=7, decimal_places=1)
    estimate = YuanRangeSerializer(help_text=_("Yuan for the whole courtyard, from and to."))
    mobile = serializers.CharField(help_text=_("Masked: 139****5678."))
    page_url = serializers.URLField(help_text=_("The visitor's page of this booking."))
