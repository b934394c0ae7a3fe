"""Rendered public pages of the courtyards, kept in the cache under the courtyards' version.

Any change a visitor could see (a courtyard, piece, design, photo, code, a sale) moves the
version on when its transaction commits, so a page is never served from before the change.
Pieces sold from the catalogue show their SKU's price and stock: their pages also carry the
catalogue's version (products.cache). A page read is one round trip to Redis: both versions and
the page, in one MGET. With the cache down, pages are rendered every time.
"""

import logging
import pickle
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from config.api import redis_client
from courtyards import conf
from products.cache import VERSION_KEY as CATALOGUE_VERSION_KEY

logger = logging.getLogger(__name__)

VERSION_KEY = "courtyards:version"


@dataclass(frozen=True)
class CachedPage:
    """A rendered page and what a scan of it records, without asking the database."""

    status: int
    html: bytes
    qr_code_id: int | None
    courtyard_id: int | None
    item_id: int | None
    design_id: int | None
    versions: tuple[str, str] = ("", "")


def page_key(kind: str, token: str, language: str) -> str:
    return f"courtyards:page:{kind}:{language}:{token}"


def _decode(raw: object) -> str | None:
    if raw is None:
        return None
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def read(key: str) -> tuple[CachedPage | None, tuple[str, str]]:
    """The page kept under key if it is current, and the current versions. Raises if the cache
    cannot be reached (the caller renders the page instead)."""
    keys = [VERSION_KEY, CATALOGUE_VERSION_KEY, key]
    client = redis_client()
    if client is not None:
        raw_version, raw_catalogue, raw_page = client.mget(
            [cache.make_and_validate_key(name) for name in keys]
        )
        page = pickle.loads(raw_page) if raw_page is not None else None  # noqa: S301 (ours)
    else:
        found = cache.get_many(keys)
        raw_version, raw_catalogue = found.get(VERSION_KEY), found.get(CATALOGUE_VERSION_KEY)
        page = found.get(key)
    versions = (_decode(raw_version) or _start(VERSION_KEY), _decode(raw_catalogue) or "")
    if page is not None and page.versions == versions:
        return page, versions
    return None, versions


def _start(key: str) -> str:
    # A fresh cache: start from the clock, so that versions never repeat after a wipe.
    cache.add(key, int(time.time() * 1000), timeout=None)
    return _decode(cache.get(key)) or ""


def store(key: str, page: CachedPage) -> None:
    """Keeps a rendered page; a cache that is down is logged and otherwise ignored."""
    try:
        client = redis_client()
        if client is not None:
            client.set(
                cache.make_and_validate_key(key),
                pickle.dumps(page),
                ex=conf.get("COURTYARD_PAGE_CACHE_SECONDS"),
            )
        else:
            cache.set(key, page, timeout=conf.get("COURTYARD_PAGE_CACHE_SECONDS"))
    except Exception:
        logger.warning("courtyard page cache unavailable", exc_info=True)


def _bump() -> None:
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet
            cache.add(VERSION_KEY, int(time.time() * 1000), timeout=None)
    except Exception:
        logger.warning("courtyard page cache unavailable; version not moved", exc_info=True)


def courtyards_changed() -> None:
    """Marks the public pages stale once the current transaction commits (at once outside one)."""
    transaction.on_commit(_bump)
