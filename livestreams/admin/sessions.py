"""Studios, edited freely, and live sessions, booked through the booking service (an overlap is a
form error, never a 500) and moved between statuses only by the actions (set_session_status).
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
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from livestreams.forms import SESSION_FIELDS
from livestreams.models import LiveSession, LiveSessionStatus, Studio
from livestreams.services import sessions


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
        fields = SESSION_FIELDS

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
