"""Forms of the courtyards: the public buy and booking forms, and the owner's and designer's."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from alliance.models import Member
from alliance.validators import normalize_mobile, validate_mobile
from courtyards import tokens
from courtyards.models import (
    Courtyard,
    CourtyardDesign,
    CourtyardItem,
    CourtyardKind,
    DesignStyle,
    ItemStatus,
    Weekday,
)
from courtyards.selectors import FreeSlot
from courtyards.services.visits import check_area
from livestreams.models import PaymentMethod
from livestreams.services.placement import MAX_QUANTITY
from products.forms import ACCEPTED_IMAGE_TYPES, YuanField
from products.models import SKU


def _label(model: type, field: str) -> str:
    return capfirst(model._meta.get_field(field).verbose_name)


class MobileField(forms.CharField):
    """A mainland mobile; spaces, dashes and +86 are dropped."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        mobile = normalize_mobile(super().clean(value))
        validate_mobile(mobile)
        return mobile


class PublicForm(forms.Form):
    """A form strangers fill in: a hidden honeypot field and a key that makes a double tap safe.

    `website` is hidden from people (off screen, not focusable, no autofill); a robot filling
    every field fills it too, and the view then refuses the request without saying why.
    `client_key` is made when the form is shown: sending the same form twice places one order.
    """

    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    client_key = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_key", tokens.new_token())

    def is_robot(self) -> bool:
        return bool(self.data.get("website"))

    def key(self) -> str:
        value = (self.cleaned_data.get("client_key") or "").strip()
        return f"web:{value}" if value else ""


class BuyForm(PublicForm):
    """Buying a piece: who receives it and where, or pick-up at the courtyard; how to pay."""

    name = forms.CharField(
        label=_("Recipient"),
        max_length=50,
        error_messages={"required": _("Enter the recipient's name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    mobile = MobileField(
        label=_("Mobile"), error_messages={"required": _("Enter a mobile number we can call.")}
    )
    pickup = forms.BooleanField(label=_("I will pick it up at the courtyard"), required=False)
    address = forms.CharField(
        label=_("Delivery address"),
        max_length=200,
        required=False,
        help_text=_("Province, city, district, street and house number."),
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1
    )
    payment_method = forms.ChoiceField(
        label=_("Payment"),
        choices=[
            (PaymentMethod.CASH_ON_DELIVERY, _("Cash on delivery (or when you pick it up)")),
            (PaymentMethod.BANK_TRANSFER, _("Bank transfer")),
        ],
        initial=PaymentMethod.CASH_ON_DELIVERY,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note for the owner"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, item: CourtyardItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if item.is_one_of_a_kind:
            self.fields["quantity"].widget = forms.HiddenInput()
            self.fields["quantity"].max_value = 1

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("pickup") and not (data.get("address") or "").strip():
            self.add_error(
                "address", _("Enter the delivery address, or tick pick-up at the courtyard.")
            )
        return data


def slot_choices(slots: list[FreeSlot]) -> list[tuple[str, str]]:
    from courtyards.services.notifications import visit_time

    return [(slot.key, visit_time(slot.starts_at)) for slot in slots]


class AreaField(forms.CharField):
    """A courtyard's area in m²: 1 to 10,000, one decimal."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal:
        text = super().clean(value)
        try:
            return check_area(text.replace("㎡", "").replace("m²", "").strip())
        except ValidationError as error:
            raise ValidationError(error.message_dict["area_sqm"]) from None


class EstimateForm(forms.Form):
    area = AreaField(
        label=_("Your courtyard's area (m²)"),
        error_messages={"required": _("Enter the area in square metres, e.g. 60.")},
    )


class BookingForm(PublicForm):
    """Booking a design visit: who, where, how large, and one of the designer's free times."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=50,
        error_messages={"required": _("Enter your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    mobile = MobileField(
        label=_("Mobile"),
        help_text=_("Your booking reference is sent here by SMS."),
        error_messages={"required": _("Enter a mobile number we can call.")},
    )
    address = forms.CharField(
        label=_("Address of the courtyard to design"),
        max_length=200,
        error_messages={"required": _("Enter the address of the courtyard to design.")},
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    area = AreaField(
        label=_("Its area (m²)"),
        error_messages={"required": _("Enter the area in square metres, e.g. 60.")},
    )
    slot = forms.ChoiceField(
        label=_("When should the designer come?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a time for the visit."),
            "invalid_choice": _("This time has just been taken. Please choose another."),
        },
    )
    note = forms.CharField(
        label=_("Anything the designer should know"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, slots: list[FreeSlot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slot_choices(slots)


# --- The owner's and the designer's forms ------------------------------------------------------


class CourtyardForm(forms.ModelForm):
    class Meta:
        model = Courtyard
        fields = ["name", "kind", "village", "story", "directions", "latitude", "longitude"]
        widgets = {
            "story": forms.Textarea(attrs={"rows": 4}),
            "kind": forms.RadioSelect,
        }

    def __init__(self, *args: Any, owner: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.owner = owner
        self.fields["kind"].choices = CourtyardKind.choices
        self.fields["village"].queryset = self.fields["village"].queryset.select_related("township")
        if owner.village_id and not self.instance.pk:
            self.initial.setdefault("village", owner.village_id)


class ItemForm(forms.Form):
    """A piece: its name and story, and either its own price or one of her catalogue SKUs."""

    name = forms.CharField(
        label=_label(CourtyardItem, "name"),
        max_length=80,
        error_messages={"required": _("Give the piece a name.")},
    )
    description = forms.CharField(
        label=_label(CourtyardItem, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=CourtyardItem._meta.get_field("description").help_text,
    )
    price = YuanField(
        label=_("Price (yuan)"),
        required=False,
        help_text=_("For a one-of-a-kind piece."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    sku = forms.ModelChoiceField(
        label=_("Or sell it from my catalogue"),
        queryset=SKU.objects.none(),
        required=False,
        empty_label=_("No: a one-of-a-kind piece"),
    )

    def __init__(
        self, *args: Any, owner: Member, item: CourtyardItem | None = None, **kwargs: Any
    ) -> None:
        if item is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": item.name,
                    "description": item.description,
                    "price": item.price,
                    "sku": item.sku_id,
                },
            )
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["sku"].queryset = (
            SKU.objects.filter(product__seller=owner, is_active=True)
            .select_related("product")
            .order_by("product__name", "position", "pk")
        )
        self.fields["sku"].label_from_instance = lambda sku: (
            f"{sku.product.name} · {sku.spec} · ¥{sku.price}"
        )
        if item is not None:
            self.fields["sku"].disabled = True  # what a piece is does not change
            if item.sku_id is not None:
                self.fields["price"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("sku") is None and not data.get("price") and "price" not in self.errors:
            self.add_error("price", _("Give the piece a price above zero."))
        return data


class ItemStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ItemStatus.choices)


class DesignForm(forms.Form):
    name = forms.CharField(label=_label(CourtyardDesign, "name"), max_length=80)
    style = forms.ChoiceField(label=_label(CourtyardDesign, "style"), choices=DesignStyle.choices)
    designer = forms.ModelChoiceField(
        label=_label(CourtyardDesign, "designer"), queryset=Member.objects.none()
    )
    description = forms.CharField(
        label=_label(CourtyardDesign, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    materials = forms.CharField(
        label=_label(CourtyardDesign, "materials"),
        max_length=300,
        required=False,
        help_text=CourtyardDesign._meta.get_field("materials").help_text,
    )
    price_min_per_sqm = YuanField(
        label=_label(CourtyardDesign, "price_min_per_sqm"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    price_max_per_sqm = YuanField(
        label=_label(CourtyardDesign, "price_max_per_sqm"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    is_active = forms.BooleanField(
        label=_label(CourtyardDesign, "is_active"), required=False, initial=True
    )

    def __init__(
        self, *args: Any, designers: Any, design: CourtyardDesign | None = None, **kwargs: Any
    ) -> None:
        if design is not None:
            kwargs.setdefault(
                "initial",
                {
                    field: getattr(design, field)
                    for field in (
                        "name", "style", "description", "materials", "price_min_per_sqm",
                        "price_max_per_sqm", "is_active",
                    )
                }
                | {"designer": design.designer_id},
            )  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["designer"].queryset = designers


class PhotoForm(forms.Form):
    photo = forms.ImageField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ACCEPTED_IMAGE_TYPES, "capture": "environment"}
        ),
        error_messages={"required": _("Choose a photo to upload.")},
    )


class WeeklySlotForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=Weekday.choices, coerce=int)
    start_time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.TypedChoiceField(
        label=_("Length"),
        coerce=int,
        initial=120,
        choices=[(60, _("1 hour")), (90, _("1½ hours")), (120, _("2 hours")), (180, _("3 hours"))],
    )
    capacity = forms.IntegerField(label=_("Visits at once"), min_value=1, max_value=20, initial=1)


class DayOffForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=100, required=False)


class CancelBookingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (the visitor is told)"),
        max_length=200,
        error_messages={"required": _("Say why, so the visitor knows.")},
    )


class RescheduleForm(forms.Form):
    slot = forms.ChoiceField(
        label=_("New time"),
        error_messages={
            "required": _("Choose the new time."),
            "invalid_choice": _("This time has just been taken. Please choose another."),
        },
    )
    reason = forms.CharField(label=_("Message to the visitor"), max_length=200, required=False)

    def __init__(self, *args: Any, slots: list[FreeSlot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slot_choices(slots)
