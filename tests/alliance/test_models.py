"""Each invariant of the alliance's tables, in the database and in model validation."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alliance.models import Federation, Member, ProjectParticipation
from tests.factories import (
    EnterpriseFactory,
    FederationFactory,
    MemberFactory,
    PartnerFederationFactory,
    ProjectFactory,
    ProjectParticipationFactory,
    TownshipFactory,
    VillageFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"


def assert_refused_by_database(save) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


def test_only_one_home_federation_in_the_database():
    FederationFactory()
    PartnerFederationFactory()
    assert_refused_by_database(
        lambda: Federation.objects.create(name="另一个妇联", region="x", is_home=True)
    )


def test_only_one_home_federation_in_validation():
    FederationFactory()
    with pytest.raises(ValidationError, match="only one home federation"):
        Federation(name="另一个妇联", region="x", is_home=True).full_clean()


def test_township_names_are_unique_within_a_federation_only():
    township = TownshipFactory(name="西坞街道")
    TownshipFactory(name="西坞街道", federation=PartnerFederationFactory())
    assert_refused_by_database(
        lambda: TownshipFactory(name="西坞街道", federation=township.federation)
    )


def test_village_names_are_unique_within_a_township_only():
    village = VillageFactory(name="金峨村")
    VillageFactory(name="金峨村")  # another township
    assert_refused_by_database(lambda: VillageFactory(name="金峨村", township=village.township))


def test_member_mobile_is_unique():
    MemberFactory(mobile="13800001111")
    assert_refused_by_database(lambda: MemberFactory(mobile="13800001111"))


@pytest.mark.parametrize("mobile", ["1380000111", "23800001111", "12800001111", "1380000111a"])
def test_member_mobile_format_is_checked_by_the_database(mobile):
    assert_refused_by_database(lambda: MemberFactory(mobile=mobile))


@pytest.mark.parametrize("mobile", ["1380000111", "23800001111", "+8613800001111"])
def test_member_mobile_format_is_checked_by_validation(mobile):
    member = MemberFactory.build(mobile=mobile)
    with pytest.raises(ValidationError) as error:
        member.full_clean(exclude=["federation", "village"])
    assert "mobile" in error.value.message_dict


def test_sms_mobile_format_is_checked_by_the_database():
    assert_refused_by_database(lambda: MemberFactory(sms_mobile="12345"))


@pytest.mark.parametrize(
    ("toggle", "field"),
    [
        ("notify_by_email", "notification_email"),
        ("notify_by_wecom", "wecom_webhook_url"),
        ("notify_by_sms", "sms_mobile"),
    ],
)
def test_a_notification_channel_needs_its_address_in_the_database(toggle, field):
    assert_refused_by_database(lambda: MemberFactory(**{toggle: True, field: ""}))


@pytest.mark.parametrize(
    ("toggle", "field"),
    [
        ("notify_by_email", "notification_email"),
        ("notify_by_wecom", "wecom_webhook_url"),
        ("notify_by_sms", "sms_mobile"),
    ],
)
def test_a_notification_channel_needs_its_address_in_validation(toggle, field):
    member = MemberFactory(**{toggle: False})
    setattr(member, toggle, True)
    with pytest.raises(ValidationError) as error:
        member.full_clean()
    assert list(error.value.message_dict) == [field]


def test_a_member_with_every_channel_filled_in_is_valid():
    member = MemberFactory(
        notify_by_email=True,
        notification_email="lin@example.com",
        notify_by_wecom=True,
        wecom_webhook_url=WEBHOOK,
        notify_by_sms=True,
        sms_mobile="13900001111",
    )
    member.full_clean()


def test_member_status_is_one_of_the_choices_in_the_database():
    assert_refused_by_database(lambda: MemberFactory(status="deleted"))


def test_member_roles_can_be_combined():
    member = MemberFactory(is_seller=True, is_streamer=True, is_leader=True)
    assert [str(label) for label in member.role_labels] == ["seller", "streamer", "leader"]


def test_enterprise_credit_code_is_unique():
    enterprise = EnterpriseFactory()
    assert_refused_by_database(
        lambda: EnterpriseFactory(registration_number=enterprise.registration_number)
    )


def test_enterprise_credit_code_format_is_checked_by_the_database():
    assert_refused_by_database(lambda: EnterpriseFactory(registration_number="123"))


def test_enterprise_credit_code_check_character_is_checked_by_validation():
    enterprise = EnterpriseFactory()
    wrong = enterprise.registration_number[:17] + (
        "0" if enterprise.registration_number[17] != "0" else "1"
    )
    enterprise.registration_number = wrong
    with pytest.raises(ValidationError) as error:
        enterprise.full_clean()
    assert "registration_number" in error.value.message_dict


def test_enterprise_name_is_unique():
    EnterpriseFactory(name="尚田小莓园")
    assert_refused_by_database(lambda: EnterpriseFactory(name="尚田小莓园"))


def test_a_member_takes_part_in_a_project_once():
    participation = ProjectParticipationFactory()
    assert_refused_by_database(
        lambda: ProjectParticipation.objects.create(
            project=participation.project, member=participation.member
        )
    )


def test_a_participant_cannot_leave_before_she_joined_in_the_database():
    assert_refused_by_database(
        lambda: ProjectParticipationFactory(joined_on=date(2022, 5, 1), left_on=date(2022, 4, 30))
    )


def test_a_participant_cannot_leave_before_she_joined_in_validation():
    participation = ProjectParticipationFactory.build(
        project=ProjectFactory(),
        member=MemberFactory(),
        joined_on=date(2022, 5, 1),
        left_on=date(2022, 4, 30),
    )
    with pytest.raises(ValidationError, match="leave before she joined"):
        participation.full_clean()


def test_only_a_leader_can_lead_a_project():
    project = ProjectFactory.build(leader=MemberFactory(is_leader=False), township=None)
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert "leader" in error.value.message_dict


def test_the_leader_is_not_a_participant_of_her_own_project():
    project = ProjectFactory()
    participation = ProjectParticipation(project=project, member=project.leader)
    with pytest.raises(ValidationError) as error:
        participation.full_clean()
    assert "member" in error.value.message_dict


def test_a_village_in_use_cannot_be_deleted():
    member = MemberFactory()
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        member.village.delete()
    assert Member.objects.filter(pk=member.pk).exists()
