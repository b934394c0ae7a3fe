"""The demo courtyards: the story's places and people, and seeding again changes nothing."""

import pytest
from django.apps import apps
from django.core import serializers
from django.db import transaction
from django.test import Client, override_settings

from alliance.demo import DEMO_PASSWORD
from alliance.demo import seed as seed_alliance
from courtyards.demo import seed as seed_courtyards
from courtyards.models import Courtyard, CourtyardKind, DayOff, QrCode, ScanEvent, WeeklySlot
from products.demo import seed as seed_products

pytestmark = pytest.mark.django_db


def snapshot() -> str:
    models = [
        model
        for config in apps.get_app_configs()
        if config.label in {"alliance", "products", "livestreams", "courtyards"}
        for model in config.get_models()
    ]
    return "\n".join(
        serializers.serialize("json", model.objects.order_by("pk")) for model in models
    )


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("courtyard-demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        seed_alliance()
        seed_products()
        seed_courtyards()
        yield media
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db, settings):
    settings.MEDIA_ROOT = seeded_once


def test_seeding_again_changes_nothing(seeded):
    before = snapshot()
    seed_courtyards()
    assert snapshot() == before


def test_jine_courtyards_hang_a_code_on_every_plant(seeded):
    courtyard = Courtyard.objects.get(name="石优琴的杜鹃庭院")
    assert courtyard.owner.name == "石优琴" and str(courtyard.village) == "西坞街道·金峨村"
    items = courtyard.items.all()
    assert items.count() >= 6 and items.filter(name__contains="杜鹃").count() >= 4
    assert items.filter(sku__isnull=False).count() == 2  # the shop's own azaleas
    for item in items:
        assert item.qr_codes.filter(retired_at__isnull=True).count() == 1
        assert item.photos.exists()
    assert {"available", "reserved", "sold"} <= set(items.values_list("status", flat=True))


def test_the_siji_huaxiang_belt_of_xiwu(seeded):
    belt = Courtyard.objects.filter(village__township__name="西坞街道").exclude(
        village__name="金峨村"
    )
    assert set(belt.values_list("village__name", flat=True)) == {"白杜村", "西坞村", "东岙村"}
    for courtyard in belt:
        assert courtyard.owner.is_courtyard_owner and courtyard.kind == CourtyardKind.SHOWROOM
        assert courtyard.latitude is None  # a private courtyard is never put on a map


def test_the_public_courtyard_shows_four_to_six_designs_by_the_two_designers(seeded):
    public = Courtyard.objects.get(kind=CourtyardKind.PUBLIC, village__name="金峨村")
    designs = public.designs.all()
    assert 4 <= designs.count() <= 6
    assert set(designs.values_list("designer__name", flat=True)) == {"陈巧燕", "周雅琴"}
    assert {"new_chinese", "pastoral", "japanese", "modern"} <= set(
        designs.values_list("style", flat=True)
    )
    for name in ("陈巧燕", "周雅琴"):
        assert WeeklySlot.objects.filter(designer__name=name).exists()
        assert DayOff.objects.filter(designer__name=name).exists()


def test_every_demo_code_opens_its_page(seeded):
    client = Client()
    for code in QrCode.objects.filter(retired_at__isnull=True):
        assert client.get(f"/q/{code.token}").status_code == 200, code


def test_the_demo_owner_and_designer_log_in_to_their_pages(seeded):
    for mobile, url in (
        ("13800000004", "/seller/courtyards/"),
        ("13800000009", "/seller/bookings/"),
    ):
        client = Client()
        client.post("/accounts/login/", {"username": mobile, "password": DEMO_PASSWORD})
        assert client.get(url).status_code == 200, mobile


def test_the_figures_have_demo_scans_on_fixed_dates(seeded):
    scans = ScanEvent.objects.filter(courtyard__name="石优琴的杜鹃庭院")
    assert scans.count() > 10
    assert {scan.scanned_at.date().isoformat()[:7] for scan in scans} == {"2026-11"}
