"""Recorded imports and the line changes they made, read-only. A stored export file holds
recipients: it leaves through the staff download (which writes the export log), never as a media
link."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.admin_base import ReadOnlyAdmin
from livestreams.models import OrderImport, OrderLineChange

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
