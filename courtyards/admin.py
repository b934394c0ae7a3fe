"""Admin pages of the courtyards: courtyards with their photos, pieces and designs (and codes),
designers' availability, bookings with their history and messages, scans, sales.

Statuses and codes never change through a form field: pieces through their service (the
actions below), bookings from the designer's dashboard, codes by "issue a new code".
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from alliance import admin_base
from alliance.admin_base import ReadOnlyAdmin
from courtyards.models import (
    BookingEvent,
    BookingNotification,
    Courtyard,
    CourtyardDesign,
    CourtyardItem,
    CourtyardSale,
    DayOff,
    DesignVisitBooking,
    ItemEvent,
    ItemStatus,
    Photo,
    QrCode,
    ScanEvent,
    VisitSlot,
    WeeklySlot,
)
from courtyards.services import courtyards as services


class ReadOnlyInline(admin_base.ReadOnlyInline):
    show_change_link = False


class PhotoInline(ReadOnlyInline):
    model = Photo
    fields = ("thumbnail_small", "item", "design", "position")
    readonly_fields = fields


class QrCodeInline(ReadOnlyInline):
    model = QrCode
    fields = ("token", "created_at", "retired_at")
    readonly_fields = fields


@admin.register(Courtyard)
class CourtyardAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "village", "kind", "is_active")
    list_filter = ("kind", "is_active", "village__township")
    search_fields = ("name", "owner__name", "village__name")
    autocomplete_fields = ("owner", "village")
    list_select_related = ("owner", "village__township")
    readonly_fields = ("public_token", "created_at", "updated_at")
    inlines = [PhotoInline]

    def save_model(self, request: HttpRequest, obj: Courtyard, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        from courtyards.cache import courtyards_changed

        courtyards_changed()


@admin.register(CourtyardItem)
class CourtyardItemAdmin(admin.ModelAdmin):
    list_display = ("name", "courtyard", "price", "sku", "status")
    list_filter = ("status", "courtyard__village__township")
    search_fields = ("name", "courtyard__name")
    list_select_related = ("courtyard", "sku__product")
    autocomplete_fields = ("courtyard", "sku")
    readonly_fields = ("status", "sold_at", "created_at", "updated_at")
    inlines = [QrCodeInline]
    actions = ["mark_available", "mark_reserved", "mark_sold", "issue_new_code"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # What a piece is (its SKU or its own price) is set when it is added.
        return (*self.readonly_fields, "sku", "courtyard") if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: CourtyardItem, form: Any, change: bool) -> None:
        if change:
            services.update_item(
                item=obj,
                **{
                    name: form.cleaned_data[name]
                    for name in ("name", "description", "price", "position")
                    if name in form.cleaned_data
                },
            )
        else:
            created = services.add_item(
                courtyard=obj.courtyard,
                name=obj.name,
                description=obj.description,
                price=obj.price,
                sku=obj.sku,
            )
            obj.pk = created.pk

    def _move(self, request: HttpRequest, queryset: QuerySet, to_status: str) -> None:
        moved = 0
        for item in queryset:
            try:
                services.set_item_status(
                    item=item, to_status=to_status, actor=request.user, reason="admin"
                )
                moved += 1
            except ValidationError as error:
                self.message_user(request, f"{item}: {' '.join(error.messages)}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d piece changed.", "%(count)d pieces changed.", moved)
            % {"count": moved},
        )

    @admin.action(description=_("Mark as for sale"))
    def mark_available(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._move(request, queryset, ItemStatus.AVAILABLE)

    @admin.action(description=_("Mark as reserved"))
    def mark_reserved(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._move(request, queryset, ItemStatus.RESERVED)

    @admin.action(description=_("Mark as sold"))
    def mark_sold(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._move(request, queryset, ItemStatus.SOLD)

    @admin.action(description=_("Issue a new code (the label was lost)"))
    def issue_new_code(self, request: HttpRequest, queryset: QuerySet) -> None:
        for item in queryset:
            services.rotate_qr_code(item=item)
        self.message_user(
            request, _("New codes issued; the old labels now say they are no longer in use.")
        )


@admin.register(CourtyardDesign)
class CourtyardDesignAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "courtyard",
        "style",
        "designer",
        "price_min_per_sqm",
        "price_max_per_sqm",
        "is_active",
    )
    list_filter = ("style", "is_active")
    search_fields = ("name", "courtyard__name", "designer__name")
    list_select_related = ("courtyard", "designer")
    autocomplete_fields = ("courtyard", "designer")
    readonly_fields = ("created_at", "updated_at")
    inlines = [QrCodeInline]
    actions = ["issue_new_code"]

    def save_model(
        self, request: HttpRequest, obj: CourtyardDesign, form: Any, change: bool
    ) -> None:
        if change:
            fields = (
                "name",
                "style",
                "description",
                "materials",
                "price_min_per_sqm",
                "price_max_per_sqm",
                "designer",
                "is_active",
                "position",
            )
            services.update_design(
                design=obj,
                **{name: form.cleaned_data[name] for name in fields if name in form.cleaned_data},
            )
        else:
            created = services.add_design(
                courtyard=obj.courtyard, designer=obj.designer, name=obj.name, style=obj.style,
                price_min_per_sqm=obj.price_min_per_sqm, price_max_per_sqm=obj.price_max_per_sqm,
                description=obj.description, materials=obj.materials,
            )  # fmt: skip
            obj.pk = created.pk

    @admin.action(description=_("Issue a new code (the label was lost)"))
    def issue_new_code(self, request: HttpRequest, queryset: QuerySet) -> None:
        for design in queryset:
            services.rotate_qr_code(design=design)
        self.message_user(
            request, _("New codes issued; the old labels now say they are no longer in use.")
        )


@admin.register(QrCode)
class QrCodeAdmin(ReadOnlyAdmin):
    list_display = ("token", "courtyard", "item", "design", "created_at", "retired_at")
    list_filter = ("retired_at",)
    search_fields = ("token", "item__name", "design__name", "courtyard__name")
    list_select_related = ("courtyard", "item", "design")


@admin.register(ItemEvent)
class ItemEventAdmin(ReadOnlyAdmin):
    list_display = ("item", "from_status", "to_status", "order", "actor", "created_at")
    list_select_related = ("item", "order", "actor")


@admin.register(CourtyardSale)
class CourtyardSaleAdmin(ReadOnlyAdmin):
    list_display = ("item", "order", "quantity", "is_pickup", "released_at", "created_at")
    list_select_related = ("item", "order")
    search_fields = ("order__platform_order_id", "item__name")


@admin.register(WeeklySlot)
class WeeklySlotAdmin(admin.ModelAdmin):
    list_display = ("designer", "weekday", "start_time", "duration_minutes", "capacity")
    list_filter = ("weekday",)
    list_select_related = ("designer",)
    autocomplete_fields = ("designer",)


@admin.register(DayOff)
class DayOffAdmin(admin.ModelAdmin):
    list_display = ("designer", "date", "note")
    list_select_related = ("designer",)
    autocomplete_fields = ("designer",)


@admin.register(VisitSlot)
class VisitSlotAdmin(ReadOnlyAdmin):
    list_display = ("designer", "starts_at", "booked", "capacity")
    list_select_related = ("designer",)


class BookingEventInline(ReadOnlyInline):
    model = BookingEvent
    fields = ("kind", "from_status", "to_status", "to_starts_at", "actor", "reason", "created_at")
    readonly_fields = fields


@admin.register(DesignVisitBooking)
class DesignVisitBookingAdmin(ReadOnlyAdmin):
    list_display = ("reference", "design", "designer", "slot", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("reference", "design__name", "designer__name")
    list_select_related = ("design", "designer", "slot")
    inlines = [BookingEventInline]


@admin.register(BookingNotification)
class BookingNotificationAdmin(ReadOnlyAdmin):
    list_display = ("event", "audience", "channel", "status", "attempts", "last_error", "sent_at")
    list_filter = ("status", "audience", "channel")
    list_select_related = ("event",)


@admin.register(ScanEvent)
class ScanEventAdmin(ReadOnlyAdmin):
    list_display = ("scanned_at", "courtyard", "item", "design", "device", "source", "referrer")
    list_filter = ("device", "source")
    list_select_related = ("courtyard", "item", "design")
    date_hierarchy = "scanned_at"
