"""Pages of accounts, the seller dashboard's home and the staff pages' home."""

import logging
from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance import selectors, services
from alliance.access import (
    dashboard_member,
    is_federation_staff,
    member_required,
    needs_second_factor,
    staff_required,
)
from alliance.auth import client_ip
from alliance.forms import (
    LoginForm,
    MemberPhotoForm,
    MemberSearchForm,
    NotificationPreferencesForm,
    StoryForm,
    TokenForm,
)
from alliance.models import Member

logger = logging.getLogger(__name__)

MEMBERS_PER_PAGE = 50


def home_for(request: HttpRequest) -> str:
    """Where a person lands after logging in: her dashboard, the staff pages, or the home page."""
    if is_federation_staff(request.user):
        return reverse("staff:home")
    if dashboard_member(request.user) is not None:
        return reverse("seller:home")
    return reverse("home")


def _safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page shown while a login is locked after too many failures (HTTP 429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def _ip_failures(request: HttpRequest) -> int:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(
        ip_address=client_ip(request), attempt_time__gte=since
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


class LoginView(auth_views.LoginView):
    """Password login; staff continue to the second factor where it is required."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = False

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A looser ceiling per address across all logins (password spraying); the strict lock
        # per (login, address) is django-axes'.
        if _ip_failures(request) >= settings.LOGIN_FAILURES_PER_IP:
            logger.warning("login refused: too many failures from one address")
            return locked_out(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        logger.info("login succeeded user_id=%s", user.pk)
        if user.is_staff:
            self.request.session.set_expiry(settings.STAFF_SESSION_AGE)
        if needs_second_factor(self.request):
            query = urlencode({"next": self.get_success_url()})
            return redirect(f"{reverse('otp')}?{query}")
        return response

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        logger.info("login failed")
        return super().form_invalid(form)

    def get_default_redirect_url(self) -> str:
        return home_for(self.request)


def _totp_qr_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@login_required
@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    """The second factor for staff: enrol an authenticator app once, then enter its code."""
    next_url = _safe_next(request, home_for(request))
    if not request.user.is_staff:
        return redirect(next_url)
    if request.user.is_verified():
        return HttpResponseRedirect(next_url)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device, _created = TOTPDevice.objects.get_or_create(
            user=request.user, confirmed=False, defaults={"name": "authenticator"}
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            # django-otp doubles the wait after each wrong code.
            form.add_error("token", _("Too many wrong codes. Wait a few seconds and try again."))
        elif device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            logger.info("second factor verified user_id=%s", request.user.pk)
            return HttpResponseRedirect(next_url)
        else:
            logger.info("second factor failed user_id=%s", request.user.pk)
            form.add_error(
                "token", _("That code is not right, or it has expired. Try the next one.")
            )
    context = {"form": form, "enrolling": enrolling, "next": next_url}
    if enrolling:
        context["qr_svg"] = _totp_qr_svg(device)
        context["secret"] = b32encode(device.bin_key).decode()
    return render(request, "registration/otp.html", context)


# --- Seller dashboard ------------------------------------------------------------------------


@member_required
def seller_home(request: HttpRequest) -> HttpResponse:
    """The seller dashboard's home: who she is, her businesses and projects, her channels."""
    member = request.member
    context = {"member": member, **selectors.member_overview(member)}
    return render(request, "seller/home.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def seller_notifications(request: HttpRequest) -> HttpResponse:
    """A member chooses how she is told about new orders."""
    member = request.member
    form = NotificationPreferencesForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        services.update_notification_preferences(member=member, **form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("seller:home")
    return render(request, "seller/notifications.html", {"form": form, "member": member})


def _profile_page(
    request: HttpRequest,
    member: Member,
    *,
    story_form: StoryForm | None = None,
    photo_form: MemberPhotoForm | None = None,
) -> HttpResponse:
    context = {
        "member": member,
        # What the mini-program's seller profile shows beside her story.
        "enterprises": member.enterprises.filter(is_active=True).order_by("name"),
        "story_form": story_form or StoryForm(initial={"story": member.story}),
        "photo_form": photo_form or MemberPhotoForm(),
    }
    return render(request, "seller/profile.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def seller_profile(request: HttpRequest) -> HttpResponse:
    """Her public profile: the story shoppers read (her name is kept by the federation)."""
    member = request.member
    if request.method != "POST":
        return _profile_page(request, member)
    form = StoryForm(request.POST)
    if form.is_valid():
        services.update_member_story(member=member, story=form.cleaned_data["story"])
        messages.success(request, _("Your story is saved."))
        return redirect("seller:profile")
    return _profile_page(request, member, story_form=form)


@member_required
@require_POST
def seller_profile_photo(request: HttpRequest) -> HttpResponse:
    """A new photo for her public profile, checked and re-encoded without location data."""
    form = MemberPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.set_member_photo(member=request.member, upload=form.cleaned_data["photo"])
        except ValidationError as error:
            form.add_error("photo", error)
        else:
            messages.success(request, _("Your photo is saved."))
            return redirect("seller:profile")
    return _profile_page(request, request.member, photo_form=form)


@member_required
@require_POST
def seller_profile_photo_remove(request: HttpRequest) -> HttpResponse:
    """Removes the photo from her public profile."""
    services.set_member_photo(member=request.member, upload=None)
    messages.success(request, _("Your photo is removed."))
    return redirect("seller:profile")


# --- Staff pages -------------------------------------------------------------------------------


@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """The staff pages' home: the alliance in figures and the way to each desk."""
    return render(request, "staff/home.html", {"figures": selectors.alliance_figures()})


@staff_required
def staff_members(request: HttpRequest) -> HttpResponse:
    """All members, searchable and filterable, a page at a time."""
    form = MemberSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    members = selectors.members_matching(
        text=filters.get("q", ""),
        role=filters.get("role", ""),
        status=filters.get("status", ""),
        village=filters.get("village"),
    )
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/members.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
