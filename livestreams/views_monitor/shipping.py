"""The shipping desk: labels from a file, and the batch-shipment files for the platforms."""

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from alliance.access import staff_required
from livestreams import couriers
from livestreams.forms_monitor import TEMPLATE_HEADER, LabelFileForm, LabelRow
from livestreams.models import LIVESTREAM_PLATFORMS, Channel, ShipmentExport
from livestreams.services import fulfilment, shipments
from livestreams.views_monitor.downloads import attachment
from livestreams.views_monitor.reads import EXPORTS_PER_PAGE, page_of


def _row_errors(rows: list[LabelRow], errors: list[dict]) -> list[dict[str, Any]]:
    """The service numbers rows from 2 in the order given; the file's own numbers are shown."""
    shown = []
    for error in errors:
        row = rows[error["row"] - 2]
        shown.append({"row": row.number, "order_id": row.order_id, "message": error["message"]})
    return shown


@staff_required
@require_http_methods(["GET", "POST"])
def label_file(request: HttpRequest) -> HttpResponse:
    """Attach many labels from a file of (order id, sub-order id, courier, tracking number)."""
    form = LabelFileForm(request.POST or None, request.FILES or None)
    row_errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        rows: list[LabelRow] = form.cleaned_data["file"]
        result = fulfilment.ship_from_rows(
            rows=[row.as_service_row() for row in rows], seller=None, actor=request.user
        )
        if not result.errors:
            messages.success(
                request,
                ngettext("%(count)d label attached.", "%(count)d labels attached.", result.labelled)
                % {"count": result.labelled},
            )
            return redirect("staff:shipping_labels")
        row_errors = _row_errors(rows, result.errors)
    context = {"form": form, "row_errors": row_errors, "couriers": couriers.COURIERS}
    return render(request, "staff/shipments/labels.html", context)


@staff_required
@require_GET
def label_file_template(request: HttpRequest, file_format: str) -> HttpResponse:
    """An empty label file to fill in (no personal data: not logged)."""
    if file_format == "csv":
        text = ",".join(TEMPLATE_HEADER) + "\r\n"
        # With a BOM, Excel opens the Chinese header as UTF-8.
        return attachment(text.encode("utf-8-sig"), "labels-template.csv")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "面单"
    sheet.append(TEMPLATE_HEADER)
    for column in "ABCD":
        sheet.column_dimensions[column].width = 24
        # Ids are text: a number cell would round a 19-digit order id.
        for cell in sheet[f"{column}2:{column}2001"]:
            cell[0].number_format = "@"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    codes = workbook.create_sheet("快递公司")
    codes.append(["代码", "快递公司", "单号示例"])
    for courier in couriers.COURIERS:
        codes.append([courier.code, courier.name, courier.example])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return attachment(buffer.getvalue(), "labels-template.xlsx")


@staff_required
@require_GET
def shipment_exports(request: HttpRequest) -> HttpResponse:
    """Per platform: parcels waiting to go back, the button to make the file, past files."""
    platforms = [
        {
            "code": platform,
            "label": Channel(platform).label,
            "waiting": shipments.waiting_for_upload(platform).count(),
        }
        for platform in LIVESTREAM_PLATFORMS
    ]
    chosen = request.GET.get("platform", "")
    history = ShipmentExport.objects.select_related("created_by__member").order_by(
        "-created_at", "-pk"
    )
    if chosen in LIVESTREAM_PLATFORMS:
        history = history.filter(platform=chosen)
    else:
        chosen = ""
    context = {
        "platforms": platforms,
        "chosen": chosen,
        "page": page_of(request, history, EXPORTS_PER_PAGE),
        "query": f"platform={chosen}" if chosen else "",
    }
    return render(request, "staff/shipments/exports.html", context)


@staff_required
@require_POST
def shipment_export_make(request: HttpRequest, platform: str) -> HttpResponse:
    """Makes the batch-shipment file of every parcel of this platform waiting to go back."""
    try:
        export = shipments.export_shipments(platform=platform, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext(
                "Batch-shipment file made with %(count)d parcel. Download it below and upload it "
                "to the platform.",
                "Batch-shipment file made with %(count)d parcels. Download it below and upload it "
                "to the platform.",
                export.rows,
            )
            % {"count": export.rows},
        )
    return redirect("staff:shipping_exports")
