"""The seller's order desk (/seller/orders/): her parcels by tab, one order's page, acknowledge and
ship, her file out and back in, the day's pick list.

Every seller order is looked up through selectors_desk.desk_seller_orders(member): another
seller's id is simply not found (404), and is looked up before the method is checked, so that a
GET on a POST-only address answers 404 too. Pages that show a recipient are never cached.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from alliance.access import dashboard_member, is_federation_staff, member_required
from livestreams import couriers, desk_files, privacy, selectors_desk
from livestreams.forms_desk import PackingSlipForm, ShipFileForm, ShipForm
from livestreams.models import OrderLine, SellerOrder, SellerOrderStatus
from livestreams.selectors_desk import NEW, TABS, Notes
from livestreams.services import desk, fulfilment

ORDERS_PER_PAGE = 20
SLIP_ORDERS_PER_PAGE = 50


@dataclass
class Parcel:
    """One of her seller orders as a desk page shows it."""

    seller_order: SellerOrder
    lines: list[OrderLine]
    notes: Notes
    has_label: bool
    courier_name: str


def _parcel(seller_order: SellerOrder, now: timezone.datetime) -> Parcel:
    lines = list(seller_order.lines.all())
    for line in lines:
        line.is_packable = selectors_desk.is_packable(line)
    courier = couriers.BY_CODE.get(seller_order.courier)
    return Parcel(
        seller_order=seller_order,
        lines=lines,
        notes=selectors_desk.notes_for(seller_order, now=now),
        has_label=_has_staff_label(seller_order),
        courier_name=courier.name if courier else seller_order.courier,
    )


def _has_staff_label(seller_order: SellerOrder) -> bool:
    """The base attached the platform's e-waybill: she only hands the parcel over."""
    return (
        seller_order.status in selectors_desk.OPEN
        and bool(seller_order.tracking_number)
        and not fulfilment.is_own_channel(seller_order)
    )


def _tab(request: HttpRequest) -> str:
    tab = request.GET.get("tab", NEW)
    return tab if tab in TABS else NEW


def _tab_labels() -> dict[str, str]:
    return {
        "new": _("New"),
        "to_ship": _("To ship"),
        "shipped": _("Shipped"),
        "all": _("All"),
    }


@member_required
@require_GET
def order_desk(request: HttpRequest) -> HttpResponse:
    """Her seller orders of one tab, 20 a page, with the count of every tab."""
    member = request.member
    tab = _tab(request)
    counts = selectors_desk.desk_counts(member)
    paginator = Paginator(selectors_desk.desk_list(member, tab), ORDERS_PER_PAGE)
    paginator.count = counts[tab]  # counted with the tabs already: one query fewer
    page = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    labels = _tab_labels()
    context = {
        "tab": tab,
        "tabs": [{"value": t, "label": labels[t], "count": counts[t]} for t in TABS],
        "page": page,
        "parcels": [_parcel(seller_order, now) for seller_order in page],
        "query": urlencode({"tab": tab}),
        "has_orders": counts["all"] > 0,
        "today": timezone.localdate().isoformat(),
    }
    return render(request, "seller/orders/desk.html", context)


def _own(request: HttpRequest, seller_order_id: int) -> SellerOrder:
    """Her seller order with its order and lines; another seller's id is simply not found."""
    return get_object_or_404(selectors_desk.desk_order(request.member), pk=seller_order_id)


def _recipient_note(seller_order: SellerOrder, recipient: privacy.Recipient) -> str:
    order = seller_order.order
    if recipient.is_masked:
        if seller_order.status == SellerOrderStatus.CANCELLED:
            return _("This order was cancelled: its recipient is no longer shown.")
        return _(
            "Recipient details are shown while the order is open, and for %(days)d days after "
            "it has shipped."
        ) % {"days": settings.SELLER_SEES_RECIPIENT_DAYS}
    if order.recipient_anonymised_at:
        return _("The recipient's details were removed after the retention period.")
    if "*" in order.recipient_name or "*" in order.recipient_mobile:
        return _(
            "The platform hides part of the recipient's details in its export; the label the "
            "base prints carries the full address."
        )
    return ""


def _order_page(
    request: HttpRequest,
    seller_order: SellerOrder,
    *,
    ship_form: ShipForm | None = None,
) -> HttpResponse:
    parcel = _parcel(seller_order, timezone.now())
    recipient = privacy.recipient_for(
        seller_order.order, viewer=request.user, seller_order=seller_order
    )
    is_open = seller_order.status in selectors_desk.OPEN
    context = {
        "parcel": parcel,
        "seller_order": seller_order,
        "order": seller_order.order,
        "recipient": recipient,
        "recipient_note": _recipient_note(seller_order, recipient),
        "can_acknowledge": seller_order.status == SellerOrderStatus.FORWARDED,
        "can_ship": is_open,
        "ship_form": ship_form or (ShipForm() if is_open and not parcel.has_label else None),
        "is_own_channel": fulfilment.is_own_channel(seller_order),
        "can_download_label": bool(seller_order.label) and privacy.seller_may_see(seller_order),
        "packable_count": sum(line.quantity for line in parcel.lines if line.is_packable),
    }
    response = render(request, "seller/orders/order.html", context)
    add_never_cache_headers(response)
    return response


def _order_url(seller_order: SellerOrder) -> str:
    return reverse("seller:order", kwargs={"seller_order_id": seller_order.pk})


@member_required
def order_page(request: HttpRequest, seller_order_id: int) -> HttpResponse:
    """Her order: what to pack, the buyer's note, the recipient as far as she may see it, the
    label, acknowledge and ship. Opening it marks its dashboard notifications read."""
    seller_order = _own(request, seller_order_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    desk.mark_read(seller_order=seller_order, member=request.member)
    return _order_page(request, seller_order)


@member_required
def order_acknowledge(request: HttpRequest, seller_order_id: int) -> HttpResponse:
    """She has seen the order and will ship it."""
    seller_order = _own(request, seller_order_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        fulfilment.acknowledge(seller_order=seller_order, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Order acknowledged. Pack it and ship it."))
    return redirect(_order_url(seller_order))


@member_required
def order_ship(request: HttpRequest, seller_order_id: int) -> HttpResponse:
    """The parcel is handed to the courier: with the base's label, or her courier and number."""
    seller_order = _own(request, seller_order_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = None
    if _has_staff_label(seller_order):
        shipment: dict[str, str] = {}
    else:
        form = ShipForm(request.POST)
        if not form.is_valid():
            return _order_page(request, seller_order, ship_form=form)
        shipment = form.cleaned_data
    try:
        shipped = fulfilment.ship(seller_order=seller_order, actor=request.user, **shipment)
    except ValidationError as error:
        if form is None or seller_order.status not in selectors_desk.OPEN:
            messages.error(request, " ".join(error.messages))
            return redirect(_order_url(seller_order))
        form.attach(error)
        return _order_page(request, seller_order, ship_form=form)
    courier = couriers.BY_CODE.get(shipped.courier)
    messages.success(
        request,
        _("Shipped with %(courier)s, tracking number %(number)s.")
        % {
            "courier": courier.name if courier else shipped.courier,
            "number": shipped.tracking_number,
        },
    )
    return redirect(_order_url(seller_order))


def order_label(request: HttpRequest, seller_order_id: int) -> HttpResponse:
    """The label file, as a download: to her while she may see the recipient. Staff are sent to
    the forwarding monitor's download, which writes the export log (the label is personal data).
    """
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_federation_staff(user):
        return redirect("staff:forwarding_order_label_file", pk=seller_order_id)
    member = dashboard_member(user)
    if member is None:
        raise PermissionDenied
    seller_order = get_object_or_404(
        selectors_desk.desk_seller_orders(member).select_related("order"), pk=seller_order_id
    )
    if not privacy.seller_may_see(seller_order):
        raise Http404
    if not seller_order.label:
        raise Http404
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    extension = seller_order.label.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        seller_order.label.open("rb"),
        as_attachment=True,
        filename=f"label-{seller_order.order.platform_order_id}.{extension}",
    )
    add_never_cache_headers(response)
    return response


@member_required
@require_GET
def orders_export(request: HttpRequest) -> StreamingHttpResponse:
    """Her desk list of one tab as CSV (UTF-8 with BOM), to fill in and upload: no recipients."""
    tab = _tab(request)
    lines = selectors_desk.export_lines(request.member, tab).iterator(chunk_size=500)
    response = StreamingHttpResponse(
        desk_files.csv_chunks(lines), content_type="text/csv; charset=utf-8"
    )
    filename = f"orders-{tab}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    return response


@member_required
@require_http_methods(["GET", "POST"])
def orders_ship_file(request: HttpRequest) -> HttpResponse:
    """Ships her parcels from her filled-in desk file: all, or none and every bad row named."""
    result = None
    if request.method == "POST":
        form = ShipFileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                parsed = desk_files.read_ship_file(form.cleaned_data["file"])
            except desk_files.FileRefusedError as error:
                form.add_error("file", str(error))
            else:
                result = desk.ship_from_file(
                    rows=parsed.rows,
                    row_errors=parsed.errors,
                    seller=request.member,
                    actor=request.user,
                )
                if not result.errors:
                    text = ngettext(
                        "%(count)d parcel marked shipped.",
                        "%(count)d parcels marked shipped.",
                        result.parcels,
                    )
                    messages.success(request, text % {"count": result.parcels})
                    return redirect(f"{reverse('seller:orders')}?tab=shipped")
    else:
        form = ShipFileForm()
    context = {"form": form, "result": result, "couriers": couriers.COURIERS}
    return render(request, "seller/orders/ship_file.html", context)


@dataclass
class SlipEntry:
    parcel: Parcel
    recipient: privacy.Recipient


@member_required
@require_GET
@never_cache
def packing_slip(request: HttpRequest) -> HttpResponse:
    """The day's pick list: her open orders forwarded up to that day, items and totals per SKU."""
    member = request.member
    form = PackingSlipForm(request.GET or None)
    day: date = timezone.localdate()
    context: dict[str, object] = {"form": form, "day": day, "show_list": False}
    if form.is_bound and not form.is_valid():
        return render(request, "seller/orders/packing_slip.html", context)
    if form.is_bound and form.cleaned_data["date"]:
        day = form.cleaned_data["date"]
    paginator = Paginator(selectors_desk.packing_slip_orders(member, day), SLIP_ORDERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    entries = [
        SlipEntry(
            parcel=_parcel(seller_order, now),
            recipient=privacy.recipient_for(
                seller_order.order, viewer=request.user, seller_order=seller_order
            ),
        )
        for seller_order in page
    ]
    context.update(
        {
            "day": day,
            "show_list": True,
            "page": page,
            "entries": entries,
            "totals": selectors_desk.packing_slip_totals(member, day),
            "query": urlencode({"date": day.isoformat()}),
        }
    )
    return render(request, "seller/orders/packing_slip.html", context)
