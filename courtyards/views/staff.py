"""Staff pages of the courtyards: scans and what they turned into, by village and courtyard;
every booking with its state (the visitor's phone masked)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from alliance.access import staff_required
from courtyards import selectors
from courtyards.models import BookingStatus, Courtyard, DesignVisitBooking
from courtyards.views.seller import PER_PAGE, period


@staff_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """Scans → orders and bookings per village and per courtyard, over a period."""
    chosen, days = period(request)
    courtyards = selectors.courtyard_figures(
        Courtyard.objects.select_related("village__township", "owner"), days
    ).order_by("-scan_count", "name", "pk")
    context = {
        "period": chosen,
        "periods": [("30", _("30 days")), ("90", _("90 days")), ("all", _("All time"))],
        "villages": Paginator(selectors.village_figures(days), PER_PAGE).get_page(
            request.GET.get("villages")
        ),
        "page": Paginator(courtyards, PER_PAGE).get_page(request.GET.get("page")),
        "totals": selectors.totals(selectors.courtyard_figures(Courtyard.objects.all(), days)),
        "query": f"days={chosen}",
    }
    return render(request, "staff/courtyards/figures.html", context)


@staff_required
@require_GET
def bookings(request: HttpRequest) -> HttpResponse:
    """All design visit bookings, newest first, by status."""
    current = request.GET.get("status", "")
    rows = DesignVisitBooking.objects.select_related(
        "slot", "designer", "design__courtyard__village__township"
    ).order_by("-created_at", "-pk")
    if current in BookingStatus.values:
        rows = rows.filter(status=current)
    else:
        current = ""
    context = {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "statuses": BookingStatus.choices,
        "current": current,
        "query": f"status={current}" if current else "",
    }
    return render(request, "staff/courtyards/bookings.html", context)
