"""This app's settings, read when used (so tests can change them), with their defaults.

Each may be set in config/settings.py; none has to be.
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Where printed codes point ("https://fulian.example.cn"); empty: the request's own host
    # (the command line falls back to http://127.0.0.1:8000).
    "QR_BASE_URL": "",
    # Visits can be booked from this many hours ahead up to this many days ahead.
    "COURTYARD_BOOKING_LEAD_HOURS": 12,
    "COURTYARD_BOOKING_DAYS": 21,
    # Scans are written in batches of this many, or when the oldest has waited this long.
    "COURTYARD_SCAN_FLUSH_SIZE": 50,
    "COURTYARD_SCAN_FLUSH_SECONDS": 10.0,
    # Rendered public pages are kept this long (a change of the courtyards empties them at once).
    "COURTYARD_PAGE_CACHE_SECONDS": 600,
    # Public forms (buy, book): tries per client address and per mobile number, and the window.
    "COURTYARD_POSTS_PER_IP": 20,
    "COURTYARD_POSTS_PER_MOBILE": 5,
    "COURTYARD_POST_WINDOW_SECONDS": 600,
    # Unknown codes one address may try before it is told to wait (token scanning).
    "COURTYARD_MISSES_PER_IP": 30,
    "COURTYARD_MISS_WINDOW_SECONDS": 600,
}


def get(name: str) -> Any:
    """A setting of this app: config.settings' value if set there, else the default."""
    return getattr(settings, name, DEFAULTS[name])
