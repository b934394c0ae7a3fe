"""Deployment checks that `check --deploy` does not make by itself (RELIABILITY.md §3.1)."""

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_security_settings(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """CSP present and strict, __Host- cookies, staff two-factor on, HSTS with subdomains."""
    problems = []
    directives = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    if "'none'" not in directives.get("frame-ancestors", []) or not directives.get("default-src"):
        problems.append(
            Warning(
                "CONTENT_SECURITY_POLICY must set default-src and frame-ancestors 'none'.",
                id="alliance.W001",
            )
        )
    for name in ("SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME"):
        if not getattr(settings, name).startswith("__Host-"):
            problems.append(Warning(f"{name} should start with __Host-.", id="alliance.W002"))
    if not settings.STAFF_OTP_REQUIRED:
        problems.append(
            Warning("STAFF_OTP_REQUIRED is off: staff log in without TOTP.", id="alliance.W003")
        )
    if not getattr(settings, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False):
        problems.append(Warning("HSTS should include subdomains.", id="alliance.W004"))
    return problems
