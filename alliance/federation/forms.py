"""Forms of the federation's pages: the map's filters, the backdrop switch, enrolment."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from alliance.models import Member, PlaceCategory, Village
from alliance.validators import normalize_mobile, validate_mobile
from products.models import Product


class MapFilterForm(forms.Form):
    """The map's filters; a value that is not valid is ignored (the whole map is shown)."""

    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("All five beauties")), *PlaceCategory.choices],
        required=False,
    )
    village = forms.ModelChoiceField(
        label=_("Village"),
        queryset=Village.objects.none(),
        required=False,
        empty_label=_("All villages"),
    )

    def __init__(self, *args: Any, villages: QuerySet[Village], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class SwitchProductForm(forms.Form):
    """Which of the session's products the backdrop shows now (or none)."""

    product = forms.ModelChoiceField(
        label=_("Product on sale now"),
        queryset=Product.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("This product is not one of the session's products on sale.")
        },
    )

    def __init__(self, *args: Any, products: QuerySet[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class EnrolForm(forms.Form):
    """Enrol a woman: a member by her mobile, or a woman who is not a member yet."""

    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("A member is found by her mobile; for anyone else give her name too."),
    )
    name = forms.CharField(label=_("Name (if not a member)"), max_length=50, required=False)
    village = forms.ModelChoiceField(
        label=_("Village (if not a member)"),
        queryset=Village.objects.select_related("township").order_by("township__name", "name"),
        required=False,
    )

    def clean_mobile(self) -> str:
        mobile = normalize_mobile(self.cleaned_data["mobile"])
        validate_mobile(mobile)
        return mobile

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        mobile = cleaned.get("mobile")
        is_member = mobile and Member.objects.filter(mobile=mobile).exists()
        if mobile and not is_member and not cleaned.get("name"):
            self.add_error(
                "name", _("No member has this mobile: give the name of the woman to enrol.")
            )
        return cleaned
