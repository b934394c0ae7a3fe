"""The federation's demo data: the story is there, every row is valid, a second run changes
nothing (alliance.demo_federation.seed, after the alliance's and the catalogue's seeders)."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from alliance import demo_federation
from alliance.models import (
    Attendance,
    Award,
    Backdrop,
    Campaign,
    Certificate,
    Course,
    Place,
    PlaceCategory,
)
from courtyards import demo as courtyards_demo
from tests.alliance.test_seed_demo import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("federation-demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        courtyards_demo.seed()  # wired before the federation's: 金峨村's place shows its courtyard
        demo_federation.seed()
        yield media
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db, settings):
    settings.MEDIA_ROOT = seeded_once


def test_seeding_again_changes_nothing(seeded):
    before = snapshot()
    demo_federation.seed()
    assert snapshot() == before


def test_at_least_four_places_of_each_beauty_around_fenghua(seeded):
    for category in PlaceCategory.values:
        assert Place.objects.filter(category=category).count() >= 4, category
    for place in Place.objects.all():
        assert 29.4 < float(place.latitude) < 29.9 and 121.0 < float(place.longitude) < 121.7
        assert place.photos.exists()
    for township in ("西坞街道", "溪口镇", "尚田街道"):
        assert Place.objects.filter(village__township__name=township).exists()
    assert Place.objects.get(slug="jin-e-courtyards").courtyard.is_public


def test_the_course_has_attendance_and_certificates(seeded):
    course = Course.objects.get()
    assert course.sessions.count() == 3
    assert Attendance.objects.filter(is_present=True).exists()
    assert Attendance.objects.filter(is_present=False).exists()
    assert 0 < Certificate.objects.count() < course.enrolments.count()
    assert course.enrolments.filter(member__isnull=True).exists()  # women not members yet


def test_song_xiaozan_won_the_excellence_award(seeded):
    award = Award.objects.get(entry__member__name="宋小赞")
    assert (award.name, award.entry.contest.name) == ("优秀奖", "浙江省首届巾帼村播大赛")


def test_the_ganluo_campaigns_have_partner_products_a_session_and_a_backdrop(seeded):
    for campaign in Campaign.objects.filter(partner_federation__name="甘洛县妇联"):
        assert campaign.is_published
        assert campaign.products.exists()
        assert not campaign.products.exclude(partner_federation=campaign.partner_federation)
        session = campaign.live_sessions.get()
        assert Backdrop.objects.get(session=session).current_product is not None
    assert Campaign.objects.filter(form="charity", charity_share_percent__gt=0).exists()


def test_every_seeded_row_passes_model_validation(seeded):
    for model in (Place, Campaign, Course, Award, Certificate):
        for row in model.objects.all():
            row.full_clean()


def test_the_demo_pages_open(seeded):
    client = Client()
    urls = ["/map/", "/map/collection.pdf", "/api/v1/places/"]
    urls += [f"/places/{slug}/" for slug in Place.objects.values_list("slug", flat=True)[:3]]
    urls += [f"/campaigns/{slug}/" for slug in Campaign.objects.values_list("slug", flat=True)]
    urls += [f"/backdrop/{token}/" for token in Backdrop.objects.values_list("token", flat=True)]
    for url in urls:
        assert client.get(url).status_code == 200, url
