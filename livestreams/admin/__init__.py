"""Admin pages of the livestream base and the order spine.

Studios are edited here freely. A live session is booked through sessions.save_session (a studio
or streamer taken then is a form error, never a 500) and changes status only through the
actions, which call set_session_status. Orders, lines, seller orders, imports and their histories
are written by the services (imports, matching, forwarding) and only looked at here; the staff
pages hold the actions (import, map a line, correct an attribution). Stored export files hold
recipients: they leave through the staff download, which writes the export log, never as a
media link.
"""

import copy
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from livestreams.models import (
    LiveSession,
    LiveSessionStatus,
    Order,
    OrderImport,
    OrderLine,
    OrderLineChange,
    SellerOrder,
    SellerOrderEvent,
    Studio,
)
from livestreams.services import sessions

COUNT_LABELS = (
    ("rows", _("Rows read")),
    ("orders_created", _("New orders")),
    ("orders_updated", _("Updated orders")),
    ("orders_unchanged", _("Unchanged orders")),
    ("lines_created", _("New lines")),
    ("lines_updated", _("Updated lines")),
    ("lines_unchanged", _("Unchanged lines")),
    ("unmatched_lines", _("Lines without a SKU (unmatched)")),
    ("skipped_rows", _("Skipped rows (bad values)")),
    ("seller_orders_created", _("Seller orders created")),
    ("seller_orders_cancelled", _("Seller orders cancelled")),
    ("orders_attributed", _("Orders attributed to a live session")),
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the services, only looked at here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Studios and sessions -----------------------------------------------------------------------


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "is_active", "equipment")
    list_display_links = ("number", "name")
    list_filter = ("is_active",)
    search_fields = ("name", "equipment", "notes")
    ordering = ("number",)


class LiveSessionAdminForm(forms.ModelForm):
    """Checks the booking with the booking service itself, in a trial that is rolled back."""

    class Meta:
        model = LiveSession
        fields = (
            "title",
            "studio",
            "streamer",
            "staff_streamer",
            "platform",
            "platform_account",
            "planned_start",
            "planned_end",
            "featured_products",
            "campaign",
            "notes",
        )

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        try:
            with transaction.atomic():
                sessions.save_session(session=copy.copy(self.instance))
                transaction.set_rollback(True)
        except ValidationError as error:
            self._update_errors(error)


def _status_action(to_status: str, label: Any) -> Callable:
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        moved, refused = 0, []
        for session in queryset.order_by("planned_start"):
            try:
                sessions.set_session_status(
                    session=session, to_status=to_status, actor=request.user
                )
                moved += 1
            except ValidationError as error:
                refused.append(f"{session.title}: {' '.join(error.messages)}")
        if moved:
            modeladmin.message_user(
                request,
                ngettext("%(count)d session changed.", "%(count)d sessions changed.", moved)
                % {"count": moved},
                messages.SUCCESS,
            )
        for message in refused:
            modeladmin.message_user(request, message, messages.ERROR)

    action.__name__ = f"set_{to_status}"
    action.short_description = label  # type: ignore[attr-defined]
    return action


@admin.register(LiveSession)
class LiveSessionAdmin(admin.ModelAdmin):
    form = LiveSessionAdminForm
    list_display = ("title", "planned_start", "planned_end", "studio", "host", "platform", "status")
    list_select_related = ("studio", "streamer", "staff_streamer__member")
    list_filter = (
        "status",
        "platform",
        "studio",
        ("streamer", admin.RelatedOnlyFieldListFilter),
    )
    date_hierarchy = "planned_start"
    search_fields = ("title", "streamer__name", "platform_account", "studio__name")
    autocomplete_fields = ("streamer", "staff_streamer", "featured_products")
    readonly_fields = ("status", "actual_start", "actual_end", "orders_link", "created_at")
    actions = [
        _status_action(LiveSessionStatus.LIVE, _("Go live")),
        _status_action(LiveSessionStatus.ENDED, _("End the session")),
        _status_action(LiveSessionStatus.CANCELLED, _("Cancel the session")),
    ]
    fieldsets = (
        (None, {"fields": ("title", "studio", "streamer", "staff_streamer", "campaign")}),
        (
            _("Platform and time"),
            {"fields": ("platform", "platform_account", "planned_start", "planned_end")},
        ),
        (_("Products and notes"), {"fields": ("featured_products", "notes")}),
        (
            _("What happened"),
            {"fields": ("status", "actual_start", "actual_end", "orders_link", "created_at")},
        ),
    )

    def get_fieldsets(self, request: HttpRequest, obj: LiveSession | None = None) -> Any:
        return self.fieldsets if obj is not None else self.fieldsets[:-1]

    @admin.display(description=_("streamer"))
    def host(self, obj: LiveSession) -> str:
        return str(obj.streamer or obj.staff_streamer or "—")

    @admin.display(description=_("orders"))
    def orders_link(self, obj: LiveSession) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("admin:livestreams_order_changelist") + f"?live_session__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("Orders attributed to it"))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancel instead: its orders keep their attribution

    def save_model(self, request: HttpRequest, obj: LiveSession, form: Any, change: bool) -> None:
        sessions.save_session(session=obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:  # booked by someone else between the check and the save
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# --- Orders -------------------------------------------------------------------------------------


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
    readonly_fields = (
        "channel",
        "platform_order_id",
        "status",
        "platform_status",
        "staff_page",
        "paid_amount",
        "shipping_fee",
        "ordered_at",
        "paid_at",
        "payment_method",
        "recipient_name",
        "recipient_mobile",
        "recipient_province",
        "recipient_city",
        "recipient_district",
        "recipient_address",
        "recipient_anonymised_at",
        "buyer_note",
        "live_session",
        "attribution",
        "streamer_account",
        "traffic_source",
        "last_import",
        "created_at",
        "updated_at",
    )

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


# --- Imports ------------------------------------------------------------------------------------


@admin.register(OrderImport)
class OrderImportAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "file_names",
        "platform",
        "status",
        "is_dry_run",
        "uploaded_by",
        "summary",
    )
    list_select_related = ("uploaded_by__member",)
    list_filter = ("status", "platform", "is_dry_run")
    search_fields = ("file_names", "sha256")
    date_hierarchy = "created_at"
    fields = (
        "file_names",
        "downloads",
        "platform",
        "status",
        "is_dry_run",
        "uploaded_by",
        "sha256",
        "created_at",
        "finished_at",
        "refusal",
        "counts_table",
        "errors_table",
    )
    readonly_fields = fields

    @admin.display(description=_("result"))
    def summary(self, obj: OrderImport) -> str:
        if not obj.counts:
            return obj.refusal[:80] or "—"
        return gettext("%(orders)d new orders, %(unmatched)d unmatched, %(skipped)d skipped") % {
            "orders": obj.counts.get("orders_created", 0),
            "unmatched": obj.counts.get("unmatched_lines", 0),
            "skipped": obj.counts.get("skipped_rows", 0),
        }

    @admin.display(description=_("files"))
    def downloads(self, obj: OrderImport) -> str:
        links = [(reverse("staff:import_file", kwargs={"pk": obj.pk}), gettext("Download"))]
        if obj.companion_file:
            links.append(
                (
                    reverse("staff:import_companion_file", kwargs={"pk": obj.pk}),
                    gettext("Download the second file"),
                )
            )
        links.append((reverse("staff:import", kwargs={"pk": obj.pk}), gettext("Staff page")))
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.display(description=_("counts"))
    def counts_table(self, obj: OrderImport) -> str:
        if not obj.counts:
            return "—"
        rows = ((label, obj.counts.get(key, 0)) for key, label in COUNT_LABELS)
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description=_("errors"))
    def errors_table(self, obj: OrderImport) -> str:
        if not obj.errors:
            return "—"
        rows = (
            (error.get("row", ""), error.get("column", ""), error.get("message", ""))
            for error in obj.errors
        )
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            gettext("Row"),
            gettext("Column"),
            gettext("Problem"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )


@admin.register(OrderLineChange)
class OrderLineChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "line",
        "field",
        "from_value",
        "to_value",
        "order_import",
        "actor",
    )
    list_select_related = ("line", "order_import", "actor__member")
    list_filter = ("field",)
    search_fields = ("line__line_key", "line__order__platform_order_id")
    date_hierarchy = "created_at"
    fields = ("line", "field", "from_value", "to_value", "order_import", "actor", "created_at")
    readonly_fields = fields
