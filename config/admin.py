"""The admin site, titled in Chinese, behind the same login and two-factor step as /staff/."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from alliance.access import is_federation_staff, needs_second_factor


class AllianceAdminSite(admin.AdminSite):
    site_header = _("Qicai Qiaofu Alliance administration")
    site_title = _("Qicai Qiaofu Alliance")
    index_title = _("Federation back office")

    def has_permission(self, request: HttpRequest) -> bool:
        return is_federation_staff(request.user) and not needs_second_factor(request)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # One login page for the whole site: it knows about mobiles, throttling and 2FA.
        next_url = request.GET.get("next") or reverse("admin:index")
        query = urlencode({"next": next_url})
        if request.user.is_authenticated:
            if not is_federation_staff(request.user):
                raise PermissionDenied
            return redirect(f"{reverse('otp')}?{query}")
        return redirect(f"{reverse('login')}?{query}")
