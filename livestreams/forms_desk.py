"""Forms of the seller's order desk: ship a parcel, upload the filled-in desk file, pick a day."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from livestreams import couriers
from livestreams.desk_files import MAX_FILE_BYTES

# Which field a refusal of the shipping service belongs next to (by its error code).
FIELD_OF_CODE = {
    "unknown_courier": "courier",
    "no_tracking": "tracking_number",
    "tracking_format": "tracking_number",
}


class ShipForm(forms.Form):
    """Her own courier and its tracking number (our own channels, or no label from the base)."""

    courier = forms.ChoiceField(
        label=_("Courier"),
        choices=[("", _("Choose the courier")), *couriers.CHOICES],
        error_messages={
            "required": _("Choose a courier from the list."),
            "invalid_choice": _("Choose a courier from the list."),
        },
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=40,
        error_messages={
            "required": _("Enter the tracking number."),
            "max_length": _("A tracking number has at most 40 characters."),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "enterkeyhint": "done",
            }
        ),
        help_text=_("As printed under the bar code, for example SF1234567890123."),
    )

    def attach(self, error: ValidationError) -> None:
        """Puts a refusal of the shipping service next to the field it is about."""
        items = error.error_list if not hasattr(error, "error_dict") else []
        for item in items:
            self.add_error(FIELD_OF_CODE.get(item.code or ""), item.messages)
        if hasattr(error, "error_dict"):
            self.add_error(None, error.messages)


class ShipFileForm(forms.Form):
    """The desk's file with courier and tracking number filled in, as CSV or XLSX."""

    file = forms.FileField(
        label=_("Filled-in file (CSV or XLSX)"),
        error_messages={
            "required": _("Choose the file to upload."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.ms-excel"}
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in ("csv", "xlsx"):
            raise ValidationError(_("Upload a .csv or .xlsx file."), code="file_type")
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 2 MB."), code="file_size")
        return upload


class PackingSlipForm(forms.Form):
    """The day of the pick list (today when none is given)."""

    date = forms.DateField(
        label=_("Pick-list date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter a date like 2024-05-01.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
