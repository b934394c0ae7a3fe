"""Admin pages of the alliance: federations, places, members, enterprises, projects."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from alliance import services
from alliance.admin_base import ReadOnlyAdmin
from alliance.models import (
    Enterprise,
    ExportLog,
    Federation,
    Member,
    MemberEvent,
    Project,
    ProjectParticipation,
    Township,
    User,
    Village,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "__str__", "email", "is_staff", "is_active", "last_login")
    search_fields = (
        "username",
        "first_name",
        "last_name",
        "email",
        "member__name",
        "member__mobile",
    )
    list_select_related = ("member",)


class VillageInline(admin.TabularInline):
    model = Village
    extra = 0
    fields = ("name",)


@admin.register(Federation)
class FederationAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "is_home")
    search_fields = ("name", "region")


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "federation", "village_count")
    list_filter = ("federation", "kind")
    search_fields = ("name",)
    inlines = [VillageInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Township]:
        return (
            super()
            .get_queryset(request)
            .select_related("federation")
            .annotate(number_of_villages=Count("villages"))
        )

    @admin.display(description=_("number of villages"), ordering="number_of_villages")
    def village_count(self, township: Township) -> int:
        return township.number_of_villages


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ("name", "township")
    list_filter = ("township__federation", "township")
    search_fields = ("name", "township__name")
    autocomplete_fields = ("township",)
    list_select_related = ("township",)


class EnterpriseInline(admin.TabularInline):
    model = Enterprise
    fk_name = "owner"
    extra = 0
    fields = ("name", "registration_number", "village", "is_active")
    autocomplete_fields = ("village",)
    verbose_name_plural = _("enterprises she owns")


class ParticipationInline(admin.TabularInline):
    model = ProjectParticipation
    fk_name = "member"
    extra = 0
    fields = ("project", "joined_on", "left_on")
    autocomplete_fields = ("project",)
    verbose_name_plural = _("projects she takes part in")


class MemberEventInline(admin.TabularInline):
    model = MemberEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Member | None = None) -> bool:
        return False


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "mobile",
        "village",
        "is_seller",
        "is_streamer",
        "is_leader",
        "is_courtyard_owner",
        "is_designer",
        "status",
        "joined_on",
    )
    list_filter = (
        "status",
        "is_seller",
        "is_streamer",
        "is_leader",
        "is_courtyard_owner",
        "is_designer",
        "federation",
        "village__township",
    )
    search_fields = ("name", "mobile", "village__name")
    autocomplete_fields = ("village", "user")
    list_select_related = ("village__township",)
    readonly_fields = ("status", "created_at", "updated_at")
    date_hierarchy = "joined_on"
    inlines = [EnterpriseInline, ParticipationInline, MemberEventInline]
    actions = ["suspend_selected", "reinstate_selected"]
    fieldsets = (
        (None, {"fields": ("name", "mobile", "federation", "village", "joined_on", "status")}),
        (
            _("Roles"),
            {
                "fields": (
                    "is_seller",
                    "is_streamer",
                    "is_leader",
                    "is_courtyard_owner",
                    "is_designer",
                )
            },
        ),
        (_("Login and profile"), {"fields": ("user", "story")}),
        (
            _("Notifications"),
            {
                "fields": (
                    ("notify_by_email", "notification_email"),
                    ("notify_by_wecom", "wecom_webhook_url"),
                    ("notify_by_sms", "sms_mobile"),
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.action(description=_("Suspend selected members"))
    def suspend_selected(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        count = self._change_status(request, queryset, services.suspend_member)
        message = ngettext("%(count)d member suspended.", "%(count)d members suspended.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reinstate selected members"))
    def reinstate_selected(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        count = self._change_status(request, queryset, services.reinstate_member)
        message = ngettext("%(count)d member reinstated.", "%(count)d members reinstated.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @staticmethod
    def _change_status(
        request: HttpRequest, queryset: QuerySet[Member], service: Callable[..., Member]
    ) -> int:
        members = list(queryset)
        for member in members:
            service(member=member, actor=request.user, reason="admin")
        return len(members)


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "village", "registration_number", "is_active")
    list_filter = ("is_active", "village__township")
    search_fields = ("name", "registration_number", "owner__name")
    autocomplete_fields = ("owner", "village")
    list_select_related = ("owner", "village__township")


class ProjectParticipationInline(admin.TabularInline):
    model = ProjectParticipation
    extra = 0
    fields = ("member", "joined_on", "left_on")
    autocomplete_fields = ("member",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "leader", "township", "started_on", "participant_count", "is_active")
    list_filter = ("is_active", "township")
    search_fields = ("name", "leader__name")
    autocomplete_fields = ("leader", "township")
    inlines = [ProjectParticipationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Project]:
        return (
            super()
            .get_queryset(request)
            .select_related("leader", "township")
            .annotate(
                current_participants=Count(
                    "participations", filter=Q(participations__left_on__isnull=True)
                )
            )
        )

    @admin.display(description=_("participants"), ordering="current_participants")
    def participant_count(self, project: Project) -> int:
        return project.current_participants


@admin.register(MemberEvent)
class MemberEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "member", "from_status", "to_status", "actor", "reason")
    list_filter = ("to_status",)
    search_fields = ("member__name", "reason")
    list_select_related = ("member", "actor__member")


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    """Read-only: the log is append-only (the database refuses changes on PostgreSQL)."""

    list_display = ("created_at", "actor", "what", "rows", "sha256")
    list_filter = ("created_at",)
    search_fields = ("what", "actor__username", "sha256")
    list_select_related = ("actor__member",)
    date_hierarchy = "created_at"
    fields = ("created_at", "actor", "what", "rows", "sha256")
    readonly_fields = fields


# The federation's work (issue #6): places, campaigns, backdrops, training and contests.
from alliance import admin_federation  # noqa: E402, F401
