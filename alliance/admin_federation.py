"""Admin pages of the federation's work: places of the five-beauties map, campaigns, backdrops,
training courses with sessions, enrolments and attendance, certificates, contests and awards.

Registered by importing this module from alliance/admin.py.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from alliance.federation import places as place_services
from alliance.federation import training
from alliance.federation.geo import wgs84_to_gcj02
from alliance.models import (
    Attendance,
    Award,
    Backdrop,
    Campaign,
    Certificate,
    Contest,
    ContestEntry,
    Course,
    CourseSession,
    Enrolment,
    Place,
    PlacePhoto,
)
from products.admin import ProductImageForm

# --- Places ---------------------------------------------------------------------------------------


class PlaceAdminForm(forms.ModelForm):
    """A place; coordinates in GCJ-02, or a GPS reading (WGS-84) converted on saving."""

    gps_latitude = forms.DecimalField(
        label=_("or GPS latitude (WGS-84)"),
        required=False,
        max_digits=9,
        decimal_places=6,
        help_text=_("A phone's GPS reading; it is converted to GCJ-02 and replaces the above."),
    )
    gps_longitude = forms.DecimalField(
        label=_("or GPS longitude (WGS-84)"), required=False, max_digits=9, decimal_places=6
    )

    class Meta:
        model = Place
        fields = (
            "name",
            "slug",
            "category",
            "village",
            "summary",
            "description",
            "latitude",
            "longitude",
            "address",
            "member",
            "enterprise",
            "products",
            "courtyard",
            "business_phone",
            "is_published",
            "position",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("latitude", "longitude"):
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        gps = (cleaned.get("gps_latitude"), cleaned.get("gps_longitude"))
        if any(value is not None for value in gps):
            if None in gps:
                raise ValidationError(_("Give both the GPS latitude and the GPS longitude."))
            latitude, longitude = wgs84_to_gcj02(float(gps[0]), float(gps[1]))
            cleaned["latitude"] = place_services.coordinate(latitude)
            cleaned["longitude"] = place_services.coordinate(longitude)
            self.instance.latitude = cleaned["latitude"]
            self.instance.longitude = cleaned["longitude"]
        for name in ("latitude", "longitude"):
            if cleaned.get(name) is None:
                self.add_error(name, gettext("Give the coordinates, in GCJ-02 or from GPS."))
        return cleaned


class PlacePhotoForm(ProductImageForm):
    """The catalogue's photo form (an upload checked by the image pipeline), for a place."""

    class Meta:
        model = PlacePhoto
        fields = ("alt_text", "position")


class PlacePhotoInline(admin.TabularInline):
    model = PlacePhoto
    form = PlacePhotoForm
    extra = 1
    fields = ("preview", "upload", "alt_text", "position")
    readonly_fields = ("preview",)

    @admin.display(description=_("preview"))
    def preview(self, photo: PlacePhoto) -> str:
        if not photo.pk or not photo.thumbnail_small:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" width="100">', photo.thumbnail_small.url, photo.alt_text
        )


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    form = PlaceAdminForm
    list_display = ("name", "category", "village", "is_published", "position", "public_page")
    list_filter = ("category", "is_published", "village__township")
    list_editable = ("is_published", "position")
    search_fields = ("name", "slug", "village__name", "summary")
    autocomplete_fields = ("village", "member", "enterprise", "products", "courtyard")
    list_select_related = ("village__township",)
    inlines = [PlacePhotoInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "category", "village", "summary", "description")}),
        (
            _("Where (GCJ-02)"),
            {
                "fields": (("latitude", "longitude"), ("gps_latitude", "gps_longitude"), "address"),
                "description": _(
                    "Pick the point on AMap, Tencent maps or WeChat (GCJ-02), or paste a phone's "
                    "GPS reading below and it is converted."
                ),
            },
        ),
        (
            _("What it promotes"),
            {"fields": ("member", "enterprise", "products", "courtyard", "business_phone")},
        ),
        (None, {"fields": ("is_published", "position")}),
    )

    @admin.display(description=_("public page"))
    def public_page(self, place: Place) -> str:
        return format_html('<a href="{}">{}</a>', reverse("place", args=[place.slug]), place.slug)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not PlacePhoto:
            super().save_formset(request, form, formset, change)
            return
        # New photos through add_place_photo (re-encoded, thumbnails); removal deletes files.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for photo_form in formset.initial_forms:
            if formset._should_delete_form(photo_form):
                place_services.remove_place_photo(photo=photo_form.instance)
                formset.deleted_objects.append(photo_form.instance)
            elif photo_form.has_changed():
                formset.changed_objects.append((photo_form.save(), photo_form.changed_data))
        for photo_form in formset.extra_forms:
            if not photo_form.has_changed() or formset._should_delete_form(photo_form):
                continue
            photo = place_services.add_place_photo(
                place=form.instance,
                upload=photo_form.cleaned_data["upload"],
                alt_text=photo_form.cleaned_data.get("alt_text", ""),
            )
            formset.new_objects.append(photo)


# --- Campaigns and backdrops ----------------------------------------------------------------------


class CampaignAdminForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = (
            "name",
            "slug",
            "partner_federation",
            "form",
            "starts_on",
            "ends_on",
            "charity_share_percent",
            "description",
            "products",
            "is_published",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        partner = cleaned.get("partner_federation")
        products = cleaned.get("products")
        if partner and products is not None:
            strangers = [p.name for p in products if p.partner_federation_id != partner.pk]
            if strangers:
                self.add_error(
                    "products",
                    gettext("Only the partner county's own products: %(names)s are not.")
                    % {"names": "、".join(strangers)},
                )
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = ("name", "partner_federation", "form", "starts_on", "ends_on", "is_published")
    list_filter = ("form", "is_published", "partner_federation")
    search_fields = ("name", "slug")
    autocomplete_fields = ("products",)
    date_hierarchy = "starts_on"
    fields = (
        "name",
        "slug",
        "partner_federation",
        "form",
        ("starts_on", "ends_on"),
        "charity_share_percent",
        "description",
        "products",
        "is_published",
    )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "partner_federation":
            kwargs["queryset"] = db_field.related_model.objects.filter(is_home=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Backdrop)
class BackdropAdmin(admin.ModelAdmin):
    """Backdrops are made on a session's backdrop page; here staff choose villages and pace."""

    list_display = ("session", "current_product", "switched_at", "version")
    search_fields = ("session__title",)
    list_select_related = ("session", "current_product")
    autocomplete_fields = ("villages",)
    fields = ("session", "villages", "slide_seconds", "current_product", "version", "switched_at")
    readonly_fields = ("session", "current_product", "version", "switched_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# --- Training and contests ------------------------------------------------------------------------


class CourseSessionInline(admin.TabularInline):
    model = CourseSession
    extra = 1
    fields = ("title", "starts_at", "ends_at", "hours", "venue", "studio", "capacity")


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    fields = ("member", "name", "mobile", "village", "enrolled_at")
    autocomplete_fields = ("member", "village")
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "trainer", "required_hours", "enrolled", "is_open")
    list_filter = ("is_open",)
    search_fields = ("title", "topic", "trainer")
    inlines = [CourseSessionInline, EnrolmentInline]
    actions = ["issue_certificates"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        return super().get_queryset(request).annotate(enrolment_count=Count("enrolments"))

    @admin.display(description=_("enrolled"), ordering="enrolment_count")
    def enrolled(self, course: Course) -> int:
        return course.enrolment_count

    @admin.action(description=_("Issue certificates to everyone who completed"))
    def issue_certificates(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        issued = sum(training.issue_certificates(course=c, actor=request.user) for c in queryset)
        message = ngettext(
            "%(count)d certificate issued.", "%(count)d certificates issued.", issued
        )
        self.message_user(request, message % {"count": issued}, messages.SUCCESS)


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ("session", "is_present", "recorded_by", "recorded_at")
    readonly_fields = ("recorded_by", "recorded_at")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "session":
            kwargs["queryset"] = CourseSession.objects.select_related("course")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "course", "member", "name", "mobile", "enrolled_at")
    list_filter = ("course",)
    search_fields = ("member__name", "member__mobile", "name", "mobile", "course__title")
    autocomplete_fields = ("member", "village")
    list_select_related = ("course", "member")
    inlines = [AttendanceInline]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Issued by the course's certificates button (only to women who completed it)."""

    list_display = ("number", "enrolment", "hours", "issued_on", "pdf")
    search_fields = ("number", "enrolment__member__name", "enrolment__name")
    list_select_related = ("enrolment__course", "enrolment__member")
    date_hierarchy = "issued_on"
    fields = ("number", "enrolment", "hours", "issued_on", "issued_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Certificate | None = None) -> bool:
        return False

    @admin.display(description=_("PDF"))
    def pdf(self, certificate: Certificate) -> str:
        url = reverse("staff:certificate", args=[certificate.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("download"))


class ContestEntryInline(admin.TabularInline):
    model = ContestEntry
    extra = 0
    fields = ("member", "title", "entered_on")
    autocomplete_fields = ("member",)
    show_change_link = True


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
    list_display = ("name", "organiser", "held_on", "entry_count")
    search_fields = ("name", "organiser")
    date_hierarchy = "held_on"
    inlines = [ContestEntryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contest]:
        return super().get_queryset(request).annotate(entries_count=Count("entries"))

    @admin.display(description=_("entries"), ordering="entries_count")
    def entry_count(self, contest: Contest) -> int:
        return contest.entries_count


class AwardInline(admin.TabularInline):
    model = Award
    extra = 1
    fields = ("name", "rank", "awarded_on")


@admin.register(ContestEntry)
class ContestEntryAdmin(admin.ModelAdmin):
    list_display = ("member", "contest", "title", "awards_won")
    list_filter = ("contest",)
    search_fields = ("member__name", "title", "contest__name")
    autocomplete_fields = ("member",)
    list_select_related = ("member", "contest")
    inlines = [AwardInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContestEntry]:
        return super().get_queryset(request).annotate(award_count=Count("awards"))

    @admin.display(description=_("awards"), ordering="award_count")
    def awards_won(self, entry: ContestEntry) -> int:
        return entry.award_count


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ("name", "entry", "rank", "awarded_on")
    list_filter = ("entry__contest",)
    search_fields = ("name", "entry__member__name", "entry__contest__name")
    list_select_related = ("entry__member", "entry__contest")
    autocomplete_fields = ("entry",)
