"""Staff pages of forwarding and shipping: the forwarding monitor, one seller order's page with
its actions and label, labels from a file, and the batch-shipment files for the platforms.

Every change goes through livestreams.services (fulfilment, shipments); these views parse the
input, call the service and show what it said. Files holding personal data (labels, batch-shipment
files) leave only as attachments to staff, each download written to the export log first.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from alliance.access import staff_required
from alliance.exports import log_export
from livestreams import couriers, privacy
from livestreams.forms_monitor import (
    TEMPLATE_HEADER,
    CancelForm,
    LabelFileForm,
    LabelForm,
    LabelRow,
    ReassignForm,
    SelectionForm,
)
from livestreams.models import (
    LIVESTREAM_PLATFORMS,
    Channel,
    DeliveryAttempt,
    SellerOrder,
    SellerOrderStatus,
    ShipmentExport,
)
from livestreams.services import fulfilment, shipments

ROWS_PER_PAGE = 50
EXPORTS_PER_PAGE = 30
ATTEMPTS_SHOWN = 3
S = SellerOrderStatus
NOT_SHIPPED = (S.PENDING, S.FORWARDED, S.ACKNOWLEDGED)


# --- What the monitor lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    help: str
    ordering: tuple[str, ...]


TABS = (
    Tab(
        "pending",
        gettext_lazy("Pending"),
        gettext_lazy("Waiting to be forwarded; the workers and the sweep are on it."),
        ("created_at", "pk"),
    ),
    Tab(
        "failed",
        gettext_lazy("Failed"),
        gettext_lazy("Forwarding stopped with a problem: fix it, then retry."),
        ("problem_at", "pk"),
    ),
    Tab(
        "unacknowledged",
        gettext_lazy("Unacknowledged"),
        gettext_lazy("Forwarded, but the seller has not confirmed it in time."),
        ("forwarded_at", "pk"),
    ),
    Tab(
        "overdue",
        gettext_lazy("Overdue"),
        gettext_lazy("Not shipped by the platform's deadline."),
        ("order__paid_at", "pk"),
    ),
)
TABS_BY_KEY = {tab.key: tab for tab in TABS}


def tab_conditions(now: datetime) -> dict[str, Q]:
    """What puts a seller order on each tab of the monitor."""
    late = now - timedelta(minutes=settings.REMIND_UNACKNOWLEDGED_AFTER_MINUTES)
    return {
        "pending": Q(status=S.PENDING, problem=""),
        "failed": Q(status=S.PENDING) & ~Q(problem=""),
        "unacknowledged": Q(status=S.FORWARDED, forwarded_at__lt=late),
        "overdue": Q(status__in=NOT_SHIPPED, escalated_at__isnull=False),
    }


def monitor_counts(now: datetime | None = None) -> dict[str, int]:
    """How many seller orders each tab holds, in one query."""
    conditions = tab_conditions(now or timezone.now())
    return SellerOrder.objects.filter(status__in=NOT_SHIPPED).aggregate(
        **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
    )


def monitor_rows(tab: str, now: datetime) -> QuerySet[SellerOrder]:
    """The seller orders of one tab, oldest first, with what a row shows joined."""
    return (
        SellerOrder.objects.filter(tab_conditions(now)[tab])
        .select_related("order", "seller")
        .order_by(*TABS_BY_KEY[tab].ordering)
    )


def last_attempts(seller_order_ids: list[int]) -> dict[int, list[DeliveryAttempt]]:
    """The latest few delivery attempts of each seller order, newest first, in one query."""
    ranked = (
        DeliveryAttempt.objects.filter(notification__seller_order_id__in=seller_order_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("notification__seller_order_id"),
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=ATTEMPTS_SHOWN)
        .select_related("notification")
        .order_by("-created_at", "-pk")
    )
    by_seller_order: dict[int, list[DeliveryAttempt]] = {}
    for attempt in ranked:
        by_seller_order.setdefault(attempt.notification.seller_order_id, []).append(attempt)
    return by_seller_order


def _page(request: HttpRequest, rows: QuerySet, per_page: int, count: int | None = None) -> Page:
    paginator = Paginator(rows, per_page)
    if count is not None:
        paginator.count = count  # already counted with the tabs: no second COUNT query
    return paginator.get_page(request.GET.get("page"))


# --- The monitor ---------------------------------------------------------------------------------


@staff_required
@require_GET
def monitor(request: HttpRequest) -> HttpResponse:
    """The forwarding monitor: pending, failed, unacknowledged and overdue seller orders."""
    tab = request.GET.get("tab", "")
    if tab not in TABS_BY_KEY:
        tab = "failed"
    now = timezone.now()
    counts = monitor_counts(now)
    page = _page(request, monitor_rows(tab, now), ROWS_PER_PAGE, counts[tab])
    rows = list(page.object_list)
    attempts = last_attempts([row.pk for row in rows]) if tab == "failed" else {}
    for row in rows:
        row.last_attempts = attempts.get(row.pk, [])
    context = {
        "tabs": [(item, counts[item.key]) for item in TABS],
        "tab": TABS_BY_KEY[tab],
        "page": page,
        "rows": rows,
        "query": f"tab={tab}",
        "can_retry": tab in ("pending", "failed"),
        "remind_after": settings.REMIND_UNACKNOWLEDGED_AFTER_MINUTES,
    }
    return render(request, "staff/forwarding/monitor.html", context)


def _retry_message(request: HttpRequest, asked: int, retried: int) -> None:
    if retried == 0:
        messages.error(
            request,
            _("Nothing to retry: these seller orders are no longer waiting to be forwarded."),
        )
        return
    messages.success(
        request,
        ngettext(
            "%(count)d seller order sent to forwarding again.",
            "%(count)d seller orders sent to forwarding again.",
            retried,
        )
        % {"count": retried},
    )
    if retried < asked:
        messages.warning(
            request,
            _("%(count)d of the ticked seller orders were no longer waiting and were left alone.")
            % {"count": asked - retried},
        )


@staff_required
@require_POST
def retry_selected(request: HttpRequest) -> HttpResponse:
    """Retries forwarding of the ticked seller orders (or the one whose button was pressed)."""
    tab = request.POST.get("tab", "")
    back = reverse("staff:forwarding") + (f"?tab={tab}" if tab in TABS_BY_KEY else "")
    form = SelectionForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("seller_order", []):
            messages.error(request, error)
        return redirect(back)
    ids = form.cleaned_data["seller_order"]
    retried = fulfilment.retry_forwarding(seller_order_ids=ids, actor=request.user)
    _retry_message(request, len(ids), retried)
    return redirect(back)


# --- One seller order ---------------------------------------------------------------------------


def _seller_order(pk: int) -> SellerOrder:
    return get_object_or_404(
        SellerOrder.objects.select_related(
            "order__live_session", "order__last_import", "seller__village__township"
        ),
        pk=pk,
    )


@dataclass
class SellerOrderForms:
    label: LabelForm | None = None
    reassign: ReassignForm | None = None
    cancel: CancelForm | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _seller_order_page(
    request: HttpRequest, seller_order: SellerOrder, forms: SellerOrderForms | None = None
) -> HttpResponse:
    forms = forms or SellerOrderForms()
    order = seller_order.order
    is_open = seller_order.status in NOT_SHIPPED
    can_label = is_open and not fulfilment.is_own_channel(seller_order)
    initial = {"courier": seller_order.courier, "tracking_number": seller_order.tracking_number}
    context = {
        "seller_order": seller_order,
        "order": order,
        "recipient": privacy.recipient_for(order, viewer=request.user, seller_order=seller_order),
        "lines": list(seller_order.lines.order_by("pk")),
        "events": list(seller_order.events.select_related("actor__member")),
        "notifications": list(
            seller_order.notifications.order_by("created_at", "pk").prefetch_related(
                Prefetch(
                    "delivery_attempts", queryset=DeliveryAttempt.objects.order_by("created_at")
                )
            )
        ),
        "others": list(
            SellerOrder.objects.filter(order=order)
            .exclude(pk=seller_order.pk)
            .select_related("seller")
            .order_by("pk")
        ),
        "is_open": is_open,
        "is_own_channel": fulfilment.is_own_channel(seller_order),
        "can_retry": seller_order.status == S.PENDING,
        "label_form": (forms.label or LabelForm(initial=initial)) if can_label else None,
        "reassign_form": forms.reassign or ReassignForm(seller_order=seller_order),
        "cancel_form": forms.cancel or CancelForm(),
        "overdue_since": seller_order.escalated_at if is_open else None,
        "courier_name": getattr(couriers.BY_CODE.get(seller_order.courier), "name", "—"),
    }
    return render(request, "staff/forwarding/seller_order.html", context)


@staff_required
@never_cache
@require_GET
def seller_order_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One seller order for staff: the order, lines, seller, recipient in full, its history."""
    return _seller_order_page(request, _seller_order(pk))


@staff_required
@require_POST
def seller_order_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Retries forwarding of one seller order."""
    seller_order = _seller_order(pk)
    retried = fulfilment.retry_forwarding(seller_order_ids=[seller_order.pk], actor=request.user)
    _retry_message(request, 1, retried)
    return redirect("staff:forwarding_order", pk=seller_order.pk)


@staff_required
@never_cache
@require_POST
def seller_order_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """Gives the seller order to another seller; the old one is cancelled with the reason."""
    seller_order = _seller_order(pk)
    form = ReassignForm(request.POST, seller_order=seller_order)
    if form.is_valid():
        try:
            target = fulfilment.reassign(
                seller_order=seller_order,
                to_seller=form.cleaned_data["to_seller"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The order now goes to %(name)s; she is being told.")
                % {"name": form.cleaned_data["to_seller"].name},
            )
            return redirect("staff:forwarding_order", pk=target.pk)
    return _seller_order_page(request, seller_order, SellerOrderForms(reassign=form))


@staff_required
@never_cache
@require_POST
def seller_order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancels a seller order that has not shipped, with the reason."""
    seller_order = _seller_order(pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            fulfilment.cancel(
                seller_order=seller_order, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The seller order is cancelled."))
            return redirect("staff:forwarding_order", pk=seller_order.pk)
    return _seller_order_page(request, seller_order, SellerOrderForms(cancel=form))


@staff_required
@never_cache
@require_POST
def seller_order_label(request: HttpRequest, pk: int) -> HttpResponse:
    """Attaches the platform's e-waybill: courier, tracking number and the label file."""
    seller_order = _seller_order(pk)
    form = LabelForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            fulfilment.attach_label(
                seller_order=seller_order,
                courier=form.cleaned_data["courier"],
                tracking_number=form.cleaned_data["tracking_number"],
                label=form.cleaned_data["label"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The label is attached; the seller sees it in her desk."))
            return redirect("staff:forwarding_order", pk=seller_order.pk)
    if fulfilment.is_own_channel(seller_order) or seller_order.status not in NOT_SHIPPED:
        # The page shows no label form then: say why here.
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect("staff:forwarding_order", pk=seller_order.pk)
    return _seller_order_page(request, seller_order, SellerOrderForms(label=form))


# --- Files that leave: labels and batch-shipment files (logged) ----------------------------------


def _read(file_field: Any) -> bytes:
    try:
        with file_field.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error


def _attachment(content: bytes, filename: str) -> FileResponse:
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store, private"
    return response


@staff_required
@require_GET
def seller_order_label_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The label file of a seller order (personal data: logged) as an attachment."""
    seller_order = _seller_order(pk)
    if not seller_order.label:
        raise Http404
    content = _read(seller_order.label)
    extension = seller_order.label.name.rsplit(".", 1)[-1].lower()
    with override(settings.LANGUAGE_CODE):  # the log reads the same whoever downloaded
        what = _("Shipping label of seller order %(id)d (%(channel)s %(order)s)") % {
            "id": seller_order.pk,
            "channel": seller_order.order.get_channel_display(),
            "order": seller_order.order.platform_order_id,
        }
    log_export(actor=request.user, what=what, rows=1, content=content)
    return _attachment(content, f"label-{seller_order.order.platform_order_id}.{extension}")


@staff_required
@require_GET
def shipment_export_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch-shipment file (order ids and tracking numbers: logged) as an attachment."""
    export = get_object_or_404(ShipmentExport, pk=pk)
    content = _read(export.file)
    with override(settings.LANGUAGE_CODE):
        what = _("Batch-shipment file %(id)d for %(platform)s") % {
            "id": export.pk,
            "platform": export.get_platform_display(),
        }
    log_export(actor=request.user, what=what, rows=export.rows, content=content)
    return _attachment(content, export.file.name.rsplit("/", 1)[-1])


# --- Labels from a file --------------------------------------------------------------------------


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
        return _attachment(text.encode("utf-8-sig"), "labels-template.csv")
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
    return _attachment(buffer.getvalue(), "labels-template.xlsx")


# --- Batch-shipment files ------------------------------------------------------------------------


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
        "page": _page(request, history, EXPORTS_PER_PAGE),
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


def pending_work() -> dict[str, int]:
    """The staff home's counts: monitor tabs and parcels waiting to go back to the platforms."""
    counts = monitor_counts()
    counts["waiting_parcels"] = sum(
        shipments.waiting_for_upload(platform).count() for platform in LIVESTREAM_PLATFORMS
    )
    return counts
