"""Who may open which face of the site: the seller dashboard, the staff pages, the admin."""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from alliance.roles import FEDERATION_STAFF_GROUP

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from alliance.models import Member, User

View = Callable[..., HttpResponse]


def is_federation_staff(user: "User | AnonymousUser") -> bool:
    """An active staff account of the federation (superusers count)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    # Asked by the navigation and by the view in the same request: look it up once.
    if not hasattr(user, "_is_federation_staff"):
        user._is_federation_staff = user.groups.filter(name=FEDERATION_STAFF_GROUP).exists()
    return user._is_federation_staff


def needs_second_factor(request: HttpRequest) -> bool:
    """True while a staff login still owes its TOTP code (only where 2FA is required)."""
    if not settings.STAFF_OTP_REQUIRED:
        return False
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        return False
    # OTPMiddleware adds is_verified at the start of a request; a user logged in during this
    # request has not been through it, and is not verified yet.
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified and is_verified())


def dashboard_member(user: "User | AnonymousUser") -> "Member | None":
    """The active member behind a login, or None: who may use the seller dashboard."""
    if not (user.is_authenticated and user.is_active):
        return None
    member = getattr(user, "member", None)
    if member is None or not member.is_active_member:
        return None
    return member


def member_required(view: View) -> View:
    """The seller dashboard: log in first; a login that is not an active member gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        member = dashboard_member(request.user)
        if member is None:
            raise PermissionDenied
        request.member = member
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view: View) -> View:
    """The staff pages: log in first, then the second factor; everyone else gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_federation_staff(request.user):
            raise PermissionDenied
        if needs_second_factor(request):
            return redirect(f"{reverse('otp')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper
