"""`manage.py seed_demo` loads the story, and running it twice changes nothing."""

import io

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from alliance.demo import DEMO_PASSWORD, NAMED_MEMBERS, STAFF_USERNAME
from alliance.models import Enterprise, Federation, Member, Project, Village
from alliance.validators import validate_credit_code

pytestmark = pytest.mark.django_db


def snapshot() -> str:
    """Every row of every table the project owns, serialized."""
    models = [
        model
        for config in apps.get_app_configs()
        if config.label in {"alliance", "auth", "products", "livestreams", "courtyards"}
        for model in config.get_models()
    ]
    return "\n".join(
        serializers.serialize("json", model.objects.order_by("pk")) for model in models
    )


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The whole demo, seeded once for the module (it takes a while), rolled back at its end."""
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=io.StringIO())
        # Each test runs in a savepoint inside this transaction.
        yield media
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db, settings):
    settings.MEDIA_ROOT = seeded_once


def test_seeding_twice_changes_nothing(seeded):
    before = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == before


def test_the_story_is_there(seeded):
    assert Federation.objects.get(is_home=True).name == "奉化区妇联"
    assert Federation.objects.filter(name="甘洛县妇联", is_home=False).exists()
    for place in ["西坞街道", "尚田街道", "溪口镇"]:
        assert Village.objects.filter(township__name=place).exists()
    assert Village.objects.filter(name="金峨村", township__name="西坞街道").exists()
    assert Enterprise.objects.count() == 32
    for name in ["林夏女", "宋小赞", "毛美儿"]:
        assert Member.objects.filter(name=name).exists()
    assert Member.objects.get(name="宋小赞").is_streamer
    assert Member.objects.get(name="林夏女").is_seller


def test_every_role_is_represented(seeded):
    for role in Member.ROLE_FIELDS:
        assert Member.objects.filter(**{role: True}).exists(), role


def test_the_xiaoamei_project_brings_nearly_a_hundred_women_along(seeded):
    project = Project.objects.get(name__contains="小阿莓")
    assert project.leader.name == "宋小赞"
    assert project.participations.count() == 96
    assert not project.participations.filter(member=project.leader).exists()


def test_the_sample_export_sellers_exist_as_enterprises(seeded):
    for name in [
        "尚田小莓园",
        "锦屏桃花坞果园",
        "萧王庙芋香合作社",
        "金峨杜鹃庭院",
        "西坞米香酒酿坊",
        "溪口山珍小铺",
        "莼湖巧妇牛肉干工坊",
        "大堰竹韵手作",
    ]:
        assert Enterprise.objects.get(name=name).owner.is_seller


def test_every_seeded_row_passes_model_validation(seeded):
    for model in (Member, Enterprise, Project, Village):
        for row in model.objects.all():
            row.full_clean()
    for code in Enterprise.objects.values_list("registration_number", flat=True):
        validate_credit_code(code)


def test_the_demo_logins_work(seeded):
    staff = Client()
    staff.post("/accounts/login/", {"username": STAFF_USERNAME, "password": DEMO_PASSWORD})
    assert staff.get("/staff/").status_code == 200
    logins = [mobile for mobile, row in NAMED_MEMBERS.items() if row[4]]
    for mobile in logins:
        client = Client()
        response = client.post("/accounts/login/", {"username": mobile, "password": DEMO_PASSWORD})
        assert response["Location"] == "/seller/", mobile
        assert client.get("/seller/").status_code == 200
