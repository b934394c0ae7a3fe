"""Orders, their lines and seller orders: written by the import, matching and forwarding
services, only looked at here (the staff pages map a line and correct an attribution)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.admin_base import ReadOnlyAdmin, ReadOnlyInline
from livestreams.models import Order, OrderLine, SellerOrder, SellerOrderEvent


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "line_key",
        "title",
        "spec",
        "quantity",
        "unit_price",
        "line_total",
        "sku",
        "seller",
        "status",
        "after_sales_status",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderLine]:
        return super().get_queryset(request).select_related("sku__product", "seller")


class SellerOrderInline(ReadOnlyInline):
    model = SellerOrder
    fields = ("seller", "status", "forwarded_at", "courier", "tracking_number", "shipped_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SellerOrder]:
        return super().get_queryset(request).select_related("seller")


class SessionAttributedFilter(admin.SimpleListFilter):
    title = _("live session")
    parameter_name = "attributed"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", _("attributed to a session")), ("no", _("channel only"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(live_session__isnull=False)
        if self.value() == "no":
            return queryset.filter(live_session__isnull=True)
        return queryset


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "platform_order_id",
        "channel",
        "status",
        "paid_amount",
        "paid_at",
        "live_session",
        "attribution",
    )
    list_select_related = ("live_session",)
    list_filter = ("channel", "status", "attribution", SessionAttributedFilter)
    search_fields = ("platform_order_id",)
    date_hierarchy = "paid_at"
    inlines = [OrderLineInline, SellerOrderInline]
    fieldsets = (
        (
            None,
            {"fields": ("channel", "platform_order_id", "status", "platform_status", "staff_page")},
        ),
        (
            _("Money and times"),
            {"fields": ("paid_amount", "shipping_fee", "ordered_at", "paid_at", "payment_method")},
        ),
        (
            _("Recipient (as the platform gives it)"),
            {
                "fields": (
                    "recipient_name",
                    "recipient_mobile",
                    "recipient_province",
                    "recipient_city",
                    "recipient_district",
                    "recipient_address",
                    "recipient_anonymised_at",
                    "buyer_note",
                )
            },
        ),
        (
            _("Live session"),
            {"fields": ("live_session", "attribution", "streamer_account", "traffic_source")},
        ),
        (_("Import"), {"fields": ("last_import", "created_at", "updated_at")}),
    )
    readonly_fields = tuple(name for _title, part in fieldsets for name in part["fields"])

    @admin.display(description=_("staff page"))
    def staff_page(self, obj: Order) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("staff:order", kwargs={"pk": obj.pk}),
            gettext("Open the order's page (correct its attribution there)"),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        # The list's rows and the page's import: the change list adds no select_related of its own
        # to a queryset that has one.
        return super().get_queryset(request).select_related("live_session", "last_import")


class MatchedFilter(admin.SimpleListFilter):
    title = _("SKU")
    parameter_name = "matched"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", _("matched")), ("no", _("unmatched"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(sku__isnull=False)
        if self.value() == "no":
            return queryset.filter(sku__isnull=True)
        return queryset


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "spec",
        "order",
        "merchant_code",
        "sku",
        "seller",
        "status",
        "after_sales_status",
        "mapping",
    )
    list_select_related = ("order", "sku__product", "seller")
    list_filter = (MatchedFilter, "status", "after_sales_status", "channel")
    search_fields = (
        "line_key",
        "order__platform_order_id",
        "merchant_code",
        "platform_product_id",
        "title",
    )
    readonly_fields = (
        "order",
        "channel",
        "line_key",
        "title",
        "spec",
        "platform_product_id",
        "merchant_code",
        "sku",
        "seller",
        "seller_order",
        "mapping",
        "quantity",
        "unit_price",
        "line_total",
        "refunded_amount",
        "platform_status",
        "status",
        "platform_after_sales",
        "after_sales_status",
        "shipped_at",
        "courier_name",
        "tracking_number",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    @admin.display(description=_("mapping"))
    def mapping(self, obj: OrderLine) -> str:
        if obj.sku_id is not None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("staff:unmatched_group", kwargs={"line_id": obj.pk}),
            gettext("Map to a SKU"),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderLine]:
        return super().get_queryset(request).select_related("order", "sku__product", "seller")


class SellerOrderEventInline(ReadOnlyInline):
    model = SellerOrderEvent
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[SellerOrderEvent]:
        return super().get_queryset(request).select_related("actor__member")


class SellerOrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("title", "spec", "quantity", "line_total", "sku", "status", "after_sales_status")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderLine]:
        return super().get_queryset(request).select_related("sku__product")


@admin.register(SellerOrder)
class SellerOrderAdmin(ReadOnlyAdmin):
    list_display = ("order", "seller", "status", "created_at", "forwarded_at", "shipped_at")
    list_select_related = ("order", "seller")
    list_filter = ("status", "order__channel")
    search_fields = ("order__platform_order_id", "seller__name", "tracking_number")
    date_hierarchy = "created_at"
    inlines = [SellerOrderLineInline, SellerOrderEventInline]
    readonly_fields = (
        "order",
        "seller",
        "status",
        "problem",
        "problem_at",
        "forward_attempts",
        "forwarded_at",
        "acknowledged_at",
        "reminded_at",
        "escalated_at",
        "courier",
        "tracking_number",
        "shipped_at",
        "delivered_at",
        "uploaded_at",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
