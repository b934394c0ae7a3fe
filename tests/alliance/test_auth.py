"""Logging in: mobiles and usernames, throttling, the staff second factor, password reset."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, SellerFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize("typed", ["13912345678", "139 1234 5678", "+86-139-1234-5678"])
def test_a_member_logs_in_with_her_mobile_however_typed(client, typed):
    seller = SellerFactory(mobile="13912345678")
    response = post_login(client, typed, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/seller/"
    assert logged_in_user_id(client) == str(seller.user_id)


def test_staff_log_in_with_a_username_in_any_case(client):
    staff = StaffUserFactory(username="wulunsu")
    response = post_login(client, "WuLunSu", PASSWORD)
    assert response["Location"] == "/staff/"
    assert logged_in_user_id(client) == str(staff.pk)


def test_a_wrong_password_shows_a_chinese_message_and_no_session(client):
    SellerFactory(mobile="13912345678")
    response = post_login(client, "13912345678", "wrong-password")
    assert response.status_code == 200
    assert "手机号（或用户名）与密码不匹配" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_an_unknown_mobile_gets_the_same_message_as_a_wrong_password(client):
    SellerFactory(mobile="13912345678")
    known = post_login(client, "13912345678", "wrong-password").content.decode()
    unknown = post_login(client, "13900000000", "wrong-password").content.decode()
    # Only the typed value and the (per-response masked) CSRF token may differ.
    strip = lambda html: re.sub(r'(value="|"X-CSRFToken": ")[^"]*"', "", html)  # noqa: E731
    assert strip(known) == strip(unknown)


def test_a_suspended_member_cannot_log_in(client):
    from alliance import services

    seller = SellerFactory(mobile="13912345678")
    services.suspend_member(member=seller, actor=None)
    post_login(client, "13912345678", PASSWORD)
    assert logged_in_user_id(client) is None


def test_the_session_key_changes_at_login(client):
    SellerFactory(mobile="13912345678")
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    post_login(client, "13912345678", PASSWORD)
    assert client.session.session_key != before


def test_staff_sessions_are_shorter_than_members(client, settings):
    StaffUserFactory(username="wulunsu")
    post_login(client, "wulunsu", PASSWORD)
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_AGE
    member_client = Client()
    SellerFactory(mobile="13912345678")
    post_login(member_client, "13912345678", PASSWORD)
    assert member_client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_login_redirects_only_to_this_site(client):
    SellerFactory(mobile="13912345678")
    response = client.post(
        LOGIN,
        {"username": "13912345678", "password": PASSWORD, "next": "https://evil.example/"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response["Location"] == "/seller/"


# --- Throttling ----------------------------------------------------------------------------------


def fail_times(client: Client, username: str, count: int, ip: str = "10.0.0.1") -> list[int]:
    return [post_login(client, username, "wrong-password", ip).status_code for _ in range(count)]


def test_five_failures_lock_the_login_from_that_address_with_a_clear_message(client):
    SellerFactory(mobile="13912345678")
    assert fail_times(client, "13912345678", 5) == [200, 200, 200, 200, 429]
    response = post_login(client, "13912345678", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "登录失败次数过多" in body
    assert "15 分钟" in body
    assert logged_in_user_id(client) is None


def test_the_lockout_message_is_in_english_for_english_readers(client, settings):
    SellerFactory(mobile="13912345678")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    fail_times(client, "13912345678", 5)
    response = post_login(client, "13912345678", PASSWORD)
    assert "Too many failed attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()


def test_failures_count_for_the_mobile_however_it_is_typed(client):
    SellerFactory(mobile="13912345678")
    fail_times(client, "139 1234 5678", 3)
    fail_times(client, "13912345678", 2)
    assert post_login(client, "+8613912345678", PASSWORD).status_code == 429


def test_a_locked_login_still_works_from_another_address(client):
    seller = SellerFactory(mobile="13912345678")
    fail_times(client, "13912345678", 5, ip="10.0.0.1")
    other = Client()
    assert post_login(other, "13912345678", PASSWORD, ip="10.0.0.2").status_code == 302
    assert logged_in_user_id(other) == str(seller.user_id)


def test_the_lock_lifts_after_the_cool_off(client):
    SellerFactory(mobile="13912345678")
    fail_times(client, "13912345678", 5)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert post_login(client, "13912345678", PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(client):
    SellerFactory(mobile="13912345678")
    fail_times(client, "13912345678", 4)
    assert post_login(client, "13912345678", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    fail_times(client, "13912345678", 4)
    assert post_login(client, "13912345678", PASSWORD).status_code == 302


def test_many_logins_failing_from_one_address_trip_the_address_ceiling(client, settings):
    settings.LOGIN_FAILURES_PER_IP = 10
    SellerFactory(mobile="13912345678")
    for index in range(10):
        post_login(client, f"1390000{index:04d}", "wrong-password")
    response = post_login(client, "13912345678", PASSWORD)
    assert response.status_code == 429
    assert post_login(Client(), "13912345678", PASSWORD, ip="10.0.0.9").status_code == 302


def test_x_forwarded_for_is_ignored_without_a_configured_proxy(client):
    SellerFactory(mobile="13912345678")
    for index in range(5):
        client.post(
            LOGIN,
            {"username": "13912345678", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{index}",
        )
    assert post_login(client, "13912345678", PASSWORD).status_code == 429


def test_behind_a_proxy_the_proxys_entry_is_the_client(client, settings):
    settings.PROXY_COUNT = 1
    SellerFactory(mobile="13912345678")
    for _ in range(5):
        client.post(
            LOGIN,
            {"username": "13912345678", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.7",
        )
    other_client = client.post(
        LOGIN,
        {"username": "13912345678", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert other_client.status_code == 302


# --- The staff second factor ---------------------------------------------------------------------


@pytest.fixture
def otp_required(settings):
    settings.STAFF_OTP_REQUIRED = True


def current_token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.mark.usefixtures("otp_required")
def test_staff_enrol_an_authenticator_then_reach_the_staff_pages(client):
    staff = StaffUserFactory(username="wulunsu")
    response = post_login(client, "wulunsu", PASSWORD)
    assert response["Location"].startswith("/accounts/2fa/")
    assert client.get("/staff/")["Location"].startswith("/accounts/2fa/")

    page = client.get("/accounts/2fa/?next=/staff/")
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert page.context["secret"]

    wrong = client.post("/accounts/2fa/", {"token": "000000", "next": "/staff/"})
    assert "验证码不正确" in wrong.content.decode()
    too_soon = client.post("/accounts/2fa/", {"token": current_token(device), "next": "/staff/"})
    assert "请稍等几秒" in too_soon.content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        device.refresh_from_db()
        right = client.post("/accounts/2fa/", {"token": current_token(device), "next": "/staff/"})
    assert right["Location"] == "/staff/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/staff/").status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.usefixtures("otp_required")
def test_an_enrolled_staff_member_is_asked_for_a_code_not_a_new_qr(client):
    staff = StaffUserFactory(username="wulunsu")
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    post_login(client, "wulunsu", PASSWORD)
    page = client.get("/accounts/2fa/")
    assert "<svg" not in page.content.decode()
    response = client.post("/accounts/2fa/", {"token": current_token(device)})
    assert response["Location"] == "/staff/"


@pytest.mark.usefixtures("otp_required")
def test_the_admin_needs_the_second_factor_too(client):
    StaffUserFactory(username="wulunsu")
    post_login(client, "wulunsu", PASSWORD)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/2fa/")


@pytest.mark.usefixtures("otp_required")
def test_members_are_not_asked_for_a_second_factor(client):
    SellerFactory(mobile="13912345678")
    assert post_login(client, "13912345678", PASSWORD)["Location"] == "/seller/"
    assert client.get("/seller/").status_code == 200


@pytest.mark.usefixtures("otp_required")
def test_a_password_reset_does_not_skip_the_second_factor(client):
    staff = StaffUserFactory(username="wulunsu", email="wu@example.com")
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.post("/accounts/password/reset/", {"email": "wu@example.com"})
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    client.post(
        form_url, {"new_password1": "new-pass-phrase-9", "new_password2": "new-pass-phrase-9"}
    )
    response = post_login(client, "wulunsu", "new-pass-phrase-9")
    assert response["Location"].startswith("/accounts/2fa/")


# --- Password reset and change -------------------------------------------------------------------


def test_reset_answers_the_same_for_known_and_unknown_addresses(client):
    UserFactory(email="lin@example.com")
    known = client.post("/accounts/password/reset/", {"email": "lin@example.com"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    assert "重置" in mail.outbox[0].subject


def test_the_reset_link_sets_a_new_password_once(client):
    seller = SellerFactory(mobile="13912345678")
    seller.user.email = "lin@example.com"
    seller.user.save()
    client.post("/accounts/password/reset/", {"email": "lin@example.com"})
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    done = client.post(
        form_url, {"new_password1": "peach-blossom-88", "new_password2": "peach-blossom-88"}
    )
    assert done["Location"] == "/accounts/password/reset/complete/"
    assert post_login(Client(), "13912345678", "peach-blossom-88").status_code == 302
    again = client.get(link, follow=True)
    assert "此链接已失效" in again.content.decode()


def test_changing_the_password_ends_her_other_sessions():
    SellerFactory(mobile="13912345678")
    phone, tablet = Client(), Client()
    post_login(phone, "13912345678", PASSWORD)
    post_login(tablet, "13912345678", PASSWORD, ip="10.0.0.2")
    response = phone.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "taro-harvest-2026",
            "new_password2": "taro-harvest-2026",
        },
    )
    assert response["Location"] == "/accounts/password/change/done/"
    assert phone.get("/seller/").status_code == 200
    assert tablet.get("/seller/").status_code == 302


def test_changing_the_password_needs_the_old_one(client):
    SellerFactory(mobile="13912345678")
    post_login(client, "13912345678", PASSWORD)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "nope",
            "new_password1": "x-long-pass-1",
            "new_password2": "x-long-pass-1",
        },
    )
    assert response.status_code == 200
    assert post_login(Client(), "13912345678", PASSWORD, ip="10.0.0.3").status_code == 302


def test_logout_needs_a_post_and_ends_the_session(client):
    SellerFactory(mobile="13912345678")
    post_login(client, "13912345678", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/seller/").status_code == 302


@pytest.mark.parametrize(
    "role", ["is_seller", "is_streamer", "is_leader", "is_courtyard_owner", "is_designer"]
)
def test_a_member_of_each_role_logs_in_to_the_dashboard(client, role):
    roles = dict.fromkeys(
        ["is_seller", "is_streamer", "is_leader", "is_courtyard_owner", "is_designer"], False
    )
    SellerFactory(mobile="13912345678", **{**roles, role: True})
    assert post_login(client, "13912345678", PASSWORD)["Location"] == "/seller/"
    assert client.get("/seller/").status_code == 200


def test_login_works_while_the_cache_server_is_down(client, settings):
    """Sessions and login throttling live in the database, so a Redis outage does not matter."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    SellerFactory(mobile="13912345678")
    fail_times(client, "13912345678", 2)
    assert post_login(client, "13912345678", PASSWORD).status_code == 302
    assert client.get("/seller/").status_code == 200
