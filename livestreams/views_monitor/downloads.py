"""Files holding personal data leave only as attachments to staff, each download written to
the export log first (who, when, what, rows, the file's SHA-256): labels and batch-shipment
files (order ids and tracking numbers lead to a person's parcel)."""

import io
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_GET

from alliance.access import staff_required
from alliance.exports import log_export
from livestreams.models import ShipmentExport
from livestreams.views_monitor.forwarding import seller_order_or_404


def read_file(file_field: Any) -> bytes:
    try:
        with file_field.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error


def attachment(content: bytes, filename: str) -> FileResponse:
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store, private"
    return response


@staff_required
@require_GET
def seller_order_label_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The label file of a seller order (personal data: logged) as an attachment."""
    seller_order = seller_order_or_404(pk)
    if not seller_order.label:
        raise Http404
    content = read_file(seller_order.label)
    extension = seller_order.label.name.rsplit(".", 1)[-1].lower()
    with override(settings.LANGUAGE_CODE):  # the log reads the same whoever downloaded
        what = _("Shipping label of seller order %(id)d (%(channel)s %(order)s)") % {
            "id": seller_order.pk,
            "channel": seller_order.order.get_channel_display(),
            "order": seller_order.order.platform_order_id,
        }
    log_export(actor=request.user, what=what, rows=1, content=content)
    return attachment(content, f"label-{seller_order.order.platform_order_id}.{extension}")


@staff_required
@require_GET
def shipment_export_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch-shipment file (order ids and tracking numbers: logged) as an attachment."""
    export = get_object_or_404(ShipmentExport, pk=pk)
    content = read_file(export.file)
    with override(settings.LANGUAGE_CODE):
        what = _("Batch-shipment file %(id)d for %(platform)s") % {
            "id": export.pk,
            "platform": export.get_platform_display(),
        }
    log_export(actor=request.user, what=what, rows=export.rows, content=content)
    return attachment(content, export.file.name.rsplit("/", 1)[-1])
