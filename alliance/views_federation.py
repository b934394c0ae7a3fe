"""Staff and seller pages of the federation's work: switching the livestream backdrop's product
from a phone, and the sister-county campaigns' sales reports.

A streamer reaches only the backdrops of her own sessions: another session's id answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from alliance.access import member_required, staff_required
from alliance.federation import backdrop as backdrops
from alliance.federation import campaigns
from alliance.federation.forms import SwitchProductForm
from alliance.models import Campaign
from livestreams.models import LiveSession

SESSIONS_PER_PAGE = 30
CAMPAIGNS_PER_PAGE = 30


# --- The backdrop switch -----------------------------------------------------------------------


def _switch_page(
    request: HttpRequest, session: LiveSession, *, template: str, back_url: str
) -> HttpResponse:
    """The phone page of a session's backdrop: its address, and one button per product."""
    backdrop = backdrops.backdrop_for_session(session)
    choices = backdrops.product_choices(session)
    form = SwitchProductForm(request.POST or None, products=choices)
    if request.method == "POST":
        if form.is_valid():
            try:
                backdrops.switch_product(
                    backdrop=backdrop, product=form.cleaned_data["product"], actor=request.user
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                product = form.cleaned_data["product"]
                message = (
                    _("The backdrop now shows %(name)s.") % {"name": product.name}
                    if product
                    else _("The backdrop shows no product now.")
                )
                messages.success(request, message)
            return redirect(request.path)
        messages.error(request, " ".join(form.errors.get("product", [])))
        return redirect(request.path)
    context = {
        "session": session,
        "backdrop": backdrop,
        "backdrop_url": request.build_absolute_uri(reverse("backdrop", args=[backdrop.token])),
        "products": list(choices.prefetch_related("images")),
        "back_url": back_url,
    }
    return render(request, template, context)


@member_required
@never_cache
def seller_backdrops(request: HttpRequest) -> HttpResponse:
    """Her live sessions, each with the way to its backdrop."""
    sessions = backdrops.sessions_of_streamer(request.member)
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "seller/federation/backdrops.html", {"page": page})


@member_required
@never_cache
@require_http_methods(["GET", "POST"])
def seller_backdrop(request: HttpRequest, session_id: int) -> HttpResponse:
    """Her session's backdrop: she switches the product on sale from her phone."""
    session = get_object_or_404(backdrops.sessions_of_streamer(request.member), pk=session_id)
    return _switch_page(
        request,
        session,
        template="seller/federation/backdrop.html",
        back_url=reverse("seller:backdrops"),
    )


@staff_required
@never_cache
def staff_backdrops(request: HttpRequest) -> HttpResponse:
    """Every live session (not cancelled), latest first, with the way to its backdrop."""
    page = Paginator(backdrops.sessions_for_staff(), SESSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "staff/federation/backdrops.html", {"page": page})


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def staff_backdrop(request: HttpRequest, session_id: int) -> HttpResponse:
    """A session's backdrop for staff: the same switch as the streamer's."""
    session = get_object_or_404(backdrops.sessions_for_staff(), pk=session_id)
    return _switch_page(
        request,
        session,
        template="staff/federation/backdrop.html",
        back_url=reverse("staff:backdrops"),
    )


@staff_required
@require_POST
def staff_backdrop_renew(request: HttpRequest, session_id: int) -> HttpResponse:
    """A new secret address for a session's backdrop (when the old one was shown around)."""
    session = get_object_or_404(backdrops.sessions_for_staff(), pk=session_id)
    backdrops.renew_token(backdrop=backdrops.backdrop_for_session(session))
    messages.success(request, _("The backdrop has a new address; the old one no longer works."))
    return redirect("staff:backdrop", session_id=session.pk)


# --- Campaign reports -----------------------------------------------------------------------------


@staff_required
def staff_campaigns(request: HttpRequest) -> HttpResponse:
    """The sister-county campaigns, latest first."""
    page = Paginator(campaigns.campaigns_for_staff(), CAMPAIGNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "staff/federation/campaigns.html", {"page": page})


@staff_required
def staff_campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """A campaign's sales from its order lines: in total, by product, by day and by session."""
    try:
        campaign = campaigns.campaigns_for_staff().get(pk=campaign_id)
    except Campaign.DoesNotExist as error:
        raise Http404 from error
    context = {
        "campaign": campaign,
        "totals": campaigns.campaign_totals(campaign),
        "by_product": campaigns.sales_by_product(campaign),
        "by_day": campaigns.sales_by_day(campaign),
        "by_session": campaigns.sales_by_session(campaign),
    }
    return render(request, "staff/federation/campaign.html", context)
