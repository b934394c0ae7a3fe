"""The public product list's filters and orderings, validated: a bad value answers 400."""

from decimal import Decimal
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from products.models import SKU, Product
from products.selectors import in_season

# Each ordering the API offers, with a unique last field so pages never skip or repeat a row.
ORDERINGS: dict[str, tuple[str, ...]] = {
    "newest": ("-created_at", "-id"),
    "price": ("sort_price", "id"),
    "-price": ("-sort_price", "-id"),
    "name": ("name", "id"),
}
DEFAULT_ORDERING = "newest"
MAX_SEARCH_LENGTH = 50


def ordering_fields(value: str | None) -> tuple[str, ...]:
    """The order_by fields of an ordering name (already validated by ProductFilter)."""
    return ORDERINGS.get(value or DEFAULT_ORDERING, ORDERINGS[DEFAULT_ORDERING])


@extend_schema_field({"type": "integer", "minimum": 1})
class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "number", "minimum": 0})
class PriceFilter(filters.NumberFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.update(min_value=Decimal("0"), max_digits=12, decimal_places=2)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 12})
class MonthFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.update(min_value=1, max_value=12)
        super().__init__(*args, **kwargs)


class ProductFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_min", _("The lowest price cannot be above the highest price."))
        if data.get("season") and data.get("month"):
            self.add_error("month", _("Give either season=now or a month, not both."))
        return data


class ProductFilter(filters.FilterSet):
    category = IdFilter(
        method="filter_category",
        label=_("Category id; a top category includes its sub-categories."),
    )
    village = IdFilter(field_name="origin_village_id", label=_("Origin village id."))
    seller = IdFilter(field_name="seller_id", label=_("Seller (member) id."))
    season = filters.ChoiceFilter(
        choices=[("now", "now")],
        method="filter_season",
        label=_("now: in season this month (Asia/Shanghai)."),
    )
    month = MonthFilter(method="filter_month", label=_("In season in this month, 1 to 12."))
    partner_county = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_partner_county",
        label=_("true: only partner-county products; false: none of them."),
    )
    price_min = PriceFilter(
        method="filter_price", label=_("Lowest price in yuan: some active SKU costs at least this.")
    )
    price_max = PriceFilter(
        method="filter_price", label=_("Highest price in yuan: some active SKU costs at most this.")
    )
    tag = filters.CharFilter(method="filter_tag", max_length=30, label=_("Tag name."))
    q = filters.CharFilter(
        method="filter_search",
        max_length=MAX_SEARCH_LENGTH,
        label=_("Words in the product's name, e.g. 草莓."),
    )
    ordering = filters.ChoiceFilter(
        choices=[(name, name) for name in ORDERINGS],
        method="filter_ordering",
        label=_("newest (default), price, -price or name."),
    )

    class Meta:
        model = Product
        fields: list[str] = []
        form = ProductFilterForm

    def filter_category(self, queryset: QuerySet[Product], name: str, value: int) -> QuerySet:
        return queryset.filter(Q(category_id=value) | Q(category__parent_id=value))

    def filter_season(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet:
        return in_season(queryset)

    def filter_month(self, queryset: QuerySet[Product], name: str, value: int) -> QuerySet:
        return in_season(queryset, value)

    def filter_partner_county(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet:
        return queryset.filter(is_partner_county=value == "true")

    def filter_price(self, queryset: QuerySet[Product], name: str, value: Decimal) -> QuerySet:
        # One EXISTS per bound, each over the product's active SKUs: a product matches when some
        # SKU satisfies both bounds, and never appears twice (no join).
        if name == "price_max" and self.form.cleaned_data.get("price_min") is not None:
            return queryset  # both bounds were applied together with price_min
        skus = SKU.objects.filter(product=OuterRef("pk"), is_active=True)
        low = self.form.cleaned_data.get("price_min")
        high = self.form.cleaned_data.get("price_max")
        if low is not None:
            skus = skus.filter(price__gte=low)
        if high is not None:
            skus = skus.filter(price__lte=high)
        return queryset.filter(Exists(skus))

    def filter_tag(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet:
        return queryset.filter(tags__name=value.strip())  # tag names are unique: no duplicates

    def filter_search(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(name__icontains=value) if value else queryset

    def filter_ordering(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet:
        if value in {"price", "-price"}:
            cheapest = (
                SKU.objects.filter(product=OuterRef("pk"), is_active=True)
                .order_by("price")
                .values("price")[:1]
            )
            field = DecimalField(max_digits=12, decimal_places=2)
            # A product whose SKUs were all withdrawn sorts as free rather than vanishing
            # from the cursor's comparisons (NULL compares with nothing).
            return queryset.annotate(
                sort_price=Coalesce(
                    Subquery(cheapest, output_field=field), Value(Decimal("0")), output_field=field
                )
            )
        return queryset
