"""Who may open which face: anonymous, seller, staff, other logins; error pages."""

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from tests.conftest import logged_in_client
from tests.factories import MemberFactory, SellerFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

SELLER_URLS = ["/seller/", "/seller/notifications/"]
STAFF_URLS = ["/staff/", "/staff/members/"]
ADMIN_URLS = ["/admin/", "/admin/alliance/member/", "/admin/alliance/enterprise/add/"]


@pytest.mark.parametrize("url", SELLER_URLS + STAFF_URLS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_anonymous_visitors_of_the_admin_end_on_the_login_page(client, url):
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


@pytest.mark.parametrize("url", SELLER_URLS)
def test_a_seller_opens_her_dashboard(seller_client, url):
    assert seller_client.get(url).status_code == 200


@pytest.mark.parametrize("url", STAFF_URLS + ADMIN_URLS)
def test_a_seller_cannot_open_staff_pages_or_the_admin(seller_client, url):
    response = seller_client.get(url, follow=True)
    assert response.status_code == 403
    body = response.content.decode()
    assert "您无权打开此页面" in body
    assert "Traceback" not in body


@pytest.mark.parametrize("url", STAFF_URLS + ADMIN_URLS)
def test_staff_open_the_staff_pages_and_the_admin(staff_client, url):
    assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize("url", SELLER_URLS)
def test_staff_who_are_not_members_have_no_seller_dashboard(staff_client, url):
    assert staff_client.get(url).status_code == 403


@pytest.mark.parametrize("url", SELLER_URLS + STAFF_URLS)
def test_a_login_that_is_neither_member_nor_staff_gets_403(url):
    client = logged_in_client(UserFactory())
    assert client.get(url).status_code == 403


def test_a_staff_flag_without_the_staff_group_is_not_enough():
    client = logged_in_client(UserFactory(is_staff=True))
    assert client.get("/staff/").status_code == 403
    assert client.get("/admin/", follow=True).status_code == 403


def test_a_superuser_reaches_the_staff_pages():
    client = logged_in_client(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/staff/").status_code == 200


def test_a_member_who_is_also_staff_sees_both_faces():
    staff = StaffUserFactory()
    MemberFactory(user=staff)
    client = logged_in_client(staff)
    assert client.get("/seller/").status_code == 200
    assert client.get("/staff/").status_code == 200


def test_the_navigation_shows_each_role_its_own_faces(seller_client, staff_client):
    seller_page = seller_client.get("/").content.decode()
    assert 'href="/seller/"' in seller_page
    assert 'href="/staff/"' not in seller_page
    staff_page = staff_client.get("/").content.decode()
    assert 'href="/staff/"' in staff_page and 'href="/admin/"' in staff_page
    assert 'href="/seller/"' not in staff_page


def test_an_unknown_address_gets_a_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_the_500_page_is_generic():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "出错了" in body
    assert "Traceback" not in body


def test_a_post_without_csrf_token_is_refused():
    SellerFactory(mobile="13912345678")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "13912345678", "password": "x"})
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()
