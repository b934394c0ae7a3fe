"""The catalogue's version: public catalogue reads are cached under it; every write bumps it.

A write anywhere in the catalogue (a product, SKU, photo, listing, category, a seller's public
profile, stock) moves the version on once its transaction commits, so no reader can cache the
old data under the new version. Cached entries of older versions are never read again and
expire. If the cache server is down, reads go to the database and writes still succeed.
"""

import logging
import time

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "catalogue:version"


def catalogue_version() -> str:
    """The current version (a string for cache keys); '' when the cache cannot be reached."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            # A fresh cache: start from the clock so versions never repeat after a wipe.
            version = int(time.time() * 1000)
            cache.add(VERSION_KEY, version, timeout=None)
            version = cache.get(VERSION_KEY, version)
    except Exception:  # the cache server is down: do without caching
        logger.warning("catalogue cache unavailable", exc_info=True)
        return ""
    return str(version)


def _bump() -> None:
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet
            cache.add(VERSION_KEY, int(time.time() * 1000), timeout=None)
    except Exception:
        logger.warning("catalogue cache unavailable; version not bumped", exc_info=True)


def catalogue_changed() -> None:
    """Marks the catalogue changed once the current transaction commits (at once outside one)."""
    transaction.on_commit(_bump)
