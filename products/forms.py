"""Forms of the seller dashboard's catalogue pages: a product's details, its SKUs, its photos."""

import re
import unicodedata
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from products.models import SKU, Product, ProductStatus

MAX_STOCK = 1_000_000
MAX_PHOTOS_PER_UPLOAD = 10
MAX_PHOTOS_PER_PRODUCT = 20
ACCEPTED_IMAGE_TYPES = "image/jpeg,image/png,image/webp"

_PRICE = re.compile(r"^\d{1,10}(\.\d{1,2})?$")
_PRICE_TOO_PRECISE = re.compile(r"^\d+\.\d{3,}$")
_WHOLE_NUMBER = re.compile(r"^\d+$")


def _typed(value: str) -> str:
    """What she typed, with full-width digits and signs (Chinese keyboards) made plain."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))


def _label(model: type, field: str) -> str:
    return capfirst(model._meta.get_field(field).verbose_name)


class YuanField(forms.CharField):
    """A price in yuan with at most two decimal places; accepts ¥49.90, 49.9元 and ４９．９."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = _typed(super().to_python(value)).removeprefix("¥").removesuffix("元")
        if not text:
            return None
        if text.startswith("-"):
            raise ValidationError(_("A price cannot be negative."), code="negative")
        if _PRICE_TOO_PRECISE.match(text):
            raise ValidationError(
                _("A price has at most two decimal places, e.g. 49.90."), code="decimal_places"
            )
        if not _PRICE.match(text):
            raise ValidationError(_("Enter the price in yuan, e.g. 49.90."), code="invalid")
        return Decimal(text).quantize(Decimal("0.01"))


class StockField(forms.CharField):
    """A counted stock: a whole number from 0 to MAX_STOCK."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = _typed(super().to_python(value))
        if not text:
            return None
        if text.startswith("-"):
            raise ValidationError(_("Stock cannot be negative."), code="negative")
        if not _WHOLE_NUMBER.match(text):
            raise ValidationError(_("Stock is a whole number, e.g. 12."), code="invalid")
        stock = int(text)
        if stock > MAX_STOCK:
            raise ValidationError(
                _("Stock can be at most %(max)s.") % {"max": f"{MAX_STOCK:,}"}, code="too_large"
            )
        return stock


class ProductDetailsForm(forms.Form):
    """What a seller may change of her product's details (the service decides the rest)."""

    name = forms.CharField(
        label=_label(Product, "name"),
        max_length=Product._meta.get_field("name").max_length,
        error_messages={"required": _("Give the product a name.")},
    )
    unit = forms.CharField(
        label=_label(Product, "unit"),
        max_length=Product._meta.get_field("unit").max_length,
        required=False,
        help_text=Product._meta.get_field("unit").help_text,
    )
    description = forms.CharField(
        label=_label(Product, "description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    @classmethod
    def for_product(cls, product: Product, data: Any = None) -> "ProductDetailsForm":
        initial = {"name": product.name, "unit": product.unit, "description": product.description}
        return cls(data, initial=initial, prefix="product")

    def changes(self, product: Product) -> dict[str, str]:
        """The details that differ from the product's, ready for update_product."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if getattr(product, name) != value
        }


class SKUForm(forms.Form):
    """One SKU's price and counted stock; stock_seen is the number the page showed her."""

    price = YuanField(
        label=_label(SKU, "price"),
        error_messages={"required": _("Enter the price in yuan, e.g. 49.90.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    stock = StockField(
        label=_label(SKU, "stock"),
        error_messages={"required": _("Stock is a whole number, e.g. 12.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    # Not hers to fix: a missing or garbled number counts as the current stock.
    stock_seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, sku: SKU, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"sku-{sku.pk}")
        kwargs.setdefault(
            "initial", {"price": f"{sku.price:.2f}", "stock": sku.stock, "stock_seen": sku.stock}
        )
        super().__init__(*args, **kwargs)
        self.sku = sku

    def changes(self) -> dict[str, Any]:
        """The new price if it differs; the new stock only if she changed the number she saw.

        Orders may take stock while the page is open: leaving the number as it was must not
        put back what they took.
        """
        changes: dict[str, Any] = {}
        if self.cleaned_data["price"] != self.sku.price:
            changes["price"] = self.cleaned_data["price"]
        seen = self.cleaned_data["stock_seen"]
        if self.cleaned_data["stock"] != (int(seen) if seen.isdecimal() else self.sku.stock):
            changes["stock"] = self.cleaned_data["stock"]
        return changes


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotoUploadForm(forms.Form):
    """One or several photos of a product; each is checked by the image pipeline on its own."""

    photos = forms.Field(
        label=_("Add photos"),
        widget=MultiplePhotoInput(attrs={"accept": ACCEPTED_IMAGE_TYPES}),
        help_text=_("JPEG, PNG or WebP, up to 10 MB each. You can choose several at once."),
        error_messages={"required": _("Choose one or more photos first.")},
    )

    def __init__(self, *args: Any, photo_count: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.photo_count = photo_count

    def clean_photos(self) -> list[UploadedFile]:
        photos = [photo for photo in self.files.getlist(self.add_prefix("photos")) if photo]
        if not photos:
            raise ValidationError(self.fields["photos"].error_messages["required"], "required")
        if len(photos) > MAX_PHOTOS_PER_UPLOAD:
            raise ValidationError(
                _("You can upload at most %(max)d photos at a time.")
                % {"max": MAX_PHOTOS_PER_UPLOAD},
                code="too_many",
            )
        room = MAX_PHOTOS_PER_PRODUCT - self.photo_count
        if len(photos) > room:
            raise ValidationError(
                _("A product has at most %(max)d photos; there is room for %(room)d more.")
                % {"max": MAX_PHOTOS_PER_PRODUCT, "room": max(room, 0)},
                code="too_many_for_product",
            )
        return photos


class StatusForm(forms.Form):
    """Where a seller may move her product: on sale, or off the shelf."""

    status = forms.ChoiceField(
        choices=[
            (ProductStatus.ON_SALE.value, ProductStatus.ON_SALE.label),
            (ProductStatus.OFF_SHELF.value, ProductStatus.OFF_SHELF.label),
        ]
    )


# The list's filter: every product, one status, or those running low on stock.
LOW_STOCK = "low_stock"
LIST_FILTERS = ("", *ProductStatus.values, LOW_STOCK)
