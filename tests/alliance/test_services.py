"""The alliance's service functions: members, logins, status changes, projects, groups."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from alliance import services
from alliance.models import Member, MemberEvent, MemberStatus, ProjectParticipation, User
from alliance.roles import FEDERATION_STAFF_GROUP, SELLERS_GROUP
from tests.conftest import logged_in_client
from tests.factories import (
    FederationFactory,
    MemberFactory,
    ProjectFactory,
    SellerFactory,
    StaffUserFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_create_member_normalizes_the_mobile_and_sets_roles():
    member = services.create_member(
        name=" 林夏女 ",
        mobile="+86 138 0000 0001",
        federation=FederationFactory(),
        village=VillageFactory(),
        roles=("is_seller", "is_streamer"),
    )
    assert (member.name, member.mobile) == ("林夏女", "13800000001")
    assert member.is_seller and member.is_streamer and not member.is_leader
    assert member.status == MemberStatus.ACTIVE


def test_create_member_refuses_a_mobile_in_use():
    MemberFactory(mobile="13800000001")
    with pytest.raises(ValidationError) as error:
        services.create_member(name="x", mobile="138 0000 0001", federation=FederationFactory())
    assert "mobile" in error.value.message_dict
    assert Member.objects.count() == 1


def test_create_member_refuses_an_unknown_role():
    with pytest.raises(ValueError, match="is_queen"):
        services.create_member(
            name="x", mobile="13800000001", federation=FederationFactory(), roles=("is_queen",)
        )


def test_grant_login_lets_her_log_in_with_her_mobile(client):
    member = MemberFactory(mobile="13800000002")
    user = services.grant_login(member=member, password="strawberry-fields-7")
    assert user.groups.filter(name=SELLERS_GROUP).exists()
    response = client.post(
        "/accounts/login/", {"username": "138 0000 0002", "password": "strawberry-fields-7"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_grant_login_twice_is_refused():
    member = SellerFactory()
    with pytest.raises(ValidationError, match="already has a login"):
        services.grant_login(member=member, password="strawberry-fields-7")


@pytest.mark.parametrize("password", ["13800000003", "short", "password123", "qiaofu2026"])
def test_grant_login_refuses_weak_passwords(password):
    member = MemberFactory(mobile="13800000003")
    with pytest.raises(ValidationError):
        services.grant_login(member=member, password=password)
    member.refresh_from_db()
    assert member.user is None
    assert not User.objects.filter(username=f"member-{member.pk}").exists()


def test_suspending_records_an_event_and_closes_her_login():
    member = SellerFactory()
    staff = StaffUserFactory()
    services.suspend_member(member=member, actor=staff, reason="left the alliance")
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert member.status == MemberStatus.SUSPENDED
    assert member.user.is_active is False
    event = MemberEvent.objects.get(member=member)
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "active",
        "suspended",
        staff,
        "left the alliance",
    )


def test_suspending_twice_changes_nothing():
    member = SellerFactory()
    services.suspend_member(member=member, actor=None)
    services.suspend_member(member=member, actor=None)
    assert MemberEvent.objects.filter(member=member).count() == 1


def test_reinstating_reopens_her_login():
    member = SellerFactory()
    services.suspend_member(member=member, actor=None)
    services.reinstate_member(member=member, actor=None)
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    assert User.objects.get(pk=member.user_id).is_active
    assert list(MemberEvent.objects.values_list("to_status", flat=True)) == [
        "active",
        "suspended",
    ]


def test_an_unknown_status_is_refused():
    member = MemberFactory()
    with pytest.raises(ValidationError, match="cannot go from"):
        services.set_member_status(member=member, to_status="deleted", actor=None)


def test_a_suspended_member_is_logged_out_on_her_next_request():
    member = SellerFactory()
    client = logged_in_client(member.user)
    assert client.get("/seller/").status_code == 200
    services.suspend_member(member=member, actor=None)
    response = client.get("/seller/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_notification_preferences_are_validated():
    member = MemberFactory()
    with pytest.raises(ValidationError) as error:
        services.update_notification_preferences(
            member=member,
            notification_email="",
            wecom_webhook_url="https://evil.example/cgi-bin/webhook/send?key=1",
            sms_mobile="",
            notify_by_email=True,
            notify_by_wecom=True,
            notify_by_sms=False,
        )
    assert set(error.value.message_dict) == {"notification_email", "wecom_webhook_url"}
    member.refresh_from_db()
    assert not member.notify_by_email


def test_adding_a_participant_twice_returns_the_same_row():
    project = ProjectFactory()
    member = MemberFactory()
    first = services.add_project_participant(project=project, member=member)
    second = services.add_project_participant(project=project, member=member)
    assert first.pk == second.pk
    assert ProjectParticipation.objects.count() == 1


def test_the_leader_cannot_join_her_own_project():
    project = ProjectFactory()
    with pytest.raises(ValidationError):
        services.add_project_participant(project=project, member=project.leader)


def test_role_groups_exist_after_migrate_and_sync_is_idempotent():
    staff = Group.objects.get(name=FEDERATION_STAFF_GROUP)
    before = set(staff.permissions.values_list("codename", flat=True))
    services.sync_role_groups()
    after = set(
        Group.objects.get(name=FEDERATION_STAFF_GROUP).permissions.values_list(
            "codename", flat=True
        )
    )
    assert before == after
    assert {"add_member", "change_member", "view_member", "view_memberevent"} <= after
    # The audit trail and login accounts are read-only for staff.
    assert "change_memberevent" not in after
    assert "add_user" not in after
    assert not Group.objects.get(name=SELLERS_GROUP).permissions.exists()
