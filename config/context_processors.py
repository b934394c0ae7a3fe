"""Template context shared by every page."""

from django.http import HttpRequest

from alliance.access import dashboard_member, is_federation_staff


def navigation(request: HttpRequest) -> dict[str, object]:
    """Which faces of the site the current user may open, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_seller": False, "nav_staff": False}
    return {
        "nav_seller": dashboard_member(user) is not None,
        "nav_staff": is_federation_staff(user),
    }
