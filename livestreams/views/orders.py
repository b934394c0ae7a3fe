"""The unmatched queue (group, search a SKU, map) and an order's page with its attribution."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.access import staff_required
from livestreams import privacy, selectors
from livestreams.forms import (
    AttributionForm,
    MapLineForm,
    SKUSearchForm,
    attach_error,
)
from livestreams.models import Channel
from livestreams.services.attribution import set_attribution
from livestreams.services.matching import map_unmatched, unmatched_lines

GROUPS_PER_PAGE = 30
EXAMPLE_LINES = 10


@staff_required
@never_cache
@require_GET
def unmatched(request: HttpRequest) -> HttpResponse:
    """Lines waiting for a SKU, grouped by what identifies them, largest groups first."""
    page = Paginator(selectors.unmatched_groups(), GROUPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for group in page.object_list:
        group["channel_label"] = Channel(group["channel"]).label
    return render(request, "staff/orders/unmatched.html", {"page": page})


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def unmatched_group(request: HttpRequest, line_id: int) -> HttpResponse:
    """One group of waiting lines: search the SKU they are, and map them to it."""
    line = unmatched_lines().filter(pk=line_id).first()
    if line is None:
        messages.info(request, _("These lines are no longer waiting for a SKU."))
        return redirect("staff:unmatched")
    map_form = MapLineForm(request.POST or None, initial={"line": line.pk})
    if request.method == "POST" and map_form.is_valid():
        sku = map_form.cleaned_data["sku"]
        try:
            outcome = map_unmatched(line=line, sku=sku, actor=request.user)
        except ValidationError as error:
            attach_error(map_form, error)
        else:
            count = outcome["lines_matched"]
            messages.success(
                request,
                ngettext(
                    "%(count)d line is now matched to %(sku)s.",
                    "%(count)d lines are now matched to %(sku)s.",
                    count,
                )
                % {"count": count, "sku": f"{sku.merchant_code} {sku.product.name} {sku.spec}"},
            )
            return redirect("staff:unmatched")
    search = SKUSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    group = selectors.lines_like(line)
    context = {
        "line": line,
        "examples": list(group[:EXAMPLE_LINES]),
        "group_size": group.count(),
        "search": search,
        "query": query,
        "skus": list(selectors.sku_candidates(query)) if query else [],
        "map_form": map_form,
    }
    return render(
        request,
        "staff/orders/unmatched_group.html",
        context,
        status=400 if map_form.errors else 200,
    )


# --- One order ---------------------------------------------------------------------------------


def _order_page(request: HttpRequest, order: Any, form: AttributionForm) -> HttpResponse:
    context = {
        "order": order,
        "recipient": privacy.recipient_for(order, viewer=request.user),
        "lines": list(order.lines.all()),
        "seller_orders": list(order.seller_orders.all()),
        "form": form,
    }
    return render(request, "staff/orders/order.html", context, status=400 if form.errors else 200)


@staff_required
@never_cache
@require_GET
def order_page(request: HttpRequest, pk: int) -> HttpResponse:
    """An order for staff: lines, seller orders, recipient, and the session it is attributed to."""
    order = get_object_or_404(selectors.order_for_staff(), pk=pk)
    return _order_page(request, order, AttributionForm(order=order))


@staff_required
@require_POST
def order_attribution(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff's correction: the session the order belongs to (or none)."""
    order = get_object_or_404(selectors.order_for_staff(), pk=pk)
    form = AttributionForm(request.POST, order=order)
    if form.is_valid():
        session = form.cleaned_data["session"]
        try:
            set_attribution(order=order, session=session, actor=request.user)
        except ValidationError as error:
            attach_error(form, error)
        else:
            if session is None:
                messages.success(request, _("The order now counts for its channel only."))
            else:
                messages.success(
                    request, _("The order now counts for “%(title)s”.") % {"title": session.title}
                )
            return redirect("staff:order", pk=order.pk)
    return _order_page(request, order, form)
