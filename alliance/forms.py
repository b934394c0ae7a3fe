"""Forms of the alliance's pages: login, the second factor, a member's settings and profile."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from alliance.models import Member, MemberStatus, Village
from alliance.validators import normalize_mobile


class LoginForm(AuthenticationForm):
    """Mobile number (members) or username (staff), and a password."""

    username = forms.CharField(
        label=_("Mobile number or username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text"}
        ),
    )
    error_messages = {
        "invalid_login": _(
            "The mobile number (or username) and password do not match. "
            "Note that the password is case-sensitive."
        ),
        "inactive": _("This account is suspended. Please contact the federation."),
    }


class TokenForm(forms.Form):
    """The six digits of the authenticator app."""

    token = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits shown in your authenticator app.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class NotificationPreferencesForm(forms.ModelForm):
    """How a member wants to hear about new orders."""

    # Room for "+86 139 0000 1111" as typed; normalized to 11 digits before validation.
    sms_mobile = forms.CharField(label=_("SMS mobile"), max_length=20, required=False)

    class Meta:
        model = Member
        fields = [
            "notify_by_email",
            "notification_email",
            "notify_by_wecom",
            "wecom_webhook_url",
            "notify_by_sms",
            "sms_mobile",
        ]
        widgets = {
            "notification_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "wecom_webhook_url": forms.URLInput(attrs={"inputmode": "url"}),
        }

    def clean_sms_mobile(self) -> str:
        value = self.cleaned_data.get("sms_mobile", "")
        return normalize_mobile(value) if value else ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sms_mobile"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["wecom_webhook_url"].help_text = _(
            "In the WeCom group: Add group robot → copy its webhook address."
        )


class MemberSearchForm(forms.Form):
    """Filters of the staff member list."""

    ROLE_CHOICES = [("", _("Any role"))] + [
        (field, Member._meta.get_field(field).verbose_name) for field in Member.ROLE_FIELDS
    ]

    q = forms.CharField(label=_("Name or mobile"), required=False, max_length=50)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *MemberStatus.choices],
        required=False,
    )
    village = forms.ModelChoiceField(
        label=_("Village"),
        queryset=Village.objects.select_related("township"),
        required=False,
        empty_label=_("Any village"),
    )


class StoryForm(forms.Form):
    """The story on a member's public profile (her name is kept by the federation)."""

    MAX_LENGTH = 2000

    story = forms.CharField(
        label=_("My story"),
        required=False,
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "A few lines about you, your village and what you make. Shoppers read it next to "
            "your products. Do not write your phone number or address here."
        ),
    )


class MemberPhotoForm(forms.Form):
    """A new photo for a member's public profile; the image pipeline checks it."""

    photo = forms.FileField(
        label=_("New photo"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP, up to 10 MB. Location data is removed."),
        error_messages={"required": _("Choose a photo first.")},
        allow_empty_file=True,
    )
