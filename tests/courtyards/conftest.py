"""Fixtures of the courtyards' tests: owners, designers with weekly times, pieces and designs."""

import contextlib
import uuid
from datetime import time
from decimal import Decimal

import pytest
from django.core.cache import cache

from courtyards import scans
from courtyards.cache import VERSION_KEY
from courtyards.models import CourtyardKind
from courtyards.services import courtyards as services
from courtyards.services import visits
from products.cache import VERSION_KEY as CATALOGUE_VERSION_KEY
from tests.factories import SellerFactory, VillageFactory


@pytest.fixture(autouse=True)
def _courtyard_settings(settings):
    """Scans are written by the test (no background thread); every test has a cache namespace
    of its own (its page cache and rate-limit counters), on local memory and on Redis alike."""
    settings.COURTYARD_SCAN_FLUSH_SECONDS = 0
    settings.COURTYARD_SCAN_FLUSH_SIZE = 1000
    settings.QR_BASE_URL = "http://testserver"
    default = dict(settings.CACHES["default"])
    namespace = uuid.uuid4().hex
    default["KEY_PREFIX"] = f"test-{namespace}"
    if default["BACKEND"].endswith("LocMemCache"):
        default["LOCATION"] = namespace
    settings.CACHES = {"default": default}
    scans._buffer.clear()
    yield
    scans._buffer.clear()
    with contextlib.suppress(Exception):  # a test may have pointed the cache at nothing
        cache.delete_many([VERSION_KEY, CATALOGUE_VERSION_KEY])  # the keys without an expiry


@pytest.fixture
def village(db):
    return VillageFactory(name="金峨村", township__name="西坞街道")


@pytest.fixture
def owner(village):
    return SellerFactory(
        name="石优琴", mobile="13800000004", village=village, is_courtyard_owner=True
    )


@pytest.fixture
def other_owner(db):
    return SellerFactory(name="别家主人", mobile="13800000088", is_courtyard_owner=True)


@pytest.fixture
def designer(village):
    member = SellerFactory(
        name="陈巧燕", mobile="13800000009", village=village, is_designer=True, is_seller=False
    )
    for weekday in range(7):
        visits.add_weekly_slot(
            designer=member, weekday=weekday, start_time=time(9), duration_minutes=120, capacity=1
        )
        visits.add_weekly_slot(
            designer=member, weekday=weekday, start_time=time(14), duration_minutes=120, capacity=2
        )
    return member


@pytest.fixture
def courtyard(owner, village):
    return services.create_courtyard(
        owner=owner, village=village, name="石优琴的杜鹃庭院", story="满院杜鹃。"
    )


@pytest.fixture
def public_courtyard(owner, village):
    return services.create_courtyard(
        owner=owner, village=village, name="金峨村公共庭院", kind=CourtyardKind.PUBLIC
    )


@pytest.fixture
def piece(courtyard):
    return services.add_item(
        courtyard=courtyard,
        name="金峨老桩杜鹃盆景",
        description="三十年老桩。",
        price=Decimal("1680.00"),
    )


@pytest.fixture
def design(public_courtyard, designer):
    return services.add_design(
        courtyard=public_courtyard,
        designer=designer,
        name="竹影新中式小院",
        style="new_chinese",
        price_min_per_sqm=Decimal("800"),
        price_max_per_sqm=Decimal("1200"),
        materials="青石板、竹篱",
    )


def token_of(thing) -> str:
    """The active code's token of a piece or a design."""
    return thing.qr_codes.get(retired_at__isnull=True).token
