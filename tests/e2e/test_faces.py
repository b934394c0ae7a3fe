"""A seller on a phone and staff at a desk log in through a real browser."""

import pytest

from tests.factories import PASSWORD, EnterpriseFactory, SellerFactory, StaffUserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Interactive elements people tap on a phone page.
TAPPABLE = (
    "main a, main button, main input:not([type=hidden]), main select, header a, header button"
)


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def small_targets(page) -> list[str]:
    """Visible tappable elements smaller than 44 × 44 CSS pixels (checkboxes count with label)."""
    too_small = []
    for element in page.query_selector_all(TAPPABLE):
        box = element.bounding_box()
        if box is None:
            continue
        if element.get_attribute("type") == "checkbox":
            box = element.evaluate(
                "e => { const r = e.closest('label').getBoundingClientRect();"
                " return {width: r.width, height: r.height}; }"
            )
        if box["height"] < 44 or box["width"] < 44:
            too_small.append(f"{element.evaluate('e => e.outerHTML')[:80]} {box}")
    return too_small


def test_a_seller_logs_in_on_a_phone_and_sets_her_channels(live_server, phone_page):
    seller = SellerFactory(name="林夏女", mobile="13800000001")
    EnterpriseFactory(owner=seller, name="溪口山珍小铺")
    page = phone_page.page

    page.goto(f"{live_server.url}/accounts/login/")
    assert "联盟成员请用手机号登录" in page.content()
    assert small_targets(page) == []
    phone_page.screenshot("seller-login-375")

    log_in(page, live_server, "138 0000 0001")
    assert page.url.endswith("/seller/")
    assert "您好，林夏女" in page.content()
    assert "溪口山珍小铺" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert small_targets(page) == []
    phone_page.screenshot("seller-home-375")

    page.click("text=修改通知设置")
    page.check("input[name=notify_by_sms]")
    page.click("main button[type=submit]")
    assert "开启短信通知需要填写手机号" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    phone_page.screenshot("seller-notifications-error-375")
    page.fill("input[name=sms_mobile]", "139 0000 1111")
    page.click("main button[type=submit]")
    assert "通知设置已保存" in page.content()
    seller.refresh_from_db()
    assert seller.notify_by_sms and seller.sms_mobile == "13900001111"

    page.click("header button[value=en]")
    page.wait_for_load_state()
    assert "Hello, 林夏女" in page.content()
    phone_page.screenshot("seller-home-375-en")
    assert phone_page.console_errors == []


def test_staff_log_in_at_a_desk_and_open_the_member_list(live_server, desktop_page):
    StaffUserFactory(username="wulunsu")
    SellerFactory.create_batch(3)
    page = desktop_page.page
    log_in(page, live_server, "wulunsu")
    assert page.url.endswith("/staff/")
    desktop_page.screenshot("staff-home-desktop")
    page.click("main >> text=联盟成员")
    assert page.locator("table.table tbody tr").count() == 3
    desktop_page.screenshot("staff-members-desktop")
    page.goto(f"{live_server.url}/admin/")
    assert "七彩巧妇联盟 · 管理后台" in page.content()
    desktop_page.screenshot("staff-admin-desktop")
    assert desktop_page.console_errors == []


def test_a_seller_is_refused_the_staff_desk_in_the_browser(live_server, phone_page):
    SellerFactory(mobile="13800000001")
    page = phone_page.page
    log_in(page, live_server, "13800000001")
    response = page.goto(f"{live_server.url}/staff/")
    assert response.status == 403
    assert "您无权打开此页面" in page.content()
    phone_page.screenshot("seller-refused-staff-375")
