"""Logging in with a mainland mobile (members) or a username (staff)."""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from alliance.models import Member, User
from alliance.validators import is_mobile, normalize_mobile


def login_key(identifier: str) -> str:
    """The canonical form of what was typed in the login field."""
    identifier = (identifier or "").strip()
    if is_mobile(identifier):
        return normalize_mobile(identifier)
    return identifier.lower()


class MobileOrUsernameBackend(ModelBackend):
    """A mobile number finds the member's login; anything else is a (staff) username."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        key = login_key(username)
        if is_mobile(key):
            user = User.objects.filter(member__mobile=key).first()
        else:
            user = User.objects.filter(username__iexact=key).first()
        if user is None:
            # Spend the same time as a real check so the response does not tell who exists.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The login django-axes counts failures for: "138 0000 0001" and "13800000001" add up."""
    value = ""
    if credentials:
        value = credentials.get("username") or ""
    elif request is not None:
        value = request.POST.get("username", "")
    key = login_key(value)
    if not is_mobile(key):
        # After a successful login axes resets the failures of user.get_username(); a member's
        # failures were counted under her mobile, so map her account name back to it.
        mobile = (
            Member.objects.filter(user__username__iexact=key)
            .values_list("mobile", flat=True)
            .first()
        )
        if mobile:
            return mobile
    return key


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or what our own proxies appended to X-Forwarded-For."""
    if settings.PROXY_COUNT:
        hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= settings.PROXY_COUNT:
            return hops[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR", "")
