"""Forms of the staff import page, the unmatched queue, the order page and the session planner."""

import re
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from alliance.models import Member, MemberStatus, User
from livestreams.models import LIVESTREAM_PLATFORMS, LiveSession, Order
from livestreams.selectors import sessions_near
from livestreams.services.matching import unmatched_lines
from products.models import SKU, Product, ProductStatus

IMPORT_EXTENSIONS = (".csv", ".xlsx")
DEFAULT_IMPORT_MAX_UPLOAD_MB = 200
AUTO = "auto"
DATETIME_INPUT = "%Y-%m-%dT%H:%M"
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")


def attach_error(form: forms.Form, error: ValidationError) -> None:
    """Puts a service's refusal next to the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def import_max_upload_mb() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_MB", DEFAULT_IMPORT_MAX_UPLOAD_MB))


def platform_choices() -> list[tuple[str, Any]]:
    return [
        (AUTO, _("Recognise it from the file")),
        *[(p.value, p.label) for p in LIVESTREAM_PLATFORMS],
    ]


# --- Imports ------------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    """One export file (or the two files of Taobao's legacy pair) and, if wanted, its platform."""

    file = forms.FileField(
        label=_("Export file"),
        error_messages={"required": _("Choose the export file to import.")},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_EXTENSIONS)}),
    )
    companion_file = forms.FileField(
        label=_("Second file"),
        required=False,
        help_text=_(
            "Only for Taobao's legacy export, which comes as a pair: ExportOrderList and "
            "ExportOrderDetailList."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_EXTENSIONS)}),
    )
    platform = forms.ChoiceField(label=_("Platform"), choices=platform_choices, initial=AUTO)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "The order export as the platform's back office gives it: .csv or .xlsx, "
            "at most %(limit)d MB."
        ) % {"limit": import_max_upload_mb()}

    def _check(self, upload: UploadedFile | None) -> UploadedFile | None:
        if upload is None:
            return None
        name = upload.name or ""
        if not name.lower().endswith(IMPORT_EXTENSIONS):
            raise ValidationError(
                _("%(name)s is not a .csv or .xlsx file: export the orders again as one of them.")
                % {"name": name[:80]},
                code="extension",
            )
        limit = import_max_upload_mb()
        if upload.size > limit * 1024 * 1024:
            raise ValidationError(
                _("%(name)s is %(size).1f MB, more than the %(limit)d MB an import accepts.")
                % {"name": name[:80], "size": upload.size / 1024 / 1024, "limit": limit},
                code="too_large",
            )
        return upload

    def clean_file(self) -> UploadedFile | None:
        return self._check(self.cleaned_data.get("file"))

    def clean_companion_file(self) -> UploadedFile | None:
        return self._check(self.cleaned_data.get("companion_file"))

    def files_to_import(self) -> list[tuple[str, UploadedFile]]:
        uploads = [self.cleaned_data["file"], self.cleaned_data.get("companion_file")]
        return [(upload.name, upload) for upload in uploads if upload is not None]

    def chosen_platform(self) -> str | None:
        platform = self.cleaned_data["platform"]
        return None if platform == AUTO else platform


# --- Unmatched lines ----------------------------------------------------------------------------


class SKUSearchForm(forms.Form):
    """The search for the SKU a group of waiting lines is."""

    q = forms.CharField(
        label=_("Merchant code or product name"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class MapLineForm(forms.Form):
    """Map a waiting line (and every line like it) to a SKU."""

    line = forms.ModelChoiceField(
        queryset=unmatched_lines(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("These lines are no longer waiting for a SKU.")},
    )
    sku = forms.ModelChoiceField(
        queryset=SKU.objects.filter(is_active=True).select_related("product"),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the SKU these lines are."),
            "invalid_choice": _("That SKU is not active any more; choose another."),
        },
    )


# --- Orders -------------------------------------------------------------------------------------


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LiveSession) -> str:
        start = timezone.localtime(obj.actual_start or obj.planned_start)
        end = timezone.localtime(obj.actual_end or obj.planned_end)
        host = obj.streamer or obj.staff_streamer
        return (
            f"{date_format(start, 'm-d H:i')}–{date_format(end, 'H:i')} · {obj.studio} · "
            f"{host} · {obj.title}"
        )


class AttributionForm(forms.Form):
    """Staff's correction of the session an order is attributed to (or none)."""

    session = SessionChoiceField(
        label=_("Attribute it to"),
        queryset=LiveSession.objects.none(),
        required=False,
        empty_label=_("No session: the channel only"),
        error_messages={
            "invalid_choice": _("Choose one of the sessions of this platform around its payment.")
        },
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions_near(order)
        self.fields["session"].initial = order.live_session_id


# --- Live sessions ------------------------------------------------------------------------------


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class ProductChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj.name} · {obj.seller.name}"


# What staff plan of a session, here and in the admin; status and actual times are not fields
# (they change through set_session_status).
SESSION_FIELDS = (
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


class SessionForm(forms.ModelForm):
    """A session as staff plan it; the booking service checks that studio and streamer are free."""

    streamer = forms.ModelChoiceField(
        label=_("Streamer"),
        queryset=Member.objects.filter(is_streamer=True, status=MemberStatus.ACTIVE).order_by(
            "name", "pk"
        ),
        required=False,
        help_text=_("A member with the streamer role."),
    )
    staff_streamer = StaffChoiceField(
        label=_("Or a member of staff"),
        queryset=User.objects.filter(is_staff=True, is_active=True).order_by("username"),
        required=False,
        help_text=_("When a member of staff streams instead of a member."),
    )
    featured_products = ProductChoiceField(
        label=_("Featured products"),
        queryset=Product.objects.filter(status=ProductStatus.ON_SALE)
        .select_related("seller")
        .order_by("name", "pk"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or ⌘) to choose several; on a phone, tick them in the list."),
    )

    class Meta:
        model = LiveSession
        fields = SESSION_FIELDS
        widgets = {
            "planned_start": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_INPUT
            ),
            "planned_end": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_INPUT
            ),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "title": {"required": _("Give the session a title.")},
            "studio": {"required": _("Choose a studio.")},
            "platform": {"required": _("Choose the platform it streams on.")},
            "planned_start": {
                "required": _("When does it start?"),
                "invalid": _("Enter a date and time, e.g. 2026-11-23 19:30."),
            },
            "planned_end": {
                "required": _("When does it end?"),
                "invalid": _("Enter a date and time, e.g. 2026-11-23 21:30."),
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["studio"].queryset = self.fields["studio"].queryset.filter(is_active=True)
        if self.instance.pk:
            # Products it already features stay choosable even if taken off the shelf since.
            featured = Q(status=ProductStatus.ON_SALE) | Q(live_sessions=self.instance)
            self.fields["featured_products"].queryset = (
                Product.objects.filter(featured)
                .distinct()
                .select_related("seller")
                .order_by("name", "pk")
            )
        self.fields["planned_start"].input_formats = [DATETIME_INPUT, "%Y-%m-%d %H:%M"]
        self.fields["planned_end"].input_formats = [DATETIME_INPUT, "%Y-%m-%d %H:%M"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end <= start:
            self.add_error("planned_end", _("The end must come after the start."))
        if start and end and end - start > timedelta(hours=24):
            self.add_error("planned_end", _("A session lasts at most 24 hours."))
        streamer, staff = data.get("streamer"), data.get("staff_streamer")
        if not streamer and not staff:
            self.add_error("streamer", _("Choose the streamer: a member, or a member of staff."))
        if streamer and staff:
            self.add_error("staff_streamer", _("Choose a member or a member of staff, not both."))
        return data


class SessionStatusForm(forms.Form):
    to_status = forms.ChoiceField(choices=LiveSession._meta.get_field("status").choices)


# --- Weeks --------------------------------------------------------------------------------------


def parse_week(text: str | None) -> date | None:
    """The Monday of an ISO week written 2026-W48, or None when the text is not one."""
    match = _WEEK.match((text or "").strip())
    if match is None:
        return None
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


def week_label(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    """The week from Monday 00:00 to the next Monday 00:00, Asia/Shanghai."""
    start = timezone.make_aware(datetime.combine(monday, datetime.min.time()))
    return start, start + timedelta(days=7)
