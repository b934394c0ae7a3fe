"""Forms of the staff forwarding monitor and the shipping desk: actions, labels, label files."""

import codecs
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.models import Member, MemberStatus
from livestreams import couriers
from livestreams.importers.base import Columns, FileRefused, clean, open_table
from livestreams.models import SellerOrder

MAX_SELECTED = 500
MAX_LABEL_FILE_BYTES = 2 * 1024 * 1024
MAX_LABEL_FILE_UNPACKED = 20 * 1024 * 1024
MAX_LABEL_FILE_ROWS = 2000
LABEL_FILE_TYPES = (".csv", ".xlsx")

# The columns of a label file: the first title is the template's, the others are accepted too
# (the names the platforms' own exports and our desk's export use).
ORDER_ID = ("订单号", "订单编号", "主订单编号", "order_id")
SUB_ORDER_ID = ("子订单号", "子订单编号", "sub_order_id")
COURIER = ("快递公司", "物流公司", "courier")
TRACKING_NUMBER = ("快递单号", "运单号", "物流单号", "tracking_number")
TEMPLATE_HEADER = [ORDER_ID[0], SUB_ORDER_ID[0], COURIER[0], TRACKING_NUMBER[0]]


class SeveralIdsField(forms.Field):
    """Ids of the ticked checkboxes (any number up to a limit; the service keeps the valid)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = [item for item in (value or []) if str(item).strip()]
        if len(values) > MAX_SELECTED:
            raise ValidationError(
                _("Retry at most %(count)d seller orders at a time.") % {"count": MAX_SELECTED},
                code="too_many",
            )
        try:
            return sorted({int(item) for item in values})
        except (TypeError, ValueError) as error:
            raise ValidationError(_("Tick seller orders from the list."), code="invalid") from error


class SelectionForm(forms.Form):
    """Seller orders ticked on the monitor (or the one whose button was pressed)."""

    seller_order = SeveralIdsField(
        error_messages={"required": gettext_lazy("Tick at least one seller order.")}
    )


class SellerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member: Member) -> str:
        village = member.village.name if member.village_id else "—"
        return f"{member.name} · {village}"


class ReassignForm(forms.Form):
    """Give a seller order to another active seller, saying why."""

    to_seller = SellerChoiceField(
        label=gettext_lazy("Give it to"),
        queryset=Member.objects.none(),
        empty_label=gettext_lazy("Choose a seller"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=150,
        help_text=gettext_lazy("Recorded with the change; the sellers do not see it."),
    )

    def __init__(self, *args: Any, seller_order: SellerOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_seller"].queryset = (
            Member.objects.filter(is_seller=True, status=MemberStatus.ACTIVE)
            .exclude(pk=seller_order.seller_id)
            .select_related("village")
            .order_by("name", "pk")
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it is cancelled"),
        max_length=150,
        help_text=gettext_lazy("Recorded with the change."),
    )


class LabelForm(forms.Form):
    """The platform's e-waybill for one seller order: courier, number, the label itself."""

    courier = forms.ChoiceField(
        label=gettext_lazy("Courier"), choices=[("", "—"), *couriers.CHOICES]
    )
    tracking_number = forms.CharField(label=gettext_lazy("Tracking number"), max_length=40)
    label = forms.FileField(
        label=gettext_lazy("Label file"),
        required=False,
        help_text=gettext_lazy("The e-waybill as PDF, PNG or JPEG, up to 5 MB (optional)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    # Which field a refusal of the service belongs to (the rest are about the order itself).
    ERROR_FIELDS = {
        "unknown_courier": "courier",
        "no_tracking": "tracking_number",
        "tracking_format": "tracking_number",
        "label_too_large": "label",
        "label_type": "label",
    }

    def add_service_error(self, error: ValidationError) -> None:
        for item in error.error_list:
            self.add_error(self.ERROR_FIELDS.get(item.code or ""), item)


# --- Label files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelRow:
    """One data row of a label file, with its row number in the file."""

    number: int
    order_id: str
    sub_order_id: str
    courier: str
    tracking_number: str

    def as_service_row(self) -> dict[str, str]:
        return {
            "order_id": self.order_id,
            "sub_order_id": self.sub_order_id,
            "courier": self.courier,
            "tracking_number": self.tracking_number,
        }


class LabelFileForm(forms.Form):
    """A CSV or XLSX of (order id, sub-order id, courier, tracking number), read whole."""

    file = forms.FileField(
        label=gettext_lazy("Label file"),
        help_text=gettext_lazy("CSV or XLSX, up to 2 MB and 2,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> list[LabelRow]:
        upload: UploadedFile = self.cleaned_data["file"]
        name = (upload.name or "").rsplit("/", 1)[-1]
        if not name.lower().endswith(LABEL_FILE_TYPES):
            raise ValidationError(_("Upload a CSV or XLSX file."), code="file_type")
        if upload.size > MAX_LABEL_FILE_BYTES:
            raise ValidationError(_("A label file is at most 2 MB."), code="file_size")
        content = upload.read()
        _check_content(content, name)
        try:
            rows = list(_label_rows(io.BytesIO(content), name))
        except FileRefused as refusal:
            raise ValidationError(str(refusal), code="refused") from refusal
        if not rows:
            raise ValidationError(_("The file has no rows under its header."), code="empty")
        return rows


def _check_content(content: bytes, name: str) -> None:
    """Refuses what is neither a sane xlsx nor text before a parser sees it."""
    if not content.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                unpacked = sum(member.file_size for member in archive.infolist())
        except zipfile.BadZipFile as error:
            raise ValidationError(_("The XLSX file is damaged."), code="damaged") from error
        if unpacked > MAX_LABEL_FILE_UNPACKED:
            raise ValidationError(_("The XLSX file unpacks to too much data."), code="zip_bomb")
        return
    if name.lower().endswith(".xlsx"):
        raise ValidationError(_("This is not an XLSX file."), code="file_type")
    if b"\x00" in content[:4096]:
        raise ValidationError(_("Upload a CSV or XLSX file."), code="file_type")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.decode(content, encoding)
            return
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("Save the CSV as UTF-8 or GBK text."), code="encoding")


def _label_rows(stream: io.BytesIO, name: str) -> Iterator[LabelRow]:
    table = open_table(stream, name)
    columns = Columns(table.header, name)
    missing = columns.missing([ORDER_ID, COURIER, TRACKING_NUMBER])
    if missing:
        raise FileRefused(
            _("The file lacks the column(s) %(columns)s; start from the template.")
            % {"columns": "、".join(missing)}
        )
    positions = [columns.find(*titles) for titles in (ORDER_ID, SUB_ORDER_ID, COURIER)]
    positions.append(columns.find(*TRACKING_NUMBER))
    for count, (number, cells) in enumerate(table.rows, start=1):
        if count > MAX_LABEL_FILE_ROWS:
            raise FileRefused(
                _("The file has more than %(count)d rows; split it.")
                % {"count": MAX_LABEL_FILE_ROWS}
            )
        values = [
            clean(cells[position]) if position is not None and position < len(cells) else ""
            for position in positions
        ]
        yield LabelRow(number, *values)
