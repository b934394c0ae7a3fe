"""The seller dashboard's home, notification settings, the staff member list and the admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.models import Member, MemberEvent, MemberStatus
from tests.factories import (
    EnterpriseFactory,
    MemberFactory,
    ProjectFactory,
    ProjectParticipationFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=3a9c6e1d-aaaa-bbbb"


def test_the_seller_home_shows_her_businesses_and_projects(seller, seller_client):
    EnterpriseFactory(owner=seller, name="尚田小莓园")
    project = ProjectFactory(name="小阿莓农创联盟")
    ProjectParticipationFactory(project=project, member=seller)
    body = seller_client.get("/seller/").content.decode()
    assert seller.name in body
    assert "尚田小莓园" in body
    assert "小阿莓农创联盟" in body
    assert project.leader.name in body


def test_the_seller_home_has_empty_states(seller_client):
    body = seller_client.get("/seller/").content.decode()
    assert "您还没有在联盟登记企业" in body
    assert "您还没有参与任何项目" in body


def test_a_leader_sees_how_many_women_her_project_brings_along(seller, seller_client):
    seller.is_leader = True
    seller.save()
    project = ProjectFactory(leader=seller)
    ProjectParticipationFactory.create_batch(3, project=project)
    assert "3 名妇女参与" in seller_client.get("/seller/").content.decode()


def test_a_seller_saves_her_notification_channels(seller, seller_client):
    response = seller_client.post(
        "/seller/notifications/",
        {
            "notify_by_email": "on",
            "notification_email": "lin@example.com",
            "notify_by_wecom": "on",
            "wecom_webhook_url": WEBHOOK,
            "notify_by_sms": "on",
            "sms_mobile": "139 0000 1111",
        },
    )
    assert response.status_code == 302
    seller.refresh_from_db()
    assert (seller.notify_by_email, seller.notify_by_wecom, seller.notify_by_sms) == (
        True,
        True,
        True,
    )
    assert seller.sms_mobile == "13900001111"
    assert "通知设置已保存" in seller_client.get("/seller/").content.decode()


def test_channel_errors_are_shown_next_to_the_field_in_chinese(seller, seller_client):
    response = seller_client.post(
        "/seller/notifications/",
        {
            "notify_by_email": "on",
            "notify_by_wecom": "on",
            "wecom_webhook_url": "http://169.254.169.254/latest/meta-data",
            "notify_by_sms": "on",
            "sms_mobile": "12345",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"notification_email", "wecom_webhook_url", "sms_mobile"}
    body = response.content.decode()
    assert "开启邮件通知需要填写邮箱地址" in body
    assert "请输入企业微信群机器人的 Webhook 地址" in body
    seller.refresh_from_db()
    assert not seller.notify_by_email and not seller.wecom_webhook_url


def test_a_seller_cannot_change_another_members_settings_through_the_form(
    seller, other_seller, seller_client
):
    seller_client.post(
        "/seller/notifications/",
        {"notify_by_email": "on", "notification_email": "a@example.com", "id": other_seller.pk},
    )
    other_seller.refresh_from_db()
    assert not other_seller.notify_by_email


# --- Staff member list ---------------------------------------------------------------------------


def member_list_queries(staff_client, url="/staff/members/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(url).status_code == 200
    return len(queries)


def test_the_member_list_runs_the_same_queries_for_one_row_and_a_full_page(
    staff_client, django_assert_num_queries
):
    MemberFactory()
    one = member_list_queries(staff_client)
    MemberFactory.create_batch(60)
    with django_assert_num_queries(one):
        response = staff_client.get("/staff/members/")
    assert len(response.context["page"].object_list) == 50
    # session, user, her member profile (navigation), staff group, count, rows, village choices
    assert one == 7


def test_the_member_list_is_paginated_and_keeps_its_filters(staff_client):
    village = VillageFactory()
    MemberFactory.create_batch(55, village=village, is_streamer=True)
    first = staff_client.get(f"/staff/members/?role=is_streamer&village={village.pk}")
    assert first.context["page"].paginator.num_pages == 2
    body = first.content.decode()
    assert f"role=is_streamer&amp;village={village.pk}&amp;page=2" in body
    second = staff_client.get(f"/staff/members/?role=is_streamer&village={village.pk}&page=2")
    assert len(second.context["page"].object_list) == 5


def test_the_member_list_filters_by_name_mobile_role_and_status(staff_client):
    lin = MemberFactory(name="林夏女", mobile="13800000001", is_streamer=False)
    song = MemberFactory(name="宋小赞", mobile="13800000002", is_streamer=True)
    suspended = MemberFactory(name="某某", status=MemberStatus.SUSPENDED)

    def names(query: str) -> set[str]:
        page = staff_client.get(f"/staff/members/?{query}").context["page"]
        return {member.name for member in page.object_list}

    assert names("q=夏") == {lin.name}
    assert names("q=138 0000 0002") == {song.name}
    assert names("role=is_streamer") == {song.name}
    assert names("status=suspended") == {suspended.name}


def test_the_member_list_has_an_empty_state(staff_client):
    body = staff_client.get("/staff/members/?q=nobody").content.decode()
    assert "没有符合筛选条件的成员" in body


def test_staff_home_shows_the_alliance_in_figures(staff_client):
    MemberFactory.create_batch(3, is_seller=True)
    response = staff_client.get("/staff/")
    assert response.context["figures"]["sellers"] == 3


# --- Admin ----------------------------------------------------------------------------------------


ADMIN_PAGES = [
    "/admin/alliance/{model}/",
    "/admin/alliance/{model}/add/",
]
MODELS = ["federation", "township", "village", "member", "enterprise", "project", "memberevent"]


@pytest.mark.parametrize("model", MODELS)
def test_every_alliance_admin_list_opens_for_staff(staff_client, model):
    EnterpriseFactory()
    ProjectParticipationFactory()
    response = staff_client.get(f"/admin/alliance/{model}/")
    assert response.status_code == 200
    assert "七彩巧妇联盟" in response.content.decode()


@pytest.mark.parametrize("model", [m for m in MODELS if m != "memberevent"])
def test_every_alliance_admin_add_form_opens_for_staff(staff_client, model):
    assert staff_client.get(f"/admin/alliance/{model}/add/").status_code == 200


def test_the_member_change_page_opens_with_its_inlines(staff_client):
    member = MemberFactory()
    EnterpriseFactory(owner=member)
    assert staff_client.get(f"/admin/alliance/member/{member.pk}/change/").status_code == 200


def test_member_autocomplete_finds_by_name(staff_client):
    MemberFactory(name="宋小赞")
    response = staff_client.get(
        "/admin/autocomplete/",
        {
            "term": "小赞",
            "app_label": "alliance",
            "model_name": "enterprise",
            "field_name": "owner",
        },
    )
    assert [row["text"] for row in response.json()["results"]] == ["宋小赞"]


def test_the_admin_suspends_members_through_the_service(staff_client, staff_user):
    members = MemberFactory.create_batch(2)
    response = staff_client.post(
        "/admin/alliance/member/",
        {"action": "suspend_selected", "_selected_action": [m.pk for m in members]},
    )
    assert response.status_code == 302
    assert set(Member.objects.values_list("status", flat=True)) == {"suspended"}
    assert MemberEvent.objects.filter(actor=staff_user).count() == 2


def test_the_audit_trail_cannot_be_edited_in_the_admin(staff_client):
    event = MemberEvent.objects.create(
        member=MemberFactory(), from_status="active", to_status="suspended"
    )
    assert staff_client.get("/admin/alliance/memberevent/add/").status_code == 403
    response = staff_client.post(f"/admin/alliance/memberevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert MemberEvent.objects.filter(pk=event.pk).exists()
