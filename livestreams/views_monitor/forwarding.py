"""The forwarding monitor and one seller order's page: retry, reassign, cancel, the label.

Every change goes through livestreams.services.fulfilment; these views parse the input, call
the service and show what it said (its refusals next to the form, or as a message).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from alliance.access import staff_required
from livestreams import couriers, privacy
from livestreams.forms_monitor import CancelForm, LabelForm, ReassignForm, SelectionForm
from livestreams.models import DeliveryAttempt, SellerOrder
from livestreams.services import fulfilment
from livestreams.views_monitor.reads import (
    NOT_SHIPPED,
    ROWS_PER_PAGE,
    TABS,
    TABS_BY_KEY,
    S,
    last_attempts,
    monitor_counts,
    monitor_rows,
    page_of,
)


@staff_required
@require_GET
def monitor(request: HttpRequest) -> HttpResponse:
    """The forwarding monitor: pending, failed, unacknowledged and overdue seller orders."""
    tab = request.GET.get("tab", "")
    if tab not in TABS_BY_KEY:
        tab = "failed"
    now = timezone.now()
    counts = monitor_counts(now)
    page = page_of(request, monitor_rows(tab, now), ROWS_PER_PAGE, counts[tab])
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


def seller_order_or_404(pk: int) -> SellerOrder:
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
    return _seller_order_page(request, seller_order_or_404(pk))


@staff_required
@require_POST
def seller_order_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Retries forwarding of one seller order."""
    seller_order = seller_order_or_404(pk)
    retried = fulfilment.retry_forwarding(seller_order_ids=[seller_order.pk], actor=request.user)
    _retry_message(request, 1, retried)
    return redirect("staff:forwarding_order", pk=seller_order.pk)


@staff_required
@never_cache
@require_POST
def seller_order_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """Gives the seller order to another seller; the old one is cancelled with the reason."""
    seller_order = seller_order_or_404(pk)
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
    seller_order = seller_order_or_404(pk)
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
    seller_order = seller_order_or_404(pk)
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
