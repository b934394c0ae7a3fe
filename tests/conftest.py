"""Fixtures shared by the whole suite."""

import pytest
from django.test import Client
from django.utils import translation

from tests.factories import PASSWORD, SellerFactory, StaffUserFactory

BACKEND = "alliance.auth.MobileOrUsernameBackend"


def logged_in_client(user) -> Client:
    """A test client logged in as this user, through our backend (axes' has no get_user)."""
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


@pytest.fixture
def seller(db):
    return SellerFactory()


@pytest.fixture
def other_seller(db):
    return SellerFactory()


@pytest.fixture
def staff_user(db):
    return StaffUserFactory()


@pytest.fixture
def seller_client(seller) -> Client:
    return logged_in_client(seller.user)


@pytest.fixture
def staff_client(staff_user) -> Client:
    return logged_in_client(staff_user)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def english():
    """Run a test in English, for assertions on messages (Chinese is the default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def receiver(settings):
    """A WeCom-like webhook and SMS gateway on 127.0.0.1 that records what it receives."""
    from tests.fakes import FakeReceiver

    fake = FakeReceiver()
    settings.WECOM_WEBHOOK_ORIGINS = [fake.origin]
    settings.SMS_GATEWAY_URL = f"{fake.origin}/sms"
    settings.SMS_GATEWAY_KEY = "test-key"
    yield fake
    fake.close()


# One Chromium for the whole run, shared by tests/e2e and the other browser tests.
from tests.browser import browser, desktop_page, phone_page  # noqa: E402, F401
